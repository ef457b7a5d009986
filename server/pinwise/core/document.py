"""One dependency file's text and its parse, independent of how the editor names it.

A :class:`Document` is what analysis, fixes, completion and hover work on: the text, which kind of file it
is, the parse of that text and (built on first use) the :class:`~pinwise.core.text.LineIndex` that maps
offsets to lines. It knows its file-system path when it has one, never an LSP URI. Parsing does no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pinwise.core.files import FileKind, classify
from pinwise.core.model import Dependency, Problem, Severity
from pinwise.core.pyproject import PyprojectFile, parse_pyproject
from pinwise.core.requirements import RequirementItem, RequirementsFile, parse_requirements
from pinwise.core.text import LineIndex, Span

__all__ = ["Document", "parse_document"]


@dataclass(slots=True, eq=False)
class Document:
    path: Path | None
    kind: FileKind
    text: str
    parsed: RequirementsFile | PyprojectFile
    version: int | None = None
    _lines: LineIndex | None = field(default=None, repr=False)
    _items_by_dependency: dict[int, RequirementItem] | None = field(default=None, repr=False)
    _uses_hashes: bool | None = field(default=None, repr=False)

    @property
    def lines(self) -> LineIndex:
        """The line index of ``text``, built the first time it is asked for."""
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines

    @property
    def dependencies(self) -> list[Dependency]:
        return self.parsed.dependencies

    @property
    def problems(self) -> list[Problem]:
        return self.parsed.problems

    @property
    def requirements(self) -> RequirementsFile | None:
        """The parse as a requirements file, or None for a ``pyproject.toml``."""
        return self.parsed if isinstance(self.parsed, RequirementsFile) else None

    @property
    def requirement_items(self) -> dict[int, RequirementItem]:
        """Each requirement line keyed by ``id()`` of its dependency, built once: rules look items up per
        dependency, and rebuilding the map for each of 300 projects made the index pass quadratic."""
        if self._items_by_dependency is None:
            requirements = self.requirements
            self._items_by_dependency = (
                {id(item.dependency): item for item in requirements.requirements} if requirements else {}
            )
        return self._items_by_dependency

    @property
    def uses_hashes(self) -> bool:
        """True when a requirement carries ``--hash`` (pip's hash-checking mode), computed once."""
        if self._uses_hashes is None:
            self._uses_hashes = any(item.hashes for item in self.requirement_items.values())
        return self._uses_hashes

    @property
    def pyproject(self) -> PyprojectFile | None:
        """The parse as a ``pyproject.toml``, or None for a requirements file."""
        return self.parsed if isinstance(self.parsed, PyprojectFile) else None

    @property
    def line_ending(self) -> str:
        """The document's line break (the first one found; ``\\n`` for a one-line text)."""
        newline = self.text.find("\n")
        carriage = self.text.find("\r")
        if carriage >= 0 and (newline < 0 or carriage < newline):
            return "\r\n" if self.text.startswith("\r\n", carriage) else "\r"
        return "\n"


# Real dependency files are a few hundred kilobytes at most (a pip-compile output with hashes for 500
# packages is ~300 KB). Beyond this, parsing and analysing on every keystroke would take seconds and hundreds
# of MB, so a larger text gets one clear problem instead of a parse.
MAX_DOCUMENT_CHARS = 5_000_000
TOO_LARGE = "file-too-large"


def parse_document(
    text: str, path: str | Path | None, kind: FileKind | None = None, version: int | None = None
) -> Document:
    """Parse ``text`` as the file at ``path``; ``kind`` defaults to the kind the file name says, else
    a requirements file. Never raises and never reads anything."""
    resolved = Path(path) if path is not None else None
    if kind is None:
        kind = (classify(resolved) if resolved is not None else None) or FileKind.REQUIREMENTS
    path_text = str(resolved) if resolved is not None else None
    parsed: RequirementsFile | PyprojectFile
    # A requirements parse numbers its lines with the index the document keeps (built once per text).
    lines: LineIndex | None = None
    if len(text) > MAX_DOCUMENT_CHARS:
        parsed = (PyprojectFile if kind is FileKind.PYPROJECT else RequirementsFile)(
            path=path_text, text=text
        )
        # The first line, at most 200 characters of it (only the head is split: the text is huge).
        first_line = len(text[:200].splitlines()[0])
        parsed.problems.append(
            Problem(
                TOO_LARGE,
                f"This file has {len(text):,} characters; Pinwise checks files of up to "
                f"{MAX_DOCUMENT_CHARS:,} characters (real dependency files are far smaller).",
                Span(0, first_line),
                Severity.WARNING,
            )
        )
    elif kind is FileKind.PYPROJECT:
        parsed = parse_pyproject(text, path_text)
    else:
        lines = LineIndex(text)
        parsed = parse_requirements(text, path_text, lines=lines)
    return Document(path=resolved, kind=kind, text=text, parsed=parsed, version=version, _lines=lines)
