"""A tolerant TOML scanner that keeps the exact source span of every key, table and value.

No TOML library gives source spans and error tolerance together: ``tomllib`` gives neither, and the
round-trip libraries stop at the first error. An editor needs both, because a ``pyproject.toml`` is
half-typed most of the time it is open. So this module reads TOML by hand into a small tree of
:class:`TomlTable`, :class:`TomlArray`, :class:`TomlString` and :class:`TomlScalar`, each with its span
(code-point offsets into the document). When the text is broken (an unclosed string or array, a header
without ``]``, a stray word) it records a :class:`~pinwise.core.model.Problem` and resumes at the next line
or table header, so that everything outside the broken region is still found.

The scanner does not judge validity: :func:`scan_toml` asks ``tomllib`` (``tomli`` on Python 3.10). When
``tomllib`` accepts the text, the scanner's own complaints are dropped (they could only be false alarms
of its recovery heuristics); when it refuses the text, ``tomllib``'s message is reported too, unless the
scanner already reported a problem at that place.
"""

from __future__ import annotations

import logging
import math
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from pinwise.core.model import Problem
from pinwise.core.text import Span

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - only on Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "TOML_SYNTAX",
    "KeyPart",
    "TomlArray",
    "TomlDocument",
    "TomlEntry",
    "TomlHeader",
    "TomlKey",
    "TomlNode",
    "TomlScalar",
    "TomlString",
    "TomlTable",
    "TomlTableArray",
    "TomlValue",
    "check_toml_syntax",
    "scan_toml",
    "to_python",
]

logger = logging.getLogger(__name__)

TOML_SYNTAX = "toml-syntax"
# Arrays and inline tables nested deeper than this are skipped with a problem: no real file nests this deep,
# and each level costs the recursive scanner (and tomllib) stack frames, so 10,000 ``[`` would otherwise
# exhaust Python's recursion limit.
MAX_NESTING = 100
# tomllib takes time quadratic in the number of parts of a dotted key (20,000 parts take seconds), so a key
# longer than this is reported instead of handed to it.
MAX_KEY_PARTS = 256


# --------------------------------------------------------------------------------------------------------
# The tree
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyPart:
    """One part of a dotted key: its decoded name, its span as written, and the span of the name itself.

    For a bare key both spans are equal; for a quoted key ``span`` includes the quotes.
    """

    name: str
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class TomlKey:
    parts: tuple[KeyPart, ...]
    span: Span

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(part.name for part in self.parts)

    @property
    def dotted(self) -> str:
        return ".".join(self.names)


@dataclass(slots=True)
class TomlString:
    """A string value, decoded, with a map from each decoded character back to its source offset.

    ``span`` includes the quotes; ``content_span`` lies between them. ``terminated`` is False for a string
    whose closing quote is missing (its value then runs to the end of the line).
    """

    value: str
    span: Span
    content_span: Span
    literal: bool = False
    multiline: bool = False
    terminated: bool = True
    # Source offset of each decoded character, plus one entry for the end; None when the decoded value is
    # the source text itself (no escapes), which is by far the most common case.
    starts: list[int] | None = None

    def source_offset(self, index: int) -> int:
        """The document offset of decoded character ``index`` (``len(value)`` gives the content's end)."""
        index = min(max(index, 0), len(self.value))
        if self.starts is None:
            return self.content_span.start + index
        return self.starts[index]

    def source_span(self, start: int, end: int) -> Span:
        """The document span of the decoded characters ``value[start:end]``."""
        first = self.source_offset(start)
        return Span(first, max(first, self.source_offset(end)))


@dataclass(slots=True)
class TomlScalar:
    """A number, boolean, date or time, kept as written (also a bare word that is not valid TOML)."""

    text: str
    span: Span

    @property
    def value(self) -> bool | int | float | str:
        """The Python value: a bool, int or float when the text is one, else the text itself."""
        return _scalar_value(self.text)


@dataclass(slots=True)
class TomlArray:
    items: list[TomlValue]
    span: Span
    closed: bool = True


TableKind = Literal["root", "header", "implicit", "dotted", "inline", "array-item"]


