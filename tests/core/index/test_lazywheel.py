"""Reading a wheel's METADATA with range requests: real zips built here, served from memory and from the fake
index, with the requests and bytes they cost counted."""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinwise.core.index.auth import CredentialStore
from pinwise.core.index.client import IndexClient
from pinwise.core.index.lazywheel import (
    TAIL_BYTES,
    Chunk,
    LazyFailure,
    RangeGetter,
    fetch_wheel_metadata,
    read_wheel_metadata,
)
from pinwise.core.index.transport import Transport
from pinwise.core.index.types import IndexConfig, LookupStatus
from tests.fixtures.index.packages import Pkg, Rel
from tests.index_server import IndexServer

METADATA = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nSummary: A demo\nProvides-Extra: cli\n"
DIST_INFO = "demo-1.0.dist-info"


# -- wheels ---------------------------------------------------------------------------------------------------


def noise(size: int) -> bytes:
    """Incompressible bytes, so that a member of this size really is this big in the zip."""
    return random.Random(size).randbytes(size)


def make_wheel(
    metadata: bytes = METADATA,
    *,
    method: int = zipfile.ZIP_DEFLATED,
    metadata_first: bool = False,
    blob: int = 0,
    many_files: int = 0,
    names: tuple[str, ...] = (f"{DIST_INFO}/METADATA",),
    force_zip64: bool = False,
) -> bytes:
    """A wheel-shaped zip: an optional big stored blob, ``many_files`` small modules, and METADATA (written
    under each of ``names``) either first or last (last is what build backends do)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:

        def write_metadata() -> None:
            for name in names:
                info = zipfile.ZipInfo(name, date_time=(2024, 1, 2, 3, 4, 6))
                info.compress_type = method
                with zf.open(info, "w", force_zip64=force_zip64) as member:
                    member.write(metadata)

        if metadata_first:
            write_metadata()
        if blob:
            zf.writestr(zipfile.ZipInfo("demo/blob.bin"), noise(blob))
        for i in range(many_files):
            zf.writestr(f"demo/generated/module_with_a_long_name_{i:05d}.py", "")
        zf.writestr("demo/__init__.py", "")
        if not metadata_first:
            write_metadata()
        zf.writestr(f"{DIST_INFO}/WHEEL", "Wheel-Version: 1.0\n")
    return out.getvalue()


def with_zip64_end(wheel: bytes) -> bytes:
    """The same zip with ZIP64 central directory entries (sizes and offsets in the extra field) and ZIP64
    end records, the EOCD record's fields saturated, as a writer of a >4 GiB wheel would produce."""
    with zipfile.ZipFile(io.BytesIO(wheel)) as zf:
        infos = zf.infolist()
        body = wheel[: zf.start_dir]
    directory = b""
    for info in infos:
        name = info.filename.encode()
        extra = struct.pack("<HHQQQ", 1, 24, info.file_size, info.compress_size, info.header_offset)
        directory += struct.pack(
            "<4sHHHHHHIIIHHHHHII",
            b"PK\x01\x02",
            45,
            45,
            info.flag_bits,
            info.compress_type,
            0,
            0x5821,
            info.CRC,
            0xFFFFFFFF,
            0xFFFFFFFF,
            len(name),
            len(extra),
            0,
            0,
            0,
            0,
            0xFFFFFFFF,
        )
        directory += name + extra
    eocd64_at = len(body) + len(directory)
    n = len(infos)
    eocd64 = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, len(directory), len(body))
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, eocd64_at, 1)
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return body + directory + eocd64 + locator + eocd


def flip_byte_of(needle: bytes, occurrence: int = -1) -> Callable[[bytes], bytes]:
    def mutate(wheel: bytes) -> bytes:
        positions = [i for i in range(len(wheel)) if wheel.startswith(needle, i)]
        at = positions[occurrence] + len(needle) // 2
        return wheel[:at] + bytes([wheel[at] ^ 0xFF]) + wheel[at + 1 :]

    return mutate


