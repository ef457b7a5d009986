"""The language server's analysis and fixes, run once over files on disk: the engine behind ``pinwise check``
and ``pinwise fix``.

Everything goes through the core exactly as the server does it: a :class:`Workspace` with a disk loader
(includes and the nearest ``pyproject.toml`` are read and parsed once per run), the project context,
``local_findings`` and ``index_findings`` with the client :class:`IndexService` picks for each document (pip's
precedence; the command line's ``--index-url`` flags are the settings layer). One event loop serves the
whole run; files are checked concurrently (at most :data:`MAX_CONCURRENT_FILES` at once) and every
document resolving to the same index configuration shares one client, so a project required by several
files is asked about once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from pinwise.core.analysis.context import AnalysisSettings
from pinwise.core.analysis.engine import (
    CLI_SUGGESTIONS_WAIT,
    index_findings,
    local_findings,
    merge_findings,
    whole_file_fix,
)
from pinwise.core.analysis.findings import Finding
from pinwise.core.document import Document
from pinwise.core.files import FileKind, discover, read_dependency_file
from pinwise.core.fixes import apply_edits
from pinwise.core.index.config import IndexSettings
from pinwise.core.index.service import IndexService
from pinwise.core.index.types import PackageIndex
from pinwise.core.model import ParsedFile
from pinwise.core.requirements.includes import IncludeGraph
from pinwise.core.workspace import Workspace
from pinwise.report import FileReport

__all__ = [
    "MAX_CONCURRENT_FILES",
    "OFFLINE_CODES",
    "CheckRun",
    "FileFix",
    "IndexFactory",
    "NoProgress",
    "RunProgress",
    "check_files",
    "fix_files",
    "write_back",
]

logger = logging.getLogger(__name__)

# Files analysed at once. Each file already asks the index about up to 16 projects concurrently (the
# engine's limit) and the client caps connections, so more files in flight would only queue.
MAX_CONCURRENT_FILES = 8

# In offline mode these findings only say "not in the cache": an intended state, not a problem to report.
OFFLINE_CODES = frozenset({"could-not-check", "stale-cache"})

# Given a document and the files it includes, the index to check it against (tests pass fakes).
IndexFactory = Callable[[ParsedFile, Sequence[ParsedFile]], PackageIndex]


class RunProgress(Protocol):
    """Receives progress from a run (the command line draws a bar on a terminal)."""

    def files_found(self, total: int) -> None:
        """How many files the run will look at."""

    def file_done(self, path: str) -> None:
        """One file is finished."""

    def projects(self, path: str, done: int, total: int) -> None:
        """``done`` of the ``total`` projects of ``path`` have been answered by the index."""


class NoProgress:
    def files_found(self, total: int) -> None:
        pass

    def file_done(self, path: str) -> None:
        pass

    def projects(self, path: str, done: int, total: int) -> None:
        pass


@dataclass(slots=True)
class CheckRun:
    reports: list[FileReport]
    # Findings dropped in offline mode because the cache had no answer (see OFFLINE_CODES).
    not_checked: int = 0


def _service(settings: IndexSettings, cache_dir: Path | None) -> IndexService:
    return IndexService(settings=settings, cache_dir=cache_dir)


def _includes(graph: IncludeGraph | None) -> Sequence[ParsedFile]:
    """The files a requirements document includes, in pip's reading order (for the index options)."""
    return graph.included_files() if graph is not None else []


async def check_files(
    paths: Sequence[str],
    *,
    index_settings: IndexSettings | None = None,
    cache_dir: Path | None = None,
    index_factory: IndexFactory | None = None,
    progress: RunProgress | None = None,
    analysis_settings: AnalysisSettings | None = None,
) -> CheckRun:
    """Check every dependency file named by or found under ``paths``, with the index unless
    ``index_settings.offline`` (then the cache only). Reports keep discovery order."""
    settings = index_settings or IndexSettings()
    analysis = analysis_settings or AnalysisSettings()
    report_progress: RunProgress = progress or NoProgress()
    found = list(discover(paths))
    report_progress.files_found(len(found))
    workspace = Workspace(run_folder=Path.cwd())
    service = _service(settings, cache_dir) if index_factory is None else None
    make_index: IndexFactory = index_factory or (lambda doc, includes: _client(service, doc, includes))
    semaphore = asyncio.Semaphore(MAX_CONCURRENT_FILES)
    not_checked = 0

    async def one(path: Path, kind: FileKind | None) -> FileReport:
        nonlocal not_checked
        shown = str(path)
        async with semaphore:
            try:
                report, dropped = await _check_one(
                    workspace, path, kind, shown, analysis, settings.offline, make_index, report_progress
                )
            finally:
                report_progress.file_done(shown)
        not_checked += dropped
        return report

    try:
        reports = await asyncio.gather(*(one(path, kind) for path, kind in found))
    finally:
        if service is not None:
            await service.aclose()
    return CheckRun(list(reports), not_checked)


