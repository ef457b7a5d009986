"""``pinwise serve``: the language server object, its state, and how it starts.

Start-up is a feature: this module imports only pygls, lsprotocol and the thin modules of ``pinwise.lsp``, so
that ``initialize`` is answered as fast as a bare pygls server. The parsers, the analysis, the index client
(httpx) and the venv code are imported after ``initialized``, in a background task that warms them, and
lazily by whichever handler needs them first.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from pinwise import __version__
from pinwise.lsp.logs import ClientLogHandler, setup_logging
from pinwise.lsp.tasks import LatestOnly, TaskSet

if TYPE_CHECKING:
    from pinwise.core.analysis.findings import Finding
    from pinwise.core.document import Document
    from pinwise.core.files import FileKind
    from pinwise.core.index.service import IndexService
    from pinwise.core.index.transport import TransportPool
    from pinwise.core.index.types import PackageIndex
    from pinwise.core.model import ParsedFile
    from pinwise.core.settings import SettingProblem, Settings
    from pinwise.core.workspace import Workspace
    from pinwise.lsp.convert import PositionConverter
    from pinwise.lsp.features.commands import VenvState

logger = logging.getLogger(__name__)

# How often the client's process is checked for life (LSP: exit when the parent process is gone).
PARENT_CHECK_SECONDS = 1.0


@dataclass(slots=True)
class OpenDocument:
    """What the server knows about one open dependency file."""

    uri: str
    path: Path
    kind: FileKind
    version: int | None
    document: Document
    converter: PositionConverter
    local_findings: list[Finding] = field(default_factory=list)
    index_findings: list[Finding] = field(default_factory=list)
    # The text under each index finding when it was made: it survives an edit elsewhere in the file.
    index_anchors: list[str] = field(default_factory=list)
    # Resolved paths of the files this one's findings read (what it includes, directly or not, and a
    # compiled file's sources), to re-analyse it when one changes; and the parses of the included files in
    # pip's reading order (their index options apply to this file too).
    depends_on: frozenset[str] = frozenset()
    included_files: tuple[ParsedFile, ...] = ()
    # Diagnostics already converted for ``converted_version`` under ``converted_overrides``: id(finding) ->
    # (finding, diagnostic or None when its code is switched off).
    converted: dict[int, tuple[Finding, Any]] = field(default_factory=dict)
    converted_version: int | None = None
    converted_overrides: object = None
    # The last merge, with the two lists it was made from (both are replaced, never changed in place).
    merged: tuple[list[Finding], list[Finding], list[Finding]] | None = None

    @property
    def findings(self) -> list[Finding]:
        """Local and index findings merged: the index pass repeats some local findings with better fixes,
        and merging keeps one of each. Made once per pair of lists (publishing and every code-action
        request ask for it)."""
        merged = self.merged
        if merged is not None and merged[0] is self.local_findings and merged[1] is self.index_findings:
            return merged[2]
        from pinwise.core.analysis.engine import merge_findings

        findings = merge_findings(self.local_findings, self.index_findings)
        self.merged = (self.local_findings, self.index_findings, findings)
        return findings


class PinwiseServer(LanguageServer):
    """All of the server's state lives here: nothing in ``pinwise.lsp`` keeps module-level state."""

    def __init__(self) -> None:
        super().__init__(
            "pinwise", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental
        )
        self.tasks = TaskSet()
        self.analyses: LatestOnly[str] = LatestOnly(self.tasks)
        self.documents: dict[str, OpenDocument] = {}
        # Settings from initializationOptions, then per workspace folder (folder path -> settings). initialize
        # keeps the client's raw value (parsing it imports the core); ``base_settings`` parses it on first use.
        self.raw_initial_settings: object = None
        self.initial_settings: Settings | None = None
        self.folder_settings: dict[str, Settings] = {}
        self.workspace_trusted = True
        self.index_services: dict[object, IndexService] = {}
        # The process's HTTP clients, shared by every index service (one per distinct TLS setup).
        self.transports: TransportPool | None = None
        # The core's view of the files of each workspace folder (folder path -> Workspace): open documents,
        # what they include and their nearest pyproject.toml. A file outside every folder gets its own
        # directory as a folder, so that no pyproject.toml above it is taken for its project.
        self.core_workspaces: dict[str, Workspace] = {}
        # Folder path -> the selected environment's path, and what is installed in it (canonical name -> dist).
        self.selected_venvs: dict[str, Path] = {}
        self.installed: dict[str, dict[str, Any]] = {}
        # Virtual-environment jobs and the watch on selected environments (pinwise.lsp.features.commands).
        self.venv_state: VenvState | None = None
        self.log_handler: ClientLogHandler | None = None
        # Settings problems already shown, so that the same bad value is announced once.
        self.announced: set[str] = set()
        # Problems in initializationOptions, announced once the client is ready for messages.
        self.pending_problems: list[SettingProblem] = []
        # Set by the exit notification: exiting without a shutdown request first ends with status 1.
        self.exit_requested = False

    @property
    def is_shut_down(self) -> bool:
        return bool(getattr(self.protocol, "_shutdown", False))

    # -- documents ---------------------------------------------------------------------------------------

    @property
    def position_encoding(self) -> str:
        from pinwise.lsp.convert import encoding_name

        return encoding_name(self.workspace.position_encoding)

    def document_for(self, uri: str) -> OpenDocument | None:
        return self.documents.get(uri)

    def document_at(self, path: Path) -> OpenDocument | None:
        """The open document of the file at ``path``; None when the editor does not hold it."""
        return next((doc for doc in self.documents.values() if doc.path == path), None)

    def folder_of(self, path: Path) -> str | None:
        """The workspace folder (as a path) that holds ``path``: the deepest one."""
        best: str | None = None
        for folder_uri in self.workspace.folders:
            folder = to_fs_path(folder_uri)
            if folder is None:
                continue
            try:
                path.relative_to(folder)
            except ValueError:
                continue
            if best is None or len(folder) > len(best):
                best = folder
        if best is None and self.workspace.root_path:
            root = self.workspace.root_path
            try:
                path.relative_to(root)
                best = root
            except ValueError:
                pass
        return best

    def folders(self) -> list[str]:
        paths = [p for uri in self.workspace.folders if (p := to_fs_path(uri)) is not None]
        if not paths and self.workspace.root_path:
            paths = [self.workspace.root_path]
        return paths

    def base_settings(self) -> Settings:
        """The settings of a file outside every configured folder: initializationOptions' (or the latest
        pushed), parsed on first use; their problems wait in ``pending_problems`` for ``initialized``."""
        if self.initial_settings is None:
            from pinwise.core.settings import parse_settings

            self.initial_settings, problems = parse_settings(self.raw_initial_settings)
            self.pending_problems.extend(problems)
        return self.initial_settings

    def settings_for(self, path: Path | None) -> Settings:
        folder = self.folder_of(path) if path is not None else None
        if folder is not None and folder in self.folder_settings:
            return self.folder_settings[folder]
        return self.base_settings()

    def workspace_for(self, path: Path) -> Workspace:
        """The core workspace of the folder holding ``path``."""
        from pinwise.core.workspace import Workspace

        folder = self.folder_of(path) or str(path.parent)
        workspace = self.core_workspaces.get(folder)
        if workspace is None:
            workspace = Workspace(root=folder)
            self.core_workspaces[folder] = workspace
        return workspace

    # -- the index ---------------------------------------------------------------------------------------

    def index_service(self, settings: Settings) -> IndexService:
        """The index service for these settings' ``index.*`` keys (one per distinct value, usually one)."""
        from pinwise.core.index.config import IndexSettings
        from pinwise.core.index.service import IndexService

        key = IndexSettings(
            url=settings.index.url, extra_urls=settings.index.extra_urls, offline=settings.index.offline
        )
        service = self.index_services.get(key)
        if service is None:
            if self.transports is None:
                from pinwise.core.index.transport import TransportPool

                self.transports = TransportPool()
            service = IndexService(settings=key, transports=self.transports)
            self.index_services[key] = service
        return service

    def index_for(self, doc: OpenDocument) -> PackageIndex:
        """The package index ``doc`` is checked against (the one pip would use for it)."""
        service = self.index_service(self.settings_for(doc.path))
        return service.client_for(doc.document.parsed, doc.included_files)

    async def close_index(self) -> None:
        services = list(self.index_services.values())
        self.index_services.clear()
        for service in services:
            await service.aclose()
        if self.transports is not None:
            await self.transports.aclose()
            self.transports = None

    # -- messages ----------------------------------------------------------------------------------------

    def show_message(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def send_log(self, level: int, message: str) -> None:
        from pinwise.lsp.convert import message_type

        self.window_log_message(types.LogMessageParams(type=message_type(level), message=message))

    # -- process life ------------------------------------------------------------------------------------

    async def watch_parent(self, process_id: int) -> None:
        """Exit when the client's process is gone (it may die without closing our stdin)."""
        while True:
            await asyncio.sleep(PARENT_CHECK_SECONDS)
            if not _process_alive(process_id):
                logger.info("The client process %s is gone; exiting", process_id)
                os._exit(0)


def _process_alive(process_id: int) -> bool:
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, process_id)
        if not handle:
            return False
        exit_code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(exit_code))
        kernel32.CloseHandle(handle)
        return exit_code.value == 259  # STILL_ACTIVE
    try:
        os.kill(process_id, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists but belongs to someone else
        return True
    return True


def create_server() -> PinwiseServer:
    """A server with every feature registered."""
    from pinwise.lsp import features

    server = PinwiseServer()
    features.register(server)
    return server


def run_stdio(log_level: str = "INFO") -> None:
    """Serve LSP over stdin/stdout until the client says exit or stdin closes."""
    handler = setup_logging(log_level)
    server = create_server()
    server.log_handler = handler
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    # Nothing may write to the protocol stream except pygls: anything else printing goes to stderr.
    sys.stdout = sys.stderr
    try:
        server.start_io(stdin, stdout)
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    handler.sink = None
    status = 1 if server.exit_requested and not server.is_shut_down else 0
    logger.info("The server has stopped")
    # The reader thread may still be blocked on stdin; leave without waiting for it.
    logging.shutdown()
    os._exit(status)
