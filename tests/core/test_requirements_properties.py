"""Properties that must hold for any input: never raise, spans inside the text, and packaging's verdicts."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement, Requirement

from pinwise.core.model import Dependency
from pinwise.core.pep508 import parse_pep508
from pinwise.core.requirements import RequirementItem, RequirementsFile, parse_requirements
from pinwise.core.text import Span

DATA = Path(__file__).parent / "data" / "requirements"
SAMPLE_LINES = [
    line
    for name in ("main.txt", "base.txt")
    for line in (DATA / name).read_text("utf-8").splitlines(keepends=True)
][:400]

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Characters that matter to the grammar, plus a little of everything else.
ALPHABET = st.sampled_from(
    [
        *list("ab-_.09 \t\\#;@[](),=<>!~*'\"$:/{}+\n\r"),
        "\ufeff",
        "\x0c",
        "\u2028",
        "é",
        "-e ",
        "--hash=sha256:",
        "-r ",
        "git+https://x/",
        "${A}",
        " # ",
    ]
)
TEXT = st.lists(ALPHABET, max_size=60).map("".join) | st.text(max_size=60)


def dependency_spans(dependency: Dependency) -> list[Span]:
    spans = [dependency.span, dependency.name_span, dependency.extras_span, dependency.specifier_span]
    spans += [dependency.marker_span, dependency.url_span]
    spans += [extra.span for extra in dependency.extras]
    for clause in dependency.clauses:
        spans += [clause.span, clause.operator_span, clause.version_span]
    return [span for span in spans if span is not None]


def check_file_invariants(text: str, parsed: RequirementsFile) -> None:
    spans = [problem.span for problem in parsed.problems]
    spans += [comment.span for comment in parsed.comments] + [ref.span for ref in parsed.env_vars]
    for item in parsed.items:
        spans.append(item.span)
        if isinstance(item, RequirementItem):
            spans += dependency_spans(item.dependency)
            for hash_option in item.hashes:
                spans += [hash_option.option.span, hash_option.algorithm_span, hash_option.digest_span]
    for span in spans:
        assert 0 <= span.start <= span.end <= len(text), (span, text)
    for dependency in parsed.dependencies:
        if dependency.name is not None and dependency.name_span is not None:
            written = dependency.name_span.text(text)
            # A name inside a quoted or escaped -e argument may have quotes or backslashes in between.
            assert "".join(c for c in written if c not in "'\"\\") == dependency.name
    assert all(problem.code != "internal-error" for problem in parsed.problems)


@FAST
@given(TEXT)
def test_random_text_never_raises_and_spans_stay_inside(text: str) -> None:
    check_file_invariants(text, parse_requirements(text))


@st.composite
def mutated_files(draw: st.DrawFn) -> str:
    start = draw(st.integers(0, len(SAMPLE_LINES) - 1))
    text = "".join(SAMPLE_LINES[start : start + draw(st.integers(1, 12))])
    for _ in range(draw(st.integers(0, 6))):
        position = draw(st.integers(0, len(text)))
        if draw(st.booleans()) and position < len(text):
            text = text[:position] + text[position + draw(st.integers(1, 5)) :]
        else:
            text = text[:position] + draw(ALPHABET) + text[position:]
    return text


@FAST
@given(mutated_files())
def test_mutated_realistic_files_never_raise(text: str) -> None:
    check_file_invariants(text, parse_requirements(text))


# ---- PEP 508 against packaging ----------------------------------------------------------------------------

WS = st.sampled_from(["", " ", "  ", "\t"])
NAME = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,8}[A-Za-z0-9])?", fullmatch=True)
VERSION = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc|\.post|\.dev)[0-9])?", fullmatch=True)
OPERATOR = st.sampled_from(["==", "!=", ">=", "<=", "<", ">", "~=", "==="])
MARKER_VARIABLE = st.sampled_from(["python_version", "os_name", "sys_platform", "extra", "platform.machine"])


@st.composite
def clauses(draw: st.DrawFn) -> str:
    operator = draw(OPERATOR)
    version = draw(VERSION)
    if operator in ("==", "!=") and draw(st.booleans()):
        version += ".*"
    if operator == "~=" and "." not in version:
        version += ".0"
    return f"{draw(WS)}{operator}{draw(WS)}{version}{draw(WS)}"


@st.composite
def markers(draw: st.DrawFn) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        value = draw(st.sampled_from(["'3.9'", '"nt"', "'linux'", '"Dev_Tools"']))
        operator = draw(st.sampled_from(["==", "!=", "<", ">=", " in ", " not in "]))
        parts.append(f"{draw(MARKER_VARIABLE)}{draw(WS)}{operator}{draw(WS)}{value}")
    joined = draw(st.sampled_from([" and ", " or "])).join(parts)
    return f"({joined})" if draw(st.booleans()) else joined


@st.composite
def pep508_strings(draw: st.DrawFn) -> str:
    text = draw(WS) + draw(NAME) + draw(WS)
    if draw(st.booleans()):
        extras = draw(st.lists(NAME, max_size=3))
        text += "[" + ",".join(f"{draw(WS)}{extra}{draw(WS)}" for extra in extras) + "]" + draw(WS)
    if draw(st.integers(0, 4)) == 0:
        text += f"@{draw(WS)}https://x.org/{draw(NAME)}.whl "
    else:
        specifier = ",".join(draw(st.lists(clauses(), max_size=3)))
        if specifier and draw(st.booleans()):
            specifier = f"({specifier})"
        text += specifier
    if draw(st.booleans()):
        text += f";{draw(WS)}{draw(markers())}{draw(WS)}"
    return text


def check_agreement(text: str) -> None:
    dependency, problems = parse_pep508(text)
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        assert problems, f"packaging rejects {text!r} but we accept it"
        assert all(0 <= p.span.start <= p.span.end <= len(text) for p in problems)
        return
    assert problems == [], f"packaging accepts {text!r}: {problems}"
    assert dependency is not None
    assert dependency.name == requirement.name
    assert dependency.name_span is not None and dependency.name_span.text(text) == requirement.name
    assert {extra.name for extra in dependency.extras} == requirement.extras
    assert dependency.specifier == str(requirement.specifier)
    assert dependency.marker == (str(requirement.marker) if requirement.marker is not None else None)
    assert dependency.url == requirement.url
    for clause in dependency.clauses:
        assert clause.operator_span.text(text) == clause.operator
        assert clause.version_span.text(text) == clause.version


@FAST
@given(pep508_strings())
def test_generated_pep508_agrees_with_packaging(text: str) -> None:
    check_agreement(text)


@FAST
@given(
    st.lists(st.sampled_from([*list("ab1.-_ [](),;@=<>!~*'\"\t"), "os_name", "==1", " and "]), max_size=25)
)
def test_random_pep508_verdicts_agree_with_packaging(pieces: list[str]) -> None:
    check_agreement("".join(pieces))
