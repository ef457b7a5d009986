"""End-to-end fixtures: the real server (``python -m pinwise serve``) over stdio, driven by pytest-lsp with
VS Code's client capabilities, against the fake index on 127.0.0.1 and an isolated cache and state folder."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.fixtures.index.packages import PACKAGES, Pkg, Rel
from tests.index_server import IndexServer

SERVER_COMMAND = [sys.executable, "-m", "pinwise", "serve", "--log-level", "INFO"]
TIMEOUT = 10.0


def server_environment(tmp_path: Path) -> dict[str, str]:
    """This process's environment without pip/uv configuration or proxies, with private cache and state."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIP_", "UV_"))
        and key.lower() not in ("http_proxy", "https_proxy", "all_proxy")
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PINWISE_CACHE_DIR"] = str(tmp_path / "cache")
    env["PINWISE_STATE_DIR"] = str(tmp_path / "state")
    env["NO_PROXY"] = "*"
    return env


# -- markers in case texts --------------------------------------------------------------------------------


def strip_markers(marked: str) -> tuple[str, list[tuple[int, int]], int | None]:
    """``«…»`` mark spans and ``|`` the cursor; returns the clean text, the spans and the cursor offset."""
    text: list[str] = []
    spans: list[tuple[int, int]] = []
    opened: list[int] = []
    cursor: int | None = None
    for character in marked:
        if character == "«":
            opened.append(len(text))
        elif character == "»":
            spans.append((opened.pop(), len(text)))
        elif character == "|":
            cursor = len(text)
        else:
            text.append(character)
    return "".join(text), sorted(spans), cursor


