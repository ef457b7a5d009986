"""The protocol edge's conversion of core edits: positions in the negotiated encoding, and insertions at
the very end of a document made before its final line break (same text; Neovim adds no empty line)."""

from __future__ import annotations

import pytest
from lsprotocol import types

from pinwise.core.analysis.findings import TextEdit
from pinwise.core.text import Span
from pinwise.lsp.convert import PositionConverter, text_edits
from tests.lsp.conftest import apply_text_edits

END = -1  # stands for len(text)

EDIT_CASES = [
    # (text, (start, end, new text), expected (line, character, new text) of the LSP edit)
    ("a\nb\n", (END, END, "c\n"), (1, 1, "\nc")),
    ("a\r\nb\r\n", (END, END, "c\r\n"), (1, 1, "\r\nc")),
    ("a\nb\n", (END, END, "c\nd\n"), (1, 1, "\nc\nd")),
    # Kept as they are: no final break, an insertion without one, an edit that is not at the end.
    ("a\nb", (END, END, "\nc\n"), (1, 1, "\nc\n")),
    ("a\nb\n", (END, END, "c"), (2, 0, "c")),
    ("a\nb\n", (0, 1, "x\n"), (0, 0, "x\n")),
    ("", (0, 0, "c\n"), (0, 0, "c\n")),
    # Astral characters count as two UTF-16 units.
    ("😀\n", (END, END, "c\n"), (0, 2, "\nc")),
]


def check_edit(text: str, edit: tuple[int, int, str], expected: tuple[int, int, str]) -> None:
    start, end, new_text = (
        (len(text) if edit[0] == END else edit[0]),
        (len(text) if edit[1] == END else edit[1]),
        edit[2],
    )
    [converted] = text_edits([TextEdit(Span(start, end), new_text)], PositionConverter(text, "utf-16"))
    assert (converted.range.start.line, converted.range.start.character, converted.new_text) == expected
    # Whatever the form, applying it gives the text the core meant.
    assert apply_text_edits(text, [converted]) == text[:start] + new_text + text[end:]


@pytest.mark.parametrize(("text", "edit", "expected"), EDIT_CASES)
def test_text_edits(text: str, edit: tuple[int, int, str], expected: tuple[int, int, str]) -> None:
    check_edit(text, edit, expected)


def test_ranges_stay_empty_for_insertions() -> None:
    [converted] = text_edits([TextEdit(Span(4, 4), "c\n")], PositionConverter("a\nb\n"))
    assert converted.range.start == converted.range.end == types.Position(1, 1)
