"""Parse pip requirements files exactly as pip reads them, keeping the span of every part.

The oracle is pip itself (``pip._internal.req.req_file`` and ``pip._internal.req.constructors``):

1. The text is split with :meth:`str.splitlines` (so ``\\r\\n``, ``\\r``, form feeds and the other Unicode
   line breaks all end a line) after dropping a leading BOM.
2. A line ending in ``\\`` is joined to the next one, unless it is a comment line; pip strips *every*
   leading and trailing backslash of a continued line, and a comment line that ends a continuation is
   appended with a space before it.
3. A comment starts at a ``#`` that begins the line or follows whitespace, and runs to the end of the
   logical line (so a trailing ``\\`` inside a comment swallows the next line).
4. The line is cut at the first space-separated word starting with ``-``: what precedes is the
   requirement, what follows is split like a shell would and read as options.
5. The requirement is interpreted as pip does: a URL (``https://…``, ``git+…``; markers after ``"; "``),
   a local path or archive (anything containing ``/`` or starting with ``.``, or ending in an archive
   extension), or a PEP 508 string (markers after the first ``;``). ``-e`` takes a VCS URL, a local path
   or ``name @ URL``.

pip reads the file system to tell a directory from a PEP 508 name; a parser must not, so a path-like
requirement is taken to be a local path and whether it exists is left to analysis. ``${VAR}`` references
are recorded but not expanded (pip expands only variables that are set).

Every span is a code-point offset into the text that was given (a BOM included). Lines joined by
continuations are mapped back piece by piece, so a span never points into a ``\\`` + line break it did
not cover.

Problem codes:

``invalid-requirement``
    pip would reject the requirement (packaging's message).
``invalid-marker``
    the environment marker after ``;`` is malformed.
``invalid-wheel-filename``
    a wheel path or URL whose file name is not a valid wheel name.
``invalid-egg-fragment``
    ``#egg=`` is not a valid project name.
``invalid-editable``
    ``-e`` takes neither a local path nor a VCS URL.
``missing-name``
    an editable VCS URL with no ``#egg=`` and no ``name @``; pip cannot tell the project's name.
``unknown-option``, ``ambiguous-option``
    optparse would stop at this option.
``missing-option-value``, ``unexpected-option-value``, ``invalid-option-value``
    an option's argument is missing, not allowed, or malformed (``--hash``, ``--config-settings``).
``unknown-feature``
    ``--use-feature`` with a name current pip does not have; pip refuses the file.
``removed-option``
    ``--global-option`` / ``--install-option``, which pip 23.1 and later refuse, with the whole file.
``invalid-quoting``
    the options part has an unclosed quote or a dangling backslash; pip rejects the line.
``ignored-option``, ``ignored-argument``, ``hash-without-requirement``
    pip ignores this option or word where it stands (warnings).
``comment-continuation``
    a comment ends with ``\\``, so pip treats the next line as part of the comment (a warning).
``internal-error``
    a bug in this parser; the file is parsed as far as it got.
"""

from __future__ import annotations

import bisect
import logging
import re
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from pinwise.core.model import Clause, Dependency, DependencyKind, Extra, Problem, Severity
from pinwise.core.pep508 import map_problem, map_spans, parse_marker_text, parse_pep508_within
from pinwise.core.requirements.model import (
    Comment,
    EnvVarRef,
    ErrorItem,
    HashOption,
    OptionItem,
    OptionUse,
    RequirementItem,
    RequirementsFile,
)
from pinwise.core.requirements.options import (
    ALLOWED_HASH_ALGORITHMS,
    KNOWN_FEATURES,
    RETIRED_FEATURES,
    OptionScope,
    OptionSpec,
    ShellSplitError,
    ShellToken,
    match_long_option,
    short_option,
    split_shell_words,
)
from pinwise.core.text import LineIndex, Span

__all__ = ["expand_env", "parse_requirements"]

logger = logging.getLogger(__name__)

# pip's own patterns (req_file.COMMENT_RE, ENV_VAR_RE, Link._egg_fragment_re and _project_name_re).
_COMMENT = re.compile(r"(?:^|\s+)#")
_COMMENT_LINE = re.compile(r"\s*#")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_EGG_FRAGMENT = re.compile(r"[#&]egg=([^&]*)")
# Not pip's: the lines pip reads as paths although their author meant something else.
_CONFLICT_MARKER = re.compile(r"(?:<{7}|={7}|>{7})(?:[ \t]|$)")
_SCP_ADDRESS = re.compile(r"(?:(?P<vcs>git|hg|svn|bzr)\+)?(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?!//)")
_PROJECT_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
# pip's strip_extras pattern, ``^(.+)(\[[^\]]+\])$``, used with fullmatch so that it can run in place.
_PATH_EXTRAS = re.compile(r"(.+)(\[[^\]]+\])", re.DOTALL)
# str.splitlines() breaks lines at each of these.
_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")