@dataclass(slots=True)
class TomlTable:
    """A table: the document itself, a ``[header]`` table, an inline table, or one made by a dotted key.

    ``span`` is the header (``[a.b]``), the braces of an inline table, or the key part that created the
    table; ``extent`` also covers every entry added to it directly.
    """

    span: Span
    kind: TableKind
    entries: dict[str, TomlNode] = field(default_factory=dict)
    keys: dict[str, KeyPart] = field(default_factory=dict)
    extent: Span | None = None

    def get(self, *path: str) -> TomlNode | None:
        """The node at ``path`` below this table (the last table of an array of tables is used)."""
        node: TomlNode | None = self
        for name in path:
            if isinstance(node, TomlTableArray):
                node = node.tables[-1] if node.tables else None
            if not isinstance(node, TomlTable):
                return None
            node = node.entries.get(name)
        return node

    def table(self, *path: str) -> TomlTable | None:
        node = self.get(*path)
        return node if isinstance(node, TomlTable) else None

    def entry_span(self, name: str) -> Span | None:
        """From the start of ``name``'s key to the end of its value (or the key alone for a header table)."""
        key = self.keys.get(name)
        node = self.entries.get(name)
        if key is None or node is None:
            return None
        if isinstance(node, TomlTable) and node.kind in ("header", "implicit", "dotted"):
            return key.span
        if isinstance(node, TomlTableArray):
            return key.span
        return key.span.cover(node.span) if node.span.start >= key.span.start else key.span

    def items(self) -> Iterator[tuple[str, KeyPart, TomlNode]]:
        for name, node in self.entries.items():
            yield name, self.keys[name], node


@dataclass(slots=True)
class TomlTableArray:
    """An array of tables (``[[a.b]]``); ``span`` is the first header."""

    tables: list[TomlTable]
    span: Span


TomlValue: TypeAlias = "TomlString | TomlScalar | TomlArray | TomlTable"
TomlNode: TypeAlias = "TomlString | TomlScalar | TomlArray | TomlTable | TomlTableArray"


@dataclass(frozen=True, slots=True)
class TomlHeader:
    key: TomlKey | None
    span: Span
    is_array: bool
    closed: bool


@dataclass(frozen=True, slots=True)
class TomlEntry:
    """A ``key = value`` line outside inline tables, with the path of the table it belongs to."""

    table_path: tuple[str, ...]
    key: TomlKey
    value: TomlValue | None
    span: Span


@dataclass(slots=True)
class TomlDocument:
    text: str
    root: TomlTable
    headers: list[TomlHeader]
    entries: list[TomlEntry]
    problems: list[Problem]
    # True when tomllib accepted the text.
    valid: bool = True


# --------------------------------------------------------------------------------------------------------
# Validation with tomllib
# --------------------------------------------------------------------------------------------------------

_TOMLLIB_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOMLLIB_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def check_toml_syntax(text: str) -> Problem | None:
    """tomllib's verdict on ``text``: None when valid, else its message with the span it points at."""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        offset = len(text)
        position = _TOMLLIB_POSITION.search(message)
        if position is not None:
            offset = _offset_of(text, int(position.group(1)), int(position.group(2)))
        message = _TOMLLIB_AT_END.sub("", _TOMLLIB_POSITION.sub("", message)).strip() or "Invalid TOML"
        return Problem(TOML_SYNTAX, f"{message} (TOML syntax)", _error_span(text, offset))
    except (RecursionError, MemoryError):
        # tomllib recurses once per nested array or table: a hostile file can exhaust the stack or memory.
        return Problem(TOML_SYNTAX, "This file is nested too deeply to be read as TOML", _error_span(text, 0))
    except Exception:  # tomllib documents only TOMLDecodeError; never let the language server fall over.
        logger.exception("tomllib failed unexpectedly")
        return None
    return None


def _offset_of(text: str, line: int, column: int) -> int:
    """The offset of tomllib's one-based line and column (tomllib counts lines by ``\\n`` only)."""
    start = 0
    for _ in range(line - 1):
        newline = text.find("\n", start)
        if newline < 0:
            return len(text)
        start = newline + 1
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return min(start + max(column - 1, 0), end)


def _error_span(text: str, offset: int) -> Span:
    """From ``offset`` to the end of its line's visible text, or the character before it at a line end."""
    line_end = len(text)
    for terminator in ("\n", "\r"):
        found = text.find(terminator, offset)
        if 0 <= found < line_end:
            line_end = found
    end = len(text[offset:line_end].rstrip())
    if end > 1:
        return Span(offset, offset + end)
    # tomllib often points at the last character of a line (after a duplicate key's value, say):
    # the whole line says more than that one character.
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    line_text = text[line_start:line_end]
    visible_start = line_start + len(line_text) - len(line_text.lstrip())
    if end or visible_start < offset:
        return Span(min(visible_start, offset), offset + end if end else offset)
    before = offset
    while before > 0 and text[before - 1] in " \t\r\n":
        before -= 1
    return Span(max(before - 1, 0), before) if before > 0 else Span(offset, offset)


