"""The options pip accepts in requirements files, and how a line's options are split and read.

pip splits the options part of a line with :func:`shlex.split` and reads it with :mod:`optparse`
(``pip._internal.req.req_file``). Neither reports where a token came from, so both steps are written out
here with spans; their rules (POSIX quoting, long-option abbreviations, ``--opt=value``, ``-rfile``) follow
the standard library exactly, so that what pip reads is what we read.

The option table mirrors ``SUPPORTED_OPTIONS`` and ``SUPPORTED_OPTIONS_REQ`` of current pip. It is written
out rather than read from pip at run time because pip's internals are not an API and importing them is
slow; the agreement tests compare this table with the installed pip.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

__all__ = [
    "ALLOWED_HASH_ALGORITHMS",
    "FILE_OPTIONS",
    "KNOWN_FEATURES",
    "OPTIONS_BY_NAME",
    "RETIRED_FEATURES",
    "OptionScope",
    "OptionSpec",
    "ShellSplitError",
    "ShellToken",
    "match_long_option",
    "split_shell_words",
]


class OptionScope(enum.Enum):
    FILE = "file"  # changes how the whole file is resolved (indexes, includes, binary preferences, ...)
    REQUIREMENT = "requirement"  # applies to the requirement on the same line (--hash, --config-settings)


@dataclass(frozen=True, slots=True)
class OptionSpec:
    name: str  # the canonical long name
    short: str | None = None
    aliases: tuple[str, ...] = ()  # other long names pip accepts for the same option
    takes_value: bool = True
    scope: OptionScope = OptionScope.FILE
    # Options older pips accepted in files and current ones reject; still read, so they can be reported
    # precisely and kept in the model.
    removed: bool = False
    metavar: str = ""
    summary: str = ""


_REQ = OptionScope.REQUIREMENT

FILE_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("--index-url", "-i", ("--pypi-url",), metavar="URL", summary="Base URL of the package index."),
    OptionSpec("--extra-index-url", metavar="URL", summary="Extra index URL to use besides --index-url."),
    OptionSpec("--no-index", takes_value=False, summary="Ignore the package index (use --find-links only)."),
    OptionSpec("--constraint", "-c", metavar="file", summary="Constrain versions using the given file."),
    OptionSpec("--requirement", "-r", metavar="file", summary="Install from the given requirements file."),
    OptionSpec("--editable", "-e", metavar="path/url", summary="Install a project in editable mode."),
    OptionSpec("--find-links", "-f", metavar="url", summary="Look for archives at this URL or directory."),
    OptionSpec("--no-binary", metavar="names", summary="Do not use binary packages for these projects."),
    OptionSpec("--only-binary", metavar="names", summary="Do not use source packages for these projects."),
    OptionSpec("--prefer-binary", takes_value=False, summary="Prefer binary packages over source packages."),
    OptionSpec("--require-hashes", takes_value=False, summary="Require a hash for every requirement."),
    OptionSpec("--no-require-hashes", takes_value=False, summary="Do not require hashes."),
    OptionSpec("--pre", takes_value=False, summary="Include pre-release and development versions."),
    OptionSpec("--all-releases", metavar="names", summary="Allow all release types for these projects."),
    OptionSpec("--only-final", metavar="names", summary="Only allow final releases for these projects."),
    OptionSpec("--trusted-host", metavar="HOSTNAME", summary="Trust this host even without valid HTTPS."),
    OptionSpec("--use-feature", metavar="feature", summary="Enable new pip functionality."),
    OptionSpec("--hash", scope=_REQ, metavar="algorithm:digest", summary="Expected hash of the archive."),
    OptionSpec(
        "--config-settings", "-C", scope=_REQ, metavar="KEY=VALUE", summary="Settings for the build backend."
    ),
    OptionSpec(
        "--global-option", scope=_REQ, removed=True, summary="Removed from pip; was passed to setup.py."
    ),
    OptionSpec(
        "--install-option",
        scope=_REQ,
        removed=True,
        summary="Removed from pip; was passed to setup.py install.",
    ),
)

OPTIONS_BY_NAME: dict[str, OptionSpec] = {}
_SHORT_OPTIONS: dict[str, OptionSpec] = {}
for _spec in FILE_OPTIONS:
    OPTIONS_BY_NAME[_spec.name] = _spec
    for _alias in _spec.aliases:
        OPTIONS_BY_NAME[_alias] = _spec
    if _spec.short:
        _SHORT_OPTIONS[_spec.short] = _spec
# Abbreviations are matched only against the options current pip has, as optparse does.
_CURRENT_LONG_NAMES = tuple(sorted(name for name, spec in OPTIONS_BY_NAME.items() if not spec.removed))

ALLOWED_HASH_ALGORITHMS = ("sha256", "sha384", "sha512")
# ``--use-feature`` choices of current pip (a test compares them with the installed pip's). pip refuses the
# whole file for any other, so an unknown feature is an error like an unknown option; a project that still
# uses an older pip can lower the severity of ``unknown-feature``.
KNOWN_FEATURES = (
    "fast-deps",
    "inprocess-build-deps",
    "venv-isolation",
    "truststore",
    "no-binary-enable-wheel-cache",
    "build-constraint",
)
# Features older pips accepted and current pip refuses, with what became of them.
RETIRED_FEATURES = {
    "2020-resolver": "the 2020 resolver has been pip's default since 20.3",
    "resolvelib": "the resolvelib resolver is pip's default",
}


def match_long_option(written: str) -> tuple[OptionSpec | None, list[str]]:
    """Resolve a long option as optparse does: an exact name, or an unambiguous prefix of one.

    Returns ``(spec, [])`` on success, ``(None, candidates)`` when the prefix is ambiguous, and
    ``(None, [])`` for an unknown option.
    """
    spec = OPTIONS_BY_NAME.get(written)
    if spec is not None:
        return spec, []
    candidates = [name for name in _CURRENT_LONG_NAMES if name.startswith(written)]
    if len(candidates) == 1:
        return OPTIONS_BY_NAME[candidates[0]], []
    return None, candidates


def short_option(written: str) -> OptionSpec | None:
    """The option for a two-character short name such as ``-r``."""
    return _SHORT_OPTIONS.get(written)


# --------------------------------------------------------------------------------------------------------
# Shell-style splitting with positions
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShellToken:
    """One word of :func:`shlex.split`'s output with where it was written.

    ``start``/``end`` delimit the word as written (quotes included). ``offsets`` maps each character of
    ``value`` to its offset; it is None when the word has no quotes or escapes (then character ``i`` is
    at ``start + i``).
    """

    value: str
    start: int
    end: int
    offsets: tuple[int, ...] | None = None

    def offset_of(self, index: int) -> int:
        """Offset of ``value[index]``; ``index == len(value)`` gives the end of the written word."""
        if self.offsets is None:
            return self.start + index
        if index >= len(self.offsets):
            return self.end
        return self.offsets[index]

    def end_of(self, index: int) -> int:
        """Offset just after ``value[index - 1]`` (the end of a slice ``value[:index]``)."""
        if index <= 0:
            return self.offset_of(0)
        if self.offsets is None:
            return self.start + index
        return self.offsets[min(index, len(self.offsets)) - 1] + 1


class ShellSplitError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


_SHELL_WHITESPACE = " \t\r\n"
_PLAIN_WORD = re.compile(r"[^ \t\r\n'\"\\]+")


def split_shell_words(text: str, start: int = 0, end: int | None = None) -> list[ShellToken]:
    """Split ``text[start:end]`` like ``shlex.split`` (POSIX mode, no comments), keeping positions.

    Raises :class:`ShellSplitError` with shlex's message ("No closing quotation", "No escaped character")
    and the position of the unclosed quote or dangling backslash.
    """
    stop = len(text) if end is None else end
    tokens: list[ShellToken] = []
    i = start
    while True:
        while i < stop and text[i] in _SHELL_WHITESPACE:
            i += 1
        if i >= stop:
            return tokens
        word_start = i
        plain = _PLAIN_WORD.match(text, i, stop)
        if plain is not None and (plain.end() == stop or text[plain.end()] in _SHELL_WHITESPACE):
            tokens.append(ShellToken(plain.group(), word_start, plain.end()))
            i = plain.end()
            continue
        chars: list[str] = []
        offsets: list[int] = []
        while i < stop and text[i] not in _SHELL_WHITESPACE:
            char = text[i]
            if char == "\\":
                if i + 1 >= stop:
                    raise ShellSplitError("No escaped character", i)
                chars.append(text[i + 1])
                offsets.append(i + 1)
                i += 2
            elif char in "'\"":
                quote_start = i
                i += 1
                while True:
                    if i >= stop:
                        raise ShellSplitError("No closing quotation", quote_start)
                    inner = text[i]
                    if inner == char:
                        i += 1
                        break
                    if char == '"' and inner == "\\":
                        if i + 1 >= stop:
                            raise ShellSplitError("No escaped character", i)
                        following = text[i + 1]
                        if following not in '"\\':
                            chars.append("\\")
                            offsets.append(i)
                        chars.append(following)
                        offsets.append(i + 1)
                        i += 2
                        continue
                    chars.append(inner)
                    offsets.append(i)
                    i += 1
            else:
                chars.append(char)
                offsets.append(i)
                i += 1
        tokens.append(ShellToken("".join(chars), word_start, i, tuple(offsets)))
