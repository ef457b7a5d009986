"""Types shared by both file formats: a dependency with exact spans, and a problem found while parsing.

Both parsers (``requirements`` and ``pyproject``) describe each dependency with :class:`Dependency`, so that
analysis, fixes, completion and hover treat a line in ``requirements.txt`` and a string in
``pyproject.toml`` alike. All spans are code-point offsets into the whole document's text.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name

from pinwise.core.text import Span


class Severity(enum.IntEnum):
    """Ordered so that a larger value is more severe."""

    HINT = 1
    INFORMATION = 2
    WARNING = 3
    ERROR = 4


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with the text itself, found by a parser (never raised)."""

    code: str
    message: str
    span: Span
    severity: Severity = Severity.ERROR
    # The text that would mend ``span``, when the parser knows it for sure (it becomes a quick fix).
    replacement: str | None = None


@dataclass(frozen=True, slots=True)
class Extra:
    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Clause:
    """One specifier clause such as ``>=1.0`` with the span of the operator and of the version."""

    operator: str
    version: str
    span: Span
    operator_span: Span
    version_span: Span

    @property
    def text(self) -> str:
        return f"{self.operator}{self.version}"


class DependencyKind(enum.Enum):
    NAMED = "named"  # a name with optional extras, specifier and marker (PEP 508)
    URL = "url"  # ``name @ url``, or a URL with ``#egg=name``
    VCS = "vcs"  # git+…, hg+…, svn+…, bzr+…
    PATH = "path"  # a local directory, archive or wheel file


@dataclass(slots=True)
class Dependency:
    """One dependency, from either format.

    ``specifier`` is always PEP 440 text (a Poetry constraint such as ``^1.2`` is translated into
    ``>=1.2,<2``); ``clauses`` hold the spans of what was written. For a Poetry constraint, each
    translated clause points at the span of the written constraint it came from.
    """

    # The whole requirement: a requirements line, a TOML string's content, a Poetry entry (`name = …`),
    # or, for one table of a Poetry multiple-constraints array, that table (`name_span` is the shared key).
    span: Span
    kind: DependencyKind = DependencyKind.NAMED
    name: str | None = None
    name_span: Span | None = None
    extras: tuple[Extra, ...] = ()
    extras_span: Span | None = None  # including the brackets
    specifier: str = ""
    specifier_span: Span | None = None  # all clauses together, as written
    clauses: tuple[Clause, ...] = ()
    marker: str | None = None
    marker_span: Span | None = None  # the marker expression, after ``;``
    url: str | None = None
    url_span: Span | None = None
    # Where the dependency came from inside its file, e.g. "requirements", "project.dependencies",
    # "project.optional-dependencies.dev", "dependency-groups.test", "build-system.requires",
    # "tool.poetry.dependencies", "tool.poetry.group.dev.dependencies", "tool.uv.dev-dependencies".
    section: str = "requirements"
    # The group or extra name for optional-dependencies, dependency-groups and Poetry groups.
    group: str | None = None
    # True for Poetry's own constraint syntax (so edits are written back in that syntax).
    poetry: bool = False
    # The raw constraint as written, for Poetry (``^1.2``); empty otherwise.
    raw_constraint: str = ""
    editable: bool = False
    optional: bool = False  # Poetry ``optional = true``

    @property
    def canonical_name(self) -> str | None:
        return canonicalize_name(self.name) if self.name else None

    @property
    def pinned_version(self) -> str | None:
        """The version of a single ``==X`` clause (not a wildcard), or ``===X``; else None."""
        if len(self.clauses) == 1:
            clause = self.clauses[0]
            if clause.operator in ("==", "===") and not clause.version.endswith(".*"):
                return clause.version
        return None


@dataclass(slots=True)
class ParsedFile:
    """Common face of a parsed document: its text, dependencies and parse problems."""

    path: str | None
    text: str
    dependencies: list[Dependency] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
