"""Completion: what may be typed at the cursor of a requirements file or a ``pyproject.toml``.

The context is read from the text around the cursor rather than from the parse, because the line being
typed is almost never valid yet (``reques``, ``requests>=``, ``requests[``, ``"reques`` without its closing
quote). The parsers still tell where strings and tables are in a ``pyproject.toml``, which their tolerant
scanner finds even in half-typed files.

Each context has its own source of items:

* package names: the index's name list (``index.names().complete``), best matches first;
* versions after an operator: the project's releases, newest first, yanked ones hidden, pre-releases last,
  only those whose ``Requires-Python`` admits the project's oldest supported Python;
* operators after a name, extras inside ``[``: the latest release's ``Provides-Extra``;
* marker variables after ``;``, operators after a variable, and plausible values (:mod:`pinwise.core.markers`);
* pip options after ``-`` in a requirements file, and file paths after ``-r``, ``-c``, ``-e`` (listed with the
  caller's ``list_dir``, off the event loop).

Nothing here raises: a failure is logged and gives no items. An index that cannot be reached gives no items
with ``is_incomplete`` set, so the editor asks again as the user types.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import Version

from pinwise.core.document import Document
from pinwise.core.hover import option_documentation
from pinwise.core.index.names import normalise
from pinwise.core.index.types import LookupStatus, PackageIndex, Release
from pinwise.core.markers import MARKER_OPERATORS, MARKER_VARIABLES, marker_values
from pinwise.core.pyproject import PyprojectFile
from pinwise.core.pyproject.scan import TomlArray, TomlNode, TomlString, TomlTable, TomlTableArray
from pinwise.core.releases import release_facts
from pinwise.core.requirements.options import (
    ALLOWED_HASH_ALGORITHMS,
    FILE_OPTIONS,
    KNOWN_FEATURES,
    OptionScope,
    OptionSpec,
    match_long_option,
    short_option,
)
from pinwise.core.text import Span

__all__ = ["CompletionItem", "CompletionResult", "ListDir", "complete"]

logger = logging.getLogger(__name__)

# Lists a folder: ``(entry name, is a folder)`` for each entry. Blocking I/O, so it runs in a worker thread.
ListDir = Callable[[Path], "list[tuple[str, bool]]"]


@dataclass(frozen=True, slots=True)
class CompletionItem:
    label: str
    # "package" | "version" | "operator" | "extra" | "marker-variable" | "marker-value" | "option" | "file"
    # | "folder" | "keyword"
    kind: str
    replace: Span  # the text the item replaces (it always contains the cursor)
    insert_text: str
    detail: str | None = None
    documentation: str | None = None  # markdown
    sort_text: str | None = None
    filter_text: str | None = None
    deprecated: bool = False
    preselect: bool = False
    # True when accepting the item should open completion again (a folder, an option that takes a path).
    retrigger: bool = False


@dataclass(slots=True)
class CompletionResult:
    items: list[CompletionItem] = field(default_factory=list)
    # True when typing more may change the answer beyond filtering (a short name prefix, an index failure).
    is_incomplete: bool = False


# How many names the name list is asked for (ranked here, shortest first) and how many are offered.
_NAME_CANDIDATES = 2000
# How long name completion waits for a name list that is still loading (the first request after start-up,
# or the first for a document that names another index); longer than this, an empty "incomplete" answer
# serves the user better, and the next keystroke asks again.
NAMES_WAIT = 1.5
_NAME_ITEMS = 100
# Below this many typed characters the offered names are a sample, so the editor must ask again.
_SHORT_PREFIX = 3
# At most this many versions are offered (the newest ones).
_VERSION_ITEMS = 300

_IDENTIFIER_CHARS = re.compile(r"[A-Za-z0-9._-]*")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_PARTIAL_NAME = re.compile(r"[ \t]*([A-Za-z0-9][A-Za-z0-9._-]*)?")
_VERSION_CHARS = re.compile(r"[A-Za-z0-9.*+!_-]*")
_VERSION_CLAUSE = re.compile(r"[ \t]*(===|==|~=|!=|<=|>=|<|>)[ \t]*([A-Za-z0-9.*+!_-]*)")
_PARTIAL_OPERATOR = re.compile(r"[ \t]*([<>=!~]*)")
_OPERATOR_CHARS = re.compile(r"[<>=!~]*")
_POETRY_CLAUSE = re.compile(r"[ \t]*(\^|~=|~|===|==|!=|<=|>=|<|>|=)?[ \t]*([A-Za-z0-9.*+!_-]*)")
_MARKER_WORD_END = re.compile(r"[A-Za-z0-9_.]*$")
_MARKER_WORD = re.compile(r"[A-Za-z0-9_.]*")
_MARKER_TOKEN = re.compile(
    r"""[ \t]*(?:
        (?P<string>'[^']*'|"[^"]*")
      | (?P<open>['"])
      | (?P<op>===|==|!=|<=|>=|~=|<|>|not[ \t]+in\b|in\b)
      | (?P<keyword>and\b|or\b)
      | (?P<variable>[A-Za-z_][A-Za-z0-9_.]*)
      | (?P<paren>[()])
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)
_COMMENT = re.compile(r"(?:^|[ \t])#")
_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")

REQUIREMENT_OPERATORS: tuple[tuple[str, str], ...] = (
    (">=", "this version or newer"),
    ("==", "exactly this version (a pin); `==1.2.*` matches a series"),
    ("~=", "compatible release: `~=1.4.2` means `>=1.4.2,==1.4.*`"),
    ("<", "older than this version"),
    ("<=", "this version or older"),
    ("!=", "any version but this one"),
    (">", "newer than this version"),
    ("===", "exactly this text, compared as a string (rarely needed)"),
)

_REQUIREMENTS_FILE_SUFFIXES = (".txt", ".in")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz")

_UV_DEPENDENCY_LISTS = frozenset(
    ("dev-dependencies", "constraint-dependencies", "override-dependencies", "build-constraint-dependencies")
)
_POETRY_DEPENDENCY_TABLES = frozenset(("dependencies", "dev-dependencies"))
# Options whose value is completed from the file system, so completion reopens after them.
_PATH_OPTIONS = frozenset(("--requirement", "--constraint", "--editable"))


# --------------------------------------------------------------------------------------------------------
# Contexts: what the cursor is in
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Names:
    replace: Span
    typed: str


@dataclass(frozen=True, slots=True)
class _Versions:
    name: str
    replace: Span
    operator: str


@dataclass(frozen=True, slots=True)
class _Operators:
    replace: Span


@dataclass(frozen=True, slots=True)
class _Extras:
    name: str
    replace: Span
    written: frozenset[str]


@dataclass(frozen=True, slots=True)
class _MarkerVariables:
    replace: Span


@dataclass(frozen=True, slots=True)
class _MarkerOperators:
    replace: Span


@dataclass(frozen=True, slots=True)
class _MarkerValues:
    variable: str
    replace: Span
    quote: str  # "" when the cursor is already inside quotes, else the quote to wrap values in


@dataclass(frozen=True, slots=True)
class _MarkerKeywords:
    replace: Span


@dataclass(frozen=True, slots=True)
class _Options:
    replace: Span
    requirement_scoped_only: bool


@dataclass(frozen=True, slots=True)
class _Files:
    typed: str
    start: int  # document offset of the typed path's first character
    end: int  # document offset of the end of the path word
    mode: str  # "requirements" | "editable" | "path"


@dataclass(frozen=True, slots=True)
class _Keywords:
    replace: Span
    words: tuple[tuple[str, str], ...]  # (word, description)


_Context = (
    _Names
    | _Versions
    | _Operators
    | _Extras
    | _MarkerVariables
    | _MarkerOperators
    | _MarkerValues
    | _MarkerKeywords
    | _Options
    | _Files
    | _Keywords
)


# --------------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------------


async def complete(
    doc: Document,
    offset: int,
    *,
    index: PackageIndex | None,
    python_version: str | None = None,
    allow_prereleases: bool = False,
    list_dir: ListDir | None = None,
) -> CompletionResult:
    """The completion items at ``offset`` (a code-point offset into ``doc.text``). Never raises."""
    try:
        offset = min(max(offset, 0), len(doc.text))
        context = _context(doc, offset)
        if context is None:
            return CompletionResult()
        return await _items(doc, context, index, python_version, allow_prereleases, list_dir)
    except Exception:  # Completion must never take the server down; an empty answer is always safe.
        logger.exception("completion failed at offset %d of %s", offset, doc.path or "<text>")
        return CompletionResult(is_incomplete=True)


def _context(doc: Document, offset: int) -> _Context | None:
    if isinstance(doc.parsed, PyprojectFile):
        return _pyproject_context(doc, doc.parsed, offset)
    return _requirements_context(doc, offset)


async def _items(
    doc: Document,
    context: _Context,
    index: PackageIndex | None,
    python_version: str | None,
    allow_prereleases: bool,
    list_dir: ListDir | None,
) -> CompletionResult:
    if isinstance(context, _Names):
        return await _name_items(context, index)
    if isinstance(context, _Versions):
        return await _version_items(context, index, python_version, allow_prereleases)
    if isinstance(context, _Extras):
        return await _extra_items(context, index)
    if isinstance(context, _Files):
        return await _file_items(doc, context, list_dir)
    return CompletionResult(_static_items(doc, context))


def _static_items(doc: Document, context: _Context) -> list[CompletionItem]:
    """Items that need neither the index nor the file system."""
    if isinstance(context, _Operators):
        return [
            CompletionItem(op, "operator", context.replace, op, detail=meaning, sort_text=f"{rank:02d}")
            for rank, (op, meaning) in enumerate(REQUIREMENT_OPERATORS)
        ]
    if isinstance(context, _MarkerVariables):
        return [
            CompletionItem(
                name,
                "marker-variable",
                context.replace,
                name,
                detail=variable.python_equivalent,
                documentation=variable.description,
                sort_text=f"{'1' if variable.deprecated_alias_of else '0'}{name}",
                deprecated=variable.deprecated_alias_of is not None,
            )
            for name, variable in MARKER_VARIABLES.items()
        ]
    if isinstance(context, _MarkerOperators):
        return [
            CompletionItem(op, "operator", context.replace, op, detail=meaning, sort_text=f"{rank:02d}")
            for rank, (op, meaning) in enumerate(MARKER_OPERATORS)
        ]
    if isinstance(context, _MarkerValues):
        extras = tuple(doc.parsed.extras) if isinstance(doc.parsed, PyprojectFile) else ()
        return [
            CompletionItem(
                value.value,
                "marker-value",
                context.replace,
                f"{context.quote}{value.value}{context.quote}",
                detail=value.description or None,
                sort_text=f"{rank:03d}",
                filter_text=f"{context.quote}{value.value}" if context.quote else value.value,
            )
            for rank, value in enumerate(marker_values(context.variable, extras))
        ]
    if isinstance(context, _MarkerKeywords):
        return [
            CompletionItem(word, "keyword", context.replace, word, detail=meaning)
            for word, meaning in (("and", "both conditions hold"), ("or", "either condition holds"))
        ]
    if isinstance(context, _Keywords):
        return [
            CompletionItem(word, "keyword", context.replace, word, detail=meaning or None)
            for word, meaning in context.words
        ]
    if isinstance(context, _Options):
        return _option_items(context)
    return []


# --------------------------------------------------------------------------------------------------------
# PEP 508 strings (a requirements line's requirement, a pyproject string)
# --------------------------------------------------------------------------------------------------------


def _pep508_context(
    value: str, start: int, cursor: int, to_doc: Callable[[int], int], quote: str
) -> _Context | None:
    """The context at ``value[cursor]`` of the requirement that begins at ``value[start]``.

    ``to_doc`` maps an index of ``value`` to a document offset; ``quote`` is the quote character marker
    values are wrapped in.
    """
    before = value[start:cursor]

    def span(lo: int, pattern: re.Pattern[str]) -> Span:
        """From ``lo`` (an index of ``before``) to the end of the word at the cursor."""
        after = pattern.match(value, cursor)
        end = after.end() if after is not None else cursor
        return Span(to_doc(start + lo), to_doc(end))

    partial = _PARTIAL_NAME.fullmatch(before)
    if partial is not None:
        lo = partial.start(1) if partial.group(1) is not None else len(before)
        return _Names(span(lo, _IDENTIFIER_CHARS), before[lo:])
    name_match = _NAME.match(before, len(before) - len(before.lstrip(" \t")))
    if name_match is None:
        return None
    name = name_match.group()
    pos = _skip_blanks(before, name_match.end())
    if before.startswith("[", pos):
        close = before.find("]", pos)
        if close < 0:
            inside_start = pos + 1
            comma = before.rfind(",", inside_start)
            word_start = _skip_blanks(before, (comma + 1) if comma >= 0 else inside_start)
            written = frozenset(
                canonicalize_name(word.strip())
                for word in before[inside_start:word_start].split(",")
                if word.strip()
            )
            return _Extras(name, span(word_start, _IDENTIFIER_CHARS), written)
        pos = _skip_blanks(before, close + 1)
    semicolon = before.find(";", pos)
    if semicolon >= 0:
        return _marker_context(value, start + semicolon + 1, cursor, to_doc, quote)
    if before.startswith("@", pos):
        return None  # a URL: nothing to suggest
    if before.startswith("(", pos):
        pos += 1
    comma = before.rfind(",", pos)
    clause_start = comma + 1 if comma >= 0 else pos
    clause = _VERSION_CLAUSE.fullmatch(before, clause_start)
    if clause is not None:
        return _Versions(name, span(clause.start(2), _VERSION_CHARS), clause.group(1))
    operator = _PARTIAL_OPERATOR.fullmatch(before, clause_start)
    if operator is not None:
        return _Operators(span(operator.start(1), _OPERATOR_CHARS))
    return None


def _marker_context(
    value: str, start: int, cursor: int, to_doc: Callable[[int], int], quote: str
) -> _Context | None:
    """The context inside an environment marker that begins at ``value[start]`` (just after ``;``)."""
    before = value[start:cursor]
    tokens: list[tuple[str, str]] = []
    pos = 0
    open_quote_at = -1
    while pos < len(before):
        if not before[pos:].strip(" \t"):
            break
        token = _MARKER_TOKEN.match(before, pos)
        if token is None or token.lastgroup is None:
            return None
        if token.lastgroup == "open":
            open_quote_at = token.end()
            break
        tokens.append((token.lastgroup, token.group(token.lastgroup)))
        pos = token.end()
    if open_quote_at >= 0:
        # Inside a quoted value: complete the value itself, up to the closing quote.
        closing = before[open_quote_at - 1]
        end = value.find(closing, cursor)
        line_end = _line_end(value, cursor)
        stop = end if 0 <= end < line_end else cursor + len(_MARKER_WORD.match(value, cursor).group())  # type: ignore[union-attr]
        variable = _compared_variable(tokens)
        if variable is None:
            return None
        return _MarkerValues(variable, Span(to_doc(start + open_quote_at), to_doc(stop)), "")
    word = _MARKER_WORD_END.search(before)
    word_start = word.start() if word is not None else len(before)
    if word_start < len(before) and tokens and before[word_start:] == tokens[-1][1]:
        tokens.pop()  # the word at the cursor is being typed, not a finished token
    after = _MARKER_WORD.match(value, cursor)
    replace = Span(to_doc(start + word_start), to_doc(after.end() if after is not None else cursor))
    last = tokens[-1] if tokens else None
    if last is None or last[0] == "keyword" or last == ("paren", "("):
        return _MarkerVariables(replace)
    if last[0] == "variable":
        return _MarkerOperators(replace)
    if last[0] == "op":
        variable = _compared_variable(tokens)
        return _MarkerValues(variable, replace, quote) if variable is not None else None
    if last[0] == "string" or last == ("paren", ")"):
        return _MarkerKeywords(replace)
    return None


def _compared_variable(tokens: list[tuple[str, str]]) -> str | None:
    """The variable of ``<variable> <operator>`` at the end of ``tokens``."""
    if len(tokens) >= 2 and tokens[-1][0] == "op" and tokens[-2][0] == "variable":
        return tokens[-2][1]
    return None


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _line_end(text: str, pos: int) -> int:
    ends = [i for i in (text.find("\n", pos), text.find("\r", pos)) if i >= 0]
    return min(ends) if ends else len(text)


# --------------------------------------------------------------------------------------------------------
# Requirements files
# --------------------------------------------------------------------------------------------------------


def _requirements_context(doc: Document, offset: int) -> _Context | None:
    lines = doc.lines
    line = lines.position(offset).line
    line_start = lines.line_start(line)
    text = lines.line_text(line)
    cursor = offset - line_start
    before = text[:cursor]
    if _COMMENT.search(before):
        return None

    def to_doc(index: int) -> int:
        return line_start + index

    words = [(match.start(), match.group()) for match in re.finditer(r"\S+", before)]
    at_word = bool(words) and words[-1][0] + len(words[-1][1]) == cursor
    current_start, current = words[-1] if at_word else (cursor, "")
    previous = words[-2] if at_word and len(words) >= 2 else (words[-1] if words and not at_word else None)
    word_end = cursor + len(re.match(r"\S*", text[cursor:]).group())  # type: ignore[union-attr]
    first_dash = next((i for i, (_, word) in enumerate(words) if word.startswith("-")), None)
    in_options = first_dash is not None or current.startswith("-")
    if in_options:
        after_requirement = bool(words) and not words[0][1].startswith("-")
        return _option_context(
            current, current_start, word_end, previous, to_doc, requirement_scoped=after_requirement
        )
    requirement_start = words[0][0] if words else cursor
    requirement = text[requirement_start:cursor]
    if _URL_SCHEME.match(requirement) or " @" in requirement or "@ " in requirement:
        return None
    if requirement.startswith((".", "/", "~")) or "/" in requirement:
        return _Files(requirement, to_doc(requirement_start), to_doc(word_end), "path")
    return _pep508_context(text, requirement_start, cursor, to_doc, '"')


def _option_context(
    current: str,
    current_start: int,
    word_end: int,
    previous: tuple[int, str] | None,
    to_doc: Callable[[int], int],
    *,
    requirement_scoped: bool,
) -> _Context | None:
    """Inside the options part of a requirements line: an option's name or its value."""
    if current.startswith("-") and "=" not in current:
        if not current.startswith("--") and len(current) > 2:
            spec = short_option(current[:2])  # ``-rfile``: the value is glued to the option
            if spec is not None:
                return _option_value_context(spec, current[2:], to_doc(current_start + 2), to_doc(word_end))
        return _Options(Span(to_doc(current_start), to_doc(word_end)), requirement_scoped)
    if current.startswith("--") and "=" in current:
        equals = current.index("=")
        spec, _ = match_long_option(current[:equals])
        if spec is None:
            return None
        value_start = current_start + equals + 1
        return _option_value_context(spec, current[equals + 1 :], to_doc(value_start), to_doc(word_end))
    if previous is not None and previous[1].startswith("-") and "=" not in previous[1]:
        written = previous[1]
        spec = match_long_option(written)[0] if written.startswith("--") else short_option(written)
        if spec is not None and spec.takes_value and (written.startswith("--") or len(written) == 2):
            return _option_value_context(spec, current, to_doc(current_start), to_doc(word_end))
    return None


def _option_value_context(spec: OptionSpec, typed: str, start: int, end: int) -> _Context | None:
    if spec.name in ("--requirement", "--constraint"):
        return _Files(typed, start, end, "requirements")
    if spec.name == "--editable":
        if _URL_SCHEME.match(typed) or typed.startswith(("git+", "hg+", "svn+", "bzr+")):
            return None
        return _Files(typed, start, end, "editable")
    replace = Span(start, end)
    if spec.name == "--hash" and ":" not in typed:
        return _Keywords(replace, tuple((f"{name}:", "hash algorithm") for name in ALLOWED_HASH_ALGORITHMS))
    if spec.name == "--use-feature":
        return _Keywords(replace, tuple((feature, "pip feature") for feature in KNOWN_FEATURES))
    if spec.name in ("--no-binary", "--only-binary", "--all-releases", "--only-final"):
        return _Keywords(replace, ((":all:", "every project"), (":none:", "no project (resets the list)")))
    return None


def _option_items(context: _Options) -> list[CompletionItem]:
    items: list[CompletionItem] = []
    for spec in FILE_OPTIONS:
        if spec.removed or (context.requirement_scoped_only and spec.scope is not OptionScope.REQUIREMENT):
            continue
        documentation = option_documentation(spec.name)
        suffix = "=" if spec.name == "--hash" else (" " if spec.takes_value else "")
        detail = f"{spec.name} {spec.metavar}".strip()
        items.append(
            CompletionItem(
                spec.name,
                "option",
                context.replace,
                spec.name + suffix,
                detail=detail,
                documentation=documentation,
                sort_text=f"0{spec.name}",
                retrigger=spec.name in _PATH_OPTIONS,
            )
        )
        if spec.short:
            items.append(
                CompletionItem(
                    spec.short,
                    "option",
                    context.replace,
                    spec.short + " ",
                    detail=f"{spec.short} {spec.metavar} (short for {spec.name})",
                    documentation=documentation,
                    sort_text=f"1{spec.short}",
                    retrigger=spec.name in _PATH_OPTIONS,
                )
            )
    return items


# --------------------------------------------------------------------------------------------------------
# pyproject.toml
# --------------------------------------------------------------------------------------------------------


def _pyproject_context(doc: Document, parsed: PyprojectFile, offset: int) -> _Context | None:
    document = parsed.document
    if document is None:
        return None
    for path, string in _strings(document.root, ()):
        content = string.content_span
        if not (content.start <= offset <= content.end):
            continue
        if string.multiline and not (string.span.start < offset):
            continue
        cursor = _decoded_index(string, offset)
        quote = "'" if (not string.literal and string.span.text(doc.text).startswith('"')) else '"'
        if _is_dependency_list(path):
            return _pep508_context(string.value, 0, cursor, string.source_offset, quote)
        poetry = _poetry_entry(path)
        if poetry is not None:
            name, field_name = poetry
            if field_name is None or field_name == "version":
                return _poetry_version_context(name, string, cursor)
            if field_name == "extras":
                before = string.value[:cursor]
                lead = len(before) - len(before.lstrip(" \t"))
                end = _IDENTIFIER_CHARS.match(string.value, cursor)
                replace = Span(string.source_offset(lead), string.source_offset(end.end() if end else cursor))
                return _Extras(name, replace, frozenset())
        return None
    return _poetry_key_context(doc, parsed, offset)


def _strings(node: TomlNode, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], TomlString]]:
    """Every string of the tree with the key path that leads to it (array items add nothing)."""
    if isinstance(node, TomlString):
        yield path, node
    elif isinstance(node, TomlArray):
        for item in node.items:
            yield from _strings(item, path)
    elif isinstance(node, TomlTable):
        for name, child in node.entries.items():
            yield from _strings(child, (*path, name))
    elif isinstance(node, TomlTableArray):
        for table in node.tables:
            yield from _strings(table, path)