# --------------------------------------------------------------------------------------------------------
# The scanner
# --------------------------------------------------------------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_SPACES = re.compile(r"[ \t]*")
_BLANK = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*")
_SIMPLE_BASIC_STRING = re.compile(r'"([^"\\\r\n]*)"')
_SIMPLE_LITERAL_STRING = re.compile(r"'([^'\r\n]*)'")
# Numbers, booleans, dates and times; a date may be followed by a space and a time.
_SCALAR = re.compile(r"[A-Za-z0-9_+\-.:]+(?: [0-9]{2}:[0-9:.]+(?:[Zz]|[+-][0-9:]+)?)?")
# Inside an unclosed array or inline table, a line that looks like a table header or like ``key =`` cannot
# belong to the array: the array was left open by mistake and scanning resumes at that line.
_LOOKS_LIKE_HEADER = re.compile(
    r"\[\[?[ \t]*(?=[^\]\r\n]*[A-Za-z])[A-Za-z0-9_-][A-Za-z0-9_\-\"'. \t]*\]\]?[ \t]*(?:#[^\r\n]*)?(?:\r?\n|$)"
)
_LOOKS_LIKE_KEY_VALUE = re.compile(
    r"(?:[A-Za-z0-9_-]+|\"[^\"\r\n]*\"|'[^'\r\n]*')"
    r"(?:[ \t]*\.[ \t]*(?:[A-Za-z0-9_-]+|\"[^\"\r\n]*\"|'[^'\r\n]*'))*[ \t]*=(?!=)"
)
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\", "e": "\x1b"}
_HEX = frozenset("0123456789abcdefABCDEF")


