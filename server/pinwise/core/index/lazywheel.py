"""A wheel's ``*.dist-info/METADATA`` read with HTTP range requests (pip's "lazy wheel"), for indexes that
serve no PEP 658 metadata file.

Only the end of the zip (its end-of-central-directory record and, usually, the central directory itself), and
then the METADATA member, are fetched: two or three requests of a few KiB to a few hundred KiB, whatever the
size of the wheel. The zip is parsed by hand because :mod:`zipfile` needs a seekable, synchronous file object,
and wrapping async range requests in one would mean blocking the event loop or a thread per read.

Nothing here raises except :class:`asyncio.CancelledError`: a wheel that cannot be read this way (a server
that ignores ``Range``, a malformed or unusual zip, a limit exceeded) gives None, and a transport failure gives
a :class:`LazyFailure` whose reason is safe to show.
"""

from __future__ import annotations

import logging
import re
import struct
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from pinwise.core.index.auth import redact
from pinwise.core.index.transport import FetchError, Transport

logger = logging.getLogger(__name__)

TAIL_BYTES = 64 * 1024
MAX_METADATA_BYTES = 16 * 1024 * 1024
# A central directory entry costs ~100 bytes, so this allows ~150 000 files; anything bigger is not worth it.
MAX_DIRECTORY_BYTES = 16 * 1024 * 1024
# Local extra fields may differ from the central directory's (ZIP64 sizes, alignment padding), so the read of
# the METADATA member asks for this much more than the central directory suggests, to need one request only.
_LOCAL_SLACK = 1024

# The reason Transport gives when an answer is bigger than max_bytes; on a range request that means the server
# ignored Range and is sending the whole file.
_TOO_LARGE = "response too large"


@dataclass(frozen=True, slots=True)
class Chunk:
    """Bytes ``data`` found at ``start`` in a file of ``size`` bytes."""

    start: int
    data: bytes
    size: int

    @property
    def end(self) -> int:
        return self.start + len(self.data)


@dataclass(frozen=True, slots=True)
class LazyFailure:
    """The wheel could not be reached (a transport error); ``reason`` is redacted."""

    reason: str


# get_range(start, length): ``length`` bytes from ``start``, or the last ``length`` bytes when start is None.
# It returns None when the server did not answer with a usable range, and may raise FetchError.
RangeGetter = Callable[[int | None, int], Awaitable[Chunk | None]]

_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD_SIG = b"PK\x05\x06"
_EOCD64_LOCATOR = struct.Struct("<4sIQI")
_EOCD64_LOCATOR_SIG = b"PK\x06\x07"
_EOCD64 = struct.Struct("<4sQHHIIQQQQ")
_EOCD64_SIG = b"PK\x06\x06"
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_CENTRAL_SIG = b"PK\x01\x02"
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIG = b"PK\x03\x04"
_ZIP64_EXTRA_ID = 0x0001
_STORED, _DEFLATED = 0, 8
_FLAG_ENCRYPTED, _FLAG_UTF8 = 0x1, 0x800

_CONTENT_RANGE = re.compile(r"\s*bytes\s+(\d+)-(\d+)/(\d+)\s*$", re.IGNORECASE)


class _Malformed(Exception):
    """The zip is not what a wheel looks like; the reason is for the debug log."""


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    flags: int
    method: int
    crc: int
    compressed_size: int
    size: int
    local_offset: int


class _Reader:
    """Range reads over a remote file, answered from the chunks already fetched when they cover them."""

    def __init__(self, get_range: RangeGetter, first: Chunk) -> None:
        self._get_range = get_range
        self._chunks = [first]
        self.size = first.size

    def held(self, start: int, length: int) -> bytes | None:
        for chunk in self._chunks:
            if chunk.start <= start and start + length <= chunk.end:
                return chunk.data[start - chunk.start : start - chunk.start + length]
        return None

    async def read(self, start: int, length: int) -> bytes:
        if start < 0 or length < 0 or start + length > self.size:
            raise _Malformed(f"range {start}+{length} outside a file of {self.size} bytes")
        data = self.held(start, length)
        if data is not None:
            return data
        # A central directory bigger than the tail ends inside it: only the part before the tail is fetched.
        end = start + length
        for chunk in self._chunks:
            if start < chunk.start < end <= chunk.end:
                head = await self._fetch(start, chunk.start - start)
                return head + chunk.data[: end - chunk.start]
        return await self._fetch(start, length)

    async def _fetch(self, start: int, length: int) -> bytes:
        chunk = await self._get_range(start, length)
        if chunk is None:
            raise _Malformed("the server did not answer a range request")
        if chunk.size != self.size or chunk.start > start or chunk.end < start + length:
            raise _Malformed("the server answered a different range")
        self._chunks.append(chunk)
        return chunk.data[start - chunk.start : start - chunk.start + length]


