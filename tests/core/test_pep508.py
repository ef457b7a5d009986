"""PEP 508 strings: spans of every part, packaging's verdict and values, and moving spans."""

from __future__ import annotations

import pytest
from packaging.requirements import Requirement

from pinwise.core.model import Dependency
from pinwise.core.pep508 import (
    map_spans,
    parse_marker_text,
    parse_pep508,
    parse_specifier_clauses,
    shift_spans,
)
from pinwise.core.text import Span


def unmark(case: str) -> tuple[str, Span]:
    """Remove one pair of «» markers; return the text and the span they enclosed."""
    start = case.index("«")
    end = case.index("»") - 1
    return case.replace("«", "").replace("»", ""), Span(start, end)


def parsed(text: str) -> Dependency:
    dependency, problems = parse_pep508(text)
    assert problems == []
    assert dependency is not None
    return dependency


# ---- spans -----------------------------------------------------------------------------------------------


def check_span(case: str, field: str) -> None:
    text, expected = unmark(case)
    assert getattr(parsed(text), field) == expected


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("«requests»>=2", "name_span"),
        ("  «Foo_Bar.baz-2»  ", "name_span"),
        ("«requests>=2»", "span"),
        ("\t «requests [a] ; os_name == 'nt'» \t", "span"),
        ("requests«[socks, security]»>=2", "extras_span"),
        ("requests «[]»", "extras_span"),
        ("requests[socks]«>=2,<3»", "specifier_span"),
        ("requests «>= 2 , < 3»", "specifier_span"),
        ("requests («>=2,<3»)", "specifier_span"),
        ("requests ( «==1.0.*» ) ; python_version>'3'", "specifier_span"),
        ('foo; «python_version < "3.8"»', "marker_span"),
        ('foo>=1 ;«os_name=="nt" and extra == "x"»  ', "marker_span"),
        ("foo @ «https://x.org/f-1.0.tar.gz»", "url_span"),
        ("foo[bar]@«git+https://x.org/r.git@v1» ; python_version<'3.12'", "url_span"),
        ("foo @ https://x.org/f.whl ; «sys_platform == 'linux'»", "marker_span"),
    ],
)
def test_spans(case: str, field: str) -> None:
    check_span(case, field)


@pytest.mark.parametrize(
    ("case", "index"),
    [
        ("requests[«socks», security]", 0),
        ("requests[socks, «security»]", 1),
        ("requests[ «a-b.c_d» ]", 0),
    ],
)
def test_extra_spans(case: str, index: int) -> None:
    text, expected = unmark(case)
    extra = parsed(text).extras[index]
    assert extra.span == expected
    assert extra.span.text(text) == extra.name


def check_clause(case: str, index: int, field: str) -> None:
    text, expected = unmark(case)
    clauses, problems = parse_specifier_clauses(text)
    assert problems == []
    assert getattr(clauses[index], field) == expected


@pytest.mark.parametrize(
    ("case", "index", "field"),
    [
        ("«>=»1.0, <2", 0, "operator_span"),
        (">=«1.0», <2", 0, "version_span"),
        (">=1.0, «<2»", 1, "span"),
        (">=1.0,  «!=» 1.5", 1, "operator_span"),
        (">=1.0,  != «1.5.*»", 1, "version_span"),
        ("«===foobar»", 0, "span"),
        ("~=«2.2.post3»,", 0, "version_span"),
    ],
)
def test_clause_spans(case: str, index: int, field: str) -> None:
    check_clause(case, index, field)


def test_clauses_inside_a_larger_text_are_offset() -> None:
    text = "name>=1,<2 tail"
    clauses, problems = parse_specifier_clauses(text, 100, start=4, end=10)
    assert problems == []
    assert [(c.operator, c.version, c.span) for c in clauses] == [
        (">=", "1", Span(104, 107)),
        ("<", "2", Span(108, 110)),
    ]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("«1.0»", "Expected a version operator"),
        (">=1.0, «<<2»", "Invalid specifier"),
        ("«==»", "Invalid specifier"),
        (">=1,«,»<2", "Expected a version clause"),
        ("«~=1»", "Invalid specifier"),
    ],
)
def test_clause_problems(case: str, message: str) -> None:
    text, expected = unmark(case)
    _, problems = parse_specifier_clauses(text)
    assert [(p.code, p.span) for p in problems] == [("invalid-specifier", expected)]
    assert message in problems[0].message


# ---- values agree with packaging ---------------------------------------------------------------------------