def scan_toml(text: str) -> TomlDocument:
    """Scan ``text`` into a tree with spans; never raises. Problems are judged as the module says."""
    scanner = _Scanner(text)
    scanner.document()
    if scanner.longest_key is not None:
        verdict: Problem | None = Problem(
            TOML_SYNTAX, f"A dotted key of more than {MAX_KEY_PARTS} parts is not read", scanner.longest_key
        )
    else:
        verdict = check_toml_syntax(text)
    if verdict is None:
        # tomllib accepts the text, so whatever the scanner disliked was a false alarm of its recovery.
        problems: list[Problem] = []
    else:
        problems = list(scanner.problems)
        if not any(lo <= verdict.span.start <= hi for lo, hi in scanner.regions):
            problems.append(verdict)
        problems.sort(key=lambda problem: problem.span)
    return TomlDocument(
        text=text,
        root=scanner.root,
        headers=scanner.headers,
        entries=scanner.entries,
        problems=problems,
        valid=verdict is None,
    )


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0
        self.root = TomlTable(Span(0, 0), "root")
        self.current = self.root
        self.current_path: tuple[str, ...] = ()
        self.headers: list[TomlHeader] = []
        self.entries: list[TomlEntry] = []
        self.problems: list[Problem] = []
        # Line ranges where a problem was reported, so that tomllib's message for the same place is dropped.
        self.regions: list[tuple[int, int]] = []
        # How many arrays and inline tables enclose the value being scanned (see MAX_NESTING).
        self.depth = 0
        # The first key of more than MAX_KEY_PARTS parts, if any.
        self.longest_key: Span | None = None

    # ---- problems and positions -------------------------------------------------------------------

    def problem(self, message: str, span: Span, resume: int | None = None) -> None:
        self.problems.append(Problem(TOML_SYNTAX, message, span))
        last = max(span.end, resume if resume is not None else span.end)
        self.regions.append((self.line_start(span.start), self.line_end(last)))

    def line_start(self, offset: int) -> int:
        return max(self.text.rfind("\n", 0, offset), self.text.rfind("\r", 0, offset)) + 1

    def line_end(self, offset: int) -> int:
        """The offset of the line break ending the line of ``offset`` (or the end of the text)."""
        text = self.text
        end = offset
        while end < self.n and text[end] not in "\r\n":
            end += 1
        return end

    def rest_of_line(self, offset: int) -> Span:
        """From ``offset`` to the end of its line's visible text (at least one character when possible)."""
        end = self.line_end(offset)
        visible = offset + len(self.text[offset:end].rstrip())
        if visible == offset and offset < end:
            visible = offset + 1
        return Span(offset, visible)

    def recovered(self) -> bool:
        """True when recovery from an unclosed container moved scanning to the start of a later line.

        No value ends right after a line break, so being there means a nested container gave up.
        """
        return self.pos > 0 and self.text[self.pos - 1] == "\n"

    def at_line_break(self) -> bool:
        return self.pos >= self.n or self.text[self.pos] in "\r\n"

    def skip_spaces(self) -> None:
        self.pos = _SPACES.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def skip_blank(self) -> None:
        self.pos = _BLANK.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def skip_to_line_end(self) -> None:
        self.pos = self.line_end(self.pos)

    # ---- the document -----------------------------------------------------------------------------

    def document(self) -> None:
        text = self.text
        while True:
            self.skip_blank()
            if self.pos >= self.n:
                break
            char = text[self.pos]
            if char == "[":
                self.header()
            elif char in "\"'" or _BARE_KEY.match(text, self.pos):
                self.key_value_line()
            else:
                span = self.rest_of_line(self.pos)
                self.problem("Expected a key (name = value) or a table header ([name])", span)
                self.skip_to_line_end()
                continue
            self.end_of_line()
        self.root.extent = Span(0, self.n)

    def end_of_line(self) -> None:
        """After a header or a key/value pair: only spaces and a comment may follow on the line."""
        if self.recovered():
            return
        self.skip_spaces()
        if self.pos < self.n and self.text[self.pos] == "#":
            self.skip_to_line_end()
        if not self.at_line_break():
            self.problem("Expected the end of the line", self.rest_of_line(self.pos))
            self.skip_to_line_end()

    def header(self) -> None:
        text = self.text
        start = self.pos
        is_array = text.startswith("[[", start)
        self.pos += 2 if is_array else 1
        self.skip_spaces()
        key = self.key()
        if key is None:
            # The key's problem was reported; entries under this header belong nowhere known, so they are
            # kept out of the tree.
            self.skip_to_line_end()
            span = Span(start, max(self.pos, start + 1))
            self.headers.append(TomlHeader(None, span, is_array, closed=False))
            self.current = TomlTable(span, "header")
            self.current_path = ()
            return
        self.skip_spaces()
        closing = "]]" if is_array else "]"
        closed = text.startswith(closing, self.pos)
        if closed:
            self.pos += len(closing)
        else:
            where = self.rest_of_line(self.pos) if not self.at_line_break() else Span(start, self.pos)
            self.problem(f"Expected '{closing}' to close the table header", where)
        span = Span(start, self.pos)
        self.headers.append(TomlHeader(key, span, is_array, closed))
        self.current = self.open_table(key, is_array, span)
        self.current_path = key.names
        if not closed:
            self.skip_to_line_end()

    def open_table(self, key: TomlKey, is_array: bool, span: Span) -> TomlTable:
        parent = self.root
        for part in key.parts[:-1]:
            child = _child_table(parent, part, "implicit")
            if child is None:
                return TomlTable(span, "header")  # a conflict that tomllib reports; keep it out of the tree
            parent = child
        last = key.parts[-1]
        existing = parent.entries.get(last.name)
        if is_array:
            table = TomlTable(span, "array-item", extent=span)
            if existing is None:
                parent.entries[last.name] = TomlTableArray([table], span)
                parent.keys[last.name] = last
            elif isinstance(existing, TomlTableArray):
                existing.tables.append(table)
            return table
        if existing is None:
            table = TomlTable(span, "header", extent=span)
            parent.entries[last.name] = table
            parent.keys[last.name] = last
            return table
        if isinstance(existing, TomlTable) and existing.kind in ("implicit", "header", "dotted"):
            if existing.kind == "implicit":
                existing.kind = "header"
                existing.span = span
                parent.keys[last.name] = last
            return existing
        return TomlTable(span, "header")

    def key_value_line(self) -> None:
        start = self.pos
        key = self.key()
        if key is None:
            self.skip_to_line_end()
            return
        self.skip_spaces()
        if self.pos >= self.n or self.text[self.pos] != "=":
            what = self.rest_of_line(self.pos) if not self.at_line_break() else key.span
            self.problem(f"Expected '=' after the key '{key.dotted}'", what)
            self.skip_to_line_end()
            return
        self.pos += 1
        self.skip_spaces()
        value = self.value()
        end = value.span.end if value is not None else self.pos
        span = Span(start, max(end, start))
        self.entries.append(TomlEntry(self.current_path, key, value, span))
        if value is not None:
            _insert(self.current, key, value)

    # ---- keys ---------------------------------------------------------------------------------------

    def key(self) -> TomlKey | None:
        text = self.text
        parts: list[KeyPart] = []
        start = self.pos
        while True:
            part = self.key_part()
            if part is None:
                return None
            parts.append(part)
            after = self.pos
            self.skip_spaces()
            if self.pos < self.n and text[self.pos] == ".":
                self.pos += 1
                self.skip_spaces()
                continue
            self.pos = after
            if len(parts) > MAX_KEY_PARTS and self.longest_key is None:
                self.longest_key = Span(start, after)
            return TomlKey(tuple(parts), Span(start, after))

    def key_part(self) -> KeyPart | None:
        text = self.text
        start = self.pos
        char = text[start] if start < self.n else ""
        if char in ("'", '"') and char:
            if text.startswith(char * 3, start):
                self.problem("A key cannot be a multi-line string", self.rest_of_line(start))
                return None
            string = self.literal_string() if char == "'" else self.basic_string()
            return KeyPart(string.value, string.span, string.content_span)
        bare = _BARE_KEY.match(text, start)
        if bare is None:
            where = self.rest_of_line(start) if not self.at_line_break() else Span(max(start - 1, 0), start)
            self.problem("Expected a key", where)
            return None
        self.pos = bare.end()
        span = Span(start, self.pos)
        return KeyPart(bare.group(), span, span)

    # ---- values -------------------------------------------------------------------------------------

    def value(self) -> TomlValue | None:
        text = self.text
        start = self.pos
        char = text[start] if start < self.n else ""
        if char == '"':
            return self.multiline_basic_string() if text.startswith('"""', start) else self.basic_string()
        if char == "'":
            return self.multiline_literal_string() if text.startswith("'''", start) else self.literal_string()
        if char in "[{" and char:
            if self.depth >= MAX_NESTING:
                self.skip_nested(start)
                return None
            self.depth += 1
            try:
                return self.array() if char == "[" else self.inline_table()
            finally:
                self.depth -= 1
        scalar = _SCALAR.match(text, start) if char else None
        if scalar is not None and _is_scalar(scalar.group()):
            self.pos = scalar.end()
            return TomlScalar(scalar.group(), Span(start, self.pos))
        if scalar is not None:
            # A bare word such as ``requests>=2``: most likely a string whose quotes were forgotten.
            end = start
            while end < self.n and text[end] not in ",]}#\r\n":
                end += 1
            end = start + len(text[start:end].rstrip())
            self.pos = end
            self.problem(f"{text[start:end]!r} is not a TOML value; a string needs quotes", Span(start, end))
            return None
        if self.at_line_break() or char == "#":
            self.problem("Expected a value after '='", Span(max(start - 1, 0), start))
        else:
            self.problem(
                "Expected a value (a string, number, boolean, array or table)", Span(start, start + 1)
            )
        return None

    def skip_nested(self, start: int) -> None:
        """Report a container nested deeper than MAX_NESTING and skip to its balanced end (or the text's)."""
        text = self.text
        level = 0
        pos = start
        while pos < self.n:
            char = text[pos]
            if char in "[{":
                level += 1
            elif char in "]}":
                level -= 1
                if level == 0:
                    pos += 1
                    break
            pos += 1
        self.problem(
            f"Arrays and inline tables nested deeper than {MAX_NESTING} levels are not read",
            Span(start, start + 1),
        )
        self.pos = pos

    def basic_string(self) -> TomlString:
        text = self.text
        start = self.pos
        simple = _SIMPLE_BASIC_STRING.match(text, start)
        if simple is not None:
            self.pos = simple.end()
            return TomlString(simple.group(1), Span(start, self.pos), Span(start + 1, self.pos - 1))
        chars: list[str] = []
        starts: list[int] = []
        pos = start + 1
        while pos < self.n:
            char = text[pos]
            if char == '"':
                starts.append(pos)
                self.pos = pos + 1
                return TomlString("".join(chars), Span(start, self.pos), Span(start + 1, pos), starts=starts)
            if char in "\r\n":
                break
            if char == "\\":
                pos = self.escape(pos, chars, starts)
            else:
                chars.append(char)
                starts.append(pos)
                pos += 1
        return self.unterminated(start, pos, "".join(chars), starts, '"')

    def unterminated(self, start: int, pos: int, value: str, starts: list[int], quote: str) -> TomlString:
        self.pos = pos
        span = Span(start, pos)
        self.problem(f"This string is not closed: expected {quote}", span)
        starts.append(pos)
        return TomlString(
            value, span, Span(start + 1, pos), literal=quote == "'", terminated=False, starts=starts
        )

    def escape(self, pos: int, chars: list[str], starts: list[int]) -> int:
        """Decode the escape at ``pos`` (a backslash) into ``chars``; returns the offset after it."""
        text = self.text
        code = text[pos + 1] if pos + 1 < self.n else ""
        if code in _ESCAPES:
            chars.append(_ESCAPES[code])
            starts.append(pos)
            return pos + 2
        width = {"u": 4, "U": 8, "x": 2}.get(code, 0)
        digits = text[pos + 2 : pos + 2 + width]
        if width and len(digits) == width and all(digit in _HEX for digit in digits):
            point = int(digits, 16)
            if point <= 0x10FFFF and not 0xD800 <= point <= 0xDFFF:
                chars.append(chr(point))
                starts.append(pos)
                return pos + 2 + width
            self.problem("This escape is not a Unicode scalar value", Span(pos, pos + 2 + width))
        else:
            end = min(pos + 2, self.line_end(pos))
            self.problem(f"Invalid escape sequence {text[pos:end]!r} in a string", Span(pos, end))
        # Keep the backslash as written so the rest of the string still maps one-to-one.
        chars.append("\\")
        starts.append(pos)
        return pos + 1

    def literal_string(self) -> TomlString:
        text = self.text
        start = self.pos
        simple = _SIMPLE_LITERAL_STRING.match(text, start)
        if simple is not None:
            self.pos = simple.end()
            content = Span(start + 1, self.pos - 1)
            return TomlString(simple.group(1), Span(start, self.pos), content, literal=True)
        end = self.line_end(start)
        return self.unterminated(start, end, text[start + 1 : end], list(range(start + 1, end)), "'")

    def multiline_basic_string(self) -> TomlString:
        text = self.text
        start = self.pos
        pos = start + 3
        pos = _skip_first_newline(text, pos)
        content_start = pos
        chars: list[str] = []
        starts: list[int] = []
        while pos < self.n:
            char = text[pos]
            if char == '"' and text.startswith('"""', pos):
                pos = _take_extra_quotes(text, pos, '"', chars, starts)
                starts.append(pos)
                self.pos = pos + 3
                value = "".join(chars)
                return TomlString(
                    value, Span(start, self.pos), Span(content_start, pos), multiline=True, starts=starts
                )
            if char == "\\":
                after = _SPACES.match(text, pos + 1).end()  # type: ignore[union-attr]
                if after < self.n and text[after] in "\r\n":
                    # A line-ending backslash swallows all whitespace up to the next visible character.
                    pos = _BLANK_NO_COMMENT.match(text, after).end()  # type: ignore[union-attr]
                else:
                    pos = self.escape(pos, chars, starts)
            elif char == "\r" and text.startswith("\r\n", pos):
                chars.append("\n")
                starts.append(pos)
                pos += 2
            else:
                chars.append(char)
                starts.append(pos)
                pos += 1
        return self.unclosed_multiline(start, content_start, "".join(chars), starts, '"""')

    def multiline_literal_string(self) -> TomlString:
        text = self.text
        start = self.pos
        content_start = _skip_first_newline(text, start + 3)
        close = text.find("'''", content_start)
        if close < 0:
            raw = text[content_start:]
            return self.unclosed_multiline(
                start, content_start, raw, list(range(content_start, self.n)), "'''"
            )
        extra = 0
        while extra < 2 and text.startswith("''''", close):
            close += 1
            extra += 1
        raw = text[content_start:close]
        self.pos = close + 3
        # CRLF inside the string decodes to LF, as tomllib does, so keep an offset map for that case only.
        starts: list[int] | None = None
        value = raw
        if "\r\n" in raw:
            starts = []
            parts: list[str] = []
            index = content_start
            while index < close:
                if text.startswith("\r\n", index):
                    parts.append("\n")
                    starts.append(index)
                    index += 2
                else:
                    parts.append(text[index])
                    starts.append(index)
                    index += 1
            starts.append(close)
            value = "".join(parts)
        return TomlString(
            value,
            Span(start, self.pos),
            Span(content_start, close),
            literal=True,
            multiline=True,
            starts=starts,
        )

    def unclosed_multiline(
        self, start: int, content_start: int, value: str, starts: list[int], quotes: str
    ) -> TomlString:
        self.pos = self.n
        self.problem(
            f"This multi-line string is not closed: expected {quotes}", Span(start, start + 3), self.n
        )
        starts.append(self.n)
        return TomlString(
            value,
            Span(start, self.n),
            Span(content_start, self.n),
            literal=quotes == "'''",
            multiline=True,
            terminated=False,
            starts=starts,
        )

    def array(self) -> TomlArray:
        text = self.text
        start = self.pos
        self.pos += 1
        items: list[TomlValue] = []
        while True:
            if self.skip_blank_in_container(start):
                return self.unclosed_array(start, items)
            if self.pos >= self.n:
                return self.unclosed_array(start, items)
            if text[self.pos] == "]":
                self.pos += 1
                return TomlArray(items, Span(start, self.pos))
            item = self.value()
            if item is None:
                self.skip_junk("],")
            else:
                items.append(item)
            if self.skip_blank_in_container(start) or self.pos >= self.n:
                return self.unclosed_array(start, items)
            char = text[self.pos]
            if char == ",":
                self.pos += 1
            elif char != "]":
                if isinstance(item, TomlString) and not item.terminated:
                    continue  # the unclosed string was reported; a missing comma would be a second report
                if item is not None:
                    self.problem("Expected ',' or ']' after an array item", Span(self.pos, self.pos + 1))
                if not (char in "\"'[{" or _SCALAR.match(text, self.pos)):
                    self.skip_junk("],")

    def unclosed_array(self, start: int, items: list[TomlValue]) -> TomlArray:
        end = items[-1].span.end if items else start + 1
        self.problem("This array is not closed: expected ']'", Span(start, start + 1), self.pos)
        return TomlArray(items, Span(start, end), closed=False)

    def skip_blank_in_container(self, container_start: int) -> bool:
        """Skip spaces, line breaks and comments; True when the next line cannot belong to the container."""
        if self.recovered():
            return True
        before = self.pos
        self.skip_blank()
        if self.pos >= self.n:
            return False
        text = self.text
        crossed = "\n" in text[before : self.pos] or "\r" in text[before : self.pos]
        if not crossed:
            return False
        if _LOOKS_LIKE_HEADER.match(text, self.pos) or _LOOKS_LIKE_KEY_VALUE.match(text, self.pos):
            self.pos = self.line_start(self.pos)
            return True
        return False

    def skip_junk(self, stops: str) -> None:
        """Skip text that is not a value, up to one of ``stops`` or the end of the line."""
        text = self.text
        start = self.pos
        while self.pos < self.n and text[self.pos] not in stops and text[self.pos] not in "\r\n":
            self.pos += 1
        if self.pos > start and not any(lo <= start <= hi for lo, hi in self.regions):
            self.problem("Expected a value", Span(start, self.pos))

    def inline_table(self) -> TomlTable:
        text = self.text
        start = self.pos
        self.pos += 1
        table = TomlTable(Span(start, start + 1), "inline")
        while True:
            if self.recovered():
                return self.unclosed_inline_table(start, table)
            self.skip_spaces()
            if self.pos >= self.n or text[self.pos] in "\r\n":
                return self.unclosed_inline_table(start, table)
            char = text[self.pos]
            if char == "}":
                self.pos += 1
                table.span = table.extent = Span(start, self.pos)
                return table
            if char == ",":
                self.problem("Expected a key before ','", Span(self.pos, self.pos + 1))
                self.pos += 1
                continue
            key = self.key()
            if key is None:
                self.skip_junk(",}")
                continue
            self.skip_spaces()
            if self.pos >= self.n or text[self.pos] != "=":
                where = self.rest_of_line(self.pos) if not self.at_line_break() else key.span
                self.problem(f"Expected '=' after the key '{key.dotted}'", where)
                self.skip_junk(",}")
                continue
            self.pos += 1
            self.skip_spaces()
            value = self.value()
            if value is None:
                self.skip_junk(",}")
            else:
                _insert(table, key, value)
            self.skip_spaces()
            if self.pos < self.n and text[self.pos] == ",":
                self.pos += 1
            elif self.pos < self.n and text[self.pos] not in "}\r\n":
                self.problem("Expected ',' or '}' in an inline table", self.rest_of_line(self.pos))
                self.skip_junk(",}")
                if self.pos < self.n and text[self.pos] == ",":
                    self.pos += 1

    def unclosed_inline_table(self, start: int, table: TomlTable) -> TomlTable:
        # Inline tables live on one line (TOML 1.0), so the line's end is where this one should have closed.
        self.problem("This inline table is not closed: expected '}'", Span(start, start + 1), self.pos)
        table.span = table.extent = Span(start, max(self.pos, start + 1))
        return table