def _decoded_index(string: TomlString, offset: int) -> int:
    """The index in ``string.value`` whose source offset is ``offset`` (or the nearest one before it)."""
    if string.starts is None:
        return min(max(offset - string.content_span.start, 0), len(string.value))
    return max(0, min(bisect.bisect_right(string.starts, offset) - 1, len(string.value)))


def _is_dependency_list(path: tuple[str, ...]) -> bool:
    match path:
        case ("project", "dependencies") | ("build-system", "requires"):
            return True
        case ("project", "optional-dependencies", _) | ("dependency-groups", _):
            return True
        case ("tool", "uv", list_name):
            return list_name in _UV_DEPENDENCY_LISTS
        case ("tool", "pdm", "dev-dependencies", _):
            return True
    return False


def _poetry_entry(path: tuple[str, ...]) -> tuple[str, str | None] | None:
    """``(package, field)`` for a string under a Poetry dependency table (field None: the value itself)."""
    match path:
        case ("tool", "poetry", table, name, *rest) if table in _POETRY_DEPENDENCY_TABLES:
            pass
        case ("tool", "poetry", "group", _, "dependencies", name, *rest):
            pass
        case _:
            return None
    if name == "python" or len(rest) > 1:
        return None
    return name, (rest[0] if rest else None)


