"""What analysis reports: findings with stable codes, precise spans and the fixes that mend them.

The LSP edge turns a :class:`Finding` into a diagnostic and its :class:`Fix` es into code actions; the
command line prints findings and applies fixes. Neither computes facts about dependencies itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pinwise.core.model import Severity
from pinwise.core.text import Span


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace ``span`` of the document's text with ``new_text``. Edits of one fix never overlap."""

    span: Span
    new_text: str


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[TextEdit, ...]
    # "quickfix" for a fix of one finding; "source.fixAll" style kinds for whole-file actions.
    kind: str = "quickfix"
    preferred: bool = False


@dataclass(frozen=True, slots=True)
class RelatedLocation:
    """Another place that explains a finding, e.g. the first of two duplicate requirements."""

    path: str | None  # None: the same document
    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    code: str  # stable, kebab-case; see pinwise.core.analysis.codes
    message: str
    span: Span
    severity: Severity
    fixes: tuple[Fix, ...] = ()
    related: tuple[RelatedLocation, ...] = ()
    # "unnecessary" (rendered faded) or "deprecated" (struck through), as LSP diagnostic tags.
    tags: frozenset[str] = field(default_factory=frozenset)
