"""A long random editing session against the real server over stdio (fake index on 127.0.0.1).

Thousands of random incremental edits (``PINWISE_SESSION_EDITS``, default 1,500) on a requirements file and a
``pyproject.toml``, interleaved with completions, hovers and code actions (some cancelled at once) and one
change carrying an out-of-order version. Every request must be answered; the final diagnostics must equal those
of a fresh server opening the final texts; and the server's memory may grow by less than 20 MB between the
warm-up and the end.
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from lsprotocol import types

from tests.index_server import IndexServer
from tests.lsp.conftest import Session, start_session
from tests.reliability.corpus import REPO
from tests.reliability.lsp_helpers import position, rss_bytes, settled

EDITS = int(os.environ.get("PINWISE_SESSION_EDITS", "1500"))
SEED = int(os.environ.get("PINWISE_SESSION_SEED", "20240601"))
REQUEST_TIMEOUT = 10.0
MAX_GROWTH = 20 * 1024 * 1024

PIECES = [
    "requests",
    "flask",
    "==",
    ">=",
    "2.0",
    "1.",
    ",<3",
    "[socks]",
    "; python_version < '3.11'",
    "\n",
    "\r\n",
    " \\\n",
    "#",
    "-r base.txt\n",
    "--hash=sha256:" + "0" * 64,
    '"',
    ", ",
    "[",
    "]",
    "{",
    "}",
    "=",
    "é",
    "😀",
    "𝔘",
    " ",
    "",
]


def random_edit(rng: random.Random, text: str) -> tuple[int, int, str]:
    """A random replacement: offsets never split a CRLF pair; the new text mixes grammar and astral chars."""
    start = rng.randint(0, len(text))
    end = min(len(text), start + rng.choice([0, 0, 1, 2, 5, 20]))
    for at in (start, end):
        if 0 < at < len(text) and text[at - 1] == "\r" and text[at] == "\n":
            return random_edit(rng, text)
    inserted = "".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 1, 2, 3])))
    return start, end, inserted


async def answered(request: Awaitable[object], what: str) -> object:
    try:
        return await asyncio.wait_for(request, REQUEST_TIMEOUT)
    except asyncio.TimeoutError:
        raise AssertionError(f"the server did not answer {what} within {REQUEST_TIMEOUT} s") from None


async def random_request(rng: random.Random, session: Session, uri: str, text: str) -> None:
    offset = rng.randint(0, len(text))
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        offset -= 1
    where = position(text, offset)
    document = types.TextDocumentIdentifier(uri=uri)
    kind = rng.choice(["completion", "hover", "action"])
    params: Any
    if kind == "completion":
        method, params = types.TEXT_DOCUMENT_COMPLETION, types.CompletionParams(document, where)
    elif kind == "hover":
        method, params = types.TEXT_DOCUMENT_HOVER, types.HoverParams(document, where)
    else:
        method = types.TEXT_DOCUMENT_CODE_ACTION
        params = types.CodeActionParams(
            document,
            types.Range(where, where),
            types.CodeActionContext(diagnostics=list(session.client.diagnostics.get(uri, []))[:3]),
        )
    request_id = str(uuid.uuid4())
    request = asyncio.wrap_future(session.client.protocol.send_request(method, params, msg_id=request_id))
    if rng.random() < 0.2:
        # Cancelled at once: the server answers with a result or a RequestCancelled error, and carries on.
        session.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=request_id))
        try:
            await answered(request, f"cancelled {kind}")
        except AssertionError:
            raise
        except Exception as error:  # an error answer (RequestCancelled) is still an answer
            assert "cancel" in str(error).lower(), error
        return
    await answered(request, kind)


async def run_session(session: Session, rng: random.Random) -> tuple[dict[str, str], int, int]:
    texts = {
        "requirements.txt": (REPO / "examples" / "requirements.txt").read_text("utf-8"),
        "pyproject.toml": (REPO / "examples" / "pyproject.toml").read_text("utf-8"),
    }
    uris = {name: session.open(name, text) for name, text in texts.items()}
    baseline = 0
    for edit in range(EDITS):
        name = rng.choice(sorted(texts))
        uri, text = uris[name], texts[name]
        start, end, inserted = random_edit(rng, text)
        change = types.Range(position(text, start), position(text, end))
        session.change(uri, inserted, change)
        texts[name] = text[:start] + inserted + text[end:]
        if edit == EDITS // 2:
            # An out-of-order version: the same text again, numbered below the current version.
            session.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=1),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=texts[name])],
                )
            )
        if edit % 8 == 0:
            await random_request(rng, session, uri, texts[name])
        if edit == min(1000, EDITS // 3):
            baseline = rss_bytes(session)
    # An empty incremental edit per document, so the last version is the highest the server saw while its
    # text stays the one it built from the incremental edits (a full-text change would hide a divergence).
    for uri in uris.values():
        session.change(uri, "", types.Range(types.Position(0, 0), types.Position(0, 0)))
    return texts, baseline, rss_bytes(session)


async def test_random_editing_session(tmp_path: Path, index_server: IndexServer) -> None:
    rng = random.Random(SEED)
    # Both servers see the same project folder, so messages naming paths compare equal.
    session = await start_session(tmp_path, index_server)
    try:
        texts, baseline, final_rss = await run_session(session, rng)
        finals = {
            name: await settled(session, session.uri(name), session.versions[session.uri(name)])
            for name in texts
        }
        # The server still answers after everything.
        await answered(
            session.client.text_document_hover_async(
                types.HoverParams(
                    types.TextDocumentIdentifier(session.uri("requirements.txt")), types.Position(0, 1)
                )
            ),
            "the last hover",
        )
    finally:
        await session.client.shutdown_session()
        await session.client.stop()
    fresh = await start_session(tmp_path, index_server)
    try:
        for name, text in texts.items():
            uri = fresh.open(name, text)
            expected = await settled(fresh, uri, 1)
            assert finals[name] == expected, (
                f"{name}: after the session {sorted(finals[name] - expected)}; fresh {sorted(expected - finals[name])}"
            )
    finally:
        await fresh.client.shutdown_session()
        await fresh.client.stop()
    growth = final_rss - baseline
    print(f"\n{EDITS} edits: RSS {baseline / 2**20:.1f} MB -> {final_rss / 2**20:.1f} MB")
    assert growth < MAX_GROWTH, f"the server grew by {growth / 2**20:.1f} MB during the session"