AGREEMENT_CASES = [
    "requests",
    "requests==2.31.0",
    "Requests >= 2.0 , < 3",
    "requests (>=2,<3)",
    "requests[security,socks]>=2; python_version >= '3.8' and os_name != \"nt\"",
    "foo @ https://x.org/foo-1.0-py3-none-any.whl",
    "foo@git+https://x.org/r.git@main ; extra == 'Dev_Tools'",
    "foo==1.0.*",
    "foo!=1.5,>=1.0,<2,>=1.0",
    "foo>=1.0,",
    "foo===weird-version",
    "foo ; python_version in '3.8 3.9'",
    "foo;platform_machine not in 'arm64'",
    "foo[] ; (os_name == 'nt' or os_name == 'posix') and python_version > '3'",
    "foo ==1.0.0,==1.0",
    "zope.interface~=5.4",
]


@pytest.mark.parametrize("text", AGREEMENT_CASES)
def test_agrees_with_packaging(text: str) -> None:
    requirement = Requirement(text)
    dependency = parsed(text)
    assert dependency.name == requirement.name
    assert {extra.name for extra in dependency.extras} == requirement.extras
    assert dependency.specifier == str(requirement.specifier)
    assert dependency.marker == (str(requirement.marker) if requirement.marker else None)
    assert dependency.url == requirement.url


def test_clauses_keep_written_order_and_text() -> None:
    dependency = parsed("foo <2 , >= 1.0")
    assert [(c.operator, c.version) for c in dependency.clauses] == [("<", "2"), (">=", "1.0")]
    assert dependency.specifier == "<2,>=1.0"
    assert dependency.pinned_version is None
    assert parsed("foo==1.2").pinned_version == "1.2"


# ---- invalid strings ----------------------------------------------------------------------------------------


def check_invalid(case: str, message: str, name: str | None) -> None:
    text, expected = unmark(case)
    dependency, problems = parse_pep508(text)
    assert [(p.code, p.span) for p in problems] == [("invalid-requirement", expected)]
    assert message in problems[0].message
    assert "\n" not in problems[0].message
    assert (dependency.name if dependency else None) == name


@pytest.mark.parametrize(
    ("case", "message", "name"),
    [
        ("«»", "Expected package name", None),
        ("«-foo»", "Expected package name", None),
        ("foo«[bar»", "Expected matching RIGHT_BRACKET", "foo"),
        ("foo; «os_name==»", "Expected a marker variable or quoted string", "foo"),
        ("foo«==1.0.*».dev", "Expected comma", "foo"),
        ("«foo@»", "Expected URL after @", "foo"),
        ("foo «(>=1»", "Expected matching RIGHT_PARENTHESIS", "foo"),
        ("foo «bar»", "Expected semicolon", "foo"),
        # An empty position is widened to the word that follows it.
        ("foo[a «b]»", "Expected comma between extra names", "foo"),
    ],
)
def test_invalid(case: str, message: str, name: str | None) -> None:
    check_invalid(case, message, name)


def test_partial_dependency_keeps_what_parsed() -> None:
    dependency, problems = parse_pep508("foo[bar]>=1.0 ; os_name ==")
    assert problems and dependency is not None
    assert (dependency.name, [e.name for e in dependency.extras], dependency.specifier) == (
        "foo",
        ["bar"],
        ">=1.0",
    )
    assert dependency.marker is None


@pytest.mark.parametrize(
    ("text", "marker", "problem_text"),
    [
        (" python_version < '3' ", 'python_version < "3"', None),
        ("os_name = 'nt'", None, "="),
        ("   ", None, ""),
    ],
)
def test_marker_text(text: str, marker: str | None, problem_text: str | None) -> None:
    normalised, span, problem = parse_marker_text(text, 10)
    assert normalised == marker
    if marker is not None:
        assert span is not None and span.shift(-10).text(text) == text.strip()
    assert (problem.span.shift(-10).text(text) if problem else None) == problem_text


# ---- moving spans --------------------------------------------------------------------------------------------


def all_spans(dependency: Dependency) -> list[Span | None]:
    spans = [
        dependency.span,
        dependency.name_span,
        dependency.extras_span,
        dependency.specifier_span,
        dependency.marker_span,
        dependency.url_span,
    ]
    spans += [extra.span for extra in dependency.extras]
    for clause in dependency.clauses:
        spans += [clause.span, clause.operator_span, clause.version_span]
    return spans


@pytest.mark.parametrize("text", ["foo[a,b]>=1,<2 ; os_name=='nt'", "foo @ https://x.org/f.whl"])
def test_shift_and_map_spans(text: str) -> None:
    dependency = parsed(text)
    shifted = shift_spans(dependency, 7)
    assert [s.shift(7) if s else None for s in all_spans(dependency)] == all_spans(shifted)
    padded = " " * 7 + text
    assert shifted.name_span is not None and shifted.name_span.text(padded) == dependency.name
    doubled = map_spans(dependency, lambda offset: offset * 2)
    assert [Span(s.start * 2, s.end * 2) if s else None for s in all_spans(dependency)] == all_spans(doubled)
    assert all_spans(dependency) == all_spans(parsed(text))  # the original is untouched
