"""Every stable finding code Pinwise reports, with its default severity and a one-line description.

Codes are kebab-case and never change meaning once released: users switch them off or change their severity
by code (``[tool.pinwise.severity]`` or the editor's ``pinwise.severity`` setting), and ``docs/diagnostics.md``
lists the same table for people. Parser problems keep the severity the parser gave them (a parser knows
when, say, an option is merely ignored); the default here is the usual one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from pinwise.core.model import Severity

__all__ = ["CODES", "Category", "CodeInfo", "code_info", "default_severity", "parse_severity"]


class Category(enum.Enum):
    SYNTAX = "syntax"  # the text itself is wrong (parser problems)
    INCLUDE = "include"  # -r / -c files
    POLICY = "policy"  # how versions are constrained
    CONSISTENCY = "consistency"  # requirements that disagree with each other
    INDEX = "index"  # facts the package index knows
    ENVIRONMENT = "environment"  # the selected virtual environment


@dataclass(frozen=True, slots=True)
class CodeInfo:
    code: str
    severity: Severity
    description: str
    needs_index: bool
    category: Category


E, W, INFO, H = Severity.ERROR, Severity.WARNING, Severity.INFORMATION, Severity.HINT
_S, _INC, _P, _C, _IX, _ENV = (
    Category.SYNTAX,
    Category.INCLUDE,
    Category.POLICY,
    Category.CONSISTENCY,
    Category.INDEX,
    Category.ENVIRONMENT,
)

_TABLE: tuple[tuple[str, Severity, Category, bool, str], ...] = (
    # Parser problems, both formats (pinwise.core.pep508).
    ("invalid-requirement", E, _S, False, "The requirement is not valid PEP 508 (packaging's message)."),
    ("invalid-specifier", E, _S, False, "A version clause is malformed."),
    ("invalid-marker", E, _S, False, "The environment marker after ';' is malformed."),
    # Requirements files (pinwise.core.requirements.parse).
    (
        "invalid-wheel-filename",
        E,
        _S,
        False,
        "A wheel path or URL whose file name is not a valid wheel name.",
    ),
    ("invalid-egg-fragment", E, _S, False, "'#egg=' does not hold a valid project name."),
    ("invalid-editable", E, _S, False, "'-e' takes neither a local path nor a VCS URL."),
    (
        "missing-name",
        E,
        _S,
        False,
        "An editable VCS URL with no '#egg=' and no 'name @': pip cannot name it.",
    ),
    ("unknown-option", E, _S, False, "pip does not know this option."),
    ("ambiguous-option", E, _S, False, "The abbreviated option matches several of pip's options."),
    ("missing-option-value", E, _S, False, "The option needs an argument."),
    ("unexpected-option-value", E, _S, False, "The option takes no argument."),
    ("invalid-option-value", E, _S, False, "The option's argument is malformed (--hash, --config-settings)."),
    (
        "unknown-feature",
        E,
        _S,
        False,
        "--use-feature names a feature current pip does not have (pip refuses the file).",
    ),
    ("removed-option", E, _S, False, "--global-option / --install-option, which pip 23.1 and later refuse."),
    ("invalid-quoting", E, _S, False, "The options part has an unclosed quote or a dangling backslash."),
    ("ignored-option", W, _S, False, "pip ignores this option where it stands."),
    ("ignored-argument", W, _S, False, "pip ignores this word where it stands."),
    ("hash-without-requirement", W, _S, False, "--hash on a line without a requirement."),
    (
        "comment-continuation",
        W,
        _S,
        False,
        "A comment ends with '\\', so the next line is part of the comment.",
    ),
    ("internal-error", W, _S, False, "A bug in Pinwise; the file was read as far as possible."),
    ("file-too-large", W, _S, False, "The file is too large to check (over 5,000,000 characters)."),
    # pyproject.toml (pinwise.core.pyproject).
    ("toml-syntax", E, _S, False, "The file is not valid TOML."),
    ("invalid-value", E, _S, False, "A value has the wrong TOML type."),
    ("invalid-name", E, _S, False, "A Poetry dependency's key is not a valid project name."),
    ("invalid-requires-python", E, _S, False, "requires-python is not a valid version specifier."),
    ("unknown-include-group", E, _S, False, "{include-group = ...} names an undefined dependency group."),
    ("include-group-cycle", E, _S, False, "A dependency group includes itself."),
    ("invalid-poetry-constraint", E, _S, False, "A Poetry version constraint Poetry would not understand."),
    ("poetry-union", INFO, _S, False, "A Poetry '||' constraint, which is not compared with the index."),
    # Includes.
    ("include-not-found", E, _INC, False, "A file named by -r / -c cannot be read."),
    ("include-cycle", E, _INC, False, "A file includes itself, directly or through others."),
    (
        "path-not-found",
        W,
        _INC,
        False,
        "A local path requirement names a file or folder that does not exist.",
    ),
    # Policy.
    ("unpinned", W, _P, False, "No exact pin (application) or no version constraint at all (library)."),
    ("no-upper-bound", H, _P, False, "A library requirement with only lower bounds."),
    ("hash-missing", E, _P, False, "Hash-checking mode: this requirement lacks an == pin or a --hash."),
    # Consistency.
    ("duplicate", W, _C, False, "The same project is required twice under the same marker."),
    ("conflict", E, _C, False, "Two requirements of one project admit no common version."),
    # Index.
    ("could-not-check", INFO, _IX, True, "The index could not be asked; nothing is known about the project."),
    ("stale-cache", INFO, _IX, True, "The index is unreachable; findings use cached data."),
    ("unknown-package", E, _IX, True, "No configured index has a project of this name."),
    ("unknown-version", E, _IX, True, "The pinned version is not on the index."),
    ("no-matching-release", E, _IX, True, "The specifier admits none of the index's releases."),
    ("outdated", INFO, _IX, True, "A newer release exists than the specifier allows."),
    ("yanked", W, _IX, True, "The pinned release was yanked."),
    ("vulnerable", W, _IX, True, "The pinned release has known vulnerabilities."),
    (
        "python-incompatible",
        W,
        _IX,
        True,
        "The pinned release's Requires-Python excludes the project's Pythons.",
    ),
    ("unknown-extra", W, _IX, True, "The release does not provide this extra."),
    # Environment.
    ("not-installed", W, _ENV, False, "The requirement is not installed in the selected environment."),
    ("installed-mismatch", W, _ENV, False, "The installed version does not satisfy the specifier."),
    # Compiled files (pip-compile / uv pip compile) and their sources (pinwise.core.piptools).
    ("compiled-file", INFO, _C, False, "The file is generated by pip-compile or uv from a source file."),
    ("missing-from-compiled", W, _C, False, "A source requirement is missing from the compiled file."),
    ("compiled-violates-source", W, _C, False, "A compiled pin does not satisfy its source's specifier."),
    ("stale-compiled", W, _C, False, "A source changed after the compiled file was generated."),
)

CODES: dict[str, CodeInfo] = {
    code: CodeInfo(code, severity, description, needs_index, category)
    for code, severity, category, needs_index, description in _TABLE
}


def code_info(code: str) -> CodeInfo | None:
    return CODES.get(code)


def default_severity(code: str) -> Severity:
    """The registered default severity; WARNING for a code the registry does not know."""
    info = CODES.get(code)
    return info.severity if info is not None else Severity.WARNING


_SEVERITY_NAMES = {
    "error": Severity.ERROR,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "information": Severity.INFORMATION,
    "info": Severity.INFORMATION,
    "hint": Severity.HINT,
}
_OFF = frozenset({"off", "none", "ignore", "false"})


def parse_severity(value: object) -> tuple[bool, Severity | None]:
    """A severity setting as a user writes it ("error", "warning", "info", "hint", "off"):
    ``(True, severity)`` with None for "off", or ``(False, None)`` when the value is not understood."""
    if isinstance(value, Severity):
        return True, value
    if value is False:
        return True, None
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _OFF:
            return True, None
        if word in _SEVERITY_NAMES:
            return True, _SEVERITY_NAMES[word]
    return False, None
