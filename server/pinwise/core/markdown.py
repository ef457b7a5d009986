"""Markdown for hovers: escaping text from files and the index so that it shows as written.

Hand-written because no library escapes for the CommonMark subset editors render (VS Code renders a
markdown string with limited HTML): these two are all the hovers need.
"""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~])")


def escape_markdown(text: str) -> str:
    """``text`` with every character markdown (or the HTML it allows) would interpret escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def inline_code(text: str) -> str:
    """An inline code span holding ``text`` verbatim, whatever backticks it contains."""
    text = text.replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padding = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{padding}{text}{padding}{fence}"
