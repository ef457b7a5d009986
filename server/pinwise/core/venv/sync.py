"""Make an environment hold exactly what a requirements file says, as ``pip-sync`` does: the plan.

:func:`plan_sync` compares the requirements a file asks for (following its ``-r`` includes; ``-c``
constraints narrow the versions but require nothing) with what is installed, and answers what to
install, upgrade, downgrade and remove. Requirements whose marker is false for the environment's Python
are not wanted. The tools that keep an environment working are never removed: pip, setuptools, wheel,
uv, pip-tools, Pinwise, and everything those installed tools depend on (read from their metadata).

The plan is data; the language server shows it, asks for confirmation, and applies it with
:class:`~pinwise.core.venv.manage.VenvManager` (installing the file, then uninstalling the extras).
"""

from __future__ import annotations

import enum
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from pinwise.core.markers import marker_holds
from pinwise.core.model import Dependency, DependencyKind
from pinwise.core.pep440 import parse_version
from pinwise.core.requirements.includes import IncludeGraph
from pinwise.core.venv.installed import InstalledDistribution

__all__ = ["PROTECTED", "SyncAction", "SyncKind", "SyncPlan", "plan_sync", "protected_names"]

logger = logging.getLogger(__name__)

PROTECTED = frozenset({"pip", "setuptools", "wheel", "uv", "pip-tools", "pinwise"})


class SyncKind(enum.Enum):
    INSTALL = "install"
    UPGRADE = "upgrade"
    DOWNGRADE = "downgrade"
    REINSTALL = "reinstall"  # same name, another source (a URL or editable install that differs)
    REMOVE = "remove"


@dataclass(frozen=True, slots=True)
class SyncAction:
    kind: SyncKind
    name: str
    installed: str | None = None  # the installed version
    wanted: str | None = None  # the requirement as the file says it (``flask==3.0.0``)

    def describe(self) -> str:
        if self.kind is SyncKind.INSTALL:
            return f"install {self.wanted}"
        if self.kind is SyncKind.REMOVE:
            return f"remove {self.name} {self.installed}"
        return f"{self.kind.value} {self.name} {self.installed} → {self.wanted}"


@dataclass(slots=True)
class SyncPlan:
    actions: list[SyncAction] = field(default_factory=list)
    # Requirements that could not be judged (a URL, an unparsable line), which installing settles.
    notes: list[str] = field(default_factory=list)

    def of_kind(self, kind: SyncKind) -> list[SyncAction]:
        return [action for action in self.actions if action.kind is kind]

    @property
    def to_install(self) -> list[SyncAction]:
        return [action for action in self.actions if action.kind is not SyncKind.REMOVE]

    @property
    def to_remove(self) -> list[str]:
        return [action.name for action in self.actions if action.kind is SyncKind.REMOVE]

    @property
    def empty(self) -> bool:
        return not self.actions

    def summary(self) -> str:
        if self.empty:
            return "The environment already matches the file."
        counts = [f"{len(found)} to {kind.value}" for kind in SyncKind if (found := self.of_kind(kind))]
        return ", ".join(counts)


def _requires_of(dist: InstalledDistribution) -> list[str]:
    """The unconditional ``Requires-Dist`` names of an installed distribution (extras left out)."""
    metadata = dist.location / ("METADATA" if dist.location.name.endswith(".dist-info") else "PKG-INFO")
    names: list[str] = []
    try:
        with metadata.open("r", encoding="utf-8", errors="replace") as stream:
            for line in stream:
                if line in ("\n", "\r\n"):
                    break
                key, sep, value = line.partition(":")
                if not sep or key.strip().lower() != "requires-dist":
                    continue
                try:
                    requirement = Requirement(value.strip())
                except InvalidRequirement:
                    continue
                if requirement.marker is not None and "extra" in str(requirement.marker):
                    continue
                names.append(canonicalize_name(requirement.name))
    except OSError:
        return []
    return names


