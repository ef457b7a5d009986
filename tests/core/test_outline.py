"""Outline, links, go-to-definition and inlay hints.

Symbols are compared as nested ``(name, kind, detail, [children])`` tuples; «…» marks a span to check and
``|`` a cursor; ``↵`` is a newline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pinwise.core.document import parse_document
from pinwise.core.outline import Symbol, definition, document_links, document_symbols, inlay_hints
from pinwise.core.text import Span
from tests.fakes import FakeIndex, FakeProject, rel

INDEX = FakeIndex(
    {
        "requests": FakeProject(["2.31.0", "2.32.3", rel("3.0.0", yanked=True)]),
        "flask": FakeProject(["3.0.0"]),
    },
    unavailable={"private-pkg"},
)


@dataclass(frozen=True)
class Installed:
    name: str
    version: str


def unmark(case: str) -> tuple[str, list[Span], int | None]:
    """Text without markers, every «marked» span in order, and the ``|`` cursor."""
    text = case.replace("↵", "\n")
    spans: list[Span] = []
    cursor: int | None = None
    out: list[str] = []
    starts: list[int] = []
    for char in text:
        if char == "«":
            starts.append(len(out))
        elif char == "»":
            spans.append(Span(starts.pop(), len(out)))
        elif char == "|":
            cursor = len(out)
        else:
            out.append(char)
    return "".join(out), spans, cursor


def shape(symbol: Symbol) -> tuple[object, ...]:
    children = [shape(child) for child in symbol.children]
    return (
        (symbol.name, symbol.kind, symbol.detail, children)
        if children
        else (symbol.name, symbol.kind, symbol.detail)
    )


def check_symbols(file_name: str, text: str, expected: list[tuple[object, ...]]) -> None:
    doc = parse_document(text.replace("↵", "\n"), f"/work/{file_name}")
    symbols = document_symbols(doc)
    assert [shape(symbol) for symbol in symbols] == expected
    for symbol in symbols:
        check_nesting(symbol)


def check_nesting(symbol: Symbol) -> None:
    assert symbol.span.start <= symbol.selection_span.start <= symbol.selection_span.end <= symbol.span.end
    for child in symbol.children:
        assert symbol.span.start <= child.span.start and child.span.end <= symbol.span.end
        check_nesting(child)


SYMBOL_CASES = [
    (
        "requirements.txt",
        "-i https://user:pw@127.0.0.1/simple/↵requests>=2 ; python_version < '3.9'↵-r base.txt↵./pkg↵--pre",
        [
            ("--index-url", "option", "https://***@127.0.0.1/simple/"),
            ("requests", "package", '>=2 ; python_version < "3.9"'),
            ("--requirement", "include", "base.txt"),
            ("./pkg", "package", None),
            ("--pre", "option", None),
        ],
    ),
    ("requirements.txt", "# nothing↵", []),
    (
        "pyproject.toml",
        '[project]↵dependencies = ["requests>=2", "flask"]↵[project.optional-dependencies]↵dev = ["pytest"]↵'
        'docs = []↵[dependency-groups]↵lint = ["ruff"]↵[build-system]↵requires = ["hatchling"]',
        [
            (
                "project.dependencies",
                "table",
                None,
                [("requests", "package", ">=2"), ("flask", "package", None)],
            ),
            (
                "project.optional-dependencies",
                "table",
                None,
                [("dev", "group", None, [("pytest", "package", None)]), ("docs", "group", None)],
            ),
            ("dependency-groups", "table", None, [("lint", "group", None, [("ruff", "package", None)])]),
            ("build-system.requires", "table", None, [("hatchling", "package", None)]),
        ],
    ),
    (
        "pyproject.toml",
        '[tool.poetry.dependencies]↵python = "^3.9"↵requests = "^2.31"↵[tool.poetry.group.dev.dependencies]↵'
        'pytest = {version = ">=8", optional = true}',
        [
            ("tool.poetry.dependencies", "table", None, [("requests", "package", "^2.31")]),
            ("tool.poetry.group", "table", None, [("dev", "group", None, [("pytest", "package", ">=8")])]),
        ],
    ),
]


@pytest.mark.parametrize(("file_name", "text", "expected"), SYMBOL_CASES)
def test_document_symbols(file_name: str, text: str, expected: list[tuple[object, ...]]) -> None:
    check_symbols(file_name, text, expected)


# ---- links ----------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables the cases name: pip expands ${VAR} in every line, and "~" only in --find-links."""
    monkeypatch.delenv("ROOT", raising=False)
    monkeypatch.setenv("REQS_DIR", "reqs")
    monkeypatch.setenv("HOME", "/home/me")