def _client(
    service: IndexService | None, document: ParsedFile, includes: Sequence[ParsedFile]
) -> PackageIndex:
    assert service is not None  # only called when no factory was given, and then a service exists
    return service.client_for(document, includes)


async def _check_one(
    workspace: Workspace,
    path: Path,
    kind: FileKind | None,
    shown: str,
    analysis: AnalysisSettings,
    offline: bool,
    make_index: IndexFactory,
    progress: RunProgress,
) -> tuple[FileReport, int]:
    read = await asyncio.to_thread(read_dependency_file, path)
    if read.text is None:
        return FileReport(shown, kind, error=read.error), 0
    document = _open(workspace, path, read.text, kind)
    context = workspace.context_for(document, analysis)
    graph = workspace.include_graph(document)
    findings = local_findings(document, context, analysis, workspace, graph=graph)
    index = make_index(document.parsed, _includes(graph))

    def on_progress(_found: list[Finding], done: int, total: int) -> None:
        progress.projects(shown, done, total)

    remote = await index_findings(
        document, context, analysis, index, on_progress=on_progress, suggestions_wait=CLI_SUGGESTIONS_WAIT
    )
    dropped = 0
    if offline:
        kept = [finding for finding in remote if finding.code not in OFFLINE_CODES]
        dropped = sum(1 for finding in remote if finding.code == "could-not-check")
        remote = kept
    # Index findings that restate a local one with more to offer (a pin to the latest release) replace it.
    findings = merge_findings(findings, remote)
    return FileReport(shown, kind or document.kind, document.text, document.parsed, findings), dropped


def _open(workspace: Workspace, path: Path, text: str, kind: FileKind | None) -> Document:
    """Open ``text`` as the document at ``path`` with the kind discovery chose (an unusual file name given
    explicitly is read by its suffix, which a guess from the name alone would not know)."""
    return workspace.open(path, text, kind=kind)


# --------------------------------------------------------------------------------------------------------
# Fix
# --------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class FileFix:
    path: str
    error: str | None = None
    before: str = ""
    after: str = ""
    bom: bytes = b""
    encoding: str = "utf-8"
    # One line per requirement that could not be looked up (the index failed or does not know it).
    skipped: list[str] = field(default_factory=list)
    edits: int = 0
    # Why the whole file was left alone (a generated file), if it was.
    refused: str | None = None

    @property
    def changed(self) -> bool:
        return self.error is None and self.before != self.after


def write_back(path: Path, fix: FileFix) -> None:
    """Replace ``path`` atomically with the fixed text, in its original encoding and permissions."""
    data = fix.bom + fix.after.encode(fix.encoding)
    folder = path.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".pinwise", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        with contextlib.suppress(OSError):
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


async def fix_files(
    paths: Sequence[str],
    *,
    pin: bool,
    update: bool,
    index_settings: IndexSettings | None = None,
    cache_dir: Path | None = None,
    index_factory: IndexFactory | None = None,
    analysis_settings: AnalysisSettings | None = None,
) -> list[FileFix]:
    """Compute the fixed text of every dependency file under ``paths`` (nothing is written here)."""
    settings = index_settings or IndexSettings()
    analysis = analysis_settings or AnalysisSettings()
    workspace = Workspace(run_folder=Path.cwd())
    service = _service(settings, cache_dir) if index_factory is None else None
    make_index: IndexFactory = index_factory or (lambda doc, includes: _client(service, doc, includes))
    semaphore = asyncio.Semaphore(MAX_CONCURRENT_FILES)

    async def one(path: Path, kind: FileKind | None) -> FileFix:
        fix = FileFix(str(path))
        async with semaphore:
            read = await asyncio.to_thread(read_dependency_file, path)
            if read.text is None:
                fix.error = read.error
                return fix
            fix.before, fix.bom, fix.encoding = read.text, read.bom, read.encoding
            document = _open(workspace, path, fix.before, kind)
            context = workspace.context_for(document, analysis)
            index = make_index(document.parsed, _includes(workspace.include_graph(document)))
            # The same fix as the editor's "Pin all" / "Update all" source actions.
            found, choices = await whole_file_fix(document, context, index, pin=pin, update=update)
            fix.skipped += choices.skipped
            fix.refused = choices.refused
            edits = found.edits if found is not None else ()
            fix.edits = len(edits)
            fix.after = apply_edits(fix.before, edits)
            return fix

    try:
        return list(await asyncio.gather(*(one(path, kind) for path, kind in discover(paths))))
    finally:
        if service is not None:
            await service.aclose()