def protected_names(
    installed: Mapping[str, InstalledDistribution], roots: Iterable[str] = PROTECTED
) -> set[str]:
    """``roots`` and, transitively, whatever the installed ones among them depend on."""
    protected: set[str] = {canonicalize_name(name) for name in roots}
    pending: list[str] = [name for name in protected if name in installed]
    while pending:
        name = pending.pop()
        for required in _requires_of(installed[name]):
            if required not in protected:
                protected.add(required)
                if required in installed:
                    pending.append(required)
    return protected


def _installed_from(
    dependency: Dependency, including: str, installed: Mapping[str, InstalledDistribution]
) -> str | None:
    """The installed distribution that came from the local path of an unnamed requirement (``-e ./lib``)."""
    written = dependency.url
    if not written or dependency.kind is not DependencyKind.PATH:
        return None
    path = Path(written)
    if not path.is_absolute():
        path = Path(including).parent / path
    try:
        url = Path(os.path.normpath(path)).as_uri()
    except ValueError:
        return None
    for name, dist in installed.items():
        if dist.direct_url is not None and dist.direct_url.rstrip("/") == url.rstrip("/"):
            return name
    return None


def plan_sync(
    graph: IncludeGraph,
    installed: Mapping[str, InstalledDistribution],
    *,
    python_version: str | None = None,
    keep: Iterable[str] = PROTECTED,
) -> SyncPlan:
    """What to change so the environment holds exactly the requirements of ``graph``'s root file."""
    plan = SyncPlan()
    wanted: dict[str, list[Dependency]] = {}
    constraints: dict[str, list[Dependency]] = {}
    texts: dict[str, str] = {}  # the first requirement of each name, as written
    for path, item, constraint in graph.requirements():
        dependency = item.dependency
        name = dependency.canonical_name
        text = dependency.span.text(graph.files[path].text)
        if name is None:
            name = _installed_from(dependency, path, installed)
        if name is None:
            plan.notes.append(f"{text} has no name to compare; installing the file settles it")
            continue
        if not marker_holds(dependency.marker, python_version):
            continue
        (constraints if constraint else wanted).setdefault(name, []).append(dependency)
        if not constraint:
            texts.setdefault(name, text)
    for name in sorted(wanted):
        dependencies = wanted[name] + constraints.get(name, [])
        dist = installed.get(name)
        written = wanted[name][0]
        text = texts[name]
        if dist is None:
            plan.actions.append(SyncAction(SyncKind.INSTALL, written.name or name, None, text))
            continue
        direct = [d for d in wanted[name] if d.kind is not DependencyKind.NAMED or d.editable]
        if direct:
            url = direct[0].url if direct[0].kind is not DependencyKind.PATH else dist.direct_url
            if dist.direct_url is None or (
                url is not None and url.rstrip("/") != dist.direct_url.rstrip("/")
            ):
                plan.actions.append(SyncAction(SyncKind.REINSTALL, dist.name, dist.version, text))
            continue
        specifier = ",".join(d.specifier for d in dependencies if d.specifier)
        try:
            allowed = SpecifierSet(specifier)
        except InvalidSpecifier:
            plan.notes.append(f"{text}: the specifier cannot be read")
            continue
        current = parse_version(dist.version)
        if current is not None and allowed.contains(current, prereleases=True) and dist.direct_url is None:
            continue
        pinned = next((d.pinned_version for d in dependencies if d.pinned_version), None)
        target = parse_version(pinned) if pinned else None
        if target is not None and current is not None and target < current:
            kind = SyncKind.DOWNGRADE
        elif current is not None and allowed.contains(current, prereleases=True):
            kind = SyncKind.REINSTALL  # the right version, but from a URL the file does not name
        else:
            kind = SyncKind.UPGRADE
        plan.actions.append(SyncAction(kind, dist.name, dist.version, text))
    protected = protected_names(installed, keep)
    for name in sorted(installed):
        if name in wanted or name in protected:
            continue
        dist = installed[name]
        plan.actions.append(SyncAction(SyncKind.REMOVE, dist.name, dist.version))
    return plan