def check_links(file_name: str, case: str, expected: list[tuple[str, str | None]]) -> None:
    """``expected``: (target, tooltip) for each «marked» link span, in order."""
    text, spans, _ = unmark(case)
    doc = parse_document(text, f"/work/{file_name}")
    links = document_links(doc, None)
    assert [(link.span, link.target, link.tooltip) for link in links] == [
        (span, target, tooltip) for span, (target, tooltip) in zip(spans, expected, strict=True)
    ]


LINK_CASES = [
    (
        "requirements.txt",
        "-r «base.txt»↵-c «../constraints.txt»↵-e «./pkg»↵«./wheels/a-1.0-py3-none-any.whl»",
        [
            ("/work/base.txt", "/work/base.txt"),
            ("/constraints.txt", "/constraints.txt"),
            ("/work/pkg", "/work/pkg"),
            ("/work/wheels/a-1.0-py3-none-any.whl", "/work/wheels/a-1.0-py3-none-any.whl"),
        ],
    ),
    (
        "requirements.txt",
        "--index-url «https://u:secret@127.0.0.1/simple/»↵--extra-index-url=«http://127.0.0.1:8080/x/»↵"
        "-f «./dist»",
        [
            ("https://u:secret@127.0.0.1/simple/", "https://***@127.0.0.1/simple/"),
            ("http://127.0.0.1:8080/x/", "http://127.0.0.1:8080/x/"),
            ("/work/dist", "/work/dist"),
        ],
    ),
    (
        "requirements.txt",
        "pkg @ «https://127.0.0.1/pkg-1.0.tar.gz»↵-e «git+https://127.0.0.1/org/repo.git@v1.0#egg=repo»↵"
        "-r ${ROOT}/x.txt↵-r «https://127.0.0.1/reqs.txt»",
        [
            ("https://127.0.0.1/pkg-1.0.tar.gz", "https://127.0.0.1/pkg-1.0.tar.gz"),
            ("https://127.0.0.1/org/repo.git", "git+https://127.0.0.1/org/repo.git@v1.0#egg=repo"),
            ("https://127.0.0.1/reqs.txt", "https://127.0.0.1/reqs.txt"),
        ],
    ),
    (
        "requirements.txt",
        "-r «${REQS_DIR}/dev.txt»↵-c «~/c.txt»↵-f «~/wheels»↵--index-url «https://127.0.0.1/${REQS_DIR}/»",
        [
            ("/work/reqs/dev.txt", "/work/reqs/dev.txt"),
            ("/work/~/c.txt", "/work/~/c.txt"),
            ("/home/me/wheels", "/home/me/wheels"),
            ("https://127.0.0.1/reqs/", "https://127.0.0.1/reqs/"),
        ],
    ),
    (
        "pyproject.toml",
        '[project]↵dependencies = ["pkg @ «https://127.0.0.1/p.whl»", "requests"]↵'
        '[tool.uv.sources]↵lib = { path = "«../lib»" }↵[[tool.uv.index]]↵name = "mine"↵url = "«https://127.0.0.1/simple»"',
        [
            ("https://127.0.0.1/p.whl", "https://127.0.0.1/p.whl"),
            ("/lib", "/lib"),
            ("https://127.0.0.1/simple", "https://127.0.0.1/simple"),
        ],
    ),
    (
        "pyproject.toml",
        '[tool.poetry.dependencies]↵lib = {path = "«sub/lib»", develop = true}',
        [("/work/sub/lib", "/work/sub/lib")],
    ),
]


@pytest.mark.parametrize(("file_name", "case", "expected"), LINK_CASES)
def test_document_links(file_name: str, case: str, expected: list[tuple[str, str | None]]) -> None:
    check_links(file_name, case, expected)


