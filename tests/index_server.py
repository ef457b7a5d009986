"""A real package index on 127.0.0.1 for tests and benchmarks, with faults on demand.

Usage::

    with IndexServer() as server:
        server.url                     # "http://127.0.0.1:PORT/simple/"
        server.fault("/simple/flask/", status=503)
        server.fault("*", delay=0.05)  # latency on every path
        server.hits("/simple/flask/")  # requests received for that path

The server runs in a background thread (``ThreadingHTTPServer``) and serves the specs of
``tests/fixtures/index/packages.py`` as PEP 691 JSON or PEP 503 HTML depending on the Accept header, the
project list, PEP 658 metadata files and the JSON API (``json_api=False`` turns the latter off). Distribution
files are placeholders unless ``real_wheels=True`` (wheels built from the spec, METADATA included) or
``serve_file()`` gives their bytes; they honour ``Range`` requests unless ``range_requests`` is False, and
``bytes_sent`` counts the body bytes sent per path. A second
listener on another loopback host (127.0.0.2, or "localhost" where that cannot be bound) shares the state, so
redirects to "another host" can be tested.

HTTPS: ``IndexServer(tls=True)`` serves both listeners over TLS with a certificate for 127.0.0.1, 127.0.0.2 and
localhost issued by ``server.ca``, a ``trustme.CA`` made at test time (or the one passed as ``ca=``);
``require_client_cert=True`` makes the handshake fail unless the client presents a certificate issued by
that CA. The handshake runs in the connection's own thread, and each failed one is recorded in
``tls_failures`` (the server's view: "no certificate", "unknown CA" ...)::

    with IndexServer(tls=True, require_client_cert=True) as server:
        server.url                                        # "https://127.0.0.1:PORT/simple/"
        server.ca.cert_pem.write_to_path("ca.pem")
        server.ca.issue_cert("me").private_key_and_cert_chain_pem.write_to_path("client.pem")

``ConnectProxy`` is an HTTPS proxy (``CONNECT`` tunnels to loopback only) that records where clients went.
"""

from __future__ import annotations

import base64
import io
import json
import re
import selectors
import socket
import socketserver
import ssl
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.fixtures.index.packages import (
    PACKAGES,
    FileInfo,
    Pkg,
    Rel,
    files_of,
    index_html,
    index_json,
    json_api,
    metadata_text,
    project_html,
    project_json,
)

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "application/vnd.pypi.simple.v1+html"


@dataclass
class Fault:
    """What to do instead of (or before) answering normally.

    kind: "none" (only ``delay``), "status" (answer ``status``), "hang" (never answer), "close" (drop the
    connection without answering), "auth" (401 until ``user``/``password`` are sent), "truncate" (announce
    more bytes than sent), "garbage" (a body in no index format), "huge" (stream ``huge_bytes``, never held in
    memory), "redirect" (302 to the same path on the other host).
    """

    kind: str = "none"
    status: int = 500
    delay: float = 0.0
    times: int | None = None  # apply this many times, then behave normally
    user: str = "user"
    password: str = "secret"
    huge_bytes: int = 50 * 1024 * 1024
    content_length: bool = True
    applied: int = 0


@dataclass
class Recorded:
    path: str
    host: str
    headers: dict[str, str] = field(default_factory=dict)


