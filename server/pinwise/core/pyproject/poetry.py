"""Poetry's version constraints (``^1.2``, ``~1.2``, ``1.2.*``, ``>=1 <2``, ``a || b``) translated into PEP 440.

Poetry's own parser (poetry-core) is not a dependency of Pinwise and works on whole strings without
spans, so the translation is written here from Poetry's documented rules (the "Dependency specification"
page): caret and tilde bounds, wildcards, a bare version meaning ``==``, commas or spaces meaning "and",
and ``||`` (or ``|``) meaning "or". Versions themselves are checked with ``packaging``.

Spans are offsets into the constraint string that was given; each translated clause points at the part
of the constraint it came from (both clauses of ``^1.2`` point at ``^1.2``).

Problem codes produced here:

``invalid-poetry-constraint``
    a part of the constraint is not one Poetry understands, or its version is not a valid version.
``poetry-union``
    an information: the constraint has alternatives (``||``), which PEP 440 cannot express. The
    dependency keeps an empty specifier; :attr:`PoetryConstraint.alternatives` holds each alternative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.version import Version

from pinwise.core.model import Clause, Problem, Severity
from pinwise.core.pep440 import parse_version
from pinwise.core.pep508 import specifier_error
from pinwise.core.text import Span

__all__ = [
    "INVALID_POETRY_CONSTRAINT",
    "POETRY_UNION",
    "PoetryAlternative",
    "PoetryConstraint",
    "platform_marker",
    "python_marker",
    "translate_poetry_constraint",
]

INVALID_POETRY_CONSTRAINT = "invalid-poetry-constraint"
POETRY_UNION = "poetry-union"

_OR = re.compile(r"[ \t]*\|\|?[ \t]*")
# One constraint part: an optional operator, optional spaces, then a version (or ``*``). Poetry separates
# parts with commas and/or spaces, and allows spaces between an operator and its version.
_PART = re.compile(r"(?P<operator>\^|~=|~|===|==|!=|<>|>=|<=|>|<|=)?[ \t]*(?P<version>[^\s,|]*)")
_SEPARATORS = re.compile(r"[\s,]*")
_OPERATOR_ALIASES = {"=": "==", "<>": "!="}
# poetry-core's "any version" forms (``*``, ``x``, ``X``, ``*.*``, ``v*``) and its release-series wildcards.
_ANY_VERSION = re.compile(r"[vV]?[xX*](?:\.[xX*])*")
_X_WILDCARD = re.compile(r"(v?\d+(?:\.\d+){0,2})(?:\.[xX*])+")


@dataclass(frozen=True, slots=True)
class PoetryAlternative:
    """One side of ``||``: its PEP 440 specifier and the clauses it was translated into."""

    specifier: str
    clauses: tuple[Clause, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class PoetryConstraint:
    """A translated Poetry constraint.

    ``specifier`` is the PEP 440 text (empty for ``*`` and for a union, which PEP 440 cannot express);
    ``clauses`` are its clauses with spans into the constraint string (empty for a union).
    """

    raw: str
    specifier: str
    clauses: tuple[Clause, ...]
    alternatives: tuple[PoetryAlternative, ...]
    problems: tuple[Problem, ...]

    @property
    def is_union(self) -> bool:
        return len(self.alternatives) > 1


def translate_poetry_constraint(text: str) -> PoetryConstraint:
    """Translate a Poetry constraint into PEP 440; never raises (bad parts give problems)."""
    problems: list[Problem] = []
    alternatives: list[PoetryAlternative] = []
    stripped_start = len(text) - len(text.lstrip())
    stripped_end = len(text.rstrip())
    if stripped_start >= stripped_end:
        # Poetry reads an empty constraint as "any version", like ``*``.
        return PoetryConstraint(text, "", (), (PoetryAlternative("", (), Span(0, len(text))),), ())
    piece_start = stripped_start
    for separator in [*_OR.finditer(text, stripped_start, stripped_end), None]:
        piece_end = separator.start() if separator is not None else stripped_end
        clauses = _translate_alternative(text, piece_start, piece_end, problems)
        specifier = ",".join(clause.text for clause in clauses)
        alternatives.append(PoetryAlternative(specifier, tuple(clauses), Span(piece_start, piece_end)))
        if separator is not None:
            piece_start = separator.end()
    if len(alternatives) == 1:
        only = alternatives[0]
        return PoetryConstraint(text, only.specifier, only.clauses, tuple(alternatives), tuple(problems))
    problems.append(
        Problem(
            POETRY_UNION,
            "PEP 440 cannot express 'or' (||) between version constraints, "
            "so this constraint is kept as written and not compared with PEP 440 specifiers",
            Span(stripped_start, stripped_end),
            Severity.INFORMATION,
        )
    )
    return PoetryConstraint(text, "", (), tuple(alternatives), tuple(problems))


def _translate_alternative(text: str, start: int, end: int, problems: list[Problem]) -> list[Clause]:
    """The clauses of the parts (joined by "and") in ``text[start:end]``."""
    clauses: list[Clause] = []
    pos = start
    if start == end:
        problems.append(
            Problem(
                INVALID_POETRY_CONSTRAINT, "Expected a version constraint next to '||'", _near(text, start)
            )
        )
        return clauses
    while pos < end:
        pos = _SEPARATORS.match(text, pos, end).end()  # type: ignore[union-attr]
        if pos >= end:
            break
        match = _PART.match(text, pos, end)
        # The version pattern takes any run of characters other than separators, so a part always advances;
        # whatever it took is then judged by packaging.
        assert match is not None and match.end() > pos
        clauses.extend(_translate_part(text, match, problems))
        pos = match.end()
    return clauses


def _translate_part(text: str, match: re.Match[str], problems: list[Problem]) -> list[Clause]:
    operator = match.group("operator") or ""
    version = match.group("version")
    part = Span(match.start(), match.end())
    operator_span = Span(match.start(), match.start() + len(operator))
    version_span = Span(match.start("version"), match.end("version"))

    def clause(pep440_operator: str, pep440_version: str) -> Clause:
        return Clause(pep440_operator, pep440_version, part, operator_span, version_span)

    def invalid(message: str) -> list[Clause]:
        problems.append(Problem(INVALID_POETRY_CONSTRAINT, message, part))
        return []

    if not version:
        return invalid(f"Expected a version after {operator!r}")
    if version == "*" and operator:
        return invalid(f"'*' (any version) cannot follow {operator!r}")
    if not operator and _ANY_VERSION.fullmatch(version):
        return []
    wildcard = _X_WILDCARD.fullmatch(version)
    if wildcard is not None:
        # poetry-core's wildcards: "1.2.x", "1.*" mean the release series for ==, != and no operator; after
        # an ordering operator the wildcard is dropped (">=1.2.*" is ">=1.2").
        if operator in ("", "=", "==", "!="):
            return [clause(_OPERATOR_ALIASES.get(operator, operator) or "==", wildcard[1] + ".*")]
        if operator in (">=", ">", "<=", "<"):
            version = wildcard[1]
    if operator == "~=" and (single := parse_version(version)) is not None and len(single.release) == 1:
        # PEP 440 needs two parts after ~=; poetry-core reads "~=1" as ">=1,<1.1" (the next minor).
        return [clause(">=", version), clause("<", _format_bound(single, [single.release[0], 1]))]
    if operator in ("^", "~"):
        parsed = parse_version(version)
        if parsed is None:
            return invalid(f"{version!r} is not a valid version")
        upper = _caret_upper(parsed) if operator == "^" else _tilde_upper(parsed)
        return [clause(">=", version), clause("<", upper)]
    if not operator:
        operator = "=="
    operator = _OPERATOR_ALIASES.get(operator, operator)
    error = specifier_error(f"{operator}{version}")
    if error is not None:
        return invalid(error)
    return [clause(operator, version)]


def _format_bound(version: Version, release: list[int]) -> str:
    epoch = f"{version.epoch}!" if version.epoch else ""
    return epoch + ".".join(str(number) for number in release)


def _caret_upper(version: Version) -> str:
    """Poetry's caret bound: the next change of the left-most non-zero part among those written.

    ``^1.2.3`` -> ``2.0.0``, ``^0.2.3`` -> ``0.3.0``, ``^0.0.3`` -> ``0.0.4``, ``^0.0`` -> ``0.1``,
    ``^0`` -> ``1``. The bound keeps as many parts as were written.
    """
    release = list(version.release)
    if release[0] != 0 or len(release) == 1:
        index = 0
    elif release[1] != 0 or len(release) == 2:
        index = 1
    else:
        index = 2
    return _format_bound(version, _bump(release, index))


def _tilde_upper(version: Version) -> str:
    """Poetry's tilde bound: ``~1.2.3`` -> ``1.3.0``, ``~1.2`` -> ``1.3``, ``~1`` -> ``2``."""
    release = list(version.release)
    return _format_bound(version, _bump(release, 0 if len(release) == 1 else 1))