_BLANK_NO_COMMENT = re.compile(r"[ \t\r\n]*")


def _skip_first_newline(text: str, pos: int) -> int:
    """A line break right after the opening quotes of a multi-line string is not part of it."""
    if text.startswith("\n", pos):
        return pos + 1
    if text.startswith("\r\n", pos):
        return pos + 2
    return pos


def _take_extra_quotes(text: str, pos: int, quote: str, chars: list[str], starts: list[int]) -> int:
    """Up to two quotes right before the closing three belong to the content (``\"\"\"a\"\"\"\"\"``)."""
    extra = 0
    while extra < 2 and text.startswith(quote * 4, pos):
        chars.append(quote)
        starts.append(pos)
        pos += 1
        extra += 1
    return pos


def _child_table(parent: TomlTable, part: KeyPart, kind: TableKind) -> TomlTable | None:
    """The table named ``part`` in ``parent``, created when missing; None when the name holds a value."""
    existing = parent.entries.get(part.name)
    if existing is None:
        table = TomlTable(part.span, kind, extent=part.span)
        parent.entries[part.name] = table
        parent.keys[part.name] = part
        return table
    if isinstance(existing, TomlTableArray):
        return existing.tables[-1] if existing.tables else None
    if isinstance(existing, TomlTable) and existing.kind != "inline":
        return existing
    return None


