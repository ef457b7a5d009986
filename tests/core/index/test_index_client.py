"""The index client against a real local index: statuses, faults, cache, credentials, local indexes."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from pinwise.core.index.client import IndexClient
from pinwise.core.index.config import ResolvedIndexConfig
from pinwise.core.index.types import IndexConfig, LookupStatus
from tests.fixtures.index.packages import PACKAGES, Pkg, Rel
from tests.index_server import IndexServer, write_file_index

# A generous timeout for answers (a loaded 2-core CI machine can take a while to serve one), and a short one
# for the cases where the index is made to hang and the timeout itself is under test.
FAST = {"timeout": 10.0, "max_response_bytes": 4 * 1024 * 1024}
HANG_TIMEOUT = 0.25


def timeout_for(*faults: dict[str, Any] | None) -> float:
    return HANG_TIMEOUT if any(f is not None and f.get("kind") == "hang" for f in faults) else FAST["timeout"]


def make_client(config: IndexConfig, cache: Path, **kw: Any) -> IndexClient:
    opts: dict[str, Any] = {"cache_dir": cache, "environ": {}, **FAST}
    opts.update(kw)
    return IndexClient(config, **opts)


@pytest.fixture
async def client(index_server: IndexServer, index_cache: Path) -> AsyncIterator[IndexClient]:
    async with make_client(IndexConfig(index_url=index_server.url), index_cache) as c:
        yield c


def cache_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


# -- statuses and faults ---------------------------------------------------------------------------------------


async def check_status(
    server: IndexServer,
    cache: Path,
    name: str,
    faults: dict[str, dict[str, Any]],
    expected: LookupStatus,
    reason: str,
) -> None:
    for path, fault in faults.items():
        server.fault(path, **fault)
    async with make_client(
        IndexConfig(index_url=server.url), cache, timeout=timeout_for(*faults.values())
    ) as c:
        result = await c.project(name)
    assert result.status is expected, result
    if reason:
        assert reason in result.reason
    else:  # "" is in every string: an empty fragment means no reason at all
        assert result.reason == "", result.reason
    if expected is LookupStatus.FOUND:
        assert result.project is not None and result.project.releases


STATUS_CASES = [
    # name, faults by path, expected status, fragment of the reason
    ("requests", {}, LookupStatus.FOUND, ""),
    ("REQUESTS", {}, LookupStatus.FOUND, ""),
    ("zope-interface", {}, LookupStatus.FOUND, ""),
    ("does-not-exist", {}, LookupStatus.NOT_FOUND, ""),
    ("flask", {"/simple/flask/": {"status": 404}}, LookupStatus.NOT_FOUND, ""),
    ("flask", {"/simple/flask/": {"status": 410}}, LookupStatus.NOT_FOUND, ""),
    ("flask", {"/simple/flask/": {"status": 500}}, LookupStatus.UNAVAILABLE, "HTTP 500"),
    ("flask", {"/simple/flask/": {"status": 503}}, LookupStatus.UNAVAILABLE, "HTTP 503"),
    ("flask", {"/simple/flask/": {"status": 403}}, LookupStatus.UNAVAILABLE, "HTTP 403"),
    ("flask", {"*": {"kind": "auth"}}, LookupStatus.UNAVAILABLE, "HTTP 401"),
    ("flask", {"/simple/flask/": {"kind": "hang"}}, LookupStatus.UNAVAILABLE, "timed out"),
    ("flask", {"/simple/flask/": {"kind": "garbage"}}, LookupStatus.UNAVAILABLE, "invalid answer"),
    ("flask", {"/simple/flask/": {"kind": "truncate"}}, LookupStatus.UNAVAILABLE, "closed"),
    ("flask", {"/simple/flask/": {"kind": "close"}}, LookupStatus.UNAVAILABLE, "closed"),
    ("flask", {"/simple/flask/": {"kind": "huge"}}, LookupStatus.UNAVAILABLE, "too large"),
    (
        "flask",
        {"/simple/flask/": {"kind": "huge", "content_length": False}},
        LookupStatus.UNAVAILABLE,
        "too large",
    ),
    ("flask", {"/simple/flask/": {"delay": 0.05}}, LookupStatus.FOUND, ""),
    ("flask", {"/simple/flask/": {"status": 503, "times": 1}}, LookupStatus.UNAVAILABLE, "HTTP 503"),
    # A redirect to another host is followed (the page is served there too).
    ("flask", {"/simple/flask/": {"kind": "redirect", "times": 1}}, LookupStatus.FOUND, ""),
]


@pytest.mark.parametrize(("name", "faults", "expected", "reason"), STATUS_CASES)
async def test_status(
    index_server: IndexServer,
    index_cache: Path,
    name: str,
    faults: dict[str, dict[str, Any]],
    expected: LookupStatus,
    reason: str,
) -> None:
    await check_status(index_server, index_cache, name, faults, expected, reason)


async def test_oversized_body_is_not_read_to_the_end(index_server: IndexServer, index_cache: Path) -> None:
    index_server.fault("/simple/flask/", kind="huge", content_length=False)
    async with make_client(
        IndexConfig(index_url=index_server.url), index_cache, max_response_bytes=1_000_000
    ) as c:
        loop = asyncio.get_running_loop()
        start = loop.time()
        result = await c.project("flask")
        assert loop.time() - start < 2.0
    assert result.status is LookupStatus.UNAVAILABLE and "too large" in result.reason


async def test_down_index_is_unavailable(index_cache: Path) -> None:
    server = IndexServer().start()
    url = server.url
    server.stop()
    async with make_client(IndexConfig(index_url=url), index_cache) as c:
        result = await c.project("flask")
    assert result.status is LookupStatus.UNAVAILABLE
    assert "connection" in result.reason


# -- several indexes --------------------------------------------------------------------------------------------


async def check_merge(
    primary: IndexServer,
    secondary: IndexServer,
    cache: Path,
    faults: tuple[dict[str, Any] | None, dict[str, Any] | None],
    name: str,
    expected: LookupStatus,
    sources: int,
    failures: int,
) -> None:
    for server, fault in zip((primary, secondary), faults, strict=True):
        if fault is not None:
            server.fault(f"/simple/{name}/", **fault)
    config = IndexConfig(index_url=primary.url, extra_index_urls=(secondary.url,))
    async with make_client(config, cache, timeout=timeout_for(*faults)) as c:
        result = await c.project(name)
    assert result.status is expected, result
    if expected is LookupStatus.FOUND:
        assert result.project is not None
        assert len(result.project.sources) == sources
        assert len(result.project.failures) == failures
    else:
        assert result.project is None


MERGE_CASES = [
    # faults on (primary, secondary), name, status, sources, failures
    ((None, None), "flask", LookupStatus.FOUND, 2, 0),
    (({"status": 404}, None), "flask", LookupStatus.FOUND, 1, 0),
    (({"status": 500}, None), "flask", LookupStatus.FOUND, 1, 1),
    ((None, {"kind": "hang"}), "flask", LookupStatus.FOUND, 1, 1),
    (({"status": 404}, {"status": 404}), "flask", LookupStatus.NOT_FOUND, 0, 0),
    (({"status": 404}, {"status": 500}), "flask", LookupStatus.UNAVAILABLE, 0, 0),
    (({"kind": "garbage"}, {"status": 404}), "flask", LookupStatus.UNAVAILABLE, 0, 0),
    ((None, None), "nothing-here", LookupStatus.NOT_FOUND, 0, 0),
]


@pytest.mark.parametrize(("faults", "name", "expected", "sources", "failures"), MERGE_CASES)
async def test_merge(
    index_server: IndexServer,
    index_cache: Path,
    faults: tuple[dict[str, Any] | None, dict[str, Any] | None],
    name: str,
    expected: LookupStatus,
    sources: int,
    failures: int,
) -> None:
    with IndexServer() as secondary:
        await check_merge(index_server, secondary, index_cache, faults, name, expected, sources, failures)


async def test_files_are_unioned_across_indexes(index_server: IndexServer, index_cache: Path) -> None:
    extra = Pkg(name="flask", releases=(Rel("9.9.9"),))
    with IndexServer([extra]) as secondary:
        config = IndexConfig(index_url=index_server.url, extra_index_urls=(secondary.url,))
        async with make_client(config, index_cache) as c:
            result = await c.project("flask")
    assert result.project is not None
    assert set(result.project.releases) == {"2.3.3", "3.0.0", "3.0.3", "9.9.9"}


# -- page contents in both formats ------------------------------------------------------------------------------


def check_page(result: Any, version: str, attr: str, expected: object) -> None:
    assert result.status is LookupStatus.FOUND
    release = result.project.releases[version]
    assert getattr(release, attr) == expected


PAGE_CASES = [
    ("requests", "2.32.0", "yanked", True),
    ("requests", "2.32.0", "yanked_reason", "Yanked due to conflicts with CVE-2024-35195 mitigation"),
    ("requests", "2.31.0", "yanked", False),
    ("requests", "2.32.3", "requires_python", ">=3.8"),
    ("old-python", "3.0", "requires_python", ">=3.12"),
    ("yanked-all", "0.2", "yanked", True),
    ("yanked-all", "0.2", "yanked_reason", None),
    ("prerelease-only", "2.0rc1", "yanked", False),
]


@pytest.mark.parametrize("fmt", ["json", "html"])
@pytest.mark.parametrize(("name", "version", "attr", "expected"), PAGE_CASES)
async def test_page_fields(
    index_server: IndexServer,
    index_cache: Path,
    fmt: str,
    name: str,
    version: str,
    attr: str,
    expected: object,
) -> None:
    index_server.formats = (fmt,)
    async with make_client(IndexConfig(index_url=index_server.url), index_cache) as c:
        check_page(await c.project(name), version, attr, expected)


async def test_json_page_has_pep700_fields(client: IndexClient) -> None:
    result = await client.project("requests")
    assert result.project is not None
    release = result.project.releases["2.32.3"]
    assert release.upload_time is not None and release.upload_time.year == 2024
    assert all(f.size for f in release.files)
    assert any(f.core_metadata for f in release.files)


async def test_many_versions(client: IndexClient) -> None:
    result = await client.project("many-versions")
    assert result.project is not None and len(result.project.releases) == 3000


# -- details ----------------------------------------------------------------------------------------------------


async def check_details(
    client: IndexClient, name: str, version: str | None, expect: dict[str, object]
) -> None:
    result = await client.details(name, version)
    assert result.status is LookupStatus(expect.pop("status", "found")), result
    for attr, value in expect.items():
        assert getattr(result.details, attr) == value, attr


DETAILS_CASES: list[tuple[str, str | None, dict[str, object]]] = [
    ("requests", None, {"version": "2.32.3", "summary": "HTTP for Humans.", "license": "Apache-2.0"}),
    ("requests", None, {"provides_extra": ("socks", "use-chardet-on-py3")}),
    ("requests", "2.31.0", {"requires_python": ">=3.7", "vulnerabilities": ()}),
    (
        "requests",
        None,
        {
            "project_urls": {
                "Source": "https://code.example/requests",
                "Documentation": "https://docs.example/requests",
                "Homepage": "https://requests.example/",
            }
        },
    ),
    ("django", None, {"license": "BSD-3-Clause"}),
    ("prerelease-only", None, {"version": "2.0rc1"}),
    ("yanked-all", None, {"version": "0.2"}),
    (
        "with-extras",
        None,
        {"requires_dist": ('click>=8; extra == "cli"', 'pyyaml; extra == "yaml"', "attrs>=21")},
    ),
    ("numpy", "2.0.0", {"summary": "Fundamental package for array computing in Python"}),
    # No PEP 658 metadata: the JSON API fills in.
    ("no-metadata", None, {"summary": "Wheels without PEP 658 metadata"}),
    ("sdist-only", None, {"summary": "Only source distributions"}),
    ("requests", "9.9", {"status": "not-found"}),
    ("nope-nope", None, {"status": "not-found"}),
]


@pytest.mark.parametrize(("name", "version", "expect"), DETAILS_CASES)
async def test_details(
    client: IndexClient, name: str, version: str | None, expect: dict[str, object]
) -> None:
    await check_details(client, name, version, dict(expect))


async def test_vulnerabilities(client: IndexClient) -> None:
    result = await client.details("vulnerable-lib", "1.0")
    assert result.details is not None and result.details.vulnerabilities is not None
    (vuln,) = result.details.vulnerabilities
    assert (vuln.id, vuln.fixed_in, vuln.aliases) == ("PYSEC-2024-1", ("1.1",), ("CVE-2024-0001",))
    fixed = await client.details("vulnerable-lib", "1.1")
    assert fixed.details is not None and fixed.details.vulnerabilities == ()


async def test_details_without_json_api(index_server: IndexServer, client: IndexClient) -> None:
    index_server.json_api = False
    result = await client.details("requests")
    assert result.details is not None
    assert result.details.vulnerabilities is None
    assert result.details.summary == "HTTP for Humans."


async def test_details_never_downloads_distributions(index_server: IndexServer, client: IndexClient) -> None:
    for pkg in ("requests", "numpy", "sdist-only", "no-metadata"):
        await client.details(pkg)
    paths = [r.path for r in index_server.requests]
    assert "/files/requests-2.32.3-py3-none-any.whl.metadata" in paths
    # A wheel without a metadata file is only ever read in small ranges (its zip directory and METADATA).
    wheel_requests = [
        r for r in index_server.requests if r.path.startswith("/files/") and not r.path.endswith(".metadata")
    ]
    assert {r.path for r in wheel_requests} == {"/files/no_metadata-1.0-py3-none-any.whl"}
    assert all(r.headers.get("Range", "").startswith("bytes=") for r in wheel_requests)
    assert sum(index_server.bytes_sent.values()) <= 64 * 1024


async def test_metadata_is_cached_forever(index_server: IndexServer, index_cache: Path) -> None:
    config = IndexConfig(index_url=index_server.url)
    for _ in range(2):
        async with make_client(config, index_cache, project_ttl=0) as c:
            await c.details("flask", "3.0.0")
    assert index_server.hits("/files/flask-3.0.0-py3-none-any.whl.metadata") == 1


# -- cache ------------------------------------------------------------------------------------------------------


async def test_fresh_cache_is_used_across_clients(index_server: IndexServer, index_cache: Path) -> None:
    config = IndexConfig(index_url=index_server.url)
    for _ in range(3):
        async with make_client(config, index_cache) as c:
            assert (await c.project("flask")).status is LookupStatus.FOUND
            assert (await c.project("no-such-thing")).status is LookupStatus.NOT_FOUND
    assert index_server.hits("/simple/flask/") == 1
    assert index_server.hits("/simple/no-such-thing/") == 1


async def test_revalidation_with_etag(index_server: IndexServer, index_cache: Path) -> None:
    config = IndexConfig(index_url=index_server.url)
    async with make_client(config, index_cache, project_ttl=0) as c:
        await c.project("flask")
    async with make_client(config, index_cache, project_ttl=0) as c:
        result = await c.project("flask")
    assert result.status is LookupStatus.FOUND and result.project is not None
    assert not result.project.from_stale_cache
    second = [r for r in index_server.requests if r.path == "/simple/flask/"][1]
    assert second.headers.get("If-None-Match", "").startswith('"')
    assert second.headers.get("If-Modified-Since")


async def test_stale_if_error_logs_once_per_index(
    index_server: IndexServer, index_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = IndexConfig(index_url=index_server.url)
    names = ["flask", "click", "six"]
    async with make_client(config, index_cache) as c:
        for n in names:
            await c.project(n)
    index_server.fault("*", status=503)
    caplog.set_level(logging.WARNING, logger="pinwise")
    async with make_client(config, index_cache, project_ttl=0) as c:
        results = [await c.project(n) for n in names]
    assert all(r.status is LookupStatus.FOUND and r.project and r.project.from_stale_cache for r in results)
    stale_logs = [r for r in caplog.records if "cached answers" in r.getMessage()]
    assert len(stale_logs) == 1


async def test_offline_uses_only_the_cache(index_server: IndexServer, index_cache: Path) -> None:
    config = IndexConfig(index_url=index_server.url)
    async with make_client(config, index_cache) as c:
        await c.project("flask")
    index_server.reset_counts()
    async with make_client(config, index_cache, offline=True, project_ttl=0) as c:
        cached = await c.project("flask")
        missing = await c.project("click")
    assert cached.status is LookupStatus.FOUND
    assert missing.status is LookupStatus.UNAVAILABLE and "offline" in missing.reason
    assert index_server.requests == []


@pytest.mark.parametrize("garbage", [b"", b"{not json", b'{"v": 1, "fetched": "x"}', b"\x00\xff"])
async def test_corrupt_cache_file_is_ignored(
    index_server: IndexServer, index_cache: Path, garbage: bytes
) -> None:
    config = IndexConfig(index_url=index_server.url)
    async with make_client(config, index_cache) as c:
        await c.project("flask")
    files = cache_files(index_cache)
    assert files
    for p in files:
        p.write_bytes(garbage)
    async with make_client(config, index_cache) as c:
        assert (await c.project("flask")).status is LookupStatus.FOUND
    assert index_server.hits("/simple/flask/") == 2


# -- transport --------------------------------------------------------------------------------------------------


async def test_concurrent_identical_lookups_hit_the_server_once(
    index_server: IndexServer, index_cache: Path
) -> None:
    index_server.fault("/simple/flask/", delay=0.1)
    # A timeout well above the delay: on a loaded 2-core machine the default test timeout (0.25 s) can
    # expire, and the coalescing, not the timeout, is what this checks.
    async with make_client(IndexConfig(index_url=index_server.url), index_cache, timeout=5) as client:
        results = await asyncio.gather(*(client.project(n) for n in ["flask", "Flask", "FLASK", "flask"]))
    assert all(r.status is LookupStatus.FOUND for r in results)
    assert index_server.hits("/simple/flask/") == 1


@pytest.mark.parametrize(("concurrency", "serial"), [(1, True), (4, False)])
async def test_concurrency_is_bounded(
    index_server: IndexServer, index_cache: Path, concurrency: int, serial: bool
) -> None:
    delay = 0.05
    index_server.fault("/simple/*", delay=delay)
    names = ["flask", "click", "six", "idna"]
    config = IndexConfig(index_url=index_server.url)
    async with make_client(config, index_cache, concurrency=concurrency, timeout=2) as c:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.gather(*(c.project(n) for n in names))
        elapsed = loop.time() - start
    # Serial: four delays back to back. Parallel: well under that.
    assert (elapsed >= delay * len(names) * 0.9) is serial, elapsed


SECRET = "s3cr3t-Pa55"


async def test_credentials_are_sent_and_never_leak(
    index_server: IndexServer, index_cache: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    index_server.fault("*", kind="auth", user="alice", password=SECRET)
    config = IndexConfig(index_url=index_server.url_with_auth("alice", SECRET))
    async with make_client(config, index_cache) as c:
        found = await c.project("requests")
        details = await c.details("requests")
    assert found.status is LookupStatus.FOUND
    assert details.status is LookupStatus.FOUND and details.details and details.details.summary
    assert found.project is not None and all(SECRET not in s for s in found.project.sources)
    index_server.clear_faults()
    index_server.fault("/simple/flask/", status=500)
    async with make_client(config, index_cache) as c:
        failed = await c.project("flask")
    assert failed.status is LookupStatus.UNAVAILABLE
    assert SECRET not in failed.reason and "alice" not in failed.reason
    assert SECRET not in caplog.text
    for path in cache_files(index_cache):
        assert SECRET not in path.name
        assert SECRET.encode() not in path.read_bytes()


async def test_credentials_from_netrc(index_server: IndexServer, index_cache: Path, tmp_path: Path) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login bob password {SECRET}\n")
    os.chmod(netrc, 0o600)
    index_server.fault("*", kind="auth", user="bob", password=SECRET)
    async with make_client(
        IndexConfig(index_url=index_server.url), index_cache, environ={"NETRC": str(netrc)}
    ) as c:
        assert (await c.project("flask")).status is LookupStatus.FOUND


async def test_redirect_to_another_host_drops_credentials(
    index_server: IndexServer, index_cache: Path
) -> None:
    index_server.fault("/simple/flask/", kind="redirect", times=1)
    config = IndexConfig(index_url=index_server.url_with_auth("alice", SECRET))
    async with make_client(config, index_cache) as c:
        result = await c.project("flask")
    assert result.status is LookupStatus.FOUND
    first, second = [r for r in index_server.requests if r.path == "/simple/flask/"]
    assert first.headers.get("Authorization", "").startswith("Basic ")
    assert second.host.startswith(index_server.other_host)
    assert "Authorization" not in second.headers


# -- local indexes and find-links -------------------------------------------------------------------------------


def _pkgs(*names: str) -> list[Pkg]:
    wanted = set(names)
    return [p for p in PACKAGES if p.canonical in wanted]


async def check_local(
    config_of: Callable[[Path], IndexConfig],
    tmp_path: Path,
    name: str,
    expected: LookupStatus,
    versions: set[str],
) -> None:
    async with make_client(config_of(tmp_path), tmp_path / "cache") as c:
        result = await c.project(name)
    assert result.status is expected, result
    if versions:
        assert result.project is not None and set(result.project.releases) == versions


def _file_index(tmp: Path) -> IndexConfig:
    return IndexConfig(index_url=write_file_index(tmp / "idx", _pkgs("flask", "six")))


def _file_index_missing_root(tmp: Path) -> IndexConfig:
    return IndexConfig(index_url=(tmp / "absent" / "simple").as_uri() + "/")


def _find_links_dir(tmp: Path) -> IndexConfig:
    wheels = tmp / "wheels"
    wheels.mkdir()
    for f in [
        "flask-9.0-py3-none-any.whl",
        "six-1.17.0.tar.gz",
        "readme.txt",
        "torch-2.0.0+cpu-cp311-cp311-linux_x86_64.whl",
    ]:
        (wheels / f).write_bytes(b"x")
    return IndexConfig(index_url=None, no_index=True, find_links=(str(wheels),))


def _find_links_missing(tmp: Path) -> IndexConfig:
    return IndexConfig(index_url=None, no_index=True, find_links=(str(tmp / "nowhere"),))


def _file_plus_find_links(tmp: Path) -> IndexConfig:
    base = _find_links_dir(tmp)
    return IndexConfig(index_url=write_file_index(tmp / "idx", _pkgs("flask")), find_links=base.find_links)


def _nothing(tmp: Path) -> IndexConfig:
    return IndexConfig(index_url=None, no_index=True)


LOCAL_CASES = [
    (_file_index, "flask", LookupStatus.FOUND, {"2.3.3", "3.0.0", "3.0.3"}),
    (_file_index, "Six", LookupStatus.FOUND, {"1.16.0"}),
    (_file_index, "click", LookupStatus.NOT_FOUND, set()),
    (_file_index_missing_root, "flask", LookupStatus.UNAVAILABLE, set()),
    (_find_links_dir, "flask", LookupStatus.FOUND, {"9.0"}),
    (_find_links_dir, "torch", LookupStatus.FOUND, {"2.0.0+cpu"}),
    (_find_links_dir, "click", LookupStatus.NOT_FOUND, set()),
    (_find_links_missing, "flask", LookupStatus.UNAVAILABLE, set()),
    (_file_plus_find_links, "flask", LookupStatus.FOUND, {"2.3.3", "3.0.0", "3.0.3", "9.0"}),
    (_file_plus_find_links, "six", LookupStatus.FOUND, {"1.17.0"}),
    (_nothing, "flask", LookupStatus.UNAVAILABLE, set()),
]


@pytest.mark.parametrize(("config_of", "name", "expected", "versions"), LOCAL_CASES)
async def test_local_sources(
    tmp_path: Path,
    config_of: Callable[[Path], IndexConfig],
    name: str,
    expected: LookupStatus,
    versions: set[str],
) -> None:
    await check_local(config_of, tmp_path, name, expected, versions)


async def test_file_index_details_read_local_metadata(tmp_path: Path) -> None:
    url = write_file_index(tmp_path / "idx", _pkgs("requests"))
    async with make_client(IndexConfig(index_url=url), tmp_path / "cache") as c:
        result = await c.details("requests")
    assert result.details is not None and result.details.summary == "HTTP for Humans."
    assert result.details.vulnerabilities is None


async def test_http_find_links_page(index_server: IndexServer, index_cache: Path) -> None:
    # A project page doubles as a find-links page: it is an HTML page listing files.
    config = IndexConfig(index_url=None, no_index=True, find_links=(f"{index_server.base}/simple/click/",))
    async with make_client(config, index_cache) as c:
        assert (await c.project("click")).status is LookupStatus.FOUND
        assert (await c.project("flask")).status is LookupStatus.NOT_FOUND


async def test_pinned_package_uses_only_its_index(index_server: IndexServer, index_cache: Path) -> None:
    with IndexServer(_pkgs("flask")) as private:
        config = ResolvedIndexConfig(index_url=index_server.url, pinned=(("flask", private.url),))
        async with make_client(config, index_cache) as c:
            assert (await c.project("flask")).status is LookupStatus.FOUND
            assert (await c.project("click")).status is LookupStatus.FOUND
        assert private.hits("/simple/flask/") == 1 and private.hits("/simple/click/") == 0
    assert index_server.hits("/simple/flask/") == 0