def _poetry_version_context(name: str, string: TomlString, cursor: int) -> _Context | None:
    before = string.value[:cursor]
    comma = before.rfind(",")
    clause = _POETRY_CLAUSE.fullmatch(before, comma + 1)
    if clause is None:
        return None
    end = _VERSION_CHARS.match(string.value, cursor)
    replace = Span(string.source_offset(clause.start(2)), string.source_offset(end.end() if end else cursor))
    return _Versions(name, replace, clause.group(1) or "")


def _poetry_key_context(doc: Document, parsed: PyprojectFile, offset: int) -> _Context | None:
    """A package name typed as a key in a Poetry dependency table."""
    assert parsed.document is not None
    header = None
    for candidate in parsed.document.headers:
        if candidate.span.end > offset:
            break
        header = candidate
    if header is None or header.key is None or header.is_array:
        return None
    names = header.key.names
    if not (
        (len(names) == 3 and names[:2] == ("tool", "poetry") and names[2] in _POETRY_DEPENDENCY_TABLES)
        or (len(names) == 5 and names[:3] == ("tool", "poetry", "group") and names[4] == "dependencies")
    ):
        return None
    lines = doc.lines
    line = lines.position(offset).line
    line_start = lines.line_start(line)
    text = lines.line_text(line)
    cursor = offset - line_start
    partial = _PARTIAL_NAME.fullmatch(text, 0, cursor)
    if partial is None:
        return None
    lo = partial.start(1) if partial.group(1) is not None else cursor
    end = _IDENTIFIER_CHARS.match(text, cursor)
    replace = Span(line_start + lo, line_start + (end.end() if end else cursor))
    return _Names(replace, text[lo:cursor])