def _insert(table: TomlTable, key: TomlKey, value: TomlValue) -> None:
    """Put ``value`` at the dotted ``key`` below ``table``; the first of duplicate keys wins (tomllib reports)."""
    target = table
    entry_span = key.span.cover(value.span)
    _extend(table, entry_span)
    for part in key.parts[:-1]:
        child = _child_table(target, part, "dotted")
        if child is None:
            return
        target = child
        _extend(target, entry_span)
    last = key.parts[-1]
    if last.name not in target.entries:
        target.entries[last.name] = value
        target.keys[last.name] = last


def _extend(table: TomlTable, span: Span) -> None:
    table.extent = span if table.extent is None else table.extent.cover(span)


# --------------------------------------------------------------------------------------------------------
# Plain Python values
# --------------------------------------------------------------------------------------------------------

_INTEGER = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)")
_PREFIXED_INTEGER = re.compile(r"0(?:x[0-9A-Fa-f](?:_?[0-9A-Fa-f])*|o[0-7](?:_?[0-7])*|b[01](?:_?[01])*)")
_FLOAT = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)(?:\.[0-9](?:_?[0-9])*)?(?:[eE][+-]?[0-9](?:_?[0-9])*)?")


def _scalar_value(text: str) -> bool | int | float | str:
    if text in ("true", "false"):
        return text == "true"
    if _INTEGER.fullmatch(text):
        return int(text.replace("_", ""))
    if _PREFIXED_INTEGER.fullmatch(text):
        return int(text.replace("_", ""), 0)
    if text.lstrip("+-") in ("inf", "nan"):
        return -math.inf if text == "-inf" else math.inf if text.endswith("inf") else math.nan
    if _FLOAT.fullmatch(text):
        return float(text.replace("_", ""))
    return text


_DATE_OR_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt ][0-9]{2}:[0-9]{2}.*)?|[0-9]{2}:[0-9]{2}(?::[0-9]{2}.*)?"
)


def _is_scalar(text: str) -> bool:
    """Whether ``text`` has the shape of a TOML number, boolean, date or time (tomllib judges the details)."""
    return not isinstance(_scalar_value(text), str) or _DATE_OR_TIME.fullmatch(text) is not None


def to_python(node: TomlNode) -> object:
    """The plain Python value of a node, as tomllib would give it."""
    if isinstance(node, TomlString):
        return node.value
    if isinstance(node, TomlScalar):
        if _DATE_OR_TIME.fullmatch(node.text):
            # Dates and times have many shapes; tomllib reads one alone exactly (text stays text if invalid).
            try:
                return tomllib.loads(f"v = {node.text}")["v"]
            except tomllib.TOMLDecodeError:
                return node.text
        return node.value
    if isinstance(node, TomlArray):
        return [to_python(item) for item in node.items]
    if isinstance(node, TomlTableArray):
        return [to_python(table) for table in node.tables]
    return {name: to_python(child) for name, child in node.entries.items()}
