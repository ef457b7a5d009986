"""Helpers for the long LSP sessions: UTF-16 positions with LSP's line breaks, the server's memory, and
diagnostics that have settled for a given version."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types

from tests.lsp.conftest import Session

Signature = set[tuple[Any, int, int, int, int, str]]


def position(text: str, offset: int) -> types.Position:
    """The LSP position of ``offset`` (lines end at \\n, \\r\\n or a lone \\r; columns in UTF-16 units)."""
    line = 0
    line_start = 0
    index = 0
    while index < offset:
        char = text[index]
        if char == "\r" and index + 1 < len(text) and text[index + 1] == "\n":
            if index + 1 >= offset:
                break
            index += 2
            line += 1
            line_start = index
            continue
        if char in "\r\n":
            line += 1
            line_start = index + 1
        index += 1
    column = len(text[line_start:offset].encode("utf-16-le")) // 2
    return types.Position(line=line, character=column)


def rss_bytes(session: Session) -> int:
    """The server process's resident memory (VmRSS from /proc)."""
    process = session.client._server  # pytest-lsp keeps the asyncio subprocess here
    assert process is not None
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc status")


def signature(diagnostics: list[types.Diagnostic]) -> Signature:
    return {
        (
            d.code,
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
            d.message,
        )
        for d in diagnostics
    }


async def settled(
    session: Session, uri: str, version: int, quiet: float = 1.0, timeout: float = 60.0
) -> Signature:
    """The diagnostics of ``uri`` once they are for ``version`` and have not changed for ``quiet`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Signature | None = None
    stable_since = loop.time()
    while True:
        current = list(session.client.diagnostics.get(uri, []))
        versions = {(d.data or {}).get("version") for d in current if isinstance(d.data, dict)}
        now = loop.time()
        if uri in session.client.diagnostics and versions <= {version}:
            found = signature(current)
            if found != last:
                last, stable_since = found, now
            elif now - stable_since >= quiet:
                return found
        if now > deadline:
            raise AssertionError(f"diagnostics of {uri} never settled for version {version}: {current[:5]}")
        await asyncio.sleep(0.05)
