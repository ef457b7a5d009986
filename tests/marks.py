"""Span marks in test texts: ``«label:…»`` around a part of the text names its expected span."""

from __future__ import annotations

import re

from pinwise.core.text import Span

_OPEN = re.compile(r"«([a-z]+):")


def unmark(marked: str) -> tuple[str, dict[str, list[Span]]]:
    """Strip ``«label:…»`` marks; return the text and each label's spans in order of their start."""
    out: list[str] = []
    spans: dict[str, list[Span]] = {}
    stack: list[tuple[str, int]] = []
    pos = 0
    length = 0
    while pos < len(marked):
        opening = _OPEN.match(marked, pos)
        if opening:
            stack.append((opening.group(1), length))
            pos = opening.end()
        elif marked[pos] == "»":
            label, start = stack.pop()
            spans.setdefault(label, []).append(Span(start, length))
            pos += 1
        else:
            out.append(marked[pos])
            length += 1
            pos += 1
    assert not stack, f"unclosed mark in {marked!r}"
    return "".join(out), {label: sorted(found) for label, found in spans.items()}