# --------------------------------------------------------------------------------------------------------
# Items from the index
# --------------------------------------------------------------------------------------------------------


async def _name_items(context: _Names, index: PackageIndex | None) -> CompletionResult:
    typed = context.typed
    if not typed or index is None:
        # Nothing typed yet: a list of every project helps nobody.
        return CompletionResult(is_incomplete=True)
    matcher = await index.names_within(NAMES_WAIT)
    if matcher is None:
        # The name list is still loading (or cannot be had); the editor asks again on the next keystroke.
        return CompletionResult(is_incomplete=True)
    key = normalise(typed)
    candidates = matcher.complete(typed, limit=_NAME_CANDIDATES)
    # The name list is alphabetical; the likeliest wanted names are the exact one and the short ones.
    ranked = sorted(candidates, key=lambda name: (name != key, len(name), name))[:_NAME_ITEMS]
    keep_typed = len(typed) == len(key)
    items: list[CompletionItem] = []
    for rank, name in enumerate(ranked):
        # Keep the user's own spelling of what they typed ("Dja" -> "Django", "zope.i" -> "zope.interface").
        text = typed + name[len(key) :] if keep_typed and name.startswith(key) else name
        items.append(
            CompletionItem(
                text,
                "package",
                context.replace,
                text,
                detail=name if text != name else None,
                sort_text=f"{rank:04d}",
                filter_text=text,
                preselect=rank == 0 and name == key,
            )
        )
    incomplete = len(key) < _SHORT_PREFIX or len(candidates) >= _NAME_CANDIDATES
    return CompletionResult(items, incomplete)


