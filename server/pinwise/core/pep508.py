"""PEP 508 dependency specifiers with exact spans.

``packaging`` is the judge of validity and of the normalised text of specifiers and markers, but it does
not report where each part of a requirement lies in the text. This module therefore hand-tokenises the
string, following packaging's own grammar (``packaging._parser``), to find the spans, and asks packaging
whenever the string is not plainly well formed. Spans returned here are code-point offsets into the
string that was given; callers embedding the string in a larger document move them with
:func:`shift_spans` or :func:`map_spans`.

Problem codes produced here:

``invalid-requirement``
    packaging rejects the string; the message is packaging's own.
``invalid-specifier``
    a version clause is malformed (only from :func:`parse_specifier_clauses`).
``invalid-marker``
    an environment marker is malformed (only from :func:`parse_marker_text`).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet

from pinwise.core.model import Clause, Dependency, Extra, Problem
from pinwise.core.text import Span

__all__ = [
    "map_problem",
    "map_spans",
    "parse_marker_text",
    "parse_pep508",
    "parse_pep508_within",
    "parse_specifier_clauses",
    "shift_spans",
    "specifier_error",
]

# The token patterns below are packaging's own (``packaging._tokenizer.DEFAULT_RULES``), copied because that
# module is private. They only locate spans; packaging still decides what is valid.
# The leading ``\b`` of packaging's IDENTIFIER is dropped: the first character is alphanumeric anyway, and
# a word boundary would look at the character before a bounded scan's start.
_IDENTIFIER = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*\b")
_OPERATOR = re.compile(r"===|==|~=|!=|<=|>=|<|>")
_URL = re.compile(r"\S+")
# Specifier text that packaging reads as one list: printable ASCII and tabs, no parentheses or semicolons.
_PLAIN_SPECIFIER_TEXT = re.compile(r"[\t\x20-\x27\x2a-\x3a\x3c-\x7e]*")
_WHITESPACE = " \t"

INVALID_REQUIREMENT = "invalid-requirement"
INVALID_SPECIFIER = "invalid-specifier"
INVALID_MARKER = "invalid-marker"


# --------------------------------------------------------------------------------------------------------
# Specifier clauses
# --------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def specifier_error(clause_text: str) -> str | None:
    """packaging's complaint about one clause such as ``>=1.0``, or None when it is valid."""
    try:
        Specifier(clause_text)
    except InvalidSpecifier as exc:
        return str(exc)
    return None


