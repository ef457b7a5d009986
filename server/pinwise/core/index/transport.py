"""HTTP and ``file://`` access for the index client: one shared httpx client, bounded and coalesced.

Every failure becomes a :class:`FetchError` whose reason is safe to show (credentials redacted); HTTP error
statuses are returned as responses so that the caller decides what a 404 or a 401 means.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import importlib.util
import logging
import os
import ssl
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import truststore

if importlib.util.find_spec("sniffio") is None:
    # httpcore imports sniffio on every request to tell asyncio from trio; without it installed (anyio 4
    # no longer needs it), each failed import searches all of sys.path again: dozens of stat calls per
    # request, the largest cost of a warm request. Recording the absence once makes the import fail fast,
    # and httpcore then assumes asyncio, which is right here.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

from pinwise.core.index.auth import (
    Credentials,
    CredentialStore,
    netloc_of,
    redact,
    redact_text,
    strip_credentials,
)

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 10
# Most index answers are far below this; only a body beyond it waits for the one large-body slot.
SMALL_BODY_BYTES = 2 * 1024 * 1024
# Local reads below this size are done on the event loop; larger ones go to a worker thread.
_SMALL_READ = 256 * 1024


class FetchError(Exception):
    """The resource could not be fetched; ``reason`` is redacted and meant for users."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # the final URL after redirects, without credentials (a base for relative links)
    status: int
    headers: Mapping[str, str]  # lower-cased names
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def build_ssl_context(
    cert: str | None, client_cert: str | None, environ: Mapping[str, str]
) -> ssl.SSLContext:
    """The system trust store (via truststore) plus any extra CA bundle the user configured.

    pip's ``cert`` setting, ``SSL_CERT_FILE`` and ``REQUESTS_CA_BUNDLE`` name bundles that corporate setups
    rely on (TLS-inspecting proxies), so each is added to, not substituted for, the system store.
    """
    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    bundles = [cert, environ.get("SSL_CERT_FILE"), environ.get("REQUESTS_CA_BUNDLE")]
    for bundle in dict.fromkeys(b for b in bundles if b):
        try:
            if os.path.isdir(bundle):
                ctx.load_verify_locations(capath=bundle)
            else:
                ctx.load_verify_locations(cafile=bundle)
        except (OSError, ssl.SSLError) as exc:
            logger.warning("Could not load CA bundle %s: %s", bundle, exc)
    _load_client_cert(ctx, client_cert)
    return ctx


def build_unverified_ssl_context(client_cert: str | None) -> ssl.SSLContext:
    """For pip's trusted hosts: the server's certificate is not verified, but the client certificate is
    still presented (pip skips verification for them, not authentication)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    _load_client_cert(ctx, client_cert)
    return ctx


def _load_client_cert(ctx: ssl.SSLContext, client_cert: str | None) -> None:
    if client_cert:
        try:
            ctx.load_cert_chain(client_cert)
        except (OSError, ssl.SSLError) as exc:
            logger.warning("Could not load client certificate %s: %s", client_cert, exc)


def _http_client(verify: ssl.SSLContext, timeout: float) -> httpx.AsyncClient:
    # trust_env makes httpx honour HTTP(S)_PROXY, ALL_PROXY and NO_PROXY like pip does; redirects are
    # followed by hand (Transport._follow) so that credentials are chosen per host and never forwarded.
    return httpx.AsyncClient(
        verify=verify,
        trust_env=True,
        follow_redirects=False,
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": "pinwise"},
    )


def parse_trusted_hosts(trusted_hosts: tuple[str, ...]) -> frozenset[tuple[str, int | None]]:
    """pip's ``--trusted-host`` values as (host, port): ``host:port`` is that port only, a bare host any port."""
    parsed: set[tuple[str, int | None]] = set()
    for entry in trusted_hosts:
        entry = entry.strip()
        if not entry:
            continue
        try:
            parts = urlsplit("//" + entry)
            if parts.hostname:
                parsed.add((parts.hostname.lower(), parts.port))
        except ValueError:
            logger.warning("Ignoring the trusted host %r: not a host or host:port", entry)
    return frozenset(parsed)


def is_trusted(url: str, trusted: frozenset[tuple[str, int | None]]) -> bool:
    """Whether HTTPS to ``url`` goes unverified; plain HTTP is always allowed here, trusted or not."""
    if not trusted:
        return False
    try:
        parts = urlsplit(url)
        port = parts.port or 443
    except ValueError:
        return False
    if parts.scheme.lower() != "https" or not parts.hostname:
        return False
    host = parts.hostname.lower()
    return (host, None) in trusted or (host, port) in trusted


