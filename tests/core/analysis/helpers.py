"""Shared helpers for analysis and fix tests: «…» span markers in case texts."""

from __future__ import annotations

from pinwise.core.text import Span

OPEN, CLOSE = "«", "»"


def strip_markers(marked: str) -> tuple[str, list[Span]]:
    """The text without «…» markers, and the marked spans in order of their start."""
    text: list[str] = []
    spans: list[Span] = []
    starts: list[int] = []
    length = 0
    for char in marked:
        if char == OPEN:
            starts.append(length)
        elif char == CLOSE:
            spans.append(Span(starts.pop(), length))
        else:
            text.append(char)
            length += 1
    assert not starts, "unbalanced « in case text"
    return "".join(text), sorted(spans)
