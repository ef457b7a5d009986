"""Poetry constraints translated into PEP 440, following Poetry's documented rules, with spans.

In the span cases each written part is marked ``«…»``; every translated clause must point at its part.
"""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet

from pinwise.core.model import Severity
from pinwise.core.pyproject.poetry import python_marker, translate_poetry_constraint
from pinwise.core.text import Span

# (Poetry constraint, PEP 440 specifier)
TRANSLATIONS = [
    ("^1.2.3", ">=1.2.3,<2.0.0"),
    ("^1.2", ">=1.2,<2.0"),
    ("^1", ">=1,<2"),
    ("^0.2.3", ">=0.2.3,<0.3.0"),
    ("^0.0.3", ">=0.0.3,<0.0.4"),
    ("^0.0", ">=0.0,<0.1"),
    ("^0", ">=0,<1"),
    ("^0.10.11.post1", ">=0.10.11.post1,<0.11.0"),
    ("^1.2.3b1", ">=1.2.3b1,<2.0.0"),
    ("^ 1.2", ">=1.2,<2.0"),
    ("~1.2.3", ">=1.2.3,<1.3.0"),
    ("~1.2", ">=1.2,<1.3"),
    ("~1", ">=1,<2"),
    ("~=1.2", "~=1.2"),
    ("*", ""),
    ("", ""),
    ("1.2.*", "==1.2.*"),
    ("1.*", "==1.*"),
    ("1.2.3", "==1.2.3"),
    ("==1.2", "==1.2"),
    ("=1.2", "==1.2"),
    ("!=1.2.*", "!=1.2.*"),
    (">=1,<2", ">=1,<2"),
    (">=1 <2", ">=1,<2"),
    (">= 1, < 2", ">=1,<2"),
    ("  >1.0  ", ">1.0"),
    ("1!2.0", "==1!2.0"),
    ("^1!2.0", ">=1!2.0,<1!3.0"),
    # poetry-core's other spellings: "any version", x-wildcards, a wildcard after an ordering operator
    # (dropped), and ~= with one part (the next minor).
    ("x", ""),
    ("X", ""),
    ("*.*", ""),
    ("v*", ""),
    ("1.x", "==1.*"),
    ("1.2.X", "==1.2.*"),
    ("!=1.x", "!=1.*"),
    (">=1.2.*", ">=1.2"),
    ("<2.x", "<2"),
    ("~=1", ">=1,<1.1"),
]


def check_translation(constraint: str, specifier: str) -> None:
    translated = translate_poetry_constraint(constraint)
    assert translated.problems == ()
    assert translated.specifier == specifier
    assert ",".join(clause.text for clause in translated.clauses) == specifier
    SpecifierSet(specifier)  # always valid PEP 440


@pytest.mark.parametrize(("constraint", "specifier"), TRANSLATIONS)
def test_translation(constraint: str, specifier: str) -> None:
    check_translation(constraint, specifier)


def test_caret_bounds_agree_with_versions_allowed() -> None:
    # Poetry's documented examples of what ^ and ~ allow, checked as membership rather than as text.
    allowed = {
        "^1.2.3": (["1.2.3", "1.9"], ["2.0.0", "1.2.2"]),
        "^0.2.3": (["0.2.9"], ["0.3.0"]),
        "^0.0.3": (["0.0.3"], ["0.0.4"]),
        "~1.2.3": (["1.2.9"], ["1.3.0"]),
        "~1": (["1.9"], ["2.0"]),
    }
    for constraint, (inside, outside) in allowed.items():
        specifier = SpecifierSet(translate_poetry_constraint(constraint).specifier)
        assert all(version in specifier for version in inside), constraint
        assert not any(version in specifier for version in outside), constraint


# Constraints with each written part marked; (marked constraint, number of clauses per part)
SPAN_CASES = [
    ("«^1.2»", [2]),
    ("«>=1»,«<2»", [1, 1]),
    ("«>= 1» «< 2»", [1, 1]),
    ("  «~1.2.3»  ", [2]),
    ("«1.2.*», «!=1.2.5»", [1, 1]),
]