async def _version_items(
    context: _Versions,
    index: PackageIndex | None,
    python_version: str | None,
    allow_prereleases: bool,
) -> CompletionResult:
    if index is None:
        return CompletionResult(is_incomplete=True)
    lookup = await index.project(context.name)
    if lookup.status is LookupStatus.UNAVAILABLE:
        return CompletionResult(is_incomplete=True)
    if lookup.status is not LookupStatus.FOUND or lookup.project is None:
        return CompletionResult()
    # A release is offered when it installs on the project's Python, as the analysis judges it.
    facts = release_facts(lookup.project, python_version)
    candidates = [
        (version, release)
        for version, release in facts.versions.items()
        if not release.yanked and facts.fits_python(release)
    ]
    candidates.sort(key=lambda item: item[0], reverse=True)
    if not allow_prereleases:
        # Pre-releases go last: pip and uv only pick them when asked to.
        candidates.sort(key=lambda item: item[0].is_prerelease)
    items: list[CompletionItem] = []
    for rank, (version, release) in enumerate(candidates[:_VERSION_ITEMS]):
        items.append(
            CompletionItem(
                release.version,
                "version",
                context.replace,
                release.version,
                detail=_release_detail(release, version),
                documentation=(
                    f"Requires Python {release.requires_python}" if release.requires_python else None
                ),
                sort_text=f"{rank:05d}",
                filter_text=release.version,
                preselect=rank == 0,
            )
        )
    return CompletionResult(items, is_incomplete=len(candidates) > _VERSION_ITEMS)


