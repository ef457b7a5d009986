"""What the reliability tests share: a corpus of real files (with CRLF, CR and BOM variants), a fake index that
knows every project the corpus names, and the invariants every parse, analysis and fix must keep.

Budgets: each fuzz test runs ``PINWISE_FUZZ_EXAMPLES`` examples (default :data:`DEFAULT_EXAMPLES`, small
enough for CI); set it higher to fuzz for longer by hand.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TypeVar

from packaging.utils import canonicalize_name

from pinwise.core import fixes
from pinwise.core.analysis.context import AnalysisSettings, build_context
from pinwise.core.analysis.engine import index_findings, local_findings
from pinwise.core.analysis.findings import Finding, Fix
from pinwise.core.document import Document, parse_document
from pinwise.core.files import FileKind
from pinwise.core.text import LineIndex, Span
from pinwise.core.workspace import Workspace
from tests.fakes import FakeIndex, FakeProject, FakeRelease, rel, vuln

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]
DEFAULT_EXAMPLES = 150


def fuzz_examples(default: int = DEFAULT_EXAMPLES) -> int:
    """How many examples each fuzz test runs: ``PINWISE_FUZZ_EXAMPLES`` or ``default``."""
    return int(os.environ.get("PINWISE_FUZZ_EXAMPLES", default))


# -- the corpus -------------------------------------------------------------------------------------------


def _seed_paths() -> list[Path]:
    found = [
        *sorted((REPO / "examples").rglob("*.txt")),
        *sorted((REPO / "examples").rglob("pyproject.toml")),
        *sorted((REPO / "tests" / "core" / "data").rglob("*.txt")),
    ]
    return [path for path in found if path.is_file()]


def file_name(kind: FileKind) -> str:
    return "pyproject.toml" if kind is FileKind.PYPROJECT else "requirements.txt"


def seeds() -> list[tuple[str, FileKind, str]]:
    """``(label, kind, text)`` for every real file of the repository's examples and test data."""
    out: list[tuple[str, FileKind, str]] = []
    for path in _seed_paths():
        kind = FileKind.PYPROJECT if path.name == "pyproject.toml" else FileKind.REQUIREMENTS
        out.append((str(path.relative_to(REPO)), kind, path.read_text("utf-8")))
    return out


def variants(text: str) -> Iterator[tuple[str, str]]:
    """The text as written, with CRLF, with lone CR (requirements only make sense with it too), with a BOM,
    and with both CRLF and a BOM."""
    lf = text.replace("\r\n", "\n")
    yield "lf", lf
    yield "crlf", lf.replace("\n", "\r\n")
    yield "bom", "\ufeff" + lf
    yield "bom+crlf", "\ufeff" + lf.replace("\n", "\r\n")


def corpus() -> list[tuple[str, FileKind, str]]:
    """Every seed in every line-break and BOM variant."""
    return [
        (f"{label}[{variant}]", kind, changed)
        for label, kind, text in seeds()
        for variant, changed in variants(text)
    ]


# -- a fake index that knows the corpus's projects ----------------------------------------------------------

# A spread of releases that exercises every index rule: old pins, yanked and vulnerable releases, pre-releases
# and Requires-Python limits.
_RELEASES: list[FakeRelease | str] = [
    "0.9",
    "1.0.0",
    rel("1.1.0", vulns=(vuln("PYSEC-0001", fixed_in=("1.2.0",)),)),
    rel("1.2.0", yanked="broken"),
    "1.2.1",
    "2.0.0",
    rel("2.1.0", py=">=3.9"),
    "3.0.0rc1",
    "2.31.0",
    "2.32.3",
]


def corpus_names() -> set[str]:
    names: set[str] = set()
    for _label, kind, text in seeds():
        for dependency in parse_document(text, file_name(kind), kind).dependencies:
            if dependency.canonical_name:
                names.add(dependency.canonical_name)
    return names


def fake_index(extra_names: set[str] | None = None, *, unavailable: set[str] | None = None) -> FakeIndex:
    """Every corpus project (and ``extra_names``) with the releases above; ``unavailable`` fail to answer."""
    names = corpus_names() | (extra_names or set())
    failing = {canonicalize_name(n) for n in unavailable or set()}
    projects = {
        name: FakeProject(_RELEASES, summary=f"The {name} project", extras=("socks", "dev"))
        for name in sorted(names)
        if name not in failing
    }
    return FakeIndex(projects, unavailable=failing)


# -- invariants -------------------------------------------------------------------------------------------


def spans_of(value: object) -> Iterator[Span]:
    """Every :class:`Span` reachable from ``value`` through dataclass fields, lists, tuples and dicts."""
    seen: set[int] = set()
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, (str, bytes, int, float, bool)) or current is None:
            continue
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, Span):
            yield current
        elif dataclasses.is_dataclass(current) and not isinstance(current, type):
            stack.extend(getattr(current, f.name) for f in dataclasses.fields(current) if f.name != "text")
        elif isinstance(current, (list, tuple, set, frozenset)):
            stack.extend(current)
        elif isinstance(current, dict):
            stack.extend(current.values())


def check_document(document: Document) -> None:
    """Every span of the parse lies inside the text, maps to a line and column, and nothing failed inside."""
    text = document.text
    lines = LineIndex(text)
    for span in spans_of(document.parsed):
        assert 0 <= span.start <= span.end <= len(text), f"span {span} outside a text of {len(text)}"
        start, end = lines.span_positions(span)
        assert lines.offset(start) <= lines.offset(end)
    internal = [p for p in document.problems if p.code == "internal-error"]
    assert not internal, f"the parser failed internally on {text[:200]!r}"


def check_fix(document: Document, fix: Fix) -> Document:
    """The fix's edits lie inside the text, never overlap, keep the BOM, and the result re-parses cleanly."""
    text = document.text
    spans = sorted(edit.span for edit in fix.edits)
    for span in spans:
        assert span.end <= len(text), f"{fix.title}: edit {span} outside a text of {len(text)}"
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans)), f"{fix.title}: edits overlap"
    after = fixes.apply_edits(text, fix.edits)
    if text.startswith("\ufeff"):
        assert after.startswith("\ufeff"), f"{fix.title}: the byte-order mark was removed"
    reparsed = parse_document(after, document.path, document.kind)
    check_document(reparsed)
    return reparsed


def sample(items: list[T], at_most: int) -> list[T]:
    """At most ``at_most`` of ``items``, evenly spread (first and last included), in order."""
    if len(items) <= at_most:
        return items
    step = (len(items) - 1) / (at_most - 1)
    return [items[round(i * step)] for i in range(at_most)]


def check_findings(document: Document, findings: list[Finding], max_fixes: int | None = None) -> None:
    """Every finding's span lies inside the text; its fixes (the first ``max_fixes``) keep the invariants."""
    checked = 0
    for finding in findings:
        span = finding.span
        assert 0 <= span.start <= span.end <= len(document.text), f"{finding.code}: span {span} outside"
        for related in finding.related:
            if related.path is None:
                assert related.span.end <= len(document.text)
        for fix in finding.fixes:
            if max_fixes is None or checked < max_fixes:
                check_fix(document, fix)
                checked += 1


def analyse_everything(
    document: Document, index: FakeIndex, workspace: Workspace | None = None, max_fixes: int | None = None
) -> None:
    """Local and index analysis complete; every finding's span and fix keep the invariants."""
    settings = AnalysisSettings()
    context = build_context(document, settings)
    local = local_findings(document, context, settings, workspace)
    remote = asyncio.run(index_findings(document, context, settings, index))
    check_findings(document, [*local, *remote], max_fixes)