def test_relative_links_need_a_folder() -> None:
    doc = parse_document("-r base.txt\n--index-url https://127.0.0.1/simple/\n", None)
    assert [link.target for link in document_links(doc, None)] == ["https://127.0.0.1/simple/"]
    assert [link.target for link in document_links(doc, Path("/elsewhere"))] == [
        "/elsewhere/base.txt",
        "https://127.0.0.1/simple/",
    ]


# ---- definition -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "case", "expected"),
    [
        ("requirements.txt", "-r bas|e.txt", ("/work/base.txt", False)),
        ("requirements.txt", "|-r base.txt", ("/work/base.txt", False)),
        ("requirements.txt", "--constraint=sub/c|.txt", ("/work/sub/c.txt", False)),
        ("requirements.txt", "-r https://127.0.0.1/r|.txt", None),
        ("requirements.txt", "-r ${REQS_DIR}/d|ev.txt", ("/work/reqs/dev.txt", False)),
        ("requirements.txt", "-r ${ROOT}/d|ev.txt", None),
        ("requirements.txt", "-r ~/d|ev.txt", ("/work/~/dev.txt", False)),
        ("requirements.txt", "reque|sts", None),
        ("requirements.txt", "-e ./p|kg", None),
        (
            "pyproject.toml",
            '[dependency-groups]↵«test» = ["pytest"]↵dev = [{include-group = "te|st"}]',
            ("/work/pyproject.toml", True),
        ),
        ("pyproject.toml", '[project]↵dependencies = ["reque|sts"]', None),
    ],
)
def test_definition(file_name: str, case: str, expected: tuple[str, bool] | None) -> None:
    text, spans, cursor = unmark(case)
    assert cursor is not None
    doc = parse_document(text, f"/work/{file_name}")
    found = definition(doc, cursor, None)
    if expected is None:
        assert found is None
        return
    assert found is not None
    path, span = found
    assert path == Path(expected[0])
    assert span == (spans[0] if expected[1] else None)


# ---- inlay hints ----------------------------------------------------------------------------------------


async def check_hints(
    file_name: str, case: str, expected: list[str], installed: dict[str, Installed] | None = None
) -> None:
    """``expected``: the label of the hint at each ``|``-free «» end, in order (the span end is the offset)."""
    text, spans, _ = unmark(case)
    doc = parse_document(text, f"/work/{file_name}")
    hints = await inlay_hints(doc, index=INDEX, installed=installed)
    assert [(hint.offset, hint.label) for hint in hints] == [
        (span.end, label) for span, label in zip(spans, expected, strict=True)
    ]


HINT_CASES = [
    (
        "requirements.txt",
        "«requests==2.31.0» ; python_version > '3'↵«flask<3»↵requests>=2↵requests[socks]~=2.32.0↵private-pkg==1↵nope==1",
        ["latest 2.32.3", "latest 3.0.0"],
        None,
    ),
    (
        "requirements.txt",
        "«requests==2.31.0»↵«flask»",
        ["latest 2.32.3 · installed 2.31.0", "installed 3.0.0"],
        {"requests": Installed("requests", "2.31.0"), "flask": Installed("Flask", "3.0.0")},
    ),
    ("requirements.txt", "«requests[socks]»", ["installed 1.0"], {"requests": Installed("requests", "1.0")}),
    ("pyproject.toml", '[project]↵dependencies = [«"requests<2.32"», "flask>=3"]', ["latest 2.32.3"], None),
    ("pyproject.toml", '[tool.poetry.dependencies]↵«requests = "~2.31"»', ["latest 2.32.3"], None),
]


@pytest.mark.parametrize(("file_name", "case", "expected", "installed"), HINT_CASES)
async def test_inlay_hints(
    file_name: str, case: str, expected: list[str], installed: dict[str, Installed] | None
) -> None:
    await check_hints(file_name, case, expected, installed)


async def test_inlay_hints_ask_each_project_once_and_survive_no_index() -> None:
    index = FakeIndex({"requests": FakeProject(["2.0"])})
    doc = parse_document("requests<1\nrequests<1.5\n", "/work/requirements.txt")
    hints = await inlay_hints(doc, index=index)
    assert [hint.label for hint in hints] == ["latest 2.0", "latest 2.0"]
    assert index.project_calls == ["requests"]
    assert await inlay_hints(doc, index=None) == []
    assert await inlay_hints(doc, index=index, show_latest=False) == []