class IndexServer:
    def __init__(
        self,
        packages: Iterable[Pkg] | None = None,
        *,
        json_api: bool = True,
        formats: tuple[str, ...] = ("json", "html"),
        real_wheels: bool = False,
        tls: bool = False,
        ca: Any = None,
        require_client_cert: bool = False,
    ) -> None:
        self.packages: dict[str, Pkg] = {p.canonical: p for p in (PACKAGES if packages is None else packages)}
        self.json_api = json_api
        self.formats = formats
        self.real_wheels = real_wheels
        self.range_requests = True
        self.file_bodies: dict[str, bytes] = {}
        self.bytes_sent: Counter[str] = Counter()
        self.faults: dict[str, Fault] = {}
        self.counts: Counter[str] = Counter()
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._servers: list[ThreadingHTTPServer] = []
        self._threads: list[threading.Thread] = []
        self._bodies: dict[tuple[str, str], bytes] = {}
        self._files: dict[str, FileInfo] | None = None
        self.port = 0
        self.other_host = "127.0.0.2"
        self.other_port = 0
        self.tls = tls or ca is not None or require_client_cert
        self.require_client_cert = require_client_cert
        self.ca: Any = ca  # a trustme.CA once started with TLS
        self.tls_failures: list[str] = []
        self._ssl_context: ssl.SSLContext | None = None

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self) -> IndexServer:
        if self.tls:
            self._ssl_context = self._server_context()
        main = self._serve("127.0.0.1")
        self.port = main.server_address[1]
        try:
            other = self._serve("127.0.0.2")
            self.other_port = other.server_address[1]
        except OSError:
            # Not every system routes all of 127/8 to loopback; "localhost" is still another host name.
            self.other_host, self.other_port = "localhost", self.port
        return self

    def _server_context(self) -> ssl.SSLContext:
        import trustme  # a test-only dependency, needed for HTTPS only

        if self.ca is None:
            self.ca = trustme.CA(organization_name="Pinwise test CA")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "127.0.0.2", "localhost").configure_cert(ctx)
        if self.require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            self.ca.configure_trust(ctx)
        return ctx

    def _serve(self, host: str) -> ThreadingHTTPServer:
        handler = type("Handler", (_Handler,), {"index": self})
        server: ThreadingHTTPServer
        if self._ssl_context is not None:
            server = _TLSServer((host, 0), handler)
            server.ssl_context = self._ssl_context
        else:
            server = ThreadingHTTPServer((host, 0), handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        self._servers.append(server)
        self._threads.append(thread)
        return server

    def stop(self) -> None:
        self._stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> IndexServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses -----------------------------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/simple/"

    @property
    def other_base(self) -> str:
        return f"{self.scheme}://{self.other_host}:{self.other_port}"

    def url_with_auth(self, user: str = "user", password: str = "secret") -> str:
        return f"{self.scheme}://{user}:{password}@127.0.0.1:{self.port}/simple/"

    # -- control -------------------------------------------------------------------------------------------

    def fault(self, path: str = "*", kind: str | None = None, **kw: Any) -> Fault:
        """Install a fault for ``path`` (exact, ``prefix*``, or ``*`` for all). ``status=`` alone implies
        kind "status"; ``delay=`` alone adds latency."""
        if kind is None:
            kind = "status" if "status" in kw else "none"
        fault = Fault(kind=kind, **kw)
        with self._lock:
            self.faults[path] = fault
        return fault

    def wait_tls_failures(self, count: int = 1, timeout: float = 5.0) -> list[str]:
        """The failed handshakes once there are ``count`` (the client may learn of a failure before the
        server's thread records it), or those there are after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                failures = list(self.tls_failures)
            if len(failures) >= count or time.monotonic() >= deadline:
                return failures
            time.sleep(0.01)

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def hits(self, path: str) -> int:
        with self._lock:
            return self.counts[path]

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()
            self.requests.clear()
            self.bytes_sent.clear()

    def serve_file(self, filename: str, body: bytes) -> None:
        """Serve ``body`` at ``/files/<filename>`` (whether or not the spec lists that file)."""
        with self._lock:
            self.file_bodies[filename] = body

    def add_packages(self, pkgs: Iterable[Pkg]) -> None:
        with self._lock:
            for p in pkgs:
                self.packages[p.canonical] = p
            self._bodies.clear()
            self._files = None

    # -- internals used by the handler ---------------------------------------------------------------------

    def _fault_for(self, path: str) -> Fault | None:
        with self._lock:
            candidates = [self.faults.get(path)]
            candidates += [
                f for k, f in self.faults.items() if k.endswith("*") and k != "*" and path.startswith(k[:-1])
            ]
            candidates.append(self.faults.get("*"))
            for fault in candidates:
                if fault is None:
                    continue
                if fault.times is not None and fault.applied >= fault.times:
                    continue
                fault.applied += 1
                return fault
        return None

    def _file(self, filename: str) -> FileInfo | None:
        with self._lock:
            if self._files is None:
                self._files = {
                    f.filename: f for p in self.packages.values() for r in p.releases for f in files_of(p, r)
                }
            return self._files.get(filename)

    def _file_body(self, filename: str) -> bytes | None:
        with self._lock:
            body = self.file_bodies.get(filename)
        if body is not None:
            return body
        info = self._file(filename)
        if info is None:
            return None
        if self.real_wheels and info.is_wheel:
            return self._cached(("wheel", filename), lambda: wheel_bytes(info.pkg, info.rel, filename))
        return b"PK fake distribution"

    def _cached(self, key: tuple[str, str], make: Any) -> bytes:
        with self._lock:
            body = self._bodies.get(key)
        if body is None:
            body = make()
            with self._lock:
                self._bodies[key] = body
        return body


class _TLSServer(ThreadingHTTPServer):
    """Wraps each accepted connection in TLS; the handshake is left to the connection's thread, so that a
    client that fails it (or never starts it) cannot hold up the accept loop."""

    ssl_context: ssl.SSLContext

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        return self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address


class _Handler(BaseHTTPRequestHandler):
    index: IndexServer
    protocol_version = "HTTP/1.1"
    # Headers and body are separate writes; without this, Nagle plus delayed ACKs add ~40 ms per answer.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet

    def handle(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                # Bounded, so that a client that never finishes its handshake does not keep a thread forever.
                self.connection.settimeout(30)
                self.connection.do_handshake()
                self.connection.settimeout(None)
            except (ssl.SSLError, OSError) as exc:
                with self.index._lock:
                    self.index.tls_failures.append(str(exc))
                self.close_connection = True
                return
        super().handle()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        srv = self.index
        with srv._lock:
            srv.counts[path] += 1
            srv.requests.append(Recorded(path, self.headers.get("Host", ""), dict(self.headers.items())))
        fault = srv._fault_for(path)
        try:
            if fault is not None:
                if fault.delay:
                    time.sleep(fault.delay)
                if self._apply(fault, path):
                    return
            self._route(path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # Returns True when the fault produced the whole answer.
    def _apply(self, fault: Fault, path: str) -> bool:
        srv = self.index
        kind = fault.kind
        if kind == "none":
            return False
        if kind == "status":
            self._send(fault.status, b"error\n", "text/plain")
            return True
        if kind == "hang":
            srv._stopping.wait(30)
            self.close_connection = True
            return True
        if kind == "close":
            self.close_connection = True
            return True
        if kind == "auth":
            expected = "Basic " + base64.b64encode(f"{fault.user}:{fault.password}".encode()).decode()
            if self.headers.get("Authorization") == expected:
                return False
            self._send(401, b"unauthorized\n", "text/plain", {"WWW-Authenticate": 'Basic realm="index"'})
            return True
        if kind == "redirect":
            self._send(302, b"", "text/plain", {"Location": f"{srv.other_base}{self.path}"})
            return True
        if kind == "garbage":
            self._send(200, b"\x00\xff this is not an index page {{{", JSON_TYPE)
            return True
        if kind == "truncate":
            body = b'{"meta": {"api-version": "1.1"}, "name": "x", "files": ['
            self.send_response(200)
            self.send_header("Content-Type", JSON_TYPE)
            self.send_header("Content-Length", str(len(body) + 5000))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return True
        if kind == "huge":
            self.send_response(200)
            self.send_header("Content-Type", JSON_TYPE)
            if fault.content_length:
                self.send_header("Content-Length", str(fault.huge_bytes))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            chunk = b" " * 65536
            sent = 0
            while sent < fault.huge_bytes and not srv._stopping.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)
            self.close_connection = True
            return True
        raise ValueError(f"unknown fault kind {kind!r}")

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _send_cacheable(self, body: bytes, content_type: str) -> None:
        import hashlib

        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": "Tue, 02 Jan 2024 03:04:05 GMT", "Vary": "Accept"}
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self._send(200, body, content_type, headers)

    def _send_file(self, path: str, body: bytes) -> None:
        """A distribution file, honouring a single-range ``Range`` header (RFC 9110) unless switched off."""
        size = len(body)
        wanted = _parse_range(self.headers.get("Range", ""), size) if self.index.range_requests else None
        if wanted == "unsatisfiable":
            return self._send(416, b"", "text/plain", {"Content-Range": f"bytes */{size}"})
        headers = {"Content-Type": "application/octet-stream"}
        if self.index.range_requests:
            headers["Accept-Ranges"] = "bytes"
        status = 200
        if isinstance(wanted, tuple):
            first, last = wanted
            body = body[first : last + 1]
            status = 206
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
        self.send_response(status)
        for k, v in {**headers, "Content-Length": str(len(body))}.items():
            self.send_header(k, v)
        self.end_headers()
        # Written in pieces and counted as they go, so that a client hanging up early shows in bytes_sent
        # (up to what the socket buffers absorbed).
        view = memoryview(body)
        for at in range(0, len(body), 65536):
            piece = view[at : at + 65536]
            self.wfile.write(piece)
            with self.index._lock:
                self.index.bytes_sent[path] += len(piece)

    def _negotiate(self) -> str:
        accept = self.headers.get("Accept", "")
        if JSON_TYPE in accept and "json" in self.index.formats:
            return "json"
        if "html" in self.index.formats:
            return "html"
        return "none"

    def _route(self, path: str) -> None:
        srv = self.index
        parts = [p for p in path.split("/") if p]
        base = srv.base if self.server.server_address[1] == srv.port else srv.other_base  # type: ignore[index]
        files_base = f"{base}/files/"
        if parts == ["simple"]:
            fmt = self._negotiate()
            pkgs = list(srv.packages.values())
            if fmt == "json":
                body = srv._cached(("list", "json"), lambda: json.dumps(index_json(pkgs)).encode())
                return self._send_cacheable(body, JSON_TYPE)
            if fmt == "html":
                body = srv._cached(("list", "html"), lambda: index_html(pkgs).encode())
                return self._send_cacheable(body, "text/html")
            return self._send(406, b"not acceptable\n", "text/plain")
        if len(parts) == 2 and parts[0] == "simple":
            pkg = srv.packages.get(canonicalize_name(parts[1]))
            if pkg is None:
                return self._send(404, b"not found\n", "text/plain")
            fmt = self._negotiate()
            if fmt == "json":
                body = srv._cached(
                    (path, "json" + base), lambda: json.dumps(project_json(pkg, files_base)).encode()
                )
                return self._send_cacheable(body, JSON_TYPE)
            if fmt == "html":
                body = srv._cached((path, "html" + base), lambda: project_html(pkg, files_base).encode())
                return self._send_cacheable(body, "text/html")
            return self._send(406, b"not acceptable\n", "text/plain")
        if len(parts) == 2 and parts[0] == "files":
            filename = parts[1]
            if filename.endswith(".metadata"):
                info = srv._file(filename[: -len(".metadata")])
                if info is None or not info.is_wheel or not info.rel.metadata:
                    return self._send(404, b"not found\n", "text/plain")
                return self._send(200, metadata_text(info.pkg, info.rel).encode(), "application/octet-stream")
            file_body = srv._file_body(filename)
            if file_body is None:
                return self._send(404, b"not found\n", "text/plain")
            return self._send_file(path, file_body)
        if parts[:1] == ["pypi"] and parts[-1:] == ["json"] and len(parts) in (3, 4):
            pkg = srv.packages.get(canonicalize_name(parts[1]))
            if not srv.json_api or pkg is None:
                return self._send(404, b"not found\n", "text/plain")
            rel = None
            if len(parts) == 4:
                wanted = Version(parts[2])
                rel = next((r for r in pkg.releases if Version(r.version) == wanted), None)
                if rel is None:
                    return self._send(404, b"not found\n", "text/plain")
            return self._send_cacheable(json.dumps(json_api(pkg, rel)).encode(), "application/json")
        return self._send(404, b"not found\n", "text/plain")


class ConnectProxy:
    """An HTTP proxy on 127.0.0.1 that tunnels ``CONNECT`` to loopback addresses only (anything else is
    refused) and records each tunnel's target, so that a test can tell that a client went through it::

        with ConnectProxy() as proxy:
            monkeypatch.setenv("HTTPS_PROXY", proxy.url)
            ...
            proxy.targets  # ["127.0.0.1:PORT", ...]
    """

    def __init__(self) -> None:
        self.targets: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: socketserver.ThreadingTCPServer | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ConnectProxy:
        handler = type("ProxyHandler", (_ProxyHandler,), {"proxy": self})
        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        self._server = server
        self.port = server.server_address[1]
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ConnectProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _ProxyHandler(socketserver.StreamRequestHandler):
    proxy: ConnectProxy
    rbufsize = 0  # nothing past the request's headers may be read into a buffer: it belongs to the tunnel
    timeout = 30

    def handle(self) -> None:
        request = self.rfile.readline(8192).decode("latin-1").split()
        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
            pass
        if len(request) != 3 or request[0] != "CONNECT":
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, _, port = request[1].rpartition(":")
        if not (host.startswith("127.") or host == "localhost") or not port.isdigit():
            self.wfile.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        with self.proxy._lock:
            self.proxy.targets.append(request[1])
        try:
            upstream = socket.create_connection((host, int(port)), timeout=5)
        except OSError:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        with upstream, selectors.DefaultSelector() as selector:
            selector.register(self.connection, selectors.EVENT_READ, upstream)
            selector.register(upstream, selectors.EVENT_READ, self.connection)
            while not self.proxy._stopping.is_set():
                for key, _ in selector.select(timeout=0.05):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    try:
                        data = source.recv(65536)
                        if not data:
                            return
                        key.data.sendall(data)
                    except OSError:
                        return


_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def _parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """(first, last) for ``bytes=a-b``, ``bytes=a-`` and ``bytes=-n``; "unsatisfiable"; None to ignore it (no
    header, several ranges or a malformed one, which servers answer with the whole file)."""
    match = _RANGE.match(header.strip())
    if match is None or match.groups() == ("", ""):
        return None
    first_s, last_s = match.groups()
    if not first_s:
        suffix = int(last_s)
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    first = int(first_s)
    last = min(int(last_s), size - 1) if last_s else size - 1
    if first >= size:
        return "unsatisfiable"
    if last < first:
        return None
    return first, last


def wheel_bytes(pkg: Pkg, rel: Rel, filename: str) -> bytes:
    """A real (tiny) wheel for ``filename``: a module, then the .dist-info files with the spec's METADATA."""
    dist_info = f"{pkg.dist_name}-{rel.version}.dist-info"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        wheel.writestr(f"{pkg.dist_name}/__init__.py", f"__version__ = {rel.version!r}\n")
        wheel.writestr(f"{dist_info}/METADATA", metadata_text(pkg, rel))
        tag = filename[:-4].split("-", 2)[2]
        wheel.writestr(f"{dist_info}/WHEEL", f"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: {tag}\n")
        wheel.writestr(f"{dist_info}/RECORD", "")
    return out.getvalue()


def write_file_index(root: Path, packages: Iterable[Pkg], *, with_metadata: bool = True) -> str:
    """Write a ``file://`` index (a directory per project holding index.html, files under ``files/``) as pip
    reads one, and return its URL. Distribution files are tiny placeholders; METADATA files are real."""
    simple = root / "simple"
    files_dir = root / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    pkgs = list(packages)
    for pkg in pkgs:
        project_dir = simple / pkg.canonical
        project_dir.mkdir(parents=True, exist_ok=True)
        (project_dir / "index.html").write_text(project_html(pkg, "../../files/"))
        for rel in pkg.releases:
            for f in files_of(pkg, rel):
                (files_dir / f.filename).write_bytes(b"PK fake distribution")
                if with_metadata and f.is_wheel and rel.metadata:
                    (files_dir / (f.filename + ".metadata")).write_text(metadata_text(pkg, rel))
    (simple / "index.html").write_text(index_html(pkgs))
    return simple.as_uri() + "/"


def running(packages: Iterable[Pkg] | None = None, **kw: Any) -> Iterator[IndexServer]:
    """Generator form for fixtures: ``yield from running()``."""
    server = IndexServer(packages, **kw).start()
    try:
        yield server
    finally:
        server.stop()
