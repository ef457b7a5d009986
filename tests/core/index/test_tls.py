"""TLS against a real HTTPS index on 127.0.0.1: CA bundles, trusted hosts and client certificates.

Each case configures the client the way a user would (pip.conf, pip's and the TLS environment variables, a
requirements file) and goes the whole way: configuration resolved by :class:`IndexService`, a client from it,
httpx, the TLS handshake with the fake index. The certificates come from throw-away ``trustme`` CAs made here;
the machine's own trust store is left as it is (it cannot know them).

The product's rule is checked on both sides of every case: where TLS fails, a project the index has and one it
does not have are both UNAVAILABLE ("could not check"), never NOT_FOUND.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme

from pinwise.core.index.config import PipConfig, load_pip_config
from pinwise.core.index.service import IndexService
from pinwise.core.index.transport import TransportPool
from pinwise.core.index.types import LookupStatus
from pinwise.core.requirements.parse import parse_requirements
from tests.index_server import ConnectProxy, IndexServer

FOUND = LookupStatus.FOUND
UNAVAILABLE = LookupStatus.UNAVAILABLE
# What the reason of a failed verification says (OpenSSL's words, through httpx).
UNVERIFIED = "certificate verify failed"

# Variables that would let the process's own environment take part: proxies (loopback must not be proxied)
# and the CA locations OpenSSL itself reads.
_AMBIENT = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE",
)


@dataclass(frozen=True)
class Case:
    """One set-up. In ``env``, ``pip_conf`` and ``requirements``, ``{ca}`` is the file of the CA that issued the
    server's certificate, ``{other_ca}`` one of an unrelated CA, ``{client}`` a client certificate and key
    (one PEM file, pip's format) from the server's CA, ``{stranger}`` one from the unrelated CA, ``{port}``
    the index's port. With ``proxy``, HTTPS_PROXY names a proxy that the connection must go through."""

    id: str
    expected: LookupStatus
    reason: str = ""  # a fragment of the UNAVAILABLE reason
    env: dict[str, str] = field(default_factory=dict)
    pip_conf: str = ""
    requirements: str = ""
    require_client_cert: bool = False
    proxy: bool = False


CASES = [
    # -- the CA bundle, each way it can reach the client ---------------------------------------------------
    Case("cert in pip.conf", FOUND, pip_conf="[global]\ncert = {ca}\n"),
    Case("cert in pip.conf [install]", FOUND, pip_conf="[install]\ncert = {ca}\n"),
    Case("PIP_CERT", FOUND, env={"PIP_CERT": "{ca}"}),
    Case("SSL_CERT_FILE", FOUND, env={"SSL_CERT_FILE": "{ca}"}),
    Case("REQUESTS_CA_BUNDLE", FOUND, env={"REQUESTS_CA_BUNDLE": "{ca}"}),
    # The bundle is added to the system store, so another bundle beside it does not hide it.
    Case(
        "PIP_CERT beside another SSL_CERT_FILE",
        FOUND,
        env={"PIP_CERT": "{ca}", "SSL_CERT_FILE": "{other_ca}"},
    ),
    # -- verification that must fail ----------------------------------------------------------------------
    Case("system store only", UNAVAILABLE, UNVERIFIED),
    Case("another CA", UNAVAILABLE, UNVERIFIED, env={"PIP_CERT": "{other_ca}"}),
    Case("another CA in pip.conf", UNAVAILABLE, UNVERIFIED, pip_conf="[global]\ncert = {other_ca}\n"),
    Case("CA file missing", UNAVAILABLE, UNVERIFIED, env={"PIP_CERT": "/nonexistent/ca.pem"}),
    # -- trusted hosts: pip does not verify them (host:port matches that port, a bare host every port) ------
    Case("PIP_TRUSTED_HOST host:port", FOUND, env={"PIP_TRUSTED_HOST": "127.0.0.1:{port}"}),
    Case("trusted-host in pip.conf, bare host", FOUND, pip_conf="[global]\ntrusted-host = 127.0.0.1\n"),
    Case("trusted-host among several", FOUND, env={"PIP_TRUSTED_HOST": "example.invalid 127.0.0.1:{port}"}),
    Case("--trusted-host in the requirements file", FOUND, requirements="--trusted-host 127.0.0.1:{port}\n"),
    Case(
        "trusted host beside a wrong CA",
        FOUND,
        env={"PIP_CERT": "{other_ca}", "PIP_TRUSTED_HOST": "127.0.0.1"},
    ),
    Case("trusted-host of another port", UNAVAILABLE, UNVERIFIED, env={"PIP_TRUSTED_HOST": "127.0.0.1:1"}),
    Case("trusted-host of another host", UNAVAILABLE, UNVERIFIED, env={"PIP_TRUSTED_HOST": "localhost"}),
    # -- through a proxy (HTTPS_PROXY): trusted or not, the connection goes where pip's would -------------------
    Case("PIP_CERT through a proxy", FOUND, env={"PIP_CERT": "{ca}"}, proxy=True),
    Case("trusted host through a proxy", FOUND, env={"PIP_TRUSTED_HOST": "127.0.0.1:{port}"}, proxy=True),
    Case("system store only through a proxy", UNAVAILABLE, UNVERIFIED, proxy=True),
    # -- the server requires a client certificate ---------------------------------------------------------
    Case(
        "PIP_CLIENT_CERT",
        FOUND,
        env={"PIP_CERT": "{ca}", "PIP_CLIENT_CERT": "{client}"},
        require_client_cert=True,
    ),
    Case(
        "client-cert in pip.conf",
        FOUND,
        pip_conf="[global]\ncert = {ca}\nclient-cert = {client}\n",
        require_client_cert=True,
    ),
    # pip sends the client certificate to trusted hosts too (they skip verification, not authentication).
    Case(
        "client-cert to a trusted host",
        FOUND,
        env={"PIP_TRUSTED_HOST": "127.0.0.1:{port}", "PIP_CLIENT_CERT": "{client}"},
        require_client_cert=True,
    ),
    Case("no client certificate", UNAVAILABLE, env={"PIP_CERT": "{ca}"}, require_client_cert=True),
    Case(
        "no client certificate, trusted host",
        UNAVAILABLE,
        env={"PIP_TRUSTED_HOST": "127.0.0.1:{port}"},
        require_client_cert=True,
    ),
    Case(
        "client certificate from another CA",
        UNAVAILABLE,
        env={"PIP_CERT": "{ca}", "PIP_CLIENT_CERT": "{stranger}"},
        require_client_cert=True,
    ),
]


@pytest.fixture(autouse=True)
def _no_ambient_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _AMBIENT:
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class Pki:
    ca: trustme.CA
    other_ca: trustme.CA


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki(trustme.CA(organization_name="Pinwise test CA"), trustme.CA(organization_name="Unrelated CA"))


@pytest.fixture
def files(pki: Pki, tmp_path: Path) -> dict[str, str]:
    """The certificate files of the placeholders of :class:`Case`."""
    pem = tmp_path / "pem"
    pem.mkdir()
    paths = {name: str(pem / f"{name}.pem") for name in ("ca", "other_ca", "client", "stranger")}
    pki.ca.cert_pem.write_to_path(paths["ca"])
    pki.other_ca.cert_pem.write_to_path(paths["other_ca"])
    pki.ca.issue_cert("pinwise-client").private_key_and_cert_chain_pem.write_to_path(paths["client"])
    pki.other_ca.issue_cert("stranger").private_key_and_cert_chain_pem.write_to_path(paths["stranger"])
    return paths


async def check_tls(
    case: Case, pooled: bool, pki: Pki, files: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        IndexServer(ca=pki.ca, require_client_cert=case.require_client_cert) as server,
        ConnectProxy() as proxy,
    ):
        if case.proxy:
            # httpx reads the proxy variables from the process's environment, as pip does.
            monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        values = {**files, "port": str(server.port)}
        env = {k: v.format(**values) for k, v in case.env.items()}
        env.update({"PIP_INDEX_URL": server.url, "HOME": str(tmp_path)})
        pip_config = PipConfig()
        if case.pip_conf:
            conf = tmp_path / "pip.conf"
            conf.write_text(case.pip_conf.format(**values), "utf-8")
            pip_config = load_pip_config(env, files=[str(conf)])
        document = parse_requirements(
            case.requirements.format(**values) + "flask\n", str(tmp_path / "requirements.txt")
        )
        # The language server shares transports through a pool; the command line lets each client own one.
        pool = TransportPool(timeout=5.0, environ=env) if pooled else None
        service = IndexService(
            environ=env, cache_dir=tmp_path / "cache", pip_config=pip_config, timeout=5.0, transports=pool
        )
        try:
            client = service.client_for(document)
            known = await client.project("flask")
            unknown = await client.project("does-not-exist")
        finally:
            await service.aclose()
            if pool is not None:
                await pool.aclose()
        failures = list(server.tls_failures)
        served = server.hits("/simple/flask/")
        tunnels = list(proxy.targets)

    assert known.status is case.expected, (known, failures)
    assert set(tunnels) == ({f"127.0.0.1:{server.port}"} if case.proxy else set()), (
        "proxy not used as configured"
    )
    if case.expected is FOUND:
        assert known.project is not None and known.project.releases
        assert unknown.status is LookupStatus.NOT_FOUND, unknown
        assert served == 1
    else:
        # Not reached is not "no such project", whichever project it is.
        assert unknown.status is UNAVAILABLE, unknown
        assert case.reason.lower() in known.reason.lower(), known.reason
        assert served == 0, "a request got through a handshake that should have failed"
        assert server.url in known.reason  # the reason names the index that could not be checked


@pytest.mark.parametrize("pooled", [True, False], ids=["pool", "own"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_tls(
    case: Case, pooled: bool, pki: Pki, files: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await check_tls(case, pooled, pki, files, tmp_path, monkeypatch)


async def test_fake_index_over_https(tmp_path: Path) -> None:
    """The fake index itself: both listeners speak TLS with one certificate (so a redirect to "another host"
    works over HTTPS), and a handshake that fails is recorded by the server and serves nothing."""
    with IndexServer(tls=True) as server:  # a CA of its own
        assert server.url.startswith("https://127.0.0.1:") and server.other_base.startswith("https://")
        ca = tmp_path / "ca.pem"
        server.ca.cert_pem.write_to_path(str(ca))
        server.fault("/simple/flask/", kind="redirect", times=1)
        for env, expected in (({"PIP_CERT": str(ca)}, FOUND), ({}, UNAVAILABLE)):
            env = {**env, "PIP_INDEX_URL": server.url, "HOME": str(tmp_path)}
            service = IndexService(
                environ=env, cache_dir=tmp_path / expected.value, pip_config=PipConfig(), timeout=5.0
            )
            try:
                result = await service.default_client().project("flask")
            finally:
                await service.aclose()
            assert result.status is expected, result
        other = server.other_base.removeprefix("https://")
        assert [r.host for r in server.requests] == [f"127.0.0.1:{server.port}", other]
        assert server.wait_tls_failures() and len(server.requests) == 2
