"""Safe edits over a corpus: every fix the analysis offers, every single pin and update, and the whole-file
pin-all / update-all, applied to every real file in LF, CRLF, BOM and BOM+CRLF form.

Each edit must change only its own span (checked byte by byte against an independent UTF-8 applier), keep the
document's line breaks and BOM, leave every other requirement as it was, and re-parse to the intended result.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Callable, Sequence

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from pinwise.core import fixes
from pinwise.core.analysis.context import AnalysisSettings, build_context
from pinwise.core.analysis.engine import index_findings, local_findings
from pinwise.core.analysis.findings import Fix, TextEdit
from pinwise.core.document import Document, parse_document
from pinwise.core.files import FileKind
from pinwise.core.model import Dependency, DependencyKind
from tests.reliability.corpus import check_findings, check_fix, corpus, fake_index, file_name, sample

CORPUS = corpus()
# Re-parsing a 400-line file after every one of its edits is slow; an even spread of this many edits per file
# covers every kind of line in the corpus (PINWISE_SAFE_EDITS_ALL=1 checks them all).
PER_FILE = 1_000_000 if os.environ.get("PINWISE_SAFE_EDITS_ALL") else 12
IDS = [label for label, _kind, _text in CORPUS]
# Single edits on the two extreme variants; the whole-file actions run on all four.
EXTREMES = [case for case in CORPUS if case[0].endswith(("[lf]", "[bom+crlf]"))]
EXTREME_IDS = [label for label, _kind, _text in EXTREMES]
NEW_VERSION = "2.32.3"
NEW_HASHES = ["a" * 64, "b" * 64]

# A dependency's identity and meaning, compared before and after an edit elsewhere.
Shape = tuple[str | None, str, str | None, str | None, DependencyKind]


def shape(dependency: Dependency) -> Shape:
    return (dependency.name, dependency.specifier, dependency.marker, dependency.url, dependency.kind)


def bytes_applied(text: str, edits: Sequence[TextEdit]) -> bytes:
    """An independent oracle: the edits applied to the UTF-8 bytes (offsets converted per edit)."""
    data = text.encode("utf-8")
    out = b""
    position = 0
    for edit in sorted(edits, key=lambda e: e.span):
        start = len(text[: edit.span.start].encode("utf-8"))
        end = len(text[: edit.span.end].encode("utf-8"))
        out += data[position:start] + edit.new_text.encode("utf-8")
        position = end
    return out + data[position:]


def line_breaks_kept(document: Document, edits: Sequence[TextEdit]) -> bool:
    """No edit brings a line break of another style than the document's."""
    ending = document.line_ending
    for edit in edits:
        stripped = edit.new_text.replace(ending, "")
        if "\n" in stripped or "\r" in stripped:
            return False
        # Splitting a CRLF pair would make two line breaks of one.
        text = document.text
        for at in (edit.span.start, edit.span.end):
            if 0 < at < len(text) and text[at - 1] == "\r" and text[at] == "\n":
                return False
    return True


def check_safe_edit(
    document: Document,
    edits: Sequence[TextEdit],
    intended: Callable[[Dependency, Dependency], bool] | None = None,
) -> Document:
    """Apply ``edits``; bytes outside them are untouched, line breaks and BOM kept, the parse clean.

    With ``intended``, each requirement an edit touched must satisfy ``intended(before, after)`` and every
    other requirement keeps its shape.
    """
    after = check_fix(document, Fix("edits", tuple(edits)))
    assert after.text.encode("utf-8") == bytes_applied(document.text, edits), (
        "bytes outside the edits changed"
    )
    assert line_breaks_kept(document, edits), f"a line break of another style was written: {edits}"
    new_problems = {p.code for p in after.problems} - {p.code for p in document.problems}
    assert not new_problems, f"the edit made new problems {new_problems}: {after.problems}"
    if intended is not None:
        assert len(after.dependencies) == len(document.dependencies)
        for before_dep, after_dep in zip(document.dependencies, after.dependencies, strict=True):
            touched = any(
                edit.span.start <= before_dep.span.end and before_dep.span.start <= edit.span.end
                for edit in edits
            )
            if touched:
                assert intended(before_dep, after_dep), f"{before_dep.name}: {after_dep.specifier!r}"
            else:
                assert shape(before_dep) == shape(after_dep)
    return after