def set_method(method: int) -> Callable[[bytes], bytes]:
    """Rewrite the compression method of every entry (local and central) to ``method``."""

    def mutate(wheel: bytes) -> bytes:
        data = bytearray(wheel)
        for sig, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
            at = data.find(sig)
            while at >= 0:
                data[at + offset : at + offset + 2] = struct.pack("<H", method)
                at = data.find(sig, at + 4)
        return bytes(data)

    return mutate


def sanity(wheel: bytes) -> bytes | None:
    """What zipfile itself reads as METADATA: the fixtures are valid zips, except those broken on purpose."""
    try:
        with zipfile.ZipFile(io.BytesIO(wheel)) as zf:
            return zf.read(f"{DIST_INFO}/METADATA")
    except (zipfile.BadZipFile, KeyError, NotImplementedError, OSError):
        return None


# -- an in-memory range server --------------------------------------------------------------------------------


@dataclass
class MemoryRanges:
    """A :data:`RangeGetter` over bytes, answering like an HTTP server; it counts requests and bytes."""

    data: bytes
    requests: list[tuple[int | None, int]] = field(default_factory=list)
    sent: int = 0

    async def __call__(self, start: int | None, length: int) -> Chunk | None:
        self.requests.append((start, length))
        size = len(self.data)
        if size == 0:
            return None  # 416
        first = max(0, size - length) if start is None else start
        if first >= size:
            return None
        piece = self.data[first : first + length]
        self.sent += len(piece)
        return Chunk(first, piece, size)


# -- parsing, over memory -------------------------------------------------------------------------------------

BIG_METADATA = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n" + b"Long description line.\n" * 20000

# id, wheel, expected METADATA (None: cannot be read), max requests
PARSE_CASES: list[tuple[str, Callable[[], bytes], bytes | None, int]] = [
    ("deflated", lambda: make_wheel(), METADATA, 1),
    ("stored", lambda: make_wheel(method=zipfile.ZIP_STORED), METADATA, 1),
    ("empty-metadata", lambda: make_wheel(b""), b"", 1),
    ("metadata-outside-tail", lambda: make_wheel(metadata_first=True, blob=300_000), METADATA, 2),
    # METADATA is just before the directory, but outside both the tail and the directory: three requests.
    ("directory-outside-tail", lambda: make_wheel(many_files=3000), METADATA, 3),
    (
        "both-outside-tail",
        lambda: make_wheel(metadata_first=True, blob=200_000, many_files=3000),
        METADATA,
        3,
    ),
    ("big-metadata", lambda: make_wheel(BIG_METADATA, metadata_first=True), BIG_METADATA, 2),
    ("big-stored-metadata", lambda: make_wheel(BIG_METADATA, method=zipfile.ZIP_STORED), BIG_METADATA, 2),
    # force_zip64 gives the local header a ZIP64 extra field the central directory lacks.
    (
        "zip64-local-header",
        lambda: make_wheel(metadata_first=True, blob=100_000, force_zip64=True),
        METADATA,
        2,
    ),
    ("zip64-end-records", lambda: with_zip64_end(make_wheel()), METADATA, 1),
    (
        "zip64-everything",
        lambda: with_zip64_end(make_wheel(metadata_first=True, many_files=3000, force_zip64=True)),
        METADATA,
        3,
    ),
    ("not-a-zip", lambda: b"<html>this is a login page</html>" * 100, None, 1),
    ("empty-file", lambda: b"", None, 1),
    ("truncated", lambda: make_wheel(many_files=3000)[:100_000], None, 1),
    ("tail-only", lambda: make_wheel(many_files=3000)[-TAIL_BYTES:], None, 2),
    ("prefixed-stub", lambda: b"#!/bin/sh\n" + make_wheel(), None, 1),
    ("no-metadata", lambda: make_wheel(names=(f"{DIST_INFO}/RECORD",)), None, 1),
    ("nested-metadata", lambda: make_wheel(names=(f"demo/{DIST_INFO}/METADATA",)), None, 1),
    ("metadata-not-in-dist-info", lambda: make_wheel(names=("demo-1.0.egg-info/METADATA",)), None, 1),
    (
        "two-dist-info",
        lambda: make_wheel(names=(f"{DIST_INFO}/METADATA", "other-2.0.dist-info/METADATA")),
        None,
        1,
    ),
    ("bzip2", lambda: set_method(zipfile.ZIP_BZIP2)(make_wheel()), None, 1),
    ("bad-crc", lambda: flip_byte_of(b"Provides")(make_wheel(method=zipfile.ZIP_STORED)), None, 1),
    ("bad-local-header", lambda: flip_byte_of(b"PK\x03\x04", -2)(make_wheel()), None, 1),
]


