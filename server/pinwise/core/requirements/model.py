"""What a pip requirements file is made of, with exact spans into the document's text.

A file is a list of *items* in file order, one or more per logical line (a logical line is one or more
physical lines joined by ``\\`` continuations, as pip joins them):

* :class:`RequirementItem` — a requirement (named, URL, VCS or local path), possibly editable, with the
  options pip scopes to it (``--hash``, ``--config-settings``, and the removed ``--global-option`` /
  ``--install-option``).
* :class:`OptionItem` — one file-level option such as ``--index-url URL`` or ``-r other.txt``. A line holding
  several options gives several items.
* :class:`ErrorItem` — a logical line pip would reject as a whole (for instance unbalanced quotes in its
  options). The same problem is also in :attr:`RequirementsFile.problems`, which holds every problem.

Comments and ``${VAR}`` references are listed separately, since they can appear on any line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pinwise.core.model import Dependency, ParsedFile, Problem
from pinwise.core.text import Span


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment from its ``#`` to the end of its logical line (pip drops all of it)."""

    text: str  # including the leading '#'
    span: Span
    full_line: bool  # nothing but whitespace precedes it on its logical line


@dataclass(frozen=True, slots=True)
class EnvVarRef:
    """A ``${NAME}`` reference, which pip replaces by the environment variable's value when it is set."""

    name: str
    span: Span  # the whole ``${NAME}``


@dataclass(frozen=True, slots=True)
class OptionUse:
    """One option as written: ``--hash=sha256:…``, ``-r other.txt``, ``--pre``."""

    name: str  # the canonical long name, e.g. "--index-url" for "-i", "--pypi-url" or "--index"
    written: str  # the name as written, e.g. "-i"
    name_span: Span
    value: str | None  # the argument after shell-style unquoting; None for a flag
    value_span: Span | None  # the argument as written (quotes included)
    span: Span  # the option and its argument


@dataclass(frozen=True, slots=True)
class HashOption:
    """``--hash=algorithm:digest``; pip accepts only strong algorithms (sha256, sha384, sha512)."""

    option: OptionUse
    algorithm: str
    digest: str
    algorithm_span: Span
    digest_span: Span


@dataclass(slots=True, kw_only=True)
class LineItem:
    span: Span  # the logical line's content, without its comment and surrounding whitespace
    line: int  # zero-based number of the physical line the logical line starts on


@dataclass(slots=True, kw_only=True)
class RequirementItem(LineItem):
    dependency: Dependency
    editable: bool = False
    # The ``-e`` / ``--editable`` option itself, when the requirement is its argument.
    editable_option: OptionUse | None = None
    hashes: tuple[HashOption, ...] = ()
    # Other per-requirement options: --config-settings (and the removed --global-option/--install-option).
    options: tuple[OptionUse, ...] = ()


@dataclass(slots=True, kw_only=True)
class OptionItem(LineItem):
    option: OptionUse
    # False when pip ignores the option where it stands (e.g. ``--index-url`` after a requirement on the
    # same line, or anything after ``-r file`` on its line); a problem explains why.
    effective: bool = True

    @property
    def name(self) -> str:
        return self.option.name

    @property
    def value(self) -> str | None:
        return self.option.value


@dataclass(slots=True, kw_only=True)
class ErrorItem(LineItem):
    problem: Problem


Item = RequirementItem | OptionItem | ErrorItem


@dataclass(slots=True)
class RequirementsFile(ParsedFile):
    """A parsed requirements (or constraints) file. ``dependencies`` lists every requirement item's
    dependency in file order; ``items`` holds everything else too."""

    items: list[Item] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    env_vars: list[EnvVarRef] = field(default_factory=list)

    @property
    def requirements(self) -> list[RequirementItem]:
        return [item for item in self.items if isinstance(item, RequirementItem)]

    @property
    def options(self) -> list[OptionItem]:
        return [item for item in self.items if isinstance(item, OptionItem)]

    def options_named(self, name: str) -> list[OptionItem]:
        """The effective options with this canonical long name, e.g. ``"--extra-index-url"``."""
        return [item for item in self.options if item.option.name == name and item.effective]
