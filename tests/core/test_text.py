"""LineIndex and parse_document's size guard: positions in code points, LSP's three line breaks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pinwise.core.document import MAX_DOCUMENT_CHARS, TOO_LARGE, parse_document
from pinwise.core.text import LineIndex, Position, Span


def check_positions(text: str, expected: dict[int, tuple[int, int]]) -> None:
    index = LineIndex(text)
    for offset, (line, column) in expected.items():
        assert index.position(offset) == Position(line, column), offset
        assert index.offset(Position(line, column)) == offset


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ab\ncd", {0: (0, 0), 2: (0, 2), 3: (1, 0), 5: (1, 2)}),
        ("ab\r\ncd", {2: (0, 2), 4: (1, 0), 5: (1, 1)}),
        ("ab\rcd\r", {3: (1, 0), 5: (1, 2), 6: (2, 0)}),
        ("é😀x\ny", {1: (0, 1), 2: (0, 2), 3: (0, 3), 4: (1, 0)}),  # code points, not UTF-16 units
        ("\ufeffa\n", {1: (0, 1), 3: (1, 0)}),
        ("", {0: (0, 0)}),
    ],
)
def test_positions(text: str, expected: dict[int, tuple[int, int]]) -> None:
    check_positions(text, expected)


def test_offset_inside_crlf_and_columns_past_the_end_are_clamped() -> None:
    index = LineIndex("ab\r\ncd")
    assert index.position(3) == Position(0, 2)
    assert index.offset(Position(0, 99)) == 2
    assert index.offset(Position(9, 0)) == len("ab\r\ncd")
    assert index.line_text(1) == "cd"


@given(st.lists(st.sampled_from(["a", "é", "😀", "\n", "\r", "\r\n", " "]), max_size=60).map("".join))
def test_lines_agree_with_lsp_line_breaks(text: str) -> None:
    index = LineIndex(text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    assert index.line_count == len(lines)
    assert [index.line_text(n) for n in range(index.line_count)] == lines


@pytest.mark.parametrize("name", ["requirements.txt", "pyproject.toml"])
@pytest.mark.parametrize(("head", "first_line"), [("", 200), ("requests==1\n", 11), ("\r\n", 0)])
def test_a_text_over_the_limit_gets_one_problem_and_no_parse(name: str, head: str, first_line: int) -> None:
    text = head + "x" * (MAX_DOCUMENT_CHARS + 1)
    document = parse_document(text, f"/w/{name}")
    # The problem underlines the first line, at most 200 characters of it.
    assert [(p.code, p.span) for p in document.problems] == [(TOO_LARGE, Span(0, first_line))]
    assert document.dependencies == []
    small = "requests\n" if name == "requirements.txt" else '[project]\ndependencies = ["requests"]\n'
    parsed = parse_document(small, f"/w/{name}")
    assert ([p.code for p in parsed.problems], [d.name for d in parsed.dependencies]) == ([], ["requests"])