async def check_parse(wheel: bytes, expected: bytes | None, max_requests: int, **limits: int) -> MemoryRanges:
    ranges = MemoryRanges(wheel)
    got = await fetch_wheel_metadata(ranges, **limits)
    assert got == expected
    assert 1 <= len(ranges.requests) <= max_requests, ranges.requests
    # Never the whole file unless it is smaller than one tail read.
    assert ranges.sent <= max(TAIL_BYTES, len(expected or b"")) + 300_000
    return ranges


@pytest.mark.parametrize(
    ("make", "expected", "max_requests"), [c[1:] for c in PARSE_CASES], ids=[c[0] for c in PARSE_CASES]
)
async def test_parse(make: Callable[[], bytes], expected: bytes | None, max_requests: int) -> None:
    wheel = make()
    if expected is not None:
        assert sanity(wheel) == expected  # the fixture itself is right
    await check_parse(wheel, expected, max_requests)


async def test_bytes_read_do_not_grow_with_the_wheel() -> None:
    wheel = make_wheel(blob=4 * 1024 * 1024)
    ranges = await check_parse(wheel, METADATA, 1)
    assert ranges.sent == TAIL_BYTES


@pytest.mark.parametrize(
    ("limits", "wheel", "expected"),
    [
        ({"max_metadata_bytes": len(METADATA)}, make_wheel(), METADATA),
        ({"max_metadata_bytes": len(METADATA) - 1}, make_wheel(), None),
        ({"max_directory_bytes": 100_000}, make_wheel(many_files=3000), None),
    ],
)
async def test_limits(limits: dict[str, int], wheel: bytes, expected: bytes | None) -> None:
    await check_parse(wheel, expected, 2, **limits)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([make_wheel(), make_wheel(method=zipfile.ZIP_STORED), with_zip64_end(make_wheel())]),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=1, max_value=255)), max_size=4),
    st.integers(min_value=0, max_value=64),
)
async def test_corrupted_wheels_never_raise(wheel: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(wheel[: len(wheel) - cut])
    for at, mask in flips:
        if data:
            data[at % len(data)] ^= mask
    got = await fetch_wheel_metadata(MemoryRanges(bytes(data)))
    # The CRC check means a damaged METADATA is never returned as if it were right.
    assert got is None or got == METADATA


async def test_transport_errors_are_reported() -> None:
    async def failing(start: int | None, length: int) -> Chunk | None:
        from pinwise.core.index.transport import FetchError

        raise FetchError("connection failed")

    assert await fetch_wheel_metadata(failing) == LazyFailure("connection failed")


# -- over HTTP, with the fake index ---------------------------------------------------------------------------


@pytest.fixture
async def transport() -> AsyncIterator[Transport]:
    t = Transport(credentials=CredentialStore([], environ={}), timeout=2.0, environ={})
    yield t
    await t.aclose()


SERVED = "demo-1.0-py3-none-any.whl"
BIG = 8 * 1024 * 1024

# id, wheel, server settings, expected (bytes, None or LazyFailure), max bytes the server may send
HTTP_CASES: list[tuple[str, Callable[[], bytes], dict[str, Any], object, int]] = [
    ("small", lambda: make_wheel(), {}, METADATA, TAIL_BYTES),
    ("big", lambda: make_wheel(blob=BIG), {}, METADATA, TAIL_BYTES),
    ("big-metadata-first", lambda: make_wheel(metadata_first=True, blob=BIG), {}, METADATA, 2 * TAIL_BYTES),
    ("directory-outside-tail", lambda: make_wheel(many_files=3000), {}, METADATA, 400_000),
    (
        "zip64",
        lambda: with_zip64_end(make_wheel(metadata_first=True, blob=BIG)),
        {},
        METADATA,
        2 * TAIL_BYTES,
    ),
    # A server without Range support: a small wheel arrives whole within the tail read and is used; a big
    # one is abandoned after its headers (what loopback socket buffers absorbed, a few MiB, is all that leaves
    # the server).
    ("no-range-small", lambda: make_wheel(), {"range_requests": False}, METADATA, TAIL_BYTES),
    ("no-range-big", lambda: make_wheel(blob=4 * BIG), {"range_requests": False}, None, 2 * BIG),
    ("garbage", lambda: noise(200_000), {}, None, TAIL_BYTES),
    ("empty", lambda: b"", {}, None, 0),
    ("server-error", lambda: make_wheel(), {"fault": {"status": 503}}, None, 0),
    ("not-found", lambda: make_wheel(), {"fault": {"status": 404}}, None, 0),
    ("connection-dropped", lambda: make_wheel(), {"fault": {"kind": "close"}}, LazyFailure, 0),
]


async def check_http(
    server: IndexServer,
    transport: Transport,
    wheel: bytes,
    options: dict[str, Any],
    expected: object,
    max_sent: int,
) -> None:
    path = f"/files/{SERVED}"
    server.serve_file(SERVED, wheel)
    server.range_requests = options.get("range_requests", True)
    if "fault" in options:
        server.fault(path, **options["fault"])
    got = await read_wheel_metadata(transport, f"{server.base}{path}")
    if expected is LazyFailure:
        assert isinstance(got, LazyFailure) and "closed" in got.reason
    else:
        assert got == expected
    assert server.bytes_sent[path] <= max_sent
    requests = [r for r in server.requests if r.path == path]
    assert requests and all(r.headers.get("Range", "").startswith("bytes=") for r in requests)


@pytest.mark.parametrize(
    ("make", "options", "expected", "max_sent"), [c[1:] for c in HTTP_CASES], ids=[c[0] for c in HTTP_CASES]
)
async def test_http(
    index_server: IndexServer,
    transport: Transport,
    make: Callable[[], bytes],
    options: dict[str, Any],
    expected: object,
    max_sent: int,
) -> None:
    await check_http(index_server, transport, make(), options, expected, max_sent)


@pytest.mark.parametrize(
    ("header", "status", "content_range", "body"),
    [
        ("bytes=0-3", 206, "bytes 0-3/10", b"0123"),
        ("bytes=7-", 206, "bytes 7-9/10", b"789"),
        ("bytes=-4", 206, "bytes 6-9/10", b"6789"),
        ("bytes=-40", 206, "bytes 0-9/10", b"0123456789"),
        ("bytes=8-100", 206, "bytes 8-9/10", b"89"),
        ("bytes=10-12", 416, "bytes */10", b""),
        ("bytes=0-1,4-5", 200, None, b"0123456789"),
        ("", 200, None, b"0123456789"),
    ],
)
def test_fake_server_ranges(
    index_server: IndexServer, header: str, status: int, content_range: str | None, body: bytes
) -> None:
    """The fake index's Range support itself, since the tests above rely on it."""
    import http.client

    index_server.serve_file("digits.whl", b"0123456789")
    conn = http.client.HTTPConnection("127.0.0.1", index_server.port, timeout=2)
    conn.request("GET", "/files/digits.whl", headers={"Range": header} if header else {})
    response = conn.getresponse()
    assert (response.status, response.getheader("Content-Range"), response.read()) == (
        status,
        content_range,
        body,
    )
    conn.close()


# -- end to end: IndexClient.details ------------------------------------------------------------------------

LAZY = Pkg(
    name="lazy-meta",
    summary="Metadata only inside the wheel",
    releases=(Rel("1.0", metadata=False, extras=("cli", "yaml"), requires_dist=('click; extra == "cli"',)),),
)
ADVERTISED = Pkg(name="advertised", summary="Advertised metadata", releases=(Rel("1.0"),))
LAZY_WHEEL = "/files/lazy_meta-1.0-py3-none-any.whl"
ADVERTISED_WHEEL = "/files/advertised-1.0-py3-none-any.whl"

# id, project, faults by path, range support, expected status, expected details attributes, wheel path
# requested (or None)
DETAILS_CASES: list[
    tuple[str, str, dict[str, dict[str, Any]], bool, LookupStatus, dict[str, object], str | None]
] = [
    (
        "read-from-wheel",
        "lazy-meta",
        {},
        True,
        LookupStatus.FOUND,
        {"summary": "Metadata only inside the wheel", "provides_extra": ("cli", "yaml")},
        LAZY_WHEEL,
    ),
    (
        "wheel-unreachable",
        "lazy-meta",
        {LAZY_WHEEL: {"kind": "close"}},
        True,
        LookupStatus.UNAVAILABLE,
        {"summary": None},
        LAZY_WHEEL,
    ),
    (
        "wheel-missing",
        "lazy-meta",
        {LAZY_WHEEL: {"status": 404}},
        True,
        LookupStatus.FOUND,
        {"summary": None},
        LAZY_WHEEL,
    ),
    # Advertised metadata that then 404s is not looked for in the wheel.
    (
        "advertised-but-missing",
        "advertised",
        {ADVERTISED_WHEEL + ".metadata": {"status": 404}},
        True,
        LookupStatus.FOUND,
        {"summary": None},
        None,
    ),
]


def lazy_index(server: IndexServer) -> IndexServer:
    """The fake index also serving LAZY and ADVERTISED, with real wheels and no JSON API to fill gaps."""
    server.add_packages([LAZY, ADVERTISED])
    server.json_api = False
    server.real_wheels = True
    return server


async def check_details(
    server: IndexServer,
    index_cache: Path,
    name: str,
    faults: dict[str, dict[str, Any]],
    range_requests: bool,
    status: LookupStatus,
    expect: dict[str, object],
    wheel: str | None,
) -> None:
    lazy_index(server).range_requests = range_requests
    for path, fault in faults.items():
        server.fault(path, **fault)
    config = IndexConfig(index_url=server.url)
    async with IndexClient(config, cache_dir=index_cache, environ={}, timeout=1.0) as c:
        result = await c.details(name)
    assert result.status is status, result
    for attr, value in expect.items():
        assert getattr(result.details, attr) == value, attr
    requested = {r.path for r in server.requests if r.path.endswith(".whl")}
    assert requested == ({wheel} if wheel else set())
    if status is LookupStatus.UNAVAILABLE:
        assert result.reason.startswith("metadata: ")


@pytest.mark.parametrize(
    ("name", "faults", "range_requests", "status", "expect", "wheel"),
    [c[1:] for c in DETAILS_CASES],
    ids=[c[0] for c in DETAILS_CASES],
)
async def test_details(
    index_server: IndexServer,
    index_cache: Path,
    name: str,
    faults: dict[str, dict[str, Any]],
    range_requests: bool,
    status: LookupStatus,
    expect: dict[str, object],
    wheel: str | None,
) -> None:
    await check_details(index_server, index_cache, name, faults, range_requests, status, expect, wheel)


async def test_metadata_read_from_the_wheel_is_cached(index_server: IndexServer, index_cache: Path) -> None:
    config = IndexConfig(index_url=lazy_index(index_server).url)
    for _ in range(2):
        async with IndexClient(config, cache_dir=index_cache, environ={}, project_ttl=0) as c:
            result = await c.details("lazy-meta")
            assert result.details is not None and result.details.provides_extra == ("cli", "yaml")
    assert index_server.hits(LAZY_WHEEL + ".metadata") == 1
    assert len([r for r in index_server.requests if r.path == LAZY_WHEEL]) >= 1
    before = len(index_server.requests)
    async with IndexClient(config, cache_dir=index_cache, environ={}) as c:
        await c.details("lazy-meta")
    assert [r.path for r in index_server.requests[before:] if r.path.startswith("/files/")] == []


_: RangeGetter = MemoryRanges(b"")  # MemoryRanges is a RangeGetter (checked by mypy)