VCS_NAMES = ("bzr", "git", "hg", "svn")
VCS_SCHEMES = frozenset(
    (
        *("bzr+http", "bzr+https", "bzr+ssh", "bzr+sftp", "bzr+ftp", "bzr+lp", "bzr+file"),
        *("git+http", "git+https", "git+ssh", "git+git", "git+file"),
        *("hg+file", "hg+http", "hg+https", "hg+ssh", "hg+static-http"),
        *("svn+ssh", "svn+http", "svn+https", "svn+svn", "svn+file"),
    )
)
URL_SCHEMES = frozenset(["http", "https", "file", "ftp"]) | VCS_SCHEMES
ARCHIVE_EXTENSIONS = (
    ".zip",
    ".whl",
    ".tar.bz2",
    ".tbz",
    ".tar.gz",
    ".tgz",
    ".tar",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
)


def expand_env(value: str, environ: Mapping[str, str]) -> str:
    """``${NAME}`` replaced by the variable's value, as pip does on every requirements-file line before it
    reads the line's options; a variable that is not set, or set to nothing, stays as written (pip's rule
    too: it replaces only when the value is not empty)."""
    return _ENV_VAR.sub(lambda m: environ.get(m.group(1)) or m.group(0), value)


def parse_requirements(
    text: str, path: str | None = None, *, lines: LineIndex | None = None
) -> RequirementsFile:
    """Parse a requirements (or constraints) file. Never raises and never reads anything.

    ``lines`` is the text's line index when the caller already has one (items' line numbers come from it).
    """
    result = RequirementsFile(path=path, text=text)
    try:
        _Parser(text, result, lines).run()
    except Exception:  # A bug here must not take the language server down with it.
        logger.exception("requirements parser failed on %s", path or "<text>")
        result.problems.append(
            Problem(
                "internal-error", "Pinwise could not finish reading this file", Span(0, 0), Severity.WARNING
            )
        )
    return result


# --------------------------------------------------------------------------------------------------------
# Logical lines
# --------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _LogicalLine:
    """A line as pip sees it after joining continuations, with the way back to the document."""

    text: str
    # Parallel lists: logical offset where each piece starts, and the document offset it came from.
    piece_starts: list[int]
    piece_origins: list[int]

    def to_doc(self, offset: int) -> int:
        if len(self.piece_starts) == 1:
            return self.piece_origins[0] + offset
        index = bisect.bisect_right(self.piece_starts, offset) - 1
        return self.piece_origins[index] + offset - self.piece_starts[index]

    def to_doc_end(self, offset: int) -> int:
        """Like :meth:`to_doc` for the end of a range: stays in the piece of the last character."""
        if len(self.piece_starts) == 1 or offset <= 0:
            return self.to_doc(offset)
        return self.to_doc(offset - 1) + 1

    def span(self, start: int, end: int) -> Span:
        doc_start = self.to_doc(start)
        if end <= start:
            return Span(doc_start, doc_start)
        return Span(doc_start, max(doc_start, self.to_doc_end(end)))

    def piece_of(self, offset: int) -> int:
        return bisect.bisect_right(self.piece_starts, offset) - 1


