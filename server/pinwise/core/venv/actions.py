"""Which environment actions to offer for a dependency file, decided without any protocol.

The language server turns each :class:`EnvironmentAction` into a code action that runs a command; this
module only decides what makes sense:

* no environment is selected for the file's folder: "Use .venv" when the folder already holds one, else
  "Create .venv and install";
* requirements are missing from the selected environment: "Install missing requirements" (only those,
  as requirement strings) and "Sync with this file" (install the whole file, or the project of a
  ``pyproject.toml``);
* an installed version does not satisfy its specifier: "Sync with this file".

Installing runs code from the packages, so nothing that installs is offered in an untrusted workspace.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from pinwise.core.analysis.findings import Finding
from pinwise.core.document import Document
from pinwise.core.model import Dependency, DependencyKind
from pinwise.core.text import Span

NOT_INSTALLED = "not-installed"
INSTALLED_MISMATCH = "installed-mismatch"
DEFAULT_VENV = ".venv"


class ActionKind(enum.Enum):
    CREATE = "create"  # create .venv and install this file into it
    SELECT = "select"  # select the folder's existing .venv
    INSTALL_MISSING = "installMissing"  # install the requirements the environment lacks
    SYNC = "sync"  # install the whole file (or the project) into the selected environment


@dataclass(frozen=True, slots=True)
class EnvironmentAction:
    kind: ActionKind
    title: str
    # For INSTALL_MISSING: the PEP 508 strings to install. For SELECT: the environment's path.
    requirements: tuple[str, ...] = ()
    path: Path | None = None
    # The findings this action resolves (its code action lists their diagnostics).
    resolves: tuple[Finding, ...] = ()


def dependency_group_requirements(document: Document, group: str) -> tuple[str, ...]:
    """The requirement strings of the PEP 735 dependency group ``group`` of a ``pyproject.toml``, with its
    ``{include-group = "…"}`` entries expanded, for an installer that cannot read groups itself. Group
    names compare normalised, as PEP 735 says; a cycle is followed once (the parser reports it)."""
    pyproject = document.pyproject
    if pyproject is None:
        return ()
    members: dict[NormalizedName, list[Dependency]] = {}
    for dependency in document.dependencies:
        if dependency.section.startswith("dependency-groups") and dependency.group:
            members.setdefault(canonicalize_name(dependency.group), []).append(dependency)
    included: dict[str, list[NormalizedName]] = {}
    for include in pyproject.group_includes:
        included.setdefault(canonicalize_name(include.group), []).append(canonicalize_name(include.name))
    found: list[str] = []
    seen: set[str] = set()
    pending = [canonicalize_name(group)]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        found += [text for dependency in members.get(name, []) if (text := requirement_string(dependency))]
        pending += reversed(included.get(name, []))
    return tuple(dict.fromkeys(found))


def requirement_string(dependency: Dependency) -> str | None:
    """The dependency as one PEP 508 string an installer accepts, or None when it cannot be one.

    Built from the parsed parts rather than copied from the text, so that a Poetry table entry (whose
    span is its key) or a line with options after it still gives a plain requirement. Editable and
    local-path requirements are left to "Sync with this file", which installs them as written.
    """
    if dependency.name is None or dependency.editable or dependency.kind is DependencyKind.PATH:
        return None
    text = dependency.name
    if dependency.extras:
        text += "[" + ",".join(extra.name for extra in dependency.extras) + "]"
    if dependency.kind in (DependencyKind.URL, DependencyKind.VCS):
        if not dependency.url:
            return None
        text += f" @ {dependency.url}"
        if dependency.marker:
            text += " "  # PEP 508: a URL must be followed by whitespace before ";"
    elif dependency.specifier:
        text += dependency.specifier
    if dependency.marker:
        text += f"; {dependency.marker}"
    try:
        Requirement(text)
    except InvalidRequirement:
        return None
    return text


def _overlaps(a: Span, b: Span) -> bool:
    return a.start <= b.end and b.start <= a.end


def _dependency_of(document: Document, finding: Finding) -> Dependency | None:
    for dependency in document.dependencies:
        if dependency.span.start <= finding.span.start and finding.span.end <= dependency.span.end:
            return dependency
        if dependency.name_span is not None and _overlaps(dependency.name_span, finding.span):
            return dependency
    return None


def environment_actions(
    document: Document,
    findings: Sequence[Finding],
    requested: Span,
    *,
    has_environment: bool,
    existing_venv: Path | None,
    trusted: bool,
) -> list[EnvironmentAction]:
    """The environment actions for the ``requested`` span of ``document``.

    ``findings`` are the document's current findings; ``has_environment`` says whether its folder has a
    selected environment; ``existing_venv`` is the folder's ``.venv`` when it is a virtual environment.
    Actions appear only where they apply: on a dependency (no environment yet) or on a finding about
    what is installed, so that a file does not show a light bulb on every line.
    """
    named = [d for d in document.dependencies if d.name is not None]
    if not named:
        return []
    actions: list[EnvironmentAction] = []
    if not has_environment:
        if not any(_overlaps(d.span, requested) for d in named):
            return []
        if existing_venv is not None:
            actions.append(
                EnvironmentAction(
                    ActionKind.SELECT, f"Use the environment {existing_venv.name}", path=existing_venv
                )
            )
        elif trusted:
            actions.append(EnvironmentAction(ActionKind.CREATE, f"Create {DEFAULT_VENV} and install"))
        return actions
    if not trusted:
        return []
    about_installed = [f for f in findings if f.code in (NOT_INSTALLED, INSTALLED_MISMATCH)]
    if not any(_overlaps(f.span, requested) for f in about_installed):
        return []
    missing = [f for f in about_installed if f.code == NOT_INSTALLED]
    strings: list[str] = []
    resolved: list[Finding] = []
    for finding in missing:
        dependency = _dependency_of(document, finding)
        text = requirement_string(dependency) if dependency is not None else None
        if text is not None and text not in strings:
            strings.append(text)
            resolved.append(finding)
    # In hash-checking mode, installing bare strings would skip the hashes the file requires.
    if strings and not document.uses_hashes:
        count = len(strings)
        title = (
            "Install the missing requirement" if count == 1 else f"Install the {count} missing requirements"
        )
        actions.append(
            EnvironmentAction(
                ActionKind.INSTALL_MISSING, title, requirements=tuple(strings), resolves=tuple(resolved)
            )
        )
    actions.append(
        EnvironmentAction(
            ActionKind.SYNC, "Sync the environment with this file", resolves=tuple(about_installed)
        )
    )
    return actions


__all__ = [
    "ActionKind",
    "EnvironmentAction",
    "environment_actions",
    "requirement_string",
]