def pinned_to(version: str) -> Callable[[Dependency, Dependency], bool]:
    def check(before: Dependency, after: Dependency) -> bool:
        return after.name == before.name and SpecifierSet(after.specifier) == SpecifierSet(f"=={version}")

    return check


def admits(version: str) -> Callable[[Dependency, Dependency], bool]:
    def check(before: Dependency, after: Dependency) -> bool:
        return after.name == before.name and SpecifierSet(after.specifier).contains(
            Version(version), prereleases=True
        )

    return check


def parse(kind: FileKind, text: str) -> Document:
    return parse_document(text, file_name(kind), kind)


@pytest.mark.parametrize(("label", "kind", "text"), EXTREMES, ids=EXTREME_IDS)
def test_every_single_pin_and_update_is_safe(label: str, kind: FileKind, text: str) -> None:
    document = parse(kind, text)
    for dependency in sample(document.dependencies, PER_FILE):
        for make, intended in (
            (lambda d, dep: fixes.pin_edits(d, dep, NEW_VERSION, hashes=NEW_HASHES), pinned_to(NEW_VERSION)),
            (lambda d, dep: fixes.update_edits(d, dep, NEW_VERSION), admits(NEW_VERSION)),
        ):
            edits = make(document, dependency)
            if edits:
                check_safe_edit(document, edits, intended)


@pytest.mark.parametrize(("label", "kind", "text"), CORPUS, ids=IDS)
def test_pin_all_and_update_all_are_safe(label: str, kind: FileKind, text: str) -> None:
    document = parse(kind, text)
    names = {d.canonical_name for d in document.dependencies if d.canonical_name}
    versions = dict.fromkeys(names, NEW_VERSION)
    hashes = {name: NEW_HASHES for name in names}
    pinned = fixes.pin_all(document, versions, hashes=hashes)
    unpinned = [
        d
        for d in document.dependencies
        if d.kind is DependencyKind.NAMED and d.name_span and not d.pinned_version
    ]
    if unpinned and not any(d.poetry for d in unpinned):
        assert pinned is not None, "pin-all offered nothing for a file with unpinned requirements"
    if pinned is not None:
        after = check_safe_edit(document, pinned.edits, pinned_to(NEW_VERSION))
        # Pin-all (application policy) pins every requirement without an exact pin and keeps existing pins.
        for before_dep, after_dep in zip(document.dependencies, after.dependencies, strict=True):
            if before_dep.kind is DependencyKind.NAMED and not before_dep.poetry:
                expected = before_dep.pinned_version or NEW_VERSION
                assert after_dep.pinned_version == expected, after_dep
    updated = fixes.update_all(document, versions, hashes=hashes)
    if updated is not None:
        check_safe_edit(document, updated.edits, admits(NEW_VERSION))


@pytest.mark.parametrize(("label", "kind", "text"), EXTREMES, ids=EXTREME_IDS)
def test_every_offered_fix_is_safe(label: str, kind: FileKind, text: str) -> None:
    document = parse(kind, text)
    settings = AnalysisSettings()
    context = build_context(document, settings)
    index = fake_index()
    found = local_findings(document, context, settings)
    found += asyncio.run(index_findings(document, context, settings, index))
    check_findings(document, found, max_fixes=0)
    offered = [fix for finding in found for fix in finding.fixes]
    if document.dependencies:
        assert offered, "the analysis offered no fix at all on a real file"
    for fix in sample(offered, PER_FILE):
        check_safe_edit(document, fix.edits)


def test_corpus_covers_every_variant() -> None:
    """The corpus really holds CRLF and BOM files of both kinds (a corpus that lost them tests nothing)."""
    kinds_and_variants = {(kind, label.rsplit("[", 1)[1]) for label, kind, _text in CORPUS}
    expected = set(
        itertools.product([FileKind.REQUIREMENTS, FileKind.PYPROJECT], ["lf]", "crlf]", "bom]", "bom+crlf]"])
    )
    assert expected <= kinds_and_variants
