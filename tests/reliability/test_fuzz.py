"""Fuzzing both parsers and the analysis: random Unicode, grammar soup and mutated real files.

Every example must parse without an exception or an ``internal-error`` problem, with every span inside the
text; analysis (local rules, then index rules against the in-memory fake index) must complete; and every fix
it offers must apply cleanly and re-parse without an internal error. Run longer by hand with
``PINWISE_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/reliability -k fuzz``.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinwise.core.document import parse_document
from pinwise.core.files import FileKind
from pinwise.core.workspace import Workspace
from tests.reliability.corpus import (
    analyse_everything,
    check_document,
    fake_index,
    file_name,
    fuzz_examples,
    seeds,
)

SEEDS = seeds()
KINDS = st.sampled_from([FileKind.REQUIREMENTS, FileKind.PYPROJECT])

# Any code point but surrogates (which a str from a UTF-8 file or an LSP message never holds): the astral
# planes included, so that UTF-16 and code-point offsets differ.
UNICODE = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)

# Pieces that matter to either grammar, so random texts reach deep into the parsers.
TOKENS = st.sampled_from(
    [
        *list("ab-_.09 \t\\#;@[](){},=<>!~*'\"$:/+\n\r"),
        "\r\n",
        "\ufeff",
        "\x0c",
        "\u2028",
        "é",
        "😀",
        "requests",
        "==2.31.0",
        ">=1,<2",
        "[socks]",
        "; python_version < '3.11'",
        " and ",
        "-e ",
        "--hash=sha256:" + "a" * 64,
        "-r ",
        "-c ",
        "--index-url ",
        "https://u:p@127.0.0.1/simple/",
        "git+https://x/y.git@v1#egg=y",
        "${A}",
        " # ",
        " \\\n",
        "[project]\n",
        "dependencies = [",
        '"flask>=2", ',
        "[tool.poetry.dependencies]\n",
        'requests = "^2.1"\n',
        'x = { version = "~1.2", extras = ["a"] }\n',
        "[dependency-groups]\n",
        'dev = [{include-group = "dev"}]\n',
        '"""',
        "'''",
        "[[",
        "]]",
        "a.b.c = ",
    ]
)
SOUP = st.lists(TOKENS, max_size=80).map("".join)


@st.composite
def mutated_seed(draw: st.DrawFn) -> tuple[FileKind, str]:
    """A real file with a few random mutations: insertions, deletions, duplications, line-break changes, a
    BOM, a huge line, many continuations and deep nesting."""
    _label, kind, text = draw(st.sampled_from(SEEDS))
    if draw(st.booleans()):
        # A window of a long file keeps examples small enough to analyse many of them.
        lines = text.splitlines(keepends=True)
        first = draw(st.integers(0, max(0, len(lines) - 1)))
        text = "".join(lines[first : first + draw(st.integers(1, 40))])
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(text)))
        end = draw(st.integers(at, min(len(text), at + 200)))
        operation = draw(
            st.sampled_from(
                ["insert", "delete", "duplicate", "crlf", "cr", "bom", "huge", "continuations", "nest"]
            )
        )
        if operation == "insert":
            text = text[:at] + draw(SOUP | UNICODE) + text[at:]
        elif operation == "delete":
            text = text[:at] + text[end:]
        elif operation == "duplicate":
            text = text[:end] + text[at:end] + text[end:]
        elif operation == "crlf":
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        elif operation == "cr":
            text = text.replace("\r\n", "\n").replace("\n", "\r")
        elif operation == "bom":
            text = "\ufeff" + text.lstrip("\ufeff")
        elif operation == "huge":
            text = text[:at] + "a" * draw(st.integers(1_000, 50_000)) + text[at:]
        elif operation == "continuations":
            text = text[:at] + " \\\n" * draw(st.integers(1, 2_000)) + text[at:]
        else:
            depth = draw(st.integers(1, 3_000))
            opener = draw(st.sampled_from(["[", "{a=", "{a = [", '["x", ']))
            text = text[:at] + opener * depth + text[at:]
    return kind, text


FUZZ = settings(
    max_examples=fuzz_examples(),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
ANALYSIS = settings(FUZZ, max_examples=max(10, fuzz_examples() // 3))


def check_parse(kind: FileKind, text: str) -> None:
    check_document(parse_document(text, file_name(kind), kind))


@FUZZ
@given(kind=KINDS, text=UNICODE | SOUP)
def test_fuzz_parse_random(kind: FileKind, text: str) -> None:
    check_parse(kind, text)


@FUZZ
@given(mutated=mutated_seed())
def test_fuzz_parse_mutated(mutated: tuple[FileKind, str]) -> None:
    kind, text = mutated
    check_parse(kind, text)
    # The other parser too: an editor can hold any text under any name.
    other = FileKind.PYPROJECT if kind is FileKind.REQUIREMENTS else FileKind.REQUIREMENTS
    check_parse(other, text)


INDEX = fake_index({"a", "b", "ab", "y"}, unavailable={"flask", "unavailable-project"})


def _workspace(root: Path) -> Workspace:
    """A workspace whose other files are in memory: an include target and a project file."""
    files = {
        str(root / "base.txt"): "requests==2.31.0\n-r requirements.txt\n",
        str(root / "constraints.txt"): "a<2\n",
    }
    return Workspace(lambda path: files.get(str(path)), root=root)


@ANALYSIS
@given(kind=KINDS, text=SOUP)
def test_fuzz_analysis_soup(kind: FileKind, text: str) -> None:
    root = Path("/nonexistent-pinwise-fuzz")
    document = parse_document(text, root / file_name(kind), kind)
    analyse_everything(document, INDEX, _workspace(root))


@ANALYSIS
@given(mutated=mutated_seed().filter(lambda mutated: mutated[1].count("\n") <= 60))
def test_fuzz_analysis_mutated(mutated: tuple[FileKind, str]) -> None:
    kind, text = mutated
    root = Path("/nonexistent-pinwise-fuzz")
    document = parse_document(text, root / file_name(kind), kind)
    analyse_everything(document, INDEX, _workspace(root), max_fixes=40)