async def fetch_wheel_metadata(
    get_range: RangeGetter,
    *,
    tail_bytes: int = TAIL_BYTES,
    max_metadata_bytes: int = MAX_METADATA_BYTES,
    max_directory_bytes: int = MAX_DIRECTORY_BYTES,
) -> bytes | LazyFailure | None:
    """The METADATA of the wheel behind ``get_range``; None when it cannot be read that way."""
    try:
        tail = await get_range(None, tail_bytes)
        if tail is None:
            return None
        reader = _Reader(get_range, tail)
        entry = await _find_metadata(reader, tail, max_directory_bytes)
        return await _read_member(reader, entry, max_metadata_bytes)
    except FetchError as exc:
        return LazyFailure(exc.reason)
    except (_Malformed, struct.error, zlib.error, ValueError) as exc:
        logger.debug("Cannot read the wheel's METADATA with range requests: %s", exc)
        return None


async def _find_metadata(reader: _Reader, tail: Chunk, max_directory_bytes: int) -> _Entry:
    eocd_at, count, cd_size, cd_offset = _end_of_directory(tail)
    directory_end = eocd_at
    if (
        count == 0xFFFF
        or cd_size == 0xFFFFFFFF
        or cd_offset == 0xFFFFFFFF
        or _has_zip64_locator(tail, eocd_at)
    ):
        count, cd_size, cd_offset, directory_end = await _zip64_end(reader, eocd_at)
    if cd_size > max_directory_bytes:
        raise _Malformed(f"central directory of {cd_size} bytes")
    # Data before the first local header (a self-extracting stub) would shift every offset; wheels have none,
    # and a directory that does not end where the end records begin means exactly that, so give up.
    if cd_offset + cd_size != directory_end:
        raise _Malformed("the central directory is not where the end record says")
    directory = await reader.read(cd_offset, cd_size)
    found: list[_Entry] = []
    pos = 0
    for _ in range(count):
        entry, pos = _central_entry(directory, pos)
        parts = entry.name.split("/")
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
            found.append(entry)
    if len(found) != 1:
        # pip refuses wheels with several .dist-info directories; so does this.
        raise _Malformed(f"{len(found)} .dist-info/METADATA members")
    return found[0]


def _end_of_directory(tail: Chunk) -> tuple[int, int, int, int]:
    """(file offset of the EOCD record, entry count, directory size, directory offset)."""
    data = tail.data
    pos = data.rfind(_EOCD_SIG)
    while pos >= 0:
        if pos + _EOCD.size <= len(data):
            _, disk, cd_disk, _, count, cd_size, cd_offset, comment_len = _EOCD.unpack_from(data, pos)
            # The record ends the file (after its comment); a signature inside the comment does not.
            if tail.start + pos + _EOCD.size + comment_len == tail.size:
                if disk not in (0, 0xFFFF) or cd_disk not in (0, 0xFFFF):
                    raise _Malformed("a multi-disk zip")
                return tail.start + pos, count, cd_size, cd_offset
        pos = data.rfind(_EOCD_SIG, 0, pos)
    raise _Malformed("no end-of-central-directory record in the tail")


def _has_zip64_locator(tail: Chunk, eocd_at: int) -> bool:
    # Writers may add ZIP64 records even when no field is saturated; their values then win, as in zipfile.
    at = eocd_at - _EOCD64_LOCATOR.size - tail.start
    return at >= 0 and tail.data[at : at + 4] == _EOCD64_LOCATOR_SIG


async def _zip64_end(reader: _Reader, eocd_at: int) -> tuple[int, int, int, int]:
    """(entry count, directory size, directory offset, offset where the directory must end) from ZIP64 records."""
    locator_at = eocd_at - _EOCD64_LOCATOR.size
    sig, _, eocd64_at, _ = _EOCD64_LOCATOR.unpack(await reader.read(locator_at, _EOCD64_LOCATOR.size))
    if sig != _EOCD64_LOCATOR_SIG:
        raise _Malformed("ZIP64 values without a ZIP64 locator")
    record = await reader.read(eocd64_at, _EOCD64.size)
    sig, _, _, _, _, _, _, count, cd_size, cd_offset = _EOCD64.unpack(record)
    if sig != _EOCD64_SIG:
        raise _Malformed("no ZIP64 end-of-central-directory record")
    return count, cd_size, cd_offset, eocd64_at


