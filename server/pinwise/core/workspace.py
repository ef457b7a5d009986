"""The documents of one workspace: open editor buffers, the files they include, and their project files.

A :class:`Workspace` keeps open documents parsed (keyed by absolute path), and reads other files, the
``-r`` / ``-c`` includes of requirements files and the nearest ``pyproject.toml``, through the
``read_text`` callable it was given. The language server passes a loader that prefers open editor buffers
over the disk; the command line passes a disk loader. Files read that way are cached by their modification
time, so analysing an edited document parses only that document again (and its text is never read from
disk).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pinwise.core.analysis.context import AnalysisSettings, InstalledLike, ProjectContext, build_context
from pinwise.core.document import Document, parse_document
from pinwise.core.files import FileKind, read_dependency_text
from pinwise.core.pyproject import PyprojectFile
from pinwise.core.requirements import RequirementsFile, parse_requirements
from pinwise.core.requirements.includes import IncludeGraph, resolve_includes

__all__ = ["Workspace", "absolute"]

logger = logging.getLogger(__name__)


def absolute(path: str | Path) -> Path:
    """An absolute, normalised path, without touching the file system (symlinks are kept)."""
    return Path(os.path.normpath(os.path.abspath(path)))


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


@dataclass(slots=True)
class _Cached:
    mtime: int | None
    document: Document | None


class Workspace:
    def __init__(
        self,
        read_text: Callable[[Path], str | None] = read_dependency_text,
        *,
        root: str | Path | None = None,
        run_folder: str | Path | None = None,
    ) -> None:
        self._read_text = read_text
        self.root = absolute(root) if root is not None else None
        # Where pip would run, for a requirements file's relative paths: the workspace folder in the editor,
        # the current folder on the command line.
        self.run_folder = absolute(run_folder) if run_folder is not None else self.root
        self._open: dict[Path, Document] = {}
        self._files: dict[Path, _Cached] = {}

    # ---------------------------------------------------------------------------------------------------
    # Open documents
    # ---------------------------------------------------------------------------------------------------

    def open(
        self, path: str | Path, text: str, version: int | None = None, kind: FileKind | None = None
    ) -> Document:
        """Parse ``text`` as the open document at ``path`` (replacing its earlier text, if any); ``kind``
        overrides the guess from the file name (the command line reads an explicitly named ``deps.pip`` as a
        requirements file)."""
        key = absolute(path)
        document = parse_document(text, key, kind, version=version)
        self._open[key] = document
        return document

    def close(self, path: str | Path) -> None:
        self._open.pop(absolute(path), None)

    # ---------------------------------------------------------------------------------------------------
    # Other files
    # ---------------------------------------------------------------------------------------------------

    def load(self, path: str | Path, kind: FileKind | None = None) -> Document | None:
        """The document at ``path``: the open one, else read through ``read_text`` (cached by mtime)."""
        key = absolute(path)
        opened = self._open.get(key)
        if opened is not None:
            return opened
        mtime = _mtime(key)
        cached = self._files.get(key)
        if cached is not None and mtime is not None and cached.mtime == mtime:
            return cached.document
        try:
            text = self._read_text(key)
        except Exception:  # The loader is the caller's; its failure must not stop analysis.
            logger.exception("reading %s failed", key)
            text = None
        document = parse_document(text, key, kind) if text is not None else None
        self._files[key] = _Cached(mtime, document)
        return document

    @staticmethod
    def path_exists(path: Path) -> bool:
        """Whether a local path requirement's file or folder exists (a stat; never raises)."""
        try:
            return path.exists()
        except (OSError, ValueError):  # a name too long, a NUL byte: nothing of that name exists
            return False

    def include_graph(self, document: Document) -> IncludeGraph | None:
        """The ``-r`` / ``-c`` graph of a requirements document (None for a pyproject or a pathless one)."""
        if document.requirements is None or document.path is None:
            return None
        root = str(document.path)
        # Each included file is loaded once per graph (read and parse both need it; this runs per keystroke).
        loaded_by_path: dict[str, Document | None] = {}

        def load(path: str) -> Document | None:
            if path not in loaded_by_path:
                loaded_by_path[path] = self.load(path, FileKind.REQUIREMENTS)
            return loaded_by_path[path]

        def read(path: str) -> str | None:
            if path == root:
                return document.text
            loaded = load(path)
            return loaded.text if loaded is not None else None

        def parse(text: str, path: str) -> RequirementsFile:
            if path == root and text is document.text and document.requirements is not None:
                return document.requirements
            loaded = load(path)
            if loaded is not None and loaded.text is text and loaded.requirements is not None:
                return loaded.requirements
            return parse_requirements(text, path)

        return resolve_includes(root, read, parse=parse)

    def pyproject_for(self, document: Document) -> tuple[Path, PyprojectFile] | None:
        """The nearest ``pyproject.toml`` at or above the document's folder (within the root, if set)."""
        if document.pyproject is not None and document.path is not None:
            return document.path, document.pyproject
        if document.path is None:
            return None
        return self.pyproject_above(document.path.parent)

    def pyproject_above(self, folder: Path) -> tuple[Path, PyprojectFile] | None:
        """The nearest ``pyproject.toml`` in ``folder`` or above it (within the root, if set)."""
        while True:
            candidate = folder / "pyproject.toml"
            loaded = self.load(candidate, FileKind.PYPROJECT)
            if loaded is not None and loaded.pyproject is not None:
                return candidate, loaded.pyproject
            if self.root is not None and folder == self.root:
                return None
            if folder.parent == folder:
                return None
            if self.root is not None and not folder.is_relative_to(self.root):
                return None
            folder = folder.parent

    def context_for(
        self,
        document: Document,
        settings: AnalysisSettings,
        installed: Mapping[str, InstalledLike] | None = None,
    ) -> ProjectContext:
        found = self.pyproject_for(document)
        if found is None:
            return build_context(document, settings, installed=installed)
        path, pyproject = found
        return build_context(
            document, settings, pyproject=pyproject, pyproject_path=path, installed=installed
        )