def utf16_position(text: str, offset: int) -> types.Position:
    """An independent oracle for UTF-16 positions (not the server's converter)."""
    before = text[:offset]
    line = before.count("\n")
    column_text = before[before.rfind("\n") + 1 :]
    return types.Position(line=line, character=len(column_text.encode("utf-16-le")) // 2)


def utf16_range(text: str, span: tuple[int, int]) -> types.Range:
    return types.Range(start=utf16_position(text, span[0]), end=utf16_position(text, span[1]))


def apply_text_edits(text: str, edits: Sequence[object]) -> str:
    """Apply LSP edits (UTF-16 ranges) to ``text``, last first."""

    def offset(position: types.Position) -> int:
        lines = text.split("\n")
        start = sum(len(line) + 1 for line in lines[: position.line])
        line = lines[position.line] if position.line < len(lines) else ""
        units = 0
        for index, character in enumerate(line):
            if units >= position.character:
                return start + index
            units += 2 if ord(character) > 0xFFFF else 1
        return start + len(line)

    # A SnippetTextEdit (no new_text) is not something the server sends; the assertion says so if it does.
    text_edits = [e for e in edits if isinstance(e, types.TextEdit)]
    assert len(text_edits) == len(edits), edits
    for edit in sorted(text_edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


# -- the session ------------------------------------------------------------------------------------------


@dataclass
class Session:
    client: LanguageClient
    root: Path
    index: IndexServer
    applied_edits: list[types.WorkspaceEdit] = field(default_factory=list)
    notifications: dict[str, list[Any]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)

    def uri(self, name: str) -> str:
        return (self.root / name).as_uri()

    def open(self, name: str, text: str) -> str:
        uri = self.uri(name)
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        self.versions[uri] = 1
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id="pip-requirements", version=1, text=text
                )
            )
        )
        return uri

    def change(self, uri: str, text: str, range_: types.Range | None = None) -> int:
        self.versions[uri] += 1
        change: Any = (
            types.TextDocumentContentChangeWholeDocument(text=text)
            if range_ is None
            else types.TextDocumentContentChangePartial(range=range_, text=text)
        )
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[change],
            )
        )
        return self.versions[uri]

    async def diagnostics(
        self,
        uri: str,
        until: Callable[[list[types.Diagnostic]], bool] = lambda d: True,
        timeout: float = TIMEOUT,
    ) -> list[types.Diagnostic]:
        """The latest diagnostics of ``uri`` once ``until`` holds for them (waiting for publications)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            current = list(self.client.diagnostics.get(uri, []))
            if uri in self.client.diagnostics and until(current):
                return current
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"diagnostics of {uri} never satisfied the condition; last: {current}")
            await asyncio.sleep(0.01)


def initialization_options(index: IndexServer, **settings: Any) -> dict[str, Any]:
    merged: dict[str, Any] = {"index": {"url": index.url}}
    merged.update(settings)
    return {"settings": merged, "workspaceTrusted": True}


async def start_session(
    tmp_path: Path,
    index: IndexServer,
    *,
    options: dict[str, Any] | None = None,
    configuration: dict[str, Any] | None = None,
    capabilities: types.ClientCapabilities | None = None,
    extra_env: dict[str, str] | None = None,
) -> Session:
    root = tmp_path / "project"
    root.mkdir(exist_ok=True)
    environment = {**server_environment(tmp_path), **(extra_env or {})}
    config = ClientServerConfig(server_command=SERVER_COMMAND, server_env=environment)
    client = await config.start()
    assert isinstance(client, LanguageClient)
    session = Session(client=client, root=root, index=index)
    section = configuration if configuration is not None else {"index": {"url": index.url}}
    client.set_configuration({"pinwise": section}, section="")

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        session.applied_edits.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register_capability(params: types.RegistrationParams) -> None:
        return None

    for method in ("pinwise/venvSelected",):

        @client.feature(method)
        def record(params: Any, method: str = method) -> None:
            session.notifications.setdefault(method, []).append(params)

    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities or client_capabilities("visual-studio-code"),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")],
            initialization_options=options if options is not None else initialization_options(index),
        )
    )
    return session


@pytest_asyncio.fixture
async def session(tmp_path: Path, index_server: IndexServer) -> AsyncIterator[Session]:
    started = await start_session(tmp_path, index_server)
    yield started
    await started.client.shutdown_session()
    await started.client.stop()


# -- one server for a whole module ------------------------------------------------------------------------

# Projects the shared index adds to the standard ones: a slow one (for cancellation), two that answer 500
# (hover and diagnostics each get their own, since nothing is cached for a failure) and enough projects for
# one file to pass the progress threshold.
SLOW_PROJECT = "slow-project"
FAILING_HOVER = "failing-hover"
FAILING_CHECK = "failing-check"
BULK_PROJECTS = [f"bulk-{number:03d}" for number in range(60)]


def shared_packages() -> list[Pkg]:
    extra = [Pkg(name=name, releases=(Rel("1.0"), Rel("1.1"))) for name in (SLOW_PROJECT, *BULK_PROJECTS)]
    return [*PACKAGES, *extra]


@pytest.fixture(scope="module")
def shared_index() -> Iterator[IndexServer]:
    """A fake index for every test of a module; tests install faults on their own paths only."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        os.environ.pop(name, None)
    with IndexServer(shared_packages()) as index:
        index.fault(f"/simple/{FAILING_HOVER}/", status=500)
        index.fault(f"/simple/{FAILING_CHECK}/", status=500)
        index.fault(f"/simple/{SLOW_PROJECT}/", delay=3.0)
        yield index


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_session(
    tmp_path_factory: pytest.TempPathFactory, shared_index: IndexServer
) -> AsyncIterator[Session]:
    """One server for a module's tests (each test uses its own file names), started once because a start
    costs about a second; the project-name list is loaded before the first test runs."""
    started = await start_session(tmp_path_factory.mktemp("shared"), shared_index)
    await wait_for_progress_end(started, "Loading project names")
    yield started
    await started.client.shutdown_session()
    await started.client.stop()


def progress_titles(session: Session) -> dict[str, list[str]]:
    """Title of each work-done progress the server began -> the kinds reported for it, in order."""
    titles: dict[str, list[str]] = {}
    # pytest-lsp types the reports as ProgressParams, but records their values (Begin, Report, End).
    for reports in cast("dict[Any, list[Any]]", session.client.progress_reports).values():
        begins = [r for r in reports if isinstance(r, types.WorkDoneProgressBegin)]
        if begins:
            titles.setdefault(begins[0].title, []).extend(getattr(r, "kind", "?") for r in reports)
    return titles


async def wait_for_progress_end(session: Session, title: str, timeout: float = TIMEOUT) -> list[str]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        kinds = progress_titles(session).get(title, [])
        if "end" in kinds:
            return kinds
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no finished progress {title!r}; seen {progress_titles(session)}")
        await asyncio.sleep(0.02)


@pytest.fixture
def marked() -> Callable[[str], tuple[str, list[tuple[int, int]], int | None]]:
    return strip_markers
