"""End-to-end tests of ``pinwise serve`` over stdio (VS Code's capabilities, the fake index)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.fixtures.index.packages import Pkg, Rel
from tests.index_server import IndexServer, write_file_index
from tests.lsp.conftest import (
    SERVER_COMMAND,
    Session,
    apply_text_edits,
    initialization_options,
    progress_titles,
    server_environment,
    start_session,
    strip_markers,
    utf16_range,
)

# -- diagnostics ------------------------------------------------------------------------------------------


async def check_syntax_diagnostics(session: Session, name: str, marked: str, code: str) -> None:
    """The parse problem appears right after didOpen, on the marked span (UTF-16), with the version."""
    text, spans, _ = strip_markers(marked)
    uri = session.open(name, text)
    diagnostics = await session.diagnostics(uri, lambda found: any(d.code == code for d in found))
    ranges = sorted(
        (d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character)
        for d in diagnostics
        if d.code == code
    )
    expected = sorted(
        (r.start.line, r.start.character, r.end.line, r.end.character)
        for r in (utf16_range(text, s) for s in spans)
    )
    assert ranges == expected
    assert all(d.source == "pinwise" and d.data is not None and d.data["version"] == 1 for d in diagnostics)


SYNTAX_CASES = [
    ("requirements.txt", "requests==2.31.0\nflask«>=»\n", "invalid-requirement"),
    # Non-ASCII and an astral character before the span on its line: UTF-16 counts 😀 as two units.
    ("requirements.txt", 'requests ; python_version == "😀é" «and»\n', "invalid-marker"),
    (
        "pyproject.toml",
        '[project]\nname = "x"\ndependencies = ["«é😀»", "flask«>=»"]\n',
        "invalid-requirement",
    ),
    # A local path that names nothing (the workspace folder, where pip would run, has no "pkg" either).
    ("requirements.txt", "-e «./pkg»\nrequests==2.31.0\n", "path-not-found"),
]


@pytest.mark.parametrize(("name", "marked", "code"), SYNTAX_CASES)
async def test_syntax_diagnostics(session: Session, name: str, marked: str, code: str) -> None:
    await check_syntax_diagnostics(session, name, marked, code)


async def test_edit_republishes_with_version(session: Session) -> None:
    text = "requests==2.31.0\nflask>=\n"
    uri = session.open("requirements.txt", text)
    await session.diagnostics(uri, lambda found: any(d.code == "invalid-requirement" for d in found))
    # An incremental edit: ">=" becomes "==3.0.3".
    version = session.change(uri, "==3.0.3", utf16_range(text, (22, 24)))
    published_at = time.perf_counter()
    diagnostics = await session.diagnostics(
        uri, lambda found: not any(d.code == "invalid-requirement" for d in found)
    )
    assert time.perf_counter() - published_at < 2
    assert all(d.data is not None and d.data["version"] == version for d in diagnostics)


async def test_other_files_are_ignored(session: Session) -> None:
    uri = session.open("README.txt", "flask>=\n")
    await asyncio.sleep(0.3)
    assert uri not in session.client.diagnostics


# -- settings ---------------------------------------------------------------------------------------------


async def check_bad_setting(tmp_path: Path, index: IndexServer, settings: dict[str, Any], key: str) -> None:
    options = initialization_options(index, **settings)
    session = await start_session(tmp_path, index, options=options, configuration=options["settings"])
    try:
        deadline = time.monotonic() + 5
        while not any(key in m.message for m in session.client.messages) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        messages = [m.message for m in session.client.messages if key in m.message]
        assert len(messages) == 1, session.client.messages
        assert "default" in messages[0]
        # The server keeps serving with the default.
        uri = session.open("requirements.txt", "flask>=\n")
        await session.diagnostics(uri, lambda found: len(found) > 0)
    finally:
        await session.client.shutdown_session()
        await session.client.stop()


@pytest.mark.parametrize(
    ("settings", "key"),
    [
        ({"inlayHints": {"enable": "yes"}}, "pinwise.inlayHints.enable"),
        ({"policy": "strict"}, "pinwise.policy"),
        ({"diagnostics": {"severity": {"unpinned": "loud"}}}, "pinwise.diagnostics.severity.unpinned"),
    ],
)
async def test_bad_setting_warns_and_falls_back(
    tmp_path: Path, index_server: IndexServer, settings: dict[str, Any], key: str
) -> None:
    await check_bad_setting(tmp_path, index_server, settings, key)


# -- completion -------------------------------------------------------------------------------------------


async def check_completion(session: Session, name: str, marked: str, expected: set[str]) -> None:
    """One request, asked at once: a name list still loading is waited for, not answered empty."""
    text, _, cursor = strip_markers(marked)
    assert cursor is not None
    uri = session.open(name, text)
    position = utf16_range(text, (cursor, cursor)).start
    result = await session.client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    items = result.items if isinstance(result, types.CompletionList) else result or []
    assert expected <= {item.label for item in items}


COMPLETION_CASES = [
    ("names", "requirements.txt", "reque|", {"requests"}),
    ("versions", "requirements.txt", "requests==|", {"2.31.0", "2.32.3"}),
    ("extras", "requirements.txt", "requests[|", {"socks"}),
    ("markers", "requirements.txt", "flask ; |", {"python_version"}),
    ("options", "requirements.txt", "--ind|", {"--index-url"}),
    ("pyproject", "pyproject.toml", '[project]\nname = "x"\ndependencies = ["flask==|"]\n', {"3.0.3"}),
]


@pytest.mark.parametrize(
    ("case", "name", "marked", "expected"), COMPLETION_CASES, ids=[c[0] for c in COMPLETION_CASES]
)
async def test_completion(session: Session, case: str, name: str, marked: str, expected: set[str]) -> None:
    await check_completion(session, name, marked, expected)


async def test_completion_of_names_from_the_files_own_index(session: Session, tmp_path: Path) -> None:
    # The default index's list was loaded at start-up; a file naming another index gets that one's names.
    url = write_file_index(tmp_path / "own-index", [Pkg(name="internal-only", releases=(Rel("1.0"),))])
    await check_completion(
        session, "requirements.txt", f"--extra-index-url {url}\ninternal-o|", {"internal-only"}
    )


async def test_completion_of_paths(session: Session) -> None:
    (session.root / "requirements-dev.txt").write_text("pytest\n")
    await check_completion(session, "requirements.txt", "-r |", {"requirements-dev.txt"})


# -- commands ---------------------------------------------------------------------------------------------


async def execute(session: Session, command: str, argument: dict[str, Any]) -> Any:
    return await session.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=[argument])
    )


async def test_list_venvs_finds_the_workspace_venv(session: Session) -> None:
    venv = session.root / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    (venv / "bin" / "python").symlink_to(sys.executable)
    result = await execute(session, "pinwise.listVenvs", {"workspaceFolder": session.root.as_uri()})
    mine = [e for e in result if Path(e["path"]) == venv]
    assert mine and mine[0]["version"] == "3.11.7"
    selected = await execute(
        session, "pinwise.selectVenv", {"workspaceFolder": session.root.as_uri(), "path": str(venv)}
    )
    assert Path(selected["path"]) == venv


@pytest.mark.parametrize(
    ("command", "before", "after"),
    [
        ("pinwise.pinAll", "requests\nflask>=2  # web\n", "requests==2.32.3\nflask==3.0.3  # web\n"),
        ("pinwise.updateAll", "requests==2.31.0\nclick==8.1.6\n", "requests==2.32.3\nclick==8.1.7\n"),
    ],
)
async def test_whole_file_fix_is_applied(session: Session, command: str, before: str, after: str) -> None:
    uri = session.open("requirements.txt", before)
    await session.diagnostics(uri)
    assert await execute(session, command, {"uri": uri}) is True
    edit = session.applied_edits[-1]
    assert edit.document_changes is not None
    change = edit.document_changes[0]
    assert isinstance(change, types.TextDocumentEdit) and change.text_document.version == 1
    assert apply_text_edits(before, list(change.edits)) == after


async def test_installers_refuse_in_an_untrusted_workspace(tmp_path: Path, index_server: IndexServer) -> None:
    options = initialization_options(index_server)
    options["workspaceTrusted"] = False
    session = await start_session(tmp_path, index_server, options=options)
    try:
        result = await execute(session, "pinwise.createVenv", {"workspaceFolder": session.root.as_uri()})
        assert result["status"] == "refused"
        assert not (session.root / ".venv").exists()
    finally:
        await session.client.shutdown_session()
        await session.client.stop()


# -- robustness -------------------------------------------------------------------------------------------


async def test_a_failing_request_is_answered_and_the_server_keeps_serving(session: Session) -> None:
    with pytest.raises(Exception, match="not defined"):
        await execute(session, "pinwise.noSuchCommand", {})
    uri = session.open("requirements.txt", "flask>=\n")
    assert await session.diagnostics(uri, lambda found: any(d.code == "invalid-requirement" for d in found))


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.mark.parametrize("initialize_first", [True, False])
def test_the_process_ends_when_stdin_closes(tmp_path: Path, initialize_first: bool) -> None:
    process = subprocess.Popen(
        SERVER_COMMAND,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=server_environment(tmp_path),
    )
    assert process.stdin is not None
    if initialize_first:
        process.stdin.write(
            _frame(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"processId": os.getpid(), "capabilities": {}},
                }
            )
        )
        process.stdin.flush()
    process.stdin.close()
    assert process.wait(timeout=10) == 0


def test_initialize_is_answered_before_the_core_is_imported(tmp_path: Path) -> None:
    """``initialize`` (settings and trust in its options included) imports pygls, lsprotocol and the thin
    ``pinwise.lsp`` modules only; the core (settings, parsers, packaging, the index client) loads later."""
    log = tmp_path / "importtime.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-X", "importtime", *SERVER_COMMAND[1:]],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=server_environment(tmp_path),
        )
    assert process.stdin is not None and process.stdout is not None
    try:
        options = {"settings": {"policy": "strict"}, "workspaceTrusted": False}
        params = {"processId": os.getpid(), "capabilities": {}, "initializationOptions": options}
        process.stdin.write(_frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}))
        process.stdin.flush()
        length = int(process.stdout.readline().split(b":")[1])
        while process.stdout.readline().strip():
            pass
        answer = json.loads(process.stdout.read(length))
    finally:
        process.kill()
        process.wait()
        process.stdin.close()
    assert answer["id"] == 1 and "capabilities" in answer["result"], answer
    imported = {
        line.rsplit("|", 1)[1].strip()
        for line in log.read_text("utf-8", errors="replace").splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "pinwise.lsp.server" in imported  # the log is what the server imported
    # pinwise.lsp.logs redacts with the index package's one rule, a standard-library module.
    core = {name for name in imported if name.startswith("pinwise.core")}
    assert core <= {"pinwise.core", "pinwise.core.index", "pinwise.core.index.auth"}, core
    heavy = {name for name in imported if name.split(".")[0] in ("packaging", "httpx", "pip", "tomllib")}
    assert not heavy, heavy


# -- navigation -------------------------------------------------------------------------------------------


async def test_symbols_links_and_definition(session: Session) -> None:
    (session.root / "base.txt").write_text("flask\n")
    text = "-r base.txt\nrequests==2.31.0\n"
    uri = session.open("requirements.txt", text)
    await session.diagnostics(uri)
    identifier = types.TextDocumentIdentifier(uri=uri)
    symbols = await session.client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=identifier)
    )
    assert "requests" in {s.name for s in symbols or []}
    links = await session.client.text_document_document_link_async(
        types.DocumentLinkParams(text_document=identifier)
    )
    assert session.uri("base.txt") in {link.target for link in links or []}
    found = await session.client.text_document_definition_async(
        types.DefinitionParams(text_document=identifier, position=types.Position(0, 5))
    )
    assert isinstance(found, list) and found[0].uri == session.uri("base.txt")


def test_the_process_ends_when_the_client_process_dies(tmp_path: Path) -> None:
    """The server watches the processId it was given and leaves once that process is gone, even while its
    stdin stays open (an editor killed with SIGKILL closes nothing)."""
    client_stand_in = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    server = subprocess.Popen(
        SERVER_COMMAND,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=server_environment(tmp_path),
    )
    assert server.stdin is not None
    try:
        initialize = {"processId": client_stand_in.pid, "capabilities": {}}
        server.stdin.write(_frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initialize}))
        server.stdin.write(_frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        server.stdin.flush()
        with pytest.raises(subprocess.TimeoutExpired):
            server.wait(timeout=0.5)  # alive while the client is
        client_stand_in.kill()
        client_stand_in.wait()
        assert server.wait(timeout=10) == 0
    finally:
        client_stand_in.kill()
        server.kill()
        server.wait()
        server.stdin.close()


async def test_completion_does_not_wait_for_the_name_list(tmp_path: Path, index_server: IndexServer) -> None:
    """While the project-name list is still loading, name completion answers at once, marked incomplete so
    that the editor asks again; the list keeps loading under work-done progress."""
    index_server.fault("/simple/", delay=2.0)  # the project list only: project pages stay fast
    session = await start_session(tmp_path, index_server)
    try:
        deadline = time.monotonic() + 10
        while "begin" not in progress_titles(session).get("Loading project names", []):
            assert time.monotonic() < deadline, "the name list never started loading"
            await asyncio.sleep(0.02)
        text = "reque"
        uri = session.open("requirements.txt", text)
        result = await session.client.text_document_completion_async(
            types.CompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, len(text))
            )
        )
        assert isinstance(result, types.CompletionList)
        assert result.is_incomplete is True and not result.items
        assert "end" not in progress_titles(session)["Loading project names"]
    finally:
        await session.client.shutdown_session()
        await session.client.stop()