def _release_detail(release: Release, version: Version) -> str:
    parts = []
    uploaded = release.upload_time
    if uploaded is not None:
        parts.append(f"released {uploaded.date().isoformat()}")
    if version.is_prerelease:
        parts.append("pre-release")
    return " · ".join(parts) or release.version


async def _extra_items(context: _Extras, index: PackageIndex | None) -> CompletionResult:
    if index is None:
        return CompletionResult(is_incomplete=True)
    lookup = await index.details(context.name)
    if lookup.status is LookupStatus.UNAVAILABLE:
        return CompletionResult(is_incomplete=True)
    if lookup.details is None:
        return CompletionResult()
    items = [
        CompletionItem(
            extra,
            "extra",
            context.replace,
            extra,
            detail=f"extra of {lookup.details.name} {lookup.details.version}",
            documentation=_extra_documentation(extra, lookup.details.requires_dist),
        )
        for extra in lookup.details.provides_extra
        if canonicalize_name(extra) not in context.written
    ]
    return CompletionResult(items)


def _extra_documentation(extra: str, requires_dist: tuple[str, ...]) -> str | None:
    """The requirements an extra adds, read from ``Requires-Dist`` lines that name it in their marker."""
    pattern = re.compile(rf"""extra\s*==\s*['"]{re.escape(extra)}['"]""")
    added = [line.split(";")[0].strip() for line in requires_dist if pattern.search(line)]
    if not added:
        return None
    return "Adds: " + ", ".join(f"`{requirement}`" for requirement in added)


