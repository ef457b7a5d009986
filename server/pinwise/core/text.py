"""Positions in text: the one place that knows how offsets map to lines and columns.

Every span in the core is a pair of code-point offsets into the document's text (Python ``str``
indices). Lines and columns are derived on demand with :class:`LineIndex`, and are also in code
points; conversion to UTF-16 (or another negotiated encoding) happens only at the LSP edge.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A half-open range ``[start, end)`` of code-point offsets into a document's text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span {self.start}..{self.end}")

    def __len__(self) -> int:
        return self.end - self.start

    def contains(self, offset: int) -> bool:
        """True when ``offset`` lies inside the span or touches its end (a cursor right after it)."""
        return self.start <= offset <= self.end

    def shift(self, delta: int) -> Span:
        return Span(self.start + delta, self.end + delta)

    def text(self, source: str) -> str:
        return source[self.start : self.end]

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """A zero-based line and a zero-based column counted in code points."""

    line: int
    column: int


class LineIndex:
    """Maps offsets to (line, column) and back.

    Line breaks are the ones LSP recognises: ``\\n``, ``\\r\\n`` and a lone ``\\r``. A column past the end
    of a line is clamped to the line's end (before its line break), as LSP asks clients to do.
    """

    __slots__ = ("_line_ends", "_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        ends: list[int] = []
        # One regex pass (linear): searching for "\r" and "\n" separately rescans the rest of a text that has
        # no "\r" at every line, which was quadratic.
        for match in _LINE_BREAK.finditer(text):
            ends.append(match.start())
            starts.append(match.end())
        ends.append(len(text))
        self._starts = starts
        self._line_ends = ends

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_start(self, line: int) -> int:
        return self._starts[min(max(line, 0), len(self._starts) - 1)]

    def line_end(self, line: int) -> int:
        """Offset of the end of ``line``'s content (before its line break)."""
        return self._line_ends[min(max(line, 0), len(self._line_ends) - 1)]

    def line_text(self, line: int) -> str:
        return self.text[self.line_start(line) : self.line_end(line)]

    def position(self, offset: int) -> Position:
        offset = min(max(offset, 0), len(self.text))
        line = bisect.bisect_right(self._starts, offset) - 1
        # An offset inside a \r\n pair belongs to the end of the line.
        column = min(offset, self._line_ends[line]) - self._starts[line]
        return Position(line, column)

    def offset(self, position: Position) -> int:
        if position.line < 0:
            return 0
        if position.line >= len(self._starts):
            return len(self.text)
        start = self._starts[position.line]
        return min(start + max(position.column, 0), self._line_ends[position.line])

    def span_positions(self, span: Span) -> tuple[Position, Position]:
        return self.position(span.start), self.position(span.end)