async def read_local(path: Path, max_bytes: int) -> bytes | None:
    """The bytes of a local file, or None when it does not exist. Large files are read in a thread.

    A stat and a small read take microseconds, far less than a hop to a worker thread, so they stay on the
    event loop (hence the ASYNC240 exemptions).
    """
    try:
        size = path.stat().st_size  # noqa: ASYNC240
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from None
    if size > max_bytes:
        raise FetchError("response too large")
    try:
        if size < _SMALL_READ:
            return path.read_bytes()  # noqa: ASYNC240
        return await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from None


class Transport:
    """Bounded, coalescing GET requests over one shared ``httpx.AsyncClient``."""

    def __init__(
        self,
        *,
        credentials: CredentialStore,
        timeout: float = 10.0,
        concurrency: int = 16,
        max_bytes: int = 32 * 1024 * 1024,
        cert: str | None = None,
        client_cert: str | None = None,
        trusted_hosts: tuple[str, ...] = (),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self._credentials = credentials
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._semaphore = asyncio.Semaphore(max(1, concurrency))
        # Bodies beyond SMALL_BODY_BYTES are read one at a time: sixteen downloads of a huge (or hostile,
        # endless) body would otherwise each hold up to ``max_bytes`` at once. Small bodies never wait.
        self._large_body = asyncio.Lock()
        self._inflight: dict[tuple[object, ...], asyncio.Task[Response]] = {}
        self._client = _http_client(build_ssl_context(cert, client_cert, env), timeout)
        # Trusted hosts get a client of their own rather than httpx mounts: a mounted transport would bypass
        # the proxies from the environment and could not present the client certificate.
        self._trusted = parse_trusted_hosts(trusted_hosts)
        self._unverified_client = (
            _http_client(build_unverified_ssl_context(client_cert), timeout) if self._trusted else None
        )
        self._owns_client = True

    def with_credentials(self, credentials: CredentialStore) -> Transport:
        """A view of this transport that authenticates with ``credentials``.

        The view shares the httpx client (its connection pool and TLS context), the concurrency limit and
        the in-flight table, so that index clients whose configurations differ only in their URLs and
        credentials still use one connection pool. Closing a view closes nothing: the owner does.
        """
        view = copy.copy(self)
        view._credentials = credentials
        view._owns_client = False
        return view

    async def aclose(self) -> None:
        if not self._owns_client:
            return
        for task in list(self._inflight.values()):
            task.cancel()
        try:
            await self._client.aclose()
        finally:
            if self._unverified_client is not None:
                await self._unverified_client.aclose()

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        deadline: float | None = None,
    ) -> Response:
        """GET ``url``; identical requests in flight at the same time share one network exchange."""
        hdrs = dict(headers or {})
        # Views with other credentials share the table; their answers may differ, so they never coalesce.
        key = (url, tuple(sorted(hdrs.items())), max_bytes, self._credentials)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._get(url, hdrs, max_bytes or self._max_bytes, deadline))
            self._inflight[key] = task
            task.add_done_callback(lambda _t, k=key: self._inflight.pop(k, None))  # type: ignore[misc]
        # shield: one caller giving up (e.g. an editor request cancelled) must not cancel the others' answer.
        return await asyncio.shield(task)

    async def _get(
        self, url: str, headers: dict[str, str], max_bytes: int, deadline: float | None
    ) -> Response:
        total = deadline if deadline is not None else self._timeout * 3
        try:
            async with self._semaphore:
                return await asyncio.wait_for(self._follow(url, headers, max_bytes), total)
        except asyncio.TimeoutError:
            raise FetchError(f"timed out after {total:g} s") from None

    async def _follow(self, url: str, headers: dict[str, str], max_bytes: int) -> Response:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            response, location = await self._once(current, headers, max_bytes)
            if location is None:
                return response
            target = urljoin(strip_credentials(current)[0], location)
            if netloc_of(target) != netloc_of(current):
                logger.debug("Redirect from %s to another host %s", redact(current), redact(target))
                # The userinfo of the original URL belongs to the original host only.
                current = target
            else:
                current = _with_userinfo_of(current, target)
        raise FetchError("too many redirects")

    async def _once(self, url: str, headers: dict[str, str], max_bytes: int) -> tuple[Response, str | None]:
        clean, _ = strip_credentials(url)
        creds = self._credentials.lookup(url)
        response = await self._send(clean, headers, creds, max_bytes)
        if response.status == 401 and creds is None:
            creds = await self._credentials.lookup_keyring(url)
            if creds is not None:
                response = await self._send(clean, headers, creds, max_bytes)
        if response.status in (301, 302, 303, 307, 308) and "location" in response.headers:
            return response, response.headers["location"]
        return response, None

    async def _send(
        self, url: str, headers: dict[str, str], creds: Credentials | None, max_bytes: int
    ) -> Response:
        request_headers = dict(headers)
        if creds is not None:
            token = base64.b64encode(f"{creds[0]}:{creds[1]}".encode()).decode("ascii")
            request_headers["Authorization"] = f"Basic {token}"
        logger.debug("GET %s", redact(url))
        client = self._client
        if self._unverified_client is not None and is_trusted(url, self._trusted):
            client = self._unverified_client
        try:
            async with client.stream("GET", url, headers=request_headers) as resp:
                declared = resp.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchError("response too large")
                chunks: list[bytes] = []
                received = 0
                holds_large_slot = False
                try:
                    async for chunk in resp.aiter_bytes():
                        received += len(chunk)
                        if received > max_bytes:
                            raise FetchError("response too large")
                        if received > SMALL_BODY_BYTES and not holds_large_slot:
                            await self._large_body.acquire()
                            holds_large_slot = True
                        chunks.append(chunk)
                except BaseException:
                    # A failure's traceback keeps this frame alive (coalesced callers, cached task results):
                    # drop what was read so an aborted 32 MB body is not held with it.
                    chunks.clear()
                    raise
                finally:
                    if holds_large_slot:
                        self._large_body.release()
                return Response(
                    url=strip_credentials(str(resp.url))[0],
                    status=resp.status_code,
                    headers={k.lower(): v for k, v in resp.headers.items()},
                    content=b"".join(chunks),
                )
        except httpx.TimeoutException:
            raise FetchError(f"timed out after {self._timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchError(_describe(exc)) from None
        except ssl.SSLError as exc:
            raise FetchError(f"TLS error: {redact_text(str(exc))}") from None
        except OSError as exc:
            raise FetchError(f"connection error: {redact_text(str(exc))}") from None


class TransportPool:
    """One :class:`Transport`, so one ``httpx.AsyncClient``, per distinct TLS setup for the whole process.

    Index clients of every configuration take their transport from here (through ``with_credentials``).
    Configurations with different CA bundles, client certificates or trusted hosts get separate clients,
    because the TLS context and the unverified mounts belong to an httpx client and cannot vary per request.
    """

    def __init__(
        self, *, timeout: float = 10.0, concurrency: int = 16, environ: Mapping[str, str] | None = None
    ) -> None:
        self._timeout = timeout
        self._concurrency = concurrency
        self._environ = environ
        self._transports: dict[tuple[str | None, str | None, tuple[str, ...]], Transport] = {}

    def __len__(self) -> int:
        return len(self._transports)

    def for_tls(
        self, *, cert: str | None, client_cert: str | None, trusted_hosts: tuple[str, ...]
    ) -> Transport:
        key = (cert, client_cert, tuple(sorted(trusted_hosts)))
        transport = self._transports.get(key)
        if transport is None:
            transport = Transport(
                credentials=CredentialStore((), environ=self._environ),
                timeout=self._timeout,
                concurrency=self._concurrency,
                cert=cert,
                client_cert=client_cert,
                trusted_hosts=trusted_hosts,
                environ=self._environ,
            )
            self._transports[key] = transport
        return transport

    async def aclose(self) -> None:
        transports = list(self._transports.values())
        self._transports.clear()
        for transport in transports:
            try:
                await transport.aclose()
            except Exception:  # closing must never stop the others from closing
                logger.exception("closing a transport failed")


def _with_userinfo_of(original: str, target: str) -> str:
    """``target`` carrying ``original``'s userinfo (same host, so the same credentials apply)."""
    _, creds = strip_credentials(original)
    if creds is None:
        return target
    parts = urlsplit(original)
    userinfo = parts.netloc.rpartition("@")[0]
    tparts = urlsplit(target)
    return tparts._replace(netloc=f"{userinfo}@{tparts.netloc}").geturl()


def _describe(exc: httpx.HTTPError) -> str:
    kind = {
        httpx.ConnectError: "connection failed",
        httpx.RemoteProtocolError: "connection closed by the index",
        httpx.ReadError: "read error",
        httpx.ProxyError: "proxy error",
        httpx.UnsupportedProtocol: "unsupported URL",
    }
    for cls, label in kind.items():
        if isinstance(exc, cls):
            detail = redact_text(str(exc))
            return f"{label}: {detail}" if detail else label
    return f"{type(exc).__name__}: {redact_text(str(exc))}"