def unmark_parts(marked: str) -> tuple[str, list[Span]]:
    text = marked.replace("«", "").replace("»", "")
    spans: list[Span] = []
    removed = 0
    for index, char in enumerate(marked):
        if char == "«":
            start = index - removed
            removed += 1
        elif char == "»":
            spans.append(Span(start, index - removed))
            removed += 1
    return text, spans


def check_clause_spans(marked: str, clauses_per_part: list[int]) -> None:
    text, parts = unmark_parts(marked)
    translated = translate_poetry_constraint(text)
    expected = [part for part, count in zip(parts, clauses_per_part, strict=True) for _ in range(count)]
    assert [clause.span for clause in translated.clauses] == expected
    for clause in translated.clauses:
        written = text[clause.span.start : clause.span.end]
        assert written.startswith(text[clause.operator_span.start : clause.operator_span.end])
        assert written.endswith(text[clause.version_span.start : clause.version_span.end])
        assert clause.version_span.end == clause.span.end


@pytest.mark.parametrize(("marked", "clauses_per_part"), SPAN_CASES)
def test_clause_spans(marked: str, clauses_per_part: list[int]) -> None:
    check_clause_spans(marked, clauses_per_part)


# (constraint with the expected problem marked, part of the message)
INVALID_CASES = [
    ("«^x»", "not a valid version"),
    ("«~1.*»", "not a valid version"),
    ("«>=*»", "'*'"),
    ("«>=x»", "Invalid specifier"),
    ("«>=»", "Expected a version"),
    ("«>=1.0.0-»", "Invalid specifier"),
    (">=1 «(»", "Invalid specifier"),
    ("^1 ||«»", "Expected a version constraint"),
]


def check_invalid(marked: str, message_part: str) -> None:
    text, spans = unmark_parts(marked)
    translated = translate_poetry_constraint(text)
    errors = [problem for problem in translated.problems if problem.severity == Severity.ERROR]
    assert len(errors) == 1
    problem = errors[0]
    assert problem.code == "invalid-poetry-constraint"
    assert message_part in problem.message
    expected = (
        spans[0] if len(spans[0]) else Span(max(spans[0].start - 1, 0), min(spans[0].start + 1, len(text)))
    )
    assert problem.span == expected


@pytest.mark.parametrize(("marked", "message_part"), INVALID_CASES)
def test_invalid_constraints(marked: str, message_part: str) -> None:
    check_invalid(marked, message_part)


def test_union_keeps_each_alternative_and_says_pep440_cannot() -> None:
    translated = translate_poetry_constraint("^1.0 || >=3,<4 | 5.*")
    assert translated.is_union
    assert (translated.specifier, translated.clauses) == ("", ())
    assert [alternative.specifier for alternative in translated.alternatives] == [
        ">=1.0,<2.0",
        ">=3,<4",
        "==5.*",
    ]
    assert [alternative.span for alternative in translated.alternatives] == [
        Span(0, 4),
        Span(8, 14),
        Span(17, 20),
    ]
    (problem,) = translated.problems
    assert (problem.code, problem.severity, problem.span) == (
        "poetry-union",
        Severity.INFORMATION,
        Span(0, 20),
    )


# (Poetry python constraint, marker Poetry derives from it)
PYTHON_MARKERS = [
    ("^3.8", 'python_version >= "3.8" and python_version < "4.0"'),
    (">=3.8.1", 'python_full_version >= "3.8.1"'),
    ("3.9.*", 'python_version == "3.9.*"'),
    ("<3.8 || >=3.10", 'python_version < "3.8" or python_version >= "3.10"'),
    ("*", None),
]


@pytest.mark.parametrize(("constraint", "marker"), PYTHON_MARKERS)
def test_python_marker(constraint: str, marker: str | None) -> None:
    assert python_marker(translate_poetry_constraint(constraint)) == marker
