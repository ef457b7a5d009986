"""End-to-end tests of the language features over stdio, all against one server per module (VS Code's
capabilities, the shared fake index, an isolated cache): hover, inlay hints, index-backed diagnostics, quick
fixes and source actions applied to the text, includes, pyproject.toml, bad requests, cancellation and
work-done progress. Each test uses its own file names, so that tests do not see each other's documents."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.protocol.json_rpc import JsonRPCResponseMessage

from tests.lsp.conftest import (
    BULK_PROJECTS,
    FAILING_CHECK,
    FAILING_HOVER,
    SLOW_PROJECT,
    Session,
    apply_text_edits,
    strip_markers,
    utf16_position,
    wait_for_progress_end,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

_numbers = itertools.count()


def unique(name: str) -> str:
    """A file name in a folder of its own, so that no two cases share a document (or an includer)."""
    return f"case{next(_numbers)}/{name}"


def identifier(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def codes(diagnostics: list[types.Diagnostic]) -> set[str]:
    return {str(d.code) for d in diagnostics}


# -- hover ------------------------------------------------------------------------------------------------


async def check_hover(session: Session, marked: str, expected: str | None) -> None:
    """Hover at ``|``: the markdown contains ``expected`` (None: no hover at all)."""
    text, _, cursor = strip_markers(marked)
    assert cursor is not None
    uri = session.open(unique("requirements.txt"), text)
    result = await session.client.text_document_hover_async(
        types.HoverParams(text_document=identifier(uri), position=utf16_position(text, cursor))
    )
    if expected is None:
        assert result is None
        return
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    assert expected in result.contents.value, result.contents.value


HOVER_CASES = [
    ("name", "req|uests==2.31.0\n", "HTTP for Humans"),
    ("specifier", "requests==2.3|1.0\n", "2.32.3"),
    ("option", "--ind|ex-url https://mirror.example/simple\n", "https://mirror.example/simple"),
    ("index-fails", f"{FAILING_HOVER}|==1.0\n", "Could not reach the package index"),
    ("comment", "# just a comm|ent\n", None),
]


@pytest.mark.parametrize(("case", "marked", "expected"), HOVER_CASES, ids=[c[0] for c in HOVER_CASES])
async def test_hover(shared_session: Session, case: str, marked: str, expected: str | None) -> None:
    await check_hover(shared_session, marked, expected)


async def test_hover_judges_releases_for_the_projects_python(shared_session: Session) -> None:
    # requests 2.32.x needs Python 3.8; this project supports 3.7, so pip there would pick 2.31.0.
    folder = unique("py37")
    (shared_session.root / folder).mkdir(parents=True)
    (shared_session.root / folder / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1"\nrequires-python = ">=3.7"\n', encoding="utf-8"
    )
    text = "requests>=2.30\n"
    uri = shared_session.open(f"{folder}/requirements.txt", text)
    result = await shared_session.client.text_document_hover_async(
        types.HoverParams(text_document=identifier(uri), position=utf16_position(text, len("requests>=2")))
    )
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    value = result.contents.value
    assert "Newest allowed by `>=2.30` for Python 3.7: `2.31.0`" in value, value
    assert "Latest: `2.32.3`" in value and "Latest for Python 3.7: `2.31.0`" in value, value


# -- inlay hints ------------------------------------------------------------------------------------------


async def check_inlay_hints(session: Session, text: str, expected: set[str]) -> None:
    uri = session.open(unique("requirements.txt"), text)
    end = utf16_position(text, len(text))
    hints = await session.client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=identifier(uri), range=types.Range(types.Position(0, 0), end))
    )
    assert {str(hint.label) for hint in hints or []} == expected


INLAY_CASES = [
    ("outdated", "click==8.1.6\n", {"latest 8.1.7"}),
    ("current", "click==8.1.7\n", set()),
    ("range-excludes-latest", "flask<3\n", {"latest 3.0.3"}),
]


@pytest.mark.parametrize(("case", "text", "expected"), INLAY_CASES, ids=[c[0] for c in INLAY_CASES])
async def test_inlay_hints(shared_session: Session, case: str, text: str, expected: set[str]) -> None:
    await check_inlay_hints(shared_session, text, expected)


# -- index-backed diagnostics -----------------------------------------------------------------------------


async def check_index_diagnostic(session: Session, name: str, marked: str, code: str, absent: str) -> None:
    """``code`` appears on the marked span once the index answered, and ``absent`` never does."""
    text, spans, _ = strip_markers(marked)
    uri = session.open(unique(name), text)
    found = await session.diagnostics(uri, lambda d: code in codes(d))
    assert absent not in codes(found)
    ranges = [d.range for d in found if d.code == code]
    assert ranges == [
        types.Range(utf16_position(text, start), utf16_position(text, end)) for start, end in spans
    ]


INDEX_CASES = [
    ("outdated", "requirements.txt", "click«==8.1.6»\n", "outdated", "unknown-package"),
    ("unknown", "requirements.txt", "«reqeusts»==2.31.0\n", "unknown-package", "could-not-check"),
    ("yanked", "requirements.txt", "requests«==2.32.0»\n", "yanked", "unknown-package"),
    # A 500 from the index is "could not check", never "does not exist".
    ("index-500", "requirements.txt", f"«{FAILING_CHECK}»==1.0\n", "could-not-check", "unknown-package"),
    (
        "dependency-group",
        "pyproject.toml",
        '[project]\nname = "x"\nversion = "1"\n\n[dependency-groups]\ndev = ["«reqeusts»>=2"]\n',
        "unknown-package",
        "could-not-check",
    ),
    (
        "poetry",
        "pyproject.toml",
        '[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\npython = "^3.10"\n«reqeusts» = "^2.0"\n',
        "unknown-package",
        "could-not-check",
    ),
]


@pytest.mark.parametrize(
    ("case", "name", "marked", "code", "absent"), INDEX_CASES, ids=[c[0] for c in INDEX_CASES]
)
async def test_index_diagnostics(
    shared_session: Session, case: str, name: str, marked: str, code: str, absent: str
) -> None:
    await check_index_diagnostic(shared_session, name, marked, code, absent)


# -- quick fixes and source actions -----------------------------------------------------------------------


def edits_of(edit: types.WorkspaceEdit | None, uri: str) -> list[types.TextEdit]:
    assert edit is not None
    if edit.document_changes:
        return [
            e
            for change in edit.document_changes
            if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri
            for e in change.edits
            if isinstance(e, types.TextEdit)
        ]
    return list((edit.changes or {}).get(uri, []))


async def check_quick_fix(session: Session, before: str, code: str, title: str, after: str) -> None:
    """The quick fix ``title`` offered for the ``code`` diagnostic turns ``before`` into ``after``."""
    uri = session.open(unique("requirements.txt"), before)
    found = await session.diagnostics(uri, lambda d: code in codes(d))
    diagnostic = next(d for d in found if d.code == code)
    actions = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=identifier(uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic], only=[types.CodeActionKind.QuickFix]),
        )
    )
    titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
    action = next((a for a in actions or [] if isinstance(a, types.CodeAction) and a.title == title), None)
    assert action is not None, titles
    assert apply_text_edits(before, edits_of(action.edit, uri)) == after


FIX_CASES = [
    (
        "update",
        "click==8.1.6\nflask==3.0.3\n",
        "outdated",
        "Pin click to 8.1.7",
        "click==8.1.7\nflask==3.0.3\n",
    ),
    ("rename", "reqeusts==2.31.0\n", "unknown-package", "Change to requests", "requests==2.31.0\n"),
    (
        "remove-duplicate",
        "flask==3.0.3\nclick\nflask==3.0.3\n",
        "duplicate",
        "Remove the duplicate",
        "flask==3.0.3\nclick\n",
    ),
    (
        "scp-address",
        "-e git+git@gitlab.example:grp/r.git@v1#egg=r\n",
        "invalid-editable",
        "Write it as git+ssh://git@gitlab.example/grp/r.git@v1#egg=r",
        "-e git+ssh://git@gitlab.example/grp/r.git@v1#egg=r\n",
    ),
]


@pytest.mark.parametrize(
    ("case", "before", "code", "title", "after"), FIX_CASES, ids=[c[0] for c in FIX_CASES]
)
async def test_quick_fix(
    shared_session: Session, case: str, before: str, code: str, title: str, after: str
) -> None:
    await check_quick_fix(shared_session, before, code, title, after)


def raw_request(session: Session, method: str, params: Any) -> Any:
    """Send a request and keep its result as plain JSON.

    lsprotocol's client-side reading of ``(Command | CodeAction)[]`` takes every object with a ``command``
    key for a Command, so a CodeAction that carries a command comes back mangled; editors tell the two apart
    by the type of ``command`` (a string in a Command), which the JSON shows.
    """
    msg_id = f"raw-{next(_numbers)}"
    pending = session.client.protocol.send_request(method, params, msg_id=msg_id)
    session.client.protocol._result_types[msg_id] = JsonRPCResponseMessage
    return asyncio.wrap_future(pending)


async def check_source_action(session: Session, kind: str, before: str, after: str) -> None:
    """The source action of ``kind`` is offered through textDocument/codeAction, and running its command
    applies an edit that turns ``before`` into ``after``."""
    uri = session.open(unique("requirements.txt"), before)
    await session.diagnostics(uri)
    params = types.CodeActionParams(
        text_document=identifier(uri),
        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
        context=types.CodeActionContext(diagnostics=[], only=[kind]),
    )
    actions = await raw_request(session, types.TEXT_DOCUMENT_CODE_ACTION, params)
    offered = [a for a in actions or [] if a.get("kind") == kind]
    assert len(offered) == 1 and isinstance(offered[0].get("command"), dict), actions
    command = offered[0]["command"]
    applied = len(session.applied_edits)
    result = await session.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command["command"], arguments=command["arguments"])
    )
    assert result is True
    assert len(session.applied_edits) == applied + 1
    assert apply_text_edits(before, edits_of(session.applied_edits[-1], uri)) == after


SOURCE_CASES = [
    (
        "pin-all",
        "source.pinwise.pinAll",
        "requests\nflask>=2  # web\n",
        "requests==2.32.3\nflask==3.0.3  # web\n",
    ),
    (
        "update-all",
        "source.pinwise.updateAll",
        "click==8.1.6\njinja2==3.1.3\n",
        "click==8.1.7\njinja2==3.1.4\n",
    ),
]


@pytest.mark.parametrize(("case", "kind", "before", "after"), SOURCE_CASES, ids=[c[0] for c in SOURCE_CASES])
async def test_source_action(shared_session: Session, case: str, kind: str, before: str, after: str) -> None:
    await check_source_action(shared_session, kind, before, after)


# -- includes ---------------------------------------------------------------------------------------------


async def test_editing_an_included_file_reanalyses_the_includer(shared_session: Session) -> None:
    session = shared_session
    folder = unique("")
    (session.root / folder).mkdir(parents=True, exist_ok=True)
    (session.root / folder / "base.txt").write_text("flask==3.0.3\n")
    includer = session.open(folder + "requirements.txt", "-r base.txt\nflask==3.0.3\n")
    await session.diagnostics(includer, lambda d: "duplicate" in codes(d))
    # The editor's text of the included file wins over the disk.
    base = session.open(folder + "base.txt", "flask==3.0.3\n")
    session.change(base, "click==8.1.7\n")
    await session.diagnostics(includer, lambda d: "duplicate" not in codes(d))


async def test_a_watched_change_on_disk_reanalyses_the_includer(shared_session: Session) -> None:
    session = shared_session
    folder = unique("")
    (session.root / folder).mkdir(parents=True, exist_ok=True)
    included = session.root / folder / "missing.txt"
    includer = session.open(folder + "requirements.txt", "-r missing.txt\nflask==3.0.3\n")
    await session.diagnostics(includer, lambda d: "include-not-found" in codes(d))
    included.write_text("click==8.1.7\n")
    session.client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=included.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    await session.diagnostics(includer, lambda d: "include-not-found" not in codes(d))


# -- robustness -------------------------------------------------------------------------------------------


async def answer_of(request: Any) -> str:
    """``result`` or ``error``: what the server answered (it must answer either way)."""
    try:
        await asyncio.wait_for(request, 10)
    except JsonRpcException:
        return "error"
    return "result"


async def test_malformed_requests_are_answered_and_the_server_keeps_serving(shared_session: Session) -> None:
    session = shared_session
    text = "requests==2.31.0\n"
    uri = session.open(unique("requirements.txt"), text)
    far_away = [types.Position(10_000, 0), types.Position(0, 10_000), types.Position(10_000, 10_000)]
    client = session.client
    for position in far_away:
        # Positions past the text are clamped to it: answered with a result, not an internal error.
        hover = client.text_document_hover_async(types.HoverParams(identifier(uri), position))
        assert await answer_of(hover) == "result", position
        completion = client.text_document_completion_async(types.CompletionParams(identifier(uri), position))
        assert await answer_of(completion) == "result", position
    unknown = session.uri("never-opened/requirements.txt")
    unknown_hover = await client.text_document_hover_async(
        types.HoverParams(identifier(unknown), types.Position(0, 0))
    )
    assert unknown_hover is None
    after = session.open(unique("requirements.txt"), "flask>=\n")
    await session.diagnostics(after, lambda d: "invalid-requirement" in codes(d))


async def test_a_cancelled_completion_is_answered_and_the_server_keeps_serving(
    shared_session: Session,
) -> None:
    session = shared_session
    text = f"{SLOW_PROJECT}=="
    uri = session.open(unique("requirements.txt"), text)
    params = types.CompletionParams(identifier(uri), utf16_position(text, len(text)))
    request_id = "cancel-me"
    pending = asyncio.ensure_future(
        session.client.protocol.send_request_async(types.TEXT_DOCUMENT_COMPLETION, params, msg_id=request_id)
    )
    await asyncio.sleep(0.2)  # the server is now waiting on the slow index
    session.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=request_id))
    # The answer comes sooner than the index's 3 s delay: an empty result, or the cancellation error
    # (which the client's library may turn into a cancelled future).
    done, _ = await asyncio.wait([pending], timeout=2.5)
    assert done, "the cancelled request was never answered"
    if not pending.cancelled():
        error = pending.exception()
        if error is not None:
            assert isinstance(error, JsonRpcException) and error.code == -32800, error
        else:
            assert not (pending.result() and pending.result().items)
    hover = await session.client.text_document_hover_async(
        types.HoverParams(
            identifier(session.open(unique("requirements.txt"), "click==8.1.7\n")), types.Position(0, 1)
        )
    )
    assert hover is not None


# -- work-done progress -----------------------------------------------------------------------------------


async def test_a_large_file_shows_progress_while_its_index_data_loads(shared_session: Session) -> None:
    session = shared_session
    text = "".join(f"{name}==1.0\n" for name in BULK_PROJECTS)
    uri = session.open(unique("requirements.txt"), text)
    found = await session.diagnostics(
        uri, lambda d: sum(x.code == "outdated" for x in d) == len(BULK_PROJECTS)
    )
    assert len(found) == len(BULK_PROJECTS)
    kinds = await wait_for_progress_end(session, f"Checking {len(BULK_PROJECTS)} dependencies")
    assert kinds[0] == "begin" and kinds[-1] == "end"
    # The project-name list loaded the same way after initialized.
    assert (await wait_for_progress_end(session, "Loading project names"))[-1] == "end"