def _central_entry(directory: bytes, pos: int) -> tuple[_Entry, int]:
    fields = _CENTRAL.unpack_from(directory, pos)
    sig, _, _, flags, method, _, _, crc, csize, usize, name_len, extra_len, comment_len = fields[:13]
    local_offset = fields[16]
    if sig != _CENTRAL_SIG:
        raise _Malformed("bad central directory entry")
    start = pos + _CENTRAL.size
    raw_name = directory[start : start + name_len]
    extra = directory[start + name_len : start + name_len + extra_len]
    end = start + name_len + extra_len + comment_len
    if end > len(directory):
        raise _Malformed("central directory entry past the directory's end")
    name = raw_name.decode("utf-8" if flags & _FLAG_UTF8 else "cp437")
    if usize == 0xFFFFFFFF or csize == 0xFFFFFFFF or local_offset == 0xFFFFFFFF:
        usize, csize, local_offset = _zip64_extra(extra, usize, csize, local_offset)
    return _Entry(name, flags, method, crc, csize, usize, local_offset), end


def _zip64_extra(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    """Replace the 0xFFFFFFFF fields by their ZIP64 values, which appear in this order, only when saturated."""
    pos = 0
    while pos + 4 <= len(extra):
        kind, length = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + length]
        pos += 4 + length
        if kind != _ZIP64_EXTRA_ID:
            continue
        values = list(struct.unpack_from(f"<{len(body) // 8}Q", body))
        current = [usize, csize, offset]
        for i, value in enumerate(current):
            if value == 0xFFFFFFFF:
                if not values:
                    raise _Malformed("short ZIP64 extra field")
                current[i] = values.pop(0)
        return current[0], current[1], current[2]
    raise _Malformed("ZIP64 sizes without a ZIP64 extra field")


async def _read_member(reader: _Reader, entry: _Entry, max_bytes: int) -> bytes:
    if entry.flags & _FLAG_ENCRYPTED:
        raise _Malformed("encrypted METADATA")
    if entry.method not in (_STORED, _DEFLATED):
        raise _Malformed(f"METADATA compressed with method {entry.method}")
    if entry.size > max_bytes or entry.compressed_size > max_bytes:
        raise _Malformed(f"METADATA of {entry.size} bytes")
    name_len = len(entry.name.encode("utf-8" if entry.flags & _FLAG_UTF8 else "cp437"))
    # One request for header and data, guessing the local extra field; the header then says where data starts.
    guess = min(
        _LOCAL.size + name_len + _LOCAL_SLACK + entry.compressed_size, reader.size - entry.local_offset
    )
    head = await reader.read(entry.local_offset, guess)
    fields = _LOCAL.unpack_from(head, 0)
    if fields[0] != _LOCAL_SIG:
        raise _Malformed("no local file header where the directory says")
    data_start = entry.local_offset + _LOCAL.size + fields[9] + fields[10]
    data_end = data_start + entry.compressed_size
    if data_end <= entry.local_offset + len(head):
        data = head[data_start - entry.local_offset : data_end - entry.local_offset]
    else:
        data = await reader.read(data_start, entry.compressed_size)
    if entry.method == _STORED:
        content = data
    else:
        inflater = zlib.decompressobj(-15)  # raw deflate: zip members have no zlib header
        content = inflater.decompress(data, entry.size + 1)
    if len(content) != entry.size or zlib.crc32(content) != entry.crc:
        raise _Malformed("METADATA does not match its size or CRC")
    return content


def transport_range_getter(transport: Transport, url: str) -> RangeGetter:
    """A :data:`RangeGetter` for ``url`` over ``transport``.

    A server that ignores Range answers 200 with the whole file; ``max_bytes`` stops that download at the size
    asked for. When the whole file fits (a small wheel) it is used as it is, since it has been read anyway.
    """

    async def get_range(start: int | None, length: int) -> Chunk | None:
        spec = f"-{length}" if start is None else f"{start}-{start + length - 1}"
        # A compressed answer would make the byte positions those of the encoded body, so ask for none.
        headers = {"Range": f"bytes={spec}", "Accept-Encoding": "identity"}
        try:
            response = await transport.get(url, headers=headers, max_bytes=length)
        except FetchError as exc:
            if exc.reason == _TOO_LARGE:
                logger.debug("%s ignores range requests", redact(url))
                return None
            raise
        if response.headers.get("content-encoding", "identity").lower() != "identity":
            return None
        if response.status == 200:
            return Chunk(0, response.content, len(response.content))
        if response.status != 206:
            logger.debug("Range request to %s answered HTTP %d", redact(url), response.status)
            return None
        match = _CONTENT_RANGE.match(response.headers.get("content-range", ""))
        if match is None:
            return None
        first, last, size = (int(g) for g in match.groups())
        if last - first + 1 != len(response.content) or last >= size:
            return None
        if start is not None and first != start:
            return None
        return Chunk(first, response.content, size)

    return get_range


async def read_wheel_metadata(transport: Transport, url: str) -> bytes | LazyFailure | None:
    """The METADATA of the remote wheel at ``url``, read with range requests; see :func:`fetch_wheel_metadata`."""
    return await fetch_wheel_metadata(transport_range_getter(transport, url))