def _skip_whitespace(text: str, pos: int, end: int | None = None) -> int:
    limit = len(text) if end is None else end
    while pos < limit and text[pos] in _WHITESPACE:
        pos += 1
    return pos


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow ``[start, end)`` so it neither starts nor ends with spaces or tabs."""
    start = _skip_whitespace(text, start, end)
    while end > start and text[end - 1] in _WHITESPACE:
        end -= 1
    return start, end


def parse_specifier_clauses(
    text: str, offset: int = 0, *, start: int = 0, end: int | None = None
) -> tuple[list[Clause], list[Problem]]:
    """Split comma-separated version clauses (``>=1.0, <2``) with the span of each operator and version.

    Only ``text[start:end]`` is read; spans are offsets into ``text`` plus ``offset``. Each clause is checked
    with :class:`packaging.specifiers.Specifier`; a bad clause gives an ``invalid-specifier`` problem (with
    packaging's message) and is left out. An empty clause after the last comma is allowed, as packaging
    allows it.
    """
    stop = len(text) if end is None else end
    clauses: list[Clause] = []
    problems: list[Problem] = []
    if _skip_whitespace(text, start, stop) == stop:
        return clauses, problems
    piece_start = start
    while piece_start <= stop:
        comma = text.find(",", piece_start, stop)
        piece_end = stop if comma < 0 else comma
        lo, hi = _strip_span(text, piece_start, piece_end)
        if lo == hi:
            if comma >= 0 or not clauses:
                where = Span(offset + lo, offset + min(lo + 1, max(stop, lo)))
                problems.append(Problem(INVALID_SPECIFIER, "Expected a version clause such as >=1.0", where))
        else:
            clause = _clause_at(text, lo, hi, offset)
            if isinstance(clause, Problem):
                problems.append(clause)
            else:
                clauses.append(clause)
        if comma < 0:
            break
        piece_start = comma + 1
    return clauses, problems


def _clause_at(text: str, lo: int, hi: int, offset: int) -> Clause | Problem:
    """One clause in ``text[lo:hi]`` (already stripped)."""
    whole = Span(offset + lo, offset + hi)
    match = _OPERATOR.match(text, lo, hi)
    if match is None:
        return Problem(
            INVALID_SPECIFIER,
            f"Expected a version operator (one of ==, !=, <=, >=, <, >, ~=, ===) before {text[lo:hi]!r}",
            whole,
        )
    version_start = _skip_whitespace(text, match.end(), hi)
    operator = match.group()
    version = text[version_start:hi]
    error = specifier_error(f"{operator}{version}")
    if error is not None:
        return Problem(INVALID_SPECIFIER, error, whole)
    return Clause(
        operator=operator,
        version=version,
        span=whole,
        operator_span=Span(offset + lo, offset + match.end()),
        version_span=Span(offset + version_start, offset + hi),
    )


# --------------------------------------------------------------------------------------------------------
# Markers
# --------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1024)
def _normalised_marker(marker_text: str) -> tuple[str | None, str | None, tuple[int, int] | None]:
    """``(str(Marker), None, None)`` or ``(None, message, span-within-marker_text)``."""
    try:
        return str(Marker(marker_text)), None, None
    except InvalidMarker as exc:
        message, span = _message_and_span(exc, marker_text)
        return None, message, span


def parse_marker_text(text: str, offset: int = 0) -> tuple[str | None, Span | None, Problem | None]:
    """Parse an environment marker; returns ``(str(Marker), span of the expression, problem)``.

    The span is the stripped expression (None when there is none), shifted by ``offset``.
    """
    lo, hi = _strip_span(text, 0, len(text))
    if lo == hi:
        where = Span(offset + len(text), offset + len(text))
        return None, None, Problem(INVALID_MARKER, "Expected a marker expression after ';'", where)
    span = Span(offset + lo, offset + hi)
    normalised, message, error_span = _normalised_marker(text)
    if normalised is not None:
        return normalised, span, None
    assert message is not None
    start, end = _widen(text, error_span or (lo, hi))
    return None, span, Problem(INVALID_MARKER, message, Span(offset + start, offset + end))


# --------------------------------------------------------------------------------------------------------
# Requirements
# --------------------------------------------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class _Scan:
    """What the hand tokeniser found, with spans relative to the scanned string."""

    span: Span
    name: str | None = None
    name_span: Span | None = None
    extras: list[Extra] = dataclasses.field(default_factory=list)
    extras_span: Span | None = None
    url: str | None = None
    url_span: Span | None = None
    specifier_span: Span | None = None
    clauses: list[Clause] = dataclasses.field(default_factory=list)
    marker_text: str | None = None
    marker_offset: int = 0
    # True when the string has the plain shape packaging would accept if each clause and the marker are
    # valid; only then is the fast path (no packaging Requirement) taken.
    plain: bool = True


def _scan(value: str, start: int, n: int) -> _Scan:
    """Tokenise ``value[start:n]``; spans are offsets into ``value``."""
    lo, hi = _strip_span(value, start, n)
    scan = _Scan(span=Span(lo, hi))
    match = _IDENTIFIER.match(value, lo, n)
    if match is None:
        scan.plain = False
        return scan
    scan.name = match.group()
    scan.name_span = Span(match.start(), match.end())
    pos = _skip_whitespace(value, match.end(), n)
    if pos < n and value[pos] == "[":
        pos = _scan_extras(value, pos, n, scan)
        pos = _skip_whitespace(value, pos, n)
    if pos < n and value[pos] == "@":
        pos = _skip_whitespace(value, pos + 1, n)
        url = _URL.match(value, pos, n)
        if url is None:
            scan.plain = False
            return scan
        scan.url = url.group()
        scan.url_span = Span(url.start(), url.end())
        pos = url.end()
        after = _skip_whitespace(value, pos, n)
        if after == n:
            return scan
        if after == pos or value[after] != ";":
            scan.plain = False
            return scan
        pos = after
    else:
        pos = _scan_specifier(value, pos, n, scan)
    if pos < n:
        if value[pos] == ";":
            scan.marker_text = value[pos + 1 : n]
            scan.marker_offset = pos + 1
            if not scan.marker_text.strip(_WHITESPACE):
                scan.plain = False
        else:
            scan.plain = False
    return scan


def _scan_extras(value: str, pos: int, n: int, scan: _Scan) -> int:
    """Read ``[a, b]`` at ``pos`` (a ``[``); returns the position after it."""
    close = value.find("]", pos, n)
    stop = close if close >= 0 else n
    if close < 0:
        scan.plain = False
        semicolon = value.find(";", pos, n)
        if semicolon >= 0:
            stop = semicolon
    scan.extras_span = Span(pos, stop + 1 if close >= 0 else stop)
    item_start = pos + 1
    if _skip_whitespace(value, item_start, stop) == stop:
        return stop + 1 if close >= 0 else stop
    while True:
        comma = value.find(",", item_start, stop)
        item_end = stop if comma < 0 else comma
        lo, hi = _strip_span(value, item_start, item_end)
        match = _IDENTIFIER.match(value, lo, hi) if lo < hi else None
        if match is not None and match.end() == hi:
            scan.extras.append(Extra(match.group(), Span(lo, hi)))
        else:
            scan.plain = False
        if comma < 0:
            break
        item_start = comma + 1
    return stop + 1 if close >= 0 else stop


def _scan_specifier(value: str, pos: int, n: int, scan: _Scan) -> int:
    """Read the version clauses at ``pos``, in parentheses or not; returns the position after them."""
    semicolon = value.find(";", pos, n)
    region_end = n if semicolon < 0 else semicolon
    if pos < n and value[pos] == "(":
        close = value.find(")", pos, region_end)
        if close < 0:
            scan.plain = False
            inner_start, inner_end = pos + 1, region_end
            after = region_end
        else:
            inner_start, inner_end = pos + 1, close
            after = _skip_whitespace(value, close + 1, n)
    else:
        inner_start, inner_end = pos, region_end
        after = region_end
    lo, hi = _strip_span(value, inner_start, inner_end)
    if lo == hi:
        return after
    scan.specifier_span = Span(lo, hi)
    if _PLAIN_SPECIFIER_TEXT.match(value, lo, hi).end() != hi:  # type: ignore[union-attr]
        scan.plain = False
    clauses, problems = parse_specifier_clauses(value, start=lo, end=hi)
    scan.clauses = clauses
    if problems or value.endswith(",", lo, hi):
        scan.plain = False
    return after


def parse_pep508(value: str) -> tuple[Dependency | None, list[Problem]]:
    """Parse one PEP 508 requirement string, with spans relative to ``value``.

    Returns the dependency and no problem when packaging accepts the string (its name, extras, URL, and
    ``str(SpecifierSet)`` / ``str(Marker)`` are then exactly packaging's). Otherwise returns the most useful
    partial dependency (None when not even a name parses) and one ``invalid-requirement`` problem carrying
    packaging's message and the span it points at. Never raises.
    """
    return parse_pep508_within(value, 0, len(value))


def parse_pep508_within(text: str, start: int, end: int) -> tuple[Dependency | None, list[Problem]]:
    """:func:`parse_pep508` of ``text[start:end]``, with spans that are offsets into ``text``.

    Parsing in place saves moving every span afterwards, which matters for long files.
    """
    scan = _scan(text, start, end)
    if scan.plain:
        dependency = _fast_dependency(scan)
        if dependency is not None:
            return dependency, []
    value = text[start:end]
    try:
        requirement = Requirement(value)
    except InvalidRequirement as exc:
        message, error_span = _message_and_span(exc, value)
        if error_span is None:
            guess = _guess_error_span(scan)
            error_span = (guess[0] - start, guess[1] - start)
        lo, hi = _widen(value, error_span)
        problem = Problem(INVALID_REQUIREMENT, message, Span(start + lo, start + hi))
        return _partial_dependency(scan), [problem]
    return _dependency_from_packaging(scan, requirement), []


def _fast_dependency(scan: _Scan) -> Dependency | None:
    """The dependency for a plainly shaped string, or None if packaging must look at it."""
    assert scan.name is not None
    if len(scan.clauses) <= 1:
        specifier = scan.clauses[0].text if scan.clauses else ""
    else:
        try:
            specifier = _normalised_specifier_set(",".join(clause.text for clause in scan.clauses))
        except InvalidSpecifier:
            return None
    marker = marker_span = None
    if scan.marker_text is not None:
        marker, marker_span, problem = parse_marker_text(scan.marker_text, scan.marker_offset)
        if problem is not None:
            return None
    return Dependency(
        span=scan.span,
        name=scan.name,
        name_span=scan.name_span,
        extras=tuple(scan.extras),
        extras_span=scan.extras_span,
        specifier=specifier,
        specifier_span=scan.specifier_span,
        clauses=tuple(scan.clauses),
        marker=marker,
        marker_span=marker_span,
        url=scan.url,
        url_span=scan.url_span,
    )


@functools.lru_cache(maxsize=4096)
def _normalised_specifier_set(text: str) -> str:
    return str(SpecifierSet(text))


def _dependency_from_packaging(scan: _Scan, requirement: Requirement) -> Dependency:
    """Packaging's values with the tokeniser's spans (used for valid strings of unusual shape)."""
    whole = scan.span
    name_span = scan.name_span if scan.name == requirement.name else None
    extras: tuple[Extra, ...]
    if {extra.name for extra in scan.extras} == requirement.extras:
        extras = tuple(scan.extras)
    else:
        anchor = scan.extras_span or name_span or whole
        extras = tuple(Extra(extra, anchor) for extra in sorted(requirement.extras))
    specifier = str(requirement.specifier)
    clauses: tuple[Clause, ...] = tuple(scan.clauses)
    if {clause.text for clause in clauses} != {str(spec) for spec in requirement.specifier}:
        anchor = scan.specifier_span or whole
        clauses = tuple(
            Clause(spec.operator, spec.version, anchor, anchor, anchor) for spec in requirement.specifier
        )
    marker = str(requirement.marker) if requirement.marker is not None else None
    marker_span = None
    if marker is not None and scan.marker_text is not None:
        lo, hi = _strip_span(scan.marker_text, 0, len(scan.marker_text))
        marker_span = Span(scan.marker_offset + lo, scan.marker_offset + hi)
    url_span = scan.url_span if requirement.url is not None and scan.url == requirement.url else None
    return Dependency(
        span=whole,
        name=requirement.name,
        name_span=name_span,
        extras=extras,
        extras_span=scan.extras_span if extras else None,
        specifier=specifier,
        specifier_span=scan.specifier_span if specifier else None,
        clauses=clauses,
        marker=marker,
        marker_span=marker_span,
        url=requirement.url,
        url_span=url_span if requirement.url is not None else None,
    )


def _partial_dependency(scan: _Scan) -> Dependency | None:
    """Whatever parsed cleanly of an invalid string: the name, extras, valid clauses, a valid marker."""
    if scan.name is None:
        return None
    specifier = ""
    if scan.clauses:
        try:
            specifier = _normalised_specifier_set(",".join(clause.text for clause in scan.clauses))
        except InvalidSpecifier:
            specifier = ""
    marker = marker_span = None
    if scan.marker_text is not None:
        marker, marker_span, problem = parse_marker_text(scan.marker_text, scan.marker_offset)
        if problem is not None:
            marker = marker_span = None
    return Dependency(
        span=scan.span,
        name=scan.name,
        name_span=scan.name_span,
        extras=tuple(scan.extras),
        extras_span=scan.extras_span,
        specifier=specifier,
        specifier_span=scan.specifier_span if specifier else None,
        clauses=tuple(scan.clauses) if specifier else (),
        marker=marker,
        marker_span=marker_span,
        url=scan.url,
        url_span=scan.url_span,
    )


def _message_and_span(exc: ValueError, source: str) -> tuple[str, tuple[int, int] | None]:
    """packaging's message without its caret drawing, and the span the caret drawing points at.

    packaging >= 26.4 offers ``message`` and ``span``; older releases only draw the position under the
    source text (``~~~^``), so the drawing is read back into a span.
    """
    span = getattr(exc, "span", None)
    text = str(exc)
    lines = text.split("\n")
    message = getattr(exc, "message", None)
    if not isinstance(message, str) or "\n" in message:
        message = lines[0]
    if isinstance(span, tuple) and len(span) == 2:
        return message, (int(span[0]), int(span[1]))
    if len(lines) >= 3 and lines[-2] == f"    {source}":
        drawing = lines[-1][4:]
        caret = drawing.find("^")
        if caret >= 0:
            tilde = drawing.find("~")
            first = tilde if 0 <= tilde < caret else caret
            return message, (first, caret)
    return message, None


def _guess_error_span(scan: _Scan) -> tuple[int, int]:
    """Where to point when packaging gives no position (e.g. a bad version inside a specifier)."""
    for part in (scan.specifier_span, scan.url_span, scan.name_span):
        if part is not None:
            return part.start, part.end
    return scan.span.start, scan.span.end


def _widen(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """Give an empty error position some width: the word that follows it, or the one before at the end."""
    start, end = max(0, min(span[0], len(text))), max(0, min(span[1], len(text)))
    if end < start:
        start, end = end, start
    if start != end:
        return start, end
    n = len(text)
    pos = start
    if pos < n and not text[pos].isspace():
        while end < n and not text[end].isspace():
            end += 1
        return start, end
    stripped_end = len(text[:pos].rstrip())
    if pos >= n or text[pos:].strip() == "":
        if stripped_end == 0:
            return pos, pos
        begin = stripped_end
        while begin > 0 and not text[begin - 1].isspace():
            begin -= 1
        return begin, stripped_end
    after = pos
    while after < n and text[after].isspace():
        after += 1
    end = after
    while end < n and not text[end].isspace():
        end += 1
    return after, end


# --------------------------------------------------------------------------------------------------------
# Moving spans
# --------------------------------------------------------------------------------------------------------


def _map_required(
    span: Span, offset_fn: Callable[[int], int], end_fn: Callable[[int], int] | None = None
) -> Span:
    start = offset_fn(span.start)
    if span.end == span.start:
        return Span(start, start)
    end = (end_fn or offset_fn)(span.end)
    return Span(start, max(start, end))


def _map_span(
    span: Span | None, offset_fn: Callable[[int], int], end_fn: Callable[[int], int] | None = None
) -> Span | None:
    return None if span is None else _map_required(span, offset_fn, end_fn)


def map_clause(
    clause: Clause, offset_fn: Callable[[int], int], end_fn: Callable[[int], int] | None = None
) -> Clause:
    """A copy of ``clause`` with its spans mapped like :func:`map_spans` does."""
    return Clause(
        clause.operator,
        clause.version,
        _map_required(clause.span, offset_fn, end_fn),
        _map_required(clause.operator_span, offset_fn, end_fn),
        _map_required(clause.version_span, offset_fn, end_fn),
    )


def map_spans(
    dependency: Dependency, offset_fn: Callable[[int], int], end_fn: Callable[[int], int] | None = None
) -> Dependency:
    """A copy of ``dependency`` with every span's start and end passed through ``offset_fn``.

    ``offset_fn`` maps an offset in the parsed string to an offset in the document; it must also accept
    ``len(string)`` (the end of the last character), so that a string with escapes can be remapped.
    ``end_fn``, when given, maps the end of each span instead (useful when the string was assembled from
    pieces: the end of a span should stay in the piece of its last character).
    """

    def span(value: Span | None) -> Span | None:
        return _map_span(value, offset_fn, end_fn)

    def required(value: Span) -> Span:
        return _map_required(value, offset_fn, end_fn)

    return dataclasses.replace(
        dependency,
        span=required(dependency.span),
        name_span=span(dependency.name_span),
        extras=tuple(Extra(extra.name, required(extra.span)) for extra in dependency.extras),
        extras_span=span(dependency.extras_span),
        specifier_span=span(dependency.specifier_span),
        clauses=tuple(map_clause(clause, offset_fn, end_fn) for clause in dependency.clauses),
        marker_span=span(dependency.marker_span),
        url_span=span(dependency.url_span),
    )


def shift_spans(dependency: Dependency, delta: int) -> Dependency:
    """A copy of ``dependency`` with every span moved by ``delta`` code points."""
    if delta == 0:
        return dataclasses.replace(dependency)
    return map_spans(dependency, lambda offset: offset + delta)


def map_problem(
    problem: Problem, offset_fn: Callable[[int], int], end_fn: Callable[[int], int] | None = None
) -> Problem:
    """A copy of ``problem`` with its span mapped like :func:`map_spans` does."""
    return dataclasses.replace(problem, span=_map_required(problem.span, offset_fn, end_fn))