def _physical_lines(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each line's content, split exactly where :meth:`str.splitlines` splits."""
    start = 1 if text.startswith("\ufeff") else 0
    lines: list[tuple[int, int]] = []
    for match in _LINE_BREAK.finditer(text, start):
        lines.append((start, match.start()))
        start = match.end()
    if start < len(text):
        lines.append((start, len(text)))
    return lines


def _logical_lines(text: str) -> list[_LogicalLine]:
    """pip's ``join_lines``: continuations joined, with an offset map for each joined line."""
    logical: list[_LogicalLine] = []
    # Pieces of the line being continued: (document start, document end, virtual space before it).
    pending: list[tuple[int, int, bool]] = []
    for start, end in _physical_lines(text):
        is_comment = _COMMENT_LINE.match(text, start, end) is not None
        if is_comment or end == start or text[end - 1] != "\\":
            if pending:
                # pip puts a space before a comment line so that it is always seen as a comment.
                pending.append((start, end, is_comment))
                logical.append(_join(text, pending))
                pending = []
            else:
                logical.append(_LogicalLine(text[start:end], [0], [start]))
        else:
            # pip strips every backslash at both ends of a continued line (``line.strip("\\")``).
            lo, hi = start, end
            while lo < hi and text[lo] == "\\":
                lo += 1
            while hi > lo and text[hi - 1] == "\\":
                hi -= 1
            pending.append((lo, hi, False))
    if pending:
        logical.append(_join(text, pending))
    return logical


def _join(text: str, pieces: list[tuple[int, int, bool]]) -> _LogicalLine:
    parts: list[str] = []
    starts: list[int] = []
    origins: list[int] = []
    length = 0
    for start, end, space_before in pieces:
        if space_before:
            parts.append(" ")
            starts.append(length)
            origins.append(start)
            length += 1
        parts.append(text[start:end])
        starts.append(length)
        origins.append(start)
        length += end - start
    return _LogicalLine("".join(parts), starts, origins)


# --------------------------------------------------------------------------------------------------------
# Options read from one line
# --------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _ReadOption:
    spec: OptionSpec
    use: OptionUse
    # Where the argument's characters are (for sub-spans such as a hash's digest).
    value_token: ShellToken | None = None
    value_index: int = 0  # index in value_token.value where the argument starts


def _strip_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``str.strip()`` of ``text[start:end]`` as bounds."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


class _Parser:
    def __init__(self, text: str, result: RequirementsFile, lines: LineIndex | None) -> None:
        self.text = text
        self.result = result
        self.problems = result.problems
        self.lines = lines if lines is not None and lines.text is text else None

    def run(self) -> None:
        for logical in _logical_lines(self.text):
            self._line(logical)
        if self.result.items:
            index = self.lines or LineIndex(self.text)
            for item in self.result.items:
                item.line = index.position(item.span.start).line

    def _problem(self, code: str, message: str, span: Span, severity: Severity = Severity.ERROR) -> Problem:
        problem = Problem(code, message, span, severity)
        self.problems.append(problem)
        return problem

    # ---- one logical line ------------------------------------------------------------------------------

    def _line(self, logical: _LogicalLine) -> None:
        text = logical.text
        end = len(text)
        comment = _COMMENT.search(text) if "#" in text else None
        if comment is not None:
            hash_at = comment.end() - 1
            end = comment.start()
            full_line = text[:end].strip() == ""
            span = logical.span(hash_at, len(text))
            self.result.comments.append(Comment(text[hash_at:], span, full_line))
            if logical.piece_of(hash_at) < len(logical.piece_starts) - 1:
                self._problem(
                    "comment-continuation",
                    "This comment ends with '\\', so pip joins the next line to it and ignores that line",
                    span,
                    Severity.WARNING,
                )
        lo, hi = _strip_bounds(text, 0, end)
        if lo == hi:
            return
        if "${" in text:
            for match in _ENV_VAR.finditer(text, lo, hi):
                self.result.env_vars.append(
                    EnvVarRef(match.group(1), logical.span(match.start(), match.end()))
                )
        line_span = logical.span(lo, hi)

        # pip's break_args_options: the requirement ends before the first space-separated word that starts
        # with '-'.
        if text[lo] == "-":
            args_end = options_start = lo
        else:
            dash = text.find(" -", lo, hi)
            if dash < 0:
                args_end = options_start = hi
            else:
                args_end, options_start = dash, dash + 1

        options: list[_ReadOption] = []
        if options_start < hi:
            try:
                tokens = split_shell_words(text, options_start, hi)
            except ShellSplitError as exc:
                problem = self._problem(
                    "invalid-quoting",
                    f"Could not split the options: {exc.message}",
                    logical.span(exc.position, hi),
                )
                self.result.items.append(ErrorItem(span=line_span, line=0, problem=problem))
                return
            options = self._read_options(tokens, logical)

        args_lo, args_hi = _strip_bounds(text, lo, args_end)
        editables = [option for option in options if option.spec.name == "--editable"]
        if args_lo < args_hi or editables:
            self._requirement_line(logical, line_span, args_lo, args_hi, options, editables)
        else:
            self._option_line(logical, line_span, options)

    def _read_options(self, tokens: list[ShellToken], logical: _LogicalLine) -> list[_ReadOption]:
        """optparse's reading of the option words, error-tolerant: a bad option is reported and skipped."""
        read: list[_ReadOption] = []
        index = 0
        count = len(tokens)
        while index < count:
            token = tokens[index]
            value = token.value
            if value == "--":
                for rest in tokens[index + 1 :]:
                    self._ignored_argument(rest, logical)
                break
            if value.startswith("--"):
                index = self._read_long_option(tokens, index, logical, read)
            elif value.startswith("-") and value != "-":
                index = self._read_short_option(tokens, index, logical, read)
            else:
                self._ignored_argument(token, logical)
                index += 1
        return read

    def _ignored_argument(self, token: ShellToken, logical: _LogicalLine) -> None:
        self._problem(
            "ignored-argument",
            f"pip ignores {token.value!r} here: only options may follow the first option on a line",
            logical.span(token.start, token.end),
            Severity.WARNING,
        )

    def _read_long_option(
        self, tokens: list[ShellToken], index: int, logical: _LogicalLine, read: list[_ReadOption]
    ) -> int:
        token = tokens[index]
        value = token.value
        equals = value.find("=")
        written = value if equals < 0 else value[:equals]
        name_span = logical.span(token.start, token.end_of(len(written)))
        spec, candidates = match_long_option(written)
        if spec is None:
            if candidates:
                self._problem(
                    "ambiguous-option",
                    f"ambiguous option: {written} ({', '.join(candidates)}?)",
                    name_span,
                )
            else:
                self._problem("unknown-option", f"no such option: {written}", name_span)
            # Take a following plain word as the unknown option's argument rather than report it too.
            if equals < 0 and index + 1 < len(tokens) and not tokens[index + 1].value.startswith("-"):
                return index + 2
            return index + 1
        if not spec.takes_value:
            if equals >= 0:
                self._problem(
                    "unexpected-option-value",
                    f"{spec.name} option does not take a value",
                    logical.span(token.offset_of(equals), token.end),
                )
            use = OptionUse(spec.name, written, name_span, None, None, name_span)
            read.append(_ReadOption(spec, use))
            return index + 1
        if equals >= 0:
            argument = value[equals + 1 :]
            value_span = logical.span(token.end_of(equals + 1), token.end)
            use = OptionUse(
                spec.name, written, name_span, argument, value_span, logical.span(token.start, token.end)
            )
            read.append(_ReadOption(spec, use, token, equals + 1))
            return index + 1
        return self._argument_in_next_word(spec, written, name_span, tokens, index, logical, read, spec.name)

    def _read_short_option(
        self, tokens: list[ShellToken], index: int, logical: _LogicalLine, read: list[_ReadOption]
    ) -> int:
        token = tokens[index]
        value = token.value
        written = value[:2]
        name_span = logical.span(token.start, token.end_of(2))
        spec = short_option(written)
        if spec is None:
            self._problem("unknown-option", f"no such option: {written}", name_span)
            return index + 1
        # Every short option pip accepts in a file takes an argument: the rest of the word, or the next word.
        if len(value) > 2:
            use = OptionUse(
                spec.name,
                written,
                name_span,
                value[2:],
                logical.span(token.end_of(2), token.end),
                logical.span(token.start, token.end),
            )
            read.append(_ReadOption(spec, use, token, 2))
            return index + 1
        return self._argument_in_next_word(spec, written, name_span, tokens, index, logical, read, written)

    def _argument_in_next_word(
        self,
        spec: OptionSpec,
        written: str,
        name_span: Span,
        tokens: list[ShellToken],
        index: int,
        logical: _LogicalLine,
        read: list[_ReadOption],
        shown: str,
    ) -> int:
        """``-r file`` / ``--requirement file``: the option's argument is the next shell word (as optparse
        reads it); ``shown`` is the option as pip names it in its "requires 1 argument" error."""
        token = tokens[index]
        if index + 1 >= len(tokens):
            self._problem("missing-option-value", f"{shown} option requires 1 argument", name_span)
            return index + 1
        following = tokens[index + 1]
        use = OptionUse(
            spec.name,
            written,
            name_span,
            following.value,
            logical.span(following.start, following.end),
            logical.span(token.start, following.end),
        )
        read.append(_ReadOption(spec, use, following, 0))
        return index + 2

    # ---- lines without a requirement ---------------------------------------------------------------------

    def _option_line(self, logical: _LogicalLine, line_span: Span, options: list[_ReadOption]) -> None:
        includes = [o for o in options if o.spec.name == "--requirement"] or [
            o for o in options if o.spec.name == "--constraint"
        ]
        include = includes[0] if includes else None
        for option in options:
            spec = option.spec
            effective = True
            # An invalid value is an error wherever the option stands; "pip ignores it" would say too little.
            invalid = self._invalid_value(option, logical)
            if include is not None and option is not include:
                effective = False
                if not invalid:
                    self._ignored(
                        option,
                        f"pip ignores {option.use.written} on a line that includes {include.use.value}",
                    )
            elif spec.scope is OptionScope.REQUIREMENT:
                effective = False
                if invalid:
                    pass  # the error says more than "ignored" would
                elif spec.name == "--hash":
                    self._problem(
                        "hash-without-requirement",
                        "This line has --hash but no requirement; pip ignores it",
                        option.use.span,
                        Severity.WARNING,
                    )
                else:
                    self._ignored(
                        option, f"{option.use.written} applies to a requirement; pip ignores it here"
                    )
            self.result.items.append(
                OptionItem(span=line_span, line=0, option=option.use, effective=effective)
            )

    def _ignored(self, option: _ReadOption, message: str) -> None:
        self._problem("ignored-option", message, option.use.span, Severity.WARNING)

    def _invalid_value(self, option: _ReadOption, logical: _LogicalLine) -> bool:
        """Report what pip's option parser refuses in ``option`` whatever its effect: a removed option, an
        unknown feature, a malformed --hash or --config-settings. pip refuses the whole file for any of them
        (its parser checks values before it knows whether the option matters), so each is an error.
        True when something was reported."""
        before = len(self.result.problems)
        if option.spec.name == "--hash":
            self._hash(option, logical)
        elif option.spec.name == "--config-settings":
            self._check_config_settings(option)
        else:
            self._check_value(option)
        return len(self.result.problems) > before

    def _check_value(self, option: _ReadOption) -> None:
        if option.spec.name == "--use-feature" and option.use.value not in KNOWN_FEATURES:
            assert option.use.value_span is not None
            retired = RETIRED_FEATURES.get(option.use.value or "")
            reason = f": {retired}" if retired else f" (known: {', '.join(KNOWN_FEATURES)})"
            self._problem(
                "unknown-feature",
                f"pip has no feature {option.use.value!r}{reason}",
                option.use.value_span,
                Severity.ERROR,
            )
        elif option.spec.removed:
            self._problem(
                "removed-option",
                f"pip no longer accepts {option.spec.name} (removed in pip 23.1) and refuses the whole file",
                option.use.name_span,
                Severity.ERROR,
            )

    # ---- requirement lines ---------------------------------------------------------------------------

    def _requirement_line(
        self,
        logical: _LogicalLine,
        line_span: Span,
        args_lo: int,
        args_hi: int,
        options: list[_ReadOption],
        editables: list[_ReadOption],
    ) -> None:
        text = logical.text
        editable = bool(editables)
        editable_option: _ReadOption | None = None
        hashes: list[HashOption] = []
        scoped: list[OptionUse] = []
        single_piece = len(logical.piece_starts) == 1
        # How spans in ``source`` map back to the document (None: ``source`` is the document).
        mapper: tuple[Callable[[int], int], Callable[[int], int]] | None
        if args_lo < args_hi:
            if single_piece:
                # The logical line is a slice of the document: parse in place, spans need no moving.
                shift = logical.piece_origins[0]
                source, lo, hi = self.text, args_lo + shift, args_hi + shift
                mapper = None
            else:
                source, lo, hi = text, args_lo, args_hi
                mapper = logical.to_doc, logical.to_doc_end
        else:
            editable_option = editables[0]
            token = editable_option.value_token
            assert token is not None and editable_option.use.value is not None
            if single_piece and token.offsets is None:
                shift = logical.piece_origins[0]
                source, lo = self.text, token.start + editable_option.value_index + shift
                hi = lo + len(editable_option.use.value)
                mapper = None
            else:
                source, lo, hi = editable_option.use.value, 0, len(editable_option.use.value)
                mapper = _token_mapper(logical, token)
        dependency, problems = _requirement_dependency(source, lo, hi, editable)
        if mapper is None:
            self.problems.extend(problems)
        else:
            offset_fn, end_fn = mapper
            for problem in problems:
                self.problems.append(map_problem(problem, offset_fn, end_fn))
            if dependency is not None:
                dependency = map_spans(dependency, offset_fn, end_fn)
        if dependency is None:
            dependency = Dependency(span=_stripped_span(source, lo, hi, mapper))
        dependency.editable = editable

        for option in options:
            name = option.spec.name
            if option is editable_option:
                continue
            if name == "--hash" and not editable:
                # Checked and kept in one step: the requirement's hashes.
                hash_option = self._hash(option, logical)
                if hash_option is not None:
                    hashes.append(hash_option)
            elif name == "--config-settings":
                self._check_config_settings(option)
                scoped.append(option.use)
            elif self._invalid_value(option, logical):
                if option.spec.removed:
                    scoped.append(option.use)  # still the requirement's own (hover explains it)
            elif name == "--editable" and args_lo < args_hi:
                # pip then installs the requirement before -e in editable mode, which only works for a
                # local directory or a VCS URL; a PEP 508 requirement fails.
                plain_name = dependency.kind is DependencyKind.PATH and not _looks_like_path(
                    dependency.url or ""
                )
                if plain_name and dependency.url is not None:
                    self._problem(
                        "invalid-editable",
                        f"pip installs {dependency.url!r} in editable mode because of the -e on its line, "
                        "and it is not a local directory or a VCS URL",
                        option.use.name_span,
                    )
                else:
                    self._ignored(option, "pip takes the requirement before -e as the editable one")
            elif name == "--editable":
                self._ignored(option, "pip reads only the first -e on a line")
            else:
                self._ignored(option, f"pip ignores {option.use.written} on a line with a requirement")
        self.result.items.append(
            RequirementItem(
                span=line_span,
                line=0,
                dependency=dependency,
                editable=editable,
                editable_option=editable_option.use if editable_option is not None else None,
                hashes=tuple(hashes),
                options=tuple(scoped),
            )
        )
        self.result.dependencies.append(dependency)

    def _hash(self, option: _ReadOption, logical: _LogicalLine) -> HashOption | None:
        value = option.use.value
        token = option.value_token
        assert value is not None and token is not None and option.use.value_span is not None
        colon = value.find(":")
        if colon < 0:
            self._problem(
                "invalid-option-value",
                "Arguments to --hash must be a hash name followed by a value, like --hash=sha256:abcde...",
                option.use.value_span,
            )
            return None
        base = option.value_index
        algorithm_span = logical.span(token.offset_of(base), token.end_of(base + colon))
        digest_span = logical.span(token.offset_of(base + colon + 1), token.end_of(base + len(value)))
        algorithm = value[:colon]
        if algorithm not in ALLOWED_HASH_ALGORITHMS:
            self._problem(
                "invalid-option-value",
                f"Allowed hash algorithms for --hash are {', '.join(ALLOWED_HASH_ALGORITHMS)}.",
                algorithm_span,
            )
        return HashOption(option.use, algorithm, value[colon + 1 :], algorithm_span, digest_span)

    def _check_config_settings(self, option: _ReadOption) -> None:
        value = option.use.value
        assert value is not None and option.use.value_span is not None
        if "=" not in value:
            self._problem(
                "invalid-option-value",
                f"Arguments to {option.use.written} must be of the form KEY=VAL",
                option.use.value_span,
            )


def _stripped_span(
    source: str, lo: int, hi: int, mapper: tuple[Callable[[int], int], Callable[[int], int]] | None
) -> Span:
    lo, hi = _strip_bounds(source, lo, hi)
    if mapper is None:
        return Span(lo, hi)
    return Span(mapper[0](lo), max(mapper[0](lo), mapper[1](hi)))


def _token_mapper(
    logical: _LogicalLine, token: ShellToken
) -> tuple[Callable[[int], int], Callable[[int], int]]:
    return (lambda offset: logical.to_doc(token.offset_of(offset))), (
        lambda offset: logical.to_doc_end(token.end_of(offset))
    )


# --------------------------------------------------------------------------------------------------------
# What a requirement denotes (spans relative to the requirement text)
# --------------------------------------------------------------------------------------------------------


def _scheme(value: str) -> str:
    if ":" not in value:
        return ""
    try:
        return urllib.parse.urlsplit(value).scheme
    except ValueError:
        return ""


def _is_url(value: str) -> bool:
    """pip's ``is_url``: a scheme pip can fetch from."""
    return _scheme(value) in URL_SCHEMES


def _looks_like_path(value: str) -> bool:
    # pip checks os.sep and os.altsep; both separators are accepted here so that a file reads the same on
    # every platform (a backslash is never valid in a PEP 508 requirement anyway).
    return "/" in value or "\\" in value or value.startswith(".")


def _is_archive(value: str) -> bool:
    return value.lower().endswith(ARCHIVE_EXTENSIONS)


def _kind_of_url(url: str) -> DependencyKind:
    scheme = _scheme(url)
    if scheme in VCS_SCHEMES:
        return DependencyKind.VCS
    if scheme == "file":
        return DependencyKind.PATH
    return DependencyKind.URL


def _requirement_dependency(
    text: str, start: int, end: int, editable: bool
) -> tuple[Dependency | None, list[Problem]]:
    """The dependency written in ``text[start:end]``, with spans that are offsets into ``text``."""
    lo, hi = _strip_bounds(text, start, end)
    if _CONFLICT_MARKER.match(text, lo, hi):
        # Left over from a merge: pip rejects it (or, for ">>>>>>> origin/main", looks for a folder).
        message = "A merge conflict marker: this file still holds both sides of a merge"
        return None, [Problem("invalid-requirement", message, Span(lo, hi))]
    if editable:
        return _editable_dependency(text, lo, hi)
    body = text[lo:hi]
    url_like = _is_url(body)
    separator = "; " if url_like else ";"
    cut = text.find(separator, lo, hi)
    req_lo, req_hi = _strip_bounds(text, lo, hi if cut < 0 else cut)
    problems: list[Problem] = []
    dependency: Dependency | None
    if url_like:
        dependency = _url_dependency(text, req_lo, req_hi, problems)
    else:
        name_part = text[req_lo:req_hi]
        path_part = name_part
        extras_match = _PATH_EXTRAS.fullmatch(name_part)
        if extras_match is not None:
            path_part = extras_match.group(1).rstrip()
        # pip asks the file system whether a path-like requirement is a directory, and treats an archive
        # name as a file unless it reads as "name @ URL"; without the file system, "name @ …" decides both.
        named_url = "@" in name_part and not _looks_like_path(name_part.split("@", 1)[0])
        if not named_url and (_looks_like_path(name_part) or _is_archive(path_part)):
            dependency = _path_dependency(text, req_lo, req_hi, problems)
            _check_scp_address(text, req_lo, req_hi, "invalid-requirement", problems)
        else:
            dependency, pep508_problems = parse_pep508_within(text, req_lo, req_hi)
            if pep508_problems and _SCP_ADDRESS.match(text, req_lo, req_hi):
                # "git+git@host:org/repo.git" fails as PEP 508; say what it is and how pip would read it.
                _check_scp_address(text, req_lo, req_hi, "invalid-requirement", problems)
            else:
                problems.extend(pep508_problems)
            if dependency is not None and dependency.url is not None:
                dependency.kind = _kind_of_url(dependency.url)
                _check_named_url_egg(dependency, problems)
    if cut >= 0 and dependency is not None:
        marker_start = cut + len(separator)
        dependency.span = Span(dependency.span.start, hi)
        # pip drops an empty marker ("foo;") without complaint.
        if text[marker_start:hi].strip():
            marker, marker_span, problem = parse_marker_text(text[marker_start:hi], marker_start)
            if problem is not None:
                problems.append(problem)
            dependency.marker = marker
            dependency.marker_span = marker_span
    return dependency, problems


def _url_dependency(text: str, lo: int, hi: int, problems: list[Problem]) -> Dependency:
    url = text[lo:hi]
    dependency = Dependency(span=Span(lo, hi), kind=_kind_of_url(url), url=url, url_span=Span(lo, hi))
    path_end = len(url)
    for stop in ("#", "?"):
        found = url.find(stop)
        if 0 <= found < path_end:
            path_end = found
    path = url[:path_end].rstrip("/")
    # pip's wheel test is case-sensitive (Link.is_wheel): "X-1.0-py3-none-any.WHL" is an unnamed URL.
    if path.endswith(".whl"):
        _name_from_filename(text, lo, lo + len(path), dependency, problems, quoted=True)
        return dependency
    egg = _EGG_FRAGMENT.search(url)
    if egg is not None:
        _name_from_egg(egg, lo, dependency, problems)
    return dependency


def _name_from_egg(egg: re.Match[str], base: int, dependency: Dependency, problems: list[Problem]) -> None:
    name = egg.group(1)
    span = Span(base + egg.start(1), base + egg.end(1))
    if _PROJECT_NAME.match(name):
        dependency.name = name
        dependency.name_span = span
    else:
        problems.append(
            Problem("invalid-egg-fragment", f"The #egg= fragment {name!r} is not a valid project name", span)
        )


def _check_scp_address(text: str, lo: int, hi: int, code: str, problems: list[Problem]) -> None:
    """``git+git@host:org/repo.git`` (git's scp-like form) is no URL to pip: it reads it as a path, finds
    no such folder, and fails. Say so, with the URL pip does read."""
    match = _SCP_ADDRESS.match(text, lo, hi)
    if match is None:
        return
    vcs, user, host, rest = (
        match.group("vcs") or "git",
        match.group("user"),
        match.group("host"),
        text[match.end() : hi],
    )
    written = text[lo:hi]
    url = f"{vcs}+ssh://{user}@{host}/{rest}"
    message = f"pip cannot read the scp-like address {written!r}: write it as a URL, {url}"
    problems.append(Problem(code, message, Span(lo, hi), replacement=url))


def _check_named_url_egg(dependency: Dependency, problems: list[Problem]) -> None:
    """pip (25 and later) rejects a ``name @ URL`` whose ``#egg=`` fragment is not a bare project name, such
    as ``#egg=name[extra]``: the name comes from before the ``@``, but the fragment is still read."""
    url, url_span = dependency.url, dependency.url_span
    if url is None or url_span is None:
        return
    egg = _EGG_FRAGMENT.search(url)
    if egg is not None and not _PROJECT_NAME.match(egg.group(1)):
        span = Span(url_span.start + egg.start(1), url_span.start + egg.end(1))
        message = f"The #egg= fragment {egg.group(1)!r} is not a valid project name"
        problems.append(Problem("invalid-egg-fragment", message, span))


def _name_from_filename(
    text: str, lo: int, end: int, dependency: Dependency, problems: list[Problem], *, quoted: bool = False
) -> None:
    """Name and version from the wheel or sdist file name that ends at ``end``, in the path or URL that
    starts at ``lo`` (pip does it for wheels). A URL's file name is percent-decoded first, as pip's
    ``Link.filename`` is ("torch-2.0.1%2Bcu118-…whl" is torch 2.0.1+cu118); spans stay on the text."""
    start = max(text.rfind("/", lo, end) + 1, text.rfind("\\", lo, end) + 1, lo)
    if quoted:
        start = max(start, text.rfind(":", lo, end) + 1)  # "file:a-1.0-py3-none-any.whl"
    raw = text[start:end]
    filename = urllib.parse.unquote(raw) if quoted else raw
    if filename.endswith(".whl"):
        try:
            _, version, _, _ = parse_wheel_filename(filename)
        except InvalidWheelFilename as exc:
            problems.append(Problem("invalid-wheel-filename", str(exc), Span(start, end)))
            return
        name_end = start + raw.index("-")
        version_end = text.find("-", name_end + 1, end)
    else:
        try:
            _, version = parse_sdist_filename(filename)
        except InvalidSdistFilename:
            return  # pip makes an unnamed requirement of it; the name comes from building it
        stem = (
            filename[: -len(".tar.gz")] if filename.lower().endswith(".tar.gz") else filename[: -len(".zip")]
        )
        name_end = start + stem.rindex("-")
        version_end = start + len(stem)
    dependency.name = urllib.parse.unquote(text[start:name_end]) if quoted else text[start:name_end]
    dependency.name_span = Span(start, name_end)
    version_span = Span(name_end + 1, version_end)
    clause = Clause(
        "==", str(version), version_span, Span(version_span.start, version_span.start), version_span
    )
    dependency.specifier = clause.text
    dependency.specifier_span = version_span
    dependency.clauses = (clause,)


def _path_dependency(text: str, lo: int, hi: int, problems: list[Problem]) -> Dependency:
    path_hi = hi
    extras: list[Extra] = []
    extras_span: Span | None = None
    match = _PATH_EXTRAS.fullmatch(text, lo, hi)
    if match is not None:
        path_hi = match.end(1)
        while path_hi > lo and text[path_hi - 1].isspace():
            path_hi -= 1
        extras_span = Span(match.start(2), match.end(2))
        extras = _path_extras(text, match.start(2), match.end(2), problems)
    dependency = Dependency(
        span=Span(lo, hi),
        kind=DependencyKind.PATH,
        url=text[lo:path_hi],
        url_span=Span(lo, path_hi),
        extras=tuple(extras),
        extras_span=extras_span,
    )
    if _is_archive(text[lo:path_hi]):
        _name_from_filename(text, lo, path_hi, dependency, problems)
    return dependency


def _path_extras(text: str, start: int, end: int, problems: list[Problem]) -> list[Extra]:
    """The ``[a,b]`` after a path (pip reads them as a requirement's extras)."""
    extras: list[Extra] = []
    position = start + 1
    inner_end = end - 1
    while position <= inner_end:
        comma = text.find(",", position, inner_end)
        item_end = inner_end if comma < 0 else comma
        lo, hi = _strip_bounds(text, position, item_end)
        if lo < hi and _PROJECT_NAME.match(text[lo:hi]):
            extras.append(Extra(text[lo:hi], Span(lo, hi)))
        else:
            where = Span(lo, hi) if lo < hi else Span(start, end)
            problems.append(Problem("invalid-requirement", "Expected an extra name", where))
        if comma < 0:
            break
        position = comma + 1
    return extras


def _editable_dependency(text: str, lo: int, hi: int) -> tuple[Dependency | None, list[Problem]]:
    """pip's ``parse_editable``: ``name @ URL``, a VCS URL, a file: URL or a local directory."""
    problems: list[Problem] = []
    body = text[lo:hi]
    if "@" in body:
        parsed, pep508_problems = parse_pep508_within(text, lo, hi)
        if parsed is not None and not pep508_problems and parsed.url is not None:
            dependency = parsed
            dependency.kind = _kind_of_url(dependency.url or "")
            if dependency.kind is DependencyKind.URL:
                problems.append(_not_editable(body, Span(lo, hi)))
            _check_named_url_egg(dependency, problems)
            return dependency, problems
    path_hi = hi
    match = _PATH_EXTRAS.fullmatch(text, lo, hi)
    if match is not None:
        path_hi = match.end(1)
        while path_hi > lo and text[path_hi - 1].isspace():
            path_hi -= 1
    target = text[lo:path_hi]
    scheme = _scheme(target)
    # A one-letter scheme is a Windows drive ("C:\\src\\lib"), which pip finds to be a directory.
    if not scheme or len(scheme) == 1:
        dependency = _path_dependency(text, lo, hi, problems)
        _check_scp_address(text, lo, path_hi, "invalid-editable", problems)
        return dependency, problems
    if scheme == "file":
        dependency = _path_dependency(text, lo, hi, problems)
        egg = _EGG_FRAGMENT.search(target)
        if egg is not None:
            _name_from_egg(egg, lo, dependency, problems)
        return dependency, problems
    # pip accepts "git:…" (and hg:, svn:, bzr:) as short for "git+git:…"; extras are dropped for URLs.
    url_scheme = scheme if scheme in VCS_SCHEMES or scheme not in VCS_NAMES else f"{scheme}+{scheme}"
    dependency = Dependency(span=Span(lo, hi), kind=DependencyKind.VCS, url=body, url_span=Span(lo, hi))
    if url_scheme not in VCS_SCHEMES:
        dependency.kind = DependencyKind.URL
        problems.append(_not_editable(body, Span(lo, hi)))
        return dependency, problems
    egg = _EGG_FRAGMENT.search(body)
    if egg is not None:
        _name_from_egg(egg, lo, dependency, problems)
    else:
        problems.append(
            Problem(
                "missing-name",
                f"Could not detect requirement name for {body!r}, please specify one with "
                "your_package_name @ URL (or add #egg=your_package_name)",
                Span(lo, hi),
            )
        )
    return dependency, problems


def _not_editable(body: str, span: Span) -> Problem:
    backends = ", ".join(sorted(VCS_SCHEMES))
    return Problem(
        "invalid-editable",
        f"{body} is not a valid editable requirement. It should either be a path to a local project or a "
        f"VCS URL (beginning with {backends}).",
        span,
    )