# --------------------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------------------


async def _file_items(doc: Document, context: _Files, list_dir: ListDir | None) -> CompletionResult:
    if list_dir is None or doc.path is None:
        return CompletionResult()
    typed = context.typed
    slash = max(typed.rfind("/"), typed.rfind("\\"))
    folder_text = typed[: slash + 1]
    base = doc.path.parent
    folder = Path(folder_text) if Path(folder_text).is_absolute() else base / folder_text
    try:
        entries = await asyncio.to_thread(list_dir, folder)
    except OSError as error:
        logger.debug("could not list %s for completion: %s", folder, error)
        return CompletionResult()
    leaf = typed[slash + 1 :]
    # Without a folder typed yet, an editable or path requirement needs "./" to be read as a path by pip.
    prefix = "./" if slash < 0 and context.mode != "requirements" else ""
    replace = Span(context.start + (slash + 1 if slash >= 0 else 0), context.end)
    items: list[CompletionItem] = []
    for name, is_folder in sorted(entries):
        if name.startswith(".") and not leaf.startswith("."):
            continue
        if is_folder:
            text = f"{prefix}{name}/"
            items.append(
                CompletionItem(
                    text, "folder", replace, text, sort_text=f"0{name}", filter_text=text, retrigger=True
                )
            )
        elif _file_fits(name, context.mode):
            text = f"{prefix}{name}"
            items.append(CompletionItem(text, "file", replace, text, sort_text=f"1{name}", filter_text=text))
    return CompletionResult(items)


def _file_fits(name: str, mode: str) -> bool:
    lowered = name.lower()
    if mode == "requirements":
        return lowered.endswith(_REQUIREMENTS_FILE_SUFFIXES)
    if mode == "path":
        return lowered.endswith(_ARCHIVE_SUFFIXES)
    return False  # an editable install takes a project folder