def _bump(release: list[int], index: int) -> list[int]:
    return [*release[:index], release[index] + 1, *([0] * (len(release) - index - 1))]


def _near(text: str, offset: int) -> Span:
    return Span(max(offset - 1, 0), min(offset + 1, len(text))) if text else Span(0, 0)


def python_marker(constraint: PoetryConstraint) -> str | None:
    """The environment marker Poetry derives from a dependency's ``python = "…"`` constraint.

    Each clause becomes ``python_version <op> "<version>"`` (``python_full_version`` when the version has
    three or more parts); alternatives are joined with ``or``. None when the constraint allows any Python.
    """
    alternatives: list[str] = []
    for alternative in constraint.alternatives:
        if not alternative.clauses:
            return None  # one alternative allows any version, so the whole constraint does
        terms = [
            f"{'python_full_version' if clause.version.removesuffix('.*').count('.') >= 2 else 'python_version'} "
            f'{clause.operator} "{clause.version}"'
            for clause in alternative.clauses
        ]
        alternatives.append(" and ".join(terms))
    if len(alternatives) == 1:
        return alternatives[0]
    return " or ".join(
        f"({alternative})" if " and " in alternative else alternative for alternative in alternatives
    )


_GENERIC_OR = re.compile(r"\s*\|\|?\s*")
_GENERIC_AND = re.compile(r"\s*,\s*")
# poetry-core's generic constraint (``constraints/generic/parser.py``): an optional ``==``/``=``/``!=`` and a
# value without spaces.
_GENERIC_CLAUSE = re.compile(r"(!=|==?=?)?\s*(\S+?)\s*")


def platform_marker(text: str) -> str | None:
    """The marker Poetry derives from a dependency's ``platform = "…"``: ``sys_platform`` compared with
    each value (``linux``, ``!=win32``, ``linux || darwin``, ``!=win32, !=cygwin``). None for ``*`` (any
    platform) or text that is not a platform constraint; Poetry ANDs the result with ``markers`` and
    ``python``. Hand-written because packaging has no parser for Poetry's generic constraints."""
    text = text.strip()
    if text == "*" or not text:
        return None
    alternatives: list[str] = []
    for alternative in _GENERIC_OR.split(text):
        terms: list[str] = []
        for part in _GENERIC_AND.split(alternative):
            match = _GENERIC_CLAUSE.fullmatch(part)
            if match is None or '"' in match[2]:
                return None
            if match[2] == "*":
                terms = []
                break
            operator = "!=" if match[1] == "!=" else "=="
            terms.append(f'sys_platform {operator} "{match[2]}"')
        if not terms:
            return None  # one alternative allows any platform, so the whole constraint does
        alternatives.append(" and ".join(terms))
    if len(alternatives) == 1:
        return alternatives[0]
    return " or ".join(f"({a})" if " and " in a else a for a in alternatives)
