"""The rules: one function per rule, each turning facts about a document into findings with fixes.

Local rules need nothing but the document, its project context and (for requirements files) the include
graph. Index rules are pure too: the engine asks the index and hands each rule the answers, so that every
rule can be tested with plain data and the engine alone deals with concurrency.

Choices worth knowing (also in ``docs/diagnostics.md``):

* Pinning policy. ``application``: a requirement without an exact ``==``/``===`` pin is ``unpinned``.
  ``library``: a requirement without any specifier is ``unpinned`` (at INFORMATION) and one with only
  lower bounds is ``no-upper-bound`` (HINT). Exempt: constraints files, ``-e`` / URL / path requirements,
  ``build-system.requires`` and uv's constraint/override lists.
* Duplicates are marker-aware: two requirements of one project are compared only when their markers are
  the same text (both absent counts). Identical specifiers (and extras) are a ``duplicate`` with a remove
  fix; different specifiers are a ``conflict`` when no version satisfies both (probed with the clauses'
  own versions and their neighbours), else a ``duplicate``. In a ``pyproject.toml`` only requirements in
  the same table (the same extra or group) are compared.
* ``not-installed`` / ``installed-mismatch`` look at requirements files, ``[project].dependencies`` and
  Poetry's main dependencies (not extras or groups, which are often not installed on purpose), and skip a
  requirement whose marker is false for the environment (the default one, or the ``python_version``
  override).
* ``outdated`` compares with the newest release that is not yanked, fits the project's Python (see
  :mod:`~pinwise.core.analysis.context`) and is not a pre-release (unless the specifier names one, ``--pre``
  is in the file or settings allow them); it fires when that release is newer than every release the
  specifier allows.
* An index failure never becomes "does not exist": ``UNAVAILABLE`` gives ``could-not-check`` and nothing
  else for that name, and a project some of whose indexes failed gives no ``unknown-version`` or
  ``no-matching-release`` (the missing release may be on the index that failed).
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from pinwise.core import fixes
from pinwise.core.analysis.codes import default_severity
from pinwise.core.analysis.context import ProjectContext
from pinwise.core.analysis.findings import Finding, Fix, RelatedLocation, TextEdit
from pinwise.core.document import Document
from pinwise.core.files import file_url_to_path
from pinwise.core.index.types import (
    DetailsLookup,
    LookupStatus,
    NameMatcher,
    Project,
    ProjectLookup,
    Vulnerability,
)
from pinwise.core.markers import marker_holds
from pinwise.core.model import Dependency, DependencyKind, Severity
from pinwise.core.pep440 import parse_version
from pinwise.core.releases import ReleaseFacts
from pinwise.core.requirements import RequirementItem
from pinwise.core.requirements.includes import IncludeGraph
from pinwise.core.text import Span

__all__ = [
    "duplicate_findings",
    "hash_findings",
    "include_findings",
    "installed_findings",
    "parse_findings",
    "path_findings",
    "policy_findings",
    "project_findings",
    "stale_cache_finding",
    "unavailable_findings",
    "unknown_package_findings",
]

logger = logging.getLogger(__name__)

_POLICY_EXEMPT_SECTIONS = ("build-system.requires",)
_WINDOWS_PATH = re.compile(r"[A-Za-z]:[\\/]|\\\\")
_INSTALLED_SECTIONS = ("requirements", "project.dependencies", "tool.poetry.dependencies")


def _finding(
    code: str,
    message: str,
    span: Span,
    *,
    severity: Severity | None = None,
    fixes_: Iterable[Fix | None] = (),
    related: Sequence[RelatedLocation] = (),
    tags: Iterable[str] = (),
) -> Finding:
    return Finding(
        code=code,
        message=message,
        span=span,
        severity=severity if severity is not None else default_severity(code),
        fixes=tuple(fix for fix in fixes_ if fix is not None),
        related=tuple(related),
        tags=frozenset(tags),
    )


def _name_span(dependency: Dependency) -> Span:
    return dependency.name_span or dependency.span


def _specifier(dependency: Dependency) -> SpecifierSet | None:
    try:
        return SpecifierSet(dependency.specifier)
    except InvalidSpecifier:
        return None


def _is_poetry_union(dependency: Dependency) -> bool:
    return dependency.poetry and "|" in dependency.raw_constraint


def _is_exempt(dependency: Dependency, item: RequirementItem | None) -> bool:
    """``-e``, URL, VCS and path requirements cannot be pinned, so policy does not apply to them."""
    return (
        dependency.kind is not DependencyKind.NAMED
        or dependency.editable
        or (item is not None and item.editable)
        or dependency.section in _POLICY_EXEMPT_SECTIONS
        or "constraint" in dependency.section
        or "override" in dependency.section
    )


# --------------------------------------------------------------------------------------------------------
# Local rules
# --------------------------------------------------------------------------------------------------------


def parse_findings(document: Document) -> list[Finding]:
    """Every parser problem (syntax, options, ``unknown-option``) as a finding with the parser's severity,
    and the parser's replacement, when it has one, as a quick fix."""
    return [
        _finding(
            problem.code,
            problem.message,
            problem.span,
            severity=problem.severity,
            fixes_=[_replacement_fix(problem.span, problem.replacement)],
        )
        for problem in document.problems
    ]


def _replacement_fix(span: Span, replacement: str | None) -> Fix | None:
    if replacement is None:
        return None
    shown = replacement if len(replacement) <= 60 else replacement[:57] + "…"
    return Fix(f"Write it as {shown}", (TextEdit(span, replacement),), preferred=True)


def include_findings(document: Document, graph: IncludeGraph | None) -> list[Finding]:
    """``include-not-found`` and ``include-cycle`` on this document's ``-r`` / ``-c`` arguments."""
    if graph is None:
        return []
    return [
        _finding(problem.code, problem.message, problem.span, severity=problem.severity)
        for problem in graph.problems.get(graph.root, [])
    ]


def path_findings(
    document: Document, run_folder: Path | None, exists: Callable[[Path], bool]
) -> list[Finding]:
    """``path-not-found``: a local path requirement (a folder, an archive, ``-e path``, a ``file:`` URL) that
    names nothing on disk, which pip fails on when it installs.

    pip resolves a requirements file's relative paths against the folder it runs in, not the file's own, so
    such a path counts as found when it exists under either the file's folder or ``run_folder`` (the
    workspace folder in the editor, the current folder on the command line). Poetry's and PEP 621's paths
    are relative to the ``pyproject.toml``. Paths with ``${VAR}``, and Windows paths on other systems, are
    left alone: they cannot be judged here.
    """
    if document.path is None:
        return []
    folder = document.path.parent
    in_requirements_file = document.requirements is not None
    # A line pip rejects already has its error (an scp-like git address, say); "not found" adds nothing.
    errors = [p.span for p in document.problems if p.severity >= Severity.ERROR]
    found: list[Finding] = []
    for dependency in document.dependencies:
        if dependency.kind is not DependencyKind.PATH or not dependency.url or dependency.url_span is None:
            continue
        if any(dependency.span.start <= error.start <= dependency.span.end for error in errors):
            continue
        local = _local_path(dependency.url)
        if local is None:
            continue
        if local.is_absolute():
            candidates = [local]
        else:
            candidates = [folder / local]
            if in_requirements_file and run_folder is not None and run_folder != folder:
                candidates.append(run_folder / local)
        if any(exists(candidate) for candidate in candidates):
            continue
        where = " or ".join(str(candidate) for candidate in candidates)
        found.append(
            _finding(
                "path-not-found",
                f"{dependency.url} does not exist (looked for {where})",
                dependency.url_span,
            )
        )
    return found


def _local_path(written: str) -> Path | None:
    """The local path a path requirement names, or None when it cannot be judged on this machine."""
    if "${" in written:
        return None
    text = written.split("#", 1)[0] if "#egg=" in written else written
    if text.lower().startswith("file:"):
        if urllib.parse.urlsplit(text).netloc not in ("", "localhost"):
            return None  # a share on another machine
        return file_url_to_path(text)
    if _WINDOWS_PATH.match(text) and os.name != "nt":
        return None
    return Path(text) if text else None


def policy_findings(
    document: Document,
    context: ProjectContext,
    *,
    only: Sequence[Dependency] | None = None,
    latest: str | None = None,
    latest_hashes: Sequence[str] | None = None,
) -> list[Finding]:
    # ``latest_hashes``: the latest release's file hashes when the file uses hash-checking mode, else None.
    """``unpinned`` and ``no-upper-bound`` under the project's pinning policy.

    The local pass calls it without index data. The index pass calls it again for one project's
    dependencies (``only``) with the project's ``latest`` release, which adds "pin to latest" style fixes;
    :func:`pinwise.core.analysis.engine.merge_findings` lets those findings replace the local ones.
    """
    if context.exempt_from_pinning:
        return []
    items = document.requirement_items
    # A requirement pip would reject already has its syntax error; "unpinned" on top of it is noise.
    problems = [p.span for p in document.problems if p.severity >= Severity.ERROR]
    found: list[Finding] = []
    for dependency in document.dependencies if only is None else only:
        if dependency.name is None or _is_exempt(dependency, items.get(id(dependency))):
            continue
        if any(dependency.span.start <= span.start <= dependency.span.end for span in problems):
            continue
        if _is_poetry_union(dependency):
            continue
        installed = _installed_version(context, dependency)
        pin_installed = (
            fixes.pin_fix(document, dependency, installed, title=f"Pin to the installed version {installed}")
            if installed
            else None
        )
        pin_latest = (
            fixes.pin_fix(
                document,
                dependency,
                latest,
                title=f"Pin {dependency.name} to the latest version {latest}",
                hashes=latest_hashes,
                preferred=installed is None,
            )
            if latest and latest != installed
            else None
        )
        operators = {clause.operator for clause in dependency.clauses}
        if context.policy == "application":
            if dependency.pinned_version is None:
                what = (
                    "has no version constraint" if not dependency.clauses else "is not pinned to one version"
                )
                found.append(
                    _finding(
                        "unpinned",
                        f"{dependency.name} {what}; an application should pin an exact version (==)",
                        _name_span(dependency),
                        fixes_=(pin_installed, pin_latest),
                    )
                )
        elif not dependency.clauses:
            compatible = (
                fixes.compatible_fix(document, dependency, installed, title=None) if installed else None
            )
            compatible_latest = (
                fixes.compatible_fix(document, dependency, latest, title=None)
                if latest and latest != installed
                else None
            )
            found.append(
                _finding(
                    "unpinned",
                    f"{dependency.name} has no version constraint",
                    _name_span(dependency),
                    severity=Severity.INFORMATION,
                    fixes_=(compatible, compatible_latest),
                )
            )
        elif operators and operators <= {">=", ">", "!="} and operators & {">=", ">"}:
            found.append(
                _finding(
                    "no-upper-bound",
                    f"{dependency.name} {dependency.specifier} has no upper bound",
                    dependency.specifier_span or _name_span(dependency),
                    fixes_=(fixes.upper_bound_fix(document, dependency),),
                )
            )
    return found


@dataclass(frozen=True, slots=True)
class _Occurrence:
    path: str | None  # None: this document
    dependency: Dependency


def _occurrences(document: Document, graph: IncludeGraph | None) -> list[_Occurrence]:
    """The requirements pip would read with this document: its own, then those of ``-r`` includes."""
    if graph is None or document.requirements is None:
        return [_Occurrence(None, dependency) for dependency in document.dependencies]
    out: list[_Occurrence] = []
    for path, item, constraint in graph.requirements():
        if constraint:
            continue
        out.append(_Occurrence(None if path == graph.root else path, item.dependency))
    if not out:
        out = [_Occurrence(None, dependency) for dependency in document.dependencies]
    return out


def _probe_versions(dependencies: Iterable[Dependency]) -> list[Version]:
    """Versions around every clause's bound: enough to tell whether two specifiers share a version."""
    probes: set[Version] = {Version("0"), Version("999999")}
    for dependency in dependencies:
        for clause in dependency.clauses:
            version = parse_version(clause.version.removesuffix(".*"))
            if version is None:
                continue
            release = list(version.release)
            probes.add(version)
            probes.add(Version(".".join(map(str, [*release, 1]))))
            probes.add(Version(".".join(map(str, [*release[:-1], release[-1] + 1]))))
            probes.add(Version(".".join(map(str, [*release, 0, 1]))))
            if release[-1] > 0:
                lower = [*release[:-1], release[-1] - 1]
                probes.add(Version(".".join(map(str, [*lower, 99999]))))
    return sorted(probes)


def _share_a_version(first: Dependency, second: Dependency) -> bool:
    a, b = _specifier(first), _specifier(second)
    if a is None or b is None:
        return True
    both = a & b
    return any(both.contains(v, prereleases=True) for v in _probe_versions((first, second)))


def _same_group(a: Dependency, b: Dependency) -> bool:
    return a.section == b.section and a.group == b.group


def duplicate_findings(document: Document, graph: IncludeGraph | None = None) -> list[Finding]:
    """``duplicate`` and ``conflict`` between requirements of one project under the same marker."""
    occurrences = _occurrences(document, graph)
    seen: dict[tuple[str, str, str | None], list[_Occurrence]] = {}
    found: list[Finding] = []
    is_requirements = document.requirements is not None
    for occurrence in occurrences:
        dependency = occurrence.dependency
        canonical = dependency.canonical_name
        if canonical is None or _is_poetry_union(dependency):
            continue
        table = "" if is_requirements else f"{dependency.section}:{dependency.group}"
        key = (table, canonical, dependency.marker)
        earlier = seen.setdefault(key, [])
        if occurrence.path is None:
            for previous in earlier:
                finding = _compare(document, previous, occurrence)
                if finding is not None:
                    found.append(finding)
                    break
        elif earlier and any(p.path is None for p in earlier):
            # The later copy lives in an included file: report it on this document's copy.
            mine = next(p for p in earlier if p.path is None)
            finding = _compare(document, occurrence, mine, later_is_mine=True)
            if finding is not None:
                found.append(finding)
        earlier.append(occurrence)
    return found


def _compare(
    document: Document, previous: _Occurrence, current: _Occurrence, *, later_is_mine: bool = False
) -> Finding | None:
    """The finding on ``current`` (in this document) given an earlier requirement of the same project."""
    here, there = current.dependency, previous.dependency
    where = "in " + previous.path if previous.path else "above"
    if later_is_mine:
        where = "in " + (previous.path or "an included file")
    related = (RelatedLocation(previous.path, _name_span(there), f"{there.name} is also required here"),)
    spec_here, spec_there = _specifier(here), _specifier(there)
    extras_here = {canonicalize_name(e.name) for e in here.extras}
    extras_there = {canonicalize_name(e.name) for e in there.extras}
    if (
        spec_here is not None
        and spec_here == spec_there
        and here.kind == there.kind
        and here.url == there.url
    ):
        if extras_here != extras_there:
            return None
        remove = None if later_is_mine else fixes.remove_fix(document, here, title="Remove the duplicate")
        return _finding(
            "duplicate",
            f"{here.name} is already required {where}",
            here.span,
            fixes_=(remove,),
            related=related,
            tags=("unnecessary",),
        )
    if not _same_group(here, there) and document.requirements is None:
        return None
    if not _share_a_version(here, there):
        return _finding(
            "conflict",
            f"{here.name}{here.specifier} conflicts with {there.name}{there.specifier} {where}: "
            "no version satisfies both",
            here.specifier_span or here.span,
            related=related,
        )
    return _finding(
        "duplicate",
        f"{here.name} is required again {where} with a different specifier "
        f"({there.specifier or 'any version'}); pip combines both",
        here.span,
        related=related,
    )


def marker_applies(dependency: Dependency, python_version: str | None) -> bool:
    """False only when the marker is known to be false for the environment."""
    return marker_holds(dependency.marker, python_version)


def _installed_version(context: ProjectContext, dependency: Dependency) -> str | None:
    if context.installed is None or dependency.canonical_name is None:
        return None
    installed = context.installed.get(dependency.canonical_name)
    return installed.version if installed is not None else None


def installed_findings(document: Document, context: ProjectContext) -> list[Finding]:
    """``not-installed`` and ``installed-mismatch`` against the selected environment."""
    if context.installed is None or context.constraints_file:
        return []
    found: list[Finding] = []
    for dependency in document.dependencies:
        canonical = dependency.canonical_name
        if canonical is None or dependency.section not in _INSTALLED_SECTIONS or dependency.optional:
            continue
        if not marker_applies(dependency, context.python_version):
            continue
        installed = context.installed.get(canonical)
        if installed is None:
            found.append(
                _finding(
                    "not-installed",
                    f"{dependency.name} is not installed in the selected environment",
                    _name_span(dependency),
                )
            )
            continue
        specifier = _specifier(dependency)
        if specifier is None or not dependency.specifier or _is_poetry_union(dependency):
            continue
        if specifier.contains(installed.version, prereleases=True):
            continue
        pin = None
        if context.policy == "application" or dependency.pinned_version is not None:
            pin = fixes.pin_fix(
                document,
                dependency,
                installed.version,
                title=f"Pin to the installed version {installed.version}",
            )
        found.append(
            _finding(
                "installed-mismatch",
                f"{installed.name} {installed.version} is installed, which does not satisfy "
                f"{dependency.specifier}",
                dependency.specifier_span or _name_span(dependency),
                fixes_=(pin,),
            )
        )
    return found


def hash_findings(document: Document, graph: IncludeGraph | None = None) -> list[Finding]:
    """pip's hash-checking mode: once any requirement has ``--hash`` (or ``--require-hashes`` is given),
    every requirement must be pinned with ``==`` and carry a hash."""
    requirements = document.requirements
    if requirements is None:
        return []
    files = list(graph.files.values()) if graph is not None else [requirements]
    if requirements not in files:
        files.append(requirements)
    active = any(item.hashes for f in files for item in f.requirements) or any(
        f.options_named("--require-hashes") for f in files
    )
    if not active:
        return []
    found: list[Finding] = []
    for item in requirements.requirements:
        dependency = item.dependency
        name = dependency.name or dependency.span.text(document.text)
        if item.editable:
            message = f"{name} is editable, which pip refuses in hash-checking mode"
        elif dependency.kind is DependencyKind.NAMED and dependency.pinned_version is None:
            message = f"{name} must be pinned with == in hash-checking mode (this file set uses --hash)"
        elif not item.hashes:
            message = f"{name} has no --hash, which pip requires in hash-checking mode"
        else:
            continue
        found.append(_finding("hash-missing", message, dependency.span))
    return found


# --------------------------------------------------------------------------------------------------------
# Index rules
# --------------------------------------------------------------------------------------------------------


def unavailable_findings(dependencies: Sequence[Dependency], lookup: ProjectLookup) -> list[Finding]:
    """``could-not-check`` on each requirement of a project the index could not be asked about."""
    reason = f": {lookup.reason}" if lookup.reason else ""
    return [
        _finding(
            "could-not-check",
            f"Could not check {dependency.name} on the package index{reason}",
            _name_span(dependency),
        )
        for dependency in dependencies
    ]


def unknown_package_findings(
    document: Document, dependencies: Sequence[Dependency], names: NameMatcher | None
) -> list[Finding]:
    """``unknown-package`` with did-you-mean suggestions (one rename fix per suggestion)."""
    found: list[Finding] = []
    for dependency in dependencies:
        if dependency.name is None:
            continue
        suggestions: list[str] = []
        if names is not None:
            try:
                suggestions = [s for s in names.similar(dependency.name) if s != dependency.canonical_name][
                    :3
                ]
            except Exception:  # A broken name list must not hide the finding itself.
                logger.exception("did-you-mean failed for %s", dependency.name)
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        found.append(
            _finding(
                "unknown-package",
                f"{dependency.name} does not exist on the package index{hint}",
                _name_span(dependency),
                fixes_=[fixes.rename_fix(document, dependency, s) for s in suggestions],
            )
        )
    return found


def _update_kind(old: Version, new: Version) -> str:
    a, b = (*old.release, 0, 0)[:3], (*new.release, 0, 0)[:3]
    if a[0] != b[0]:
        return "major"
    if a[1] != b[1]:
        return "minor"
    return "patch"


def _release_version(facts: ReleaseFacts, version: Version) -> str:
    return facts.versions[version].version


def project_findings(
    document: Document,
    context: ProjectContext,
    dependencies: Sequence[Dependency],
    facts: ReleaseFacts,
    details: Mapping[str, DetailsLookup],
    *,
    prereleases_allowed: bool | None = None,
) -> list[Finding]:
    """Index findings for the requirements of one found project.

    ``details`` holds the detail lookups by version string, for the versions the engine asked about
    (each pinned version, and the newest allowed version of a requirement with extras).
    """
    found: list[Finding] = []
    hashed = document.uses_hashes
    for dependency in dependencies:
        found += _one_dependency(document, context, dependency, facts, details, hashed, prereleases_allowed)
    # The policy findings again, now able to offer the latest release (they replace the local ones).
    latest = facts.latest(prereleases=context.allow_prereleases or bool(prereleases_allowed))
    if latest is not None:
        found += policy_findings(
            document,
            context,
            only=dependencies,
            latest=_release_version(facts, latest),
            latest_hashes=_hashes(facts, latest, hashed),
        )
    return found


def _hashes(facts: ReleaseFacts, version: Version | None, hashed: bool) -> list[str] | None:
    if not hashed or version is None or version not in facts.versions:
        return None
    return fixes.hashes_of(facts.versions[version])


def _one_dependency(
    document: Document,
    context: ProjectContext,
    dependency: Dependency,
    facts: ReleaseFacts,
    details: Mapping[str, DetailsLookup],
    hashed: bool,
    prereleases_allowed: bool | None,
) -> list[Finding]:
    found: list[Finding] = []
    if _is_poetry_union(dependency):
        return found
    specifier = _specifier(dependency)
    if specifier is None:
        return found
    name = dependency.name or facts.project.name
    mentions_pre = any(
        (parse_version(c.version.removesuffix(".*")) or Version("0")).is_prerelease
        for c in dependency.clauses
    )
    allow_pre = mentions_pre or context.allow_prereleases or bool(prereleases_allowed)
    latest = facts.latest(prereleases=allow_pre)
    allowed = facts.allowed(specifier)
    complete = not facts.project.failures
    pinned_text = dependency.pinned_version
    pinned = parse_version(pinned_text) if pinned_text else None
    spec_span = dependency.specifier_span or _name_span(dependency)
    latest_text = _release_version(facts, latest) if latest is not None else None

    def pin_latest(title: str | None = None, preferred: bool = False) -> Fix | None:
        if latest_text is None:
            return None
        return fixes.pin_fix(
            document,
            dependency,
            latest_text,
            title=title,
            hashes=_hashes(facts, latest, hashed),
            preferred=preferred,
        )

    # unknown-version / no-matching-release
    if pinned is not None and pinned not in facts.versions:
        if complete:
            found.append(
                _finding(
                    "unknown-version",
                    f"{name} {pinned_text} is not on the package index"
                    + (f" (the latest is {latest_text})" if latest_text else ""),
                    spec_span,
                    fixes_=(pin_latest(f"Pin {name} to {latest_text}", preferred=True),),
                )
            )
        return found
    if dependency.specifier and not allowed:
        if complete:
            found.append(
                _finding(
                    "no-matching-release",
                    f"No release of {name} matches {dependency.specifier}"
                    + (f" (the latest is {latest_text})" if latest_text else ""),
                    spec_span,
                    fixes_=(pin_latest(f"Pin {name} to {latest_text}"),),
                )
            )
        return found

    # yanked / python-incompatible (about the pinned release)
    if pinned is not None:
        release = facts.versions[pinned]
        if release.yanked:
            reason = f": {release.yanked_reason}" if release.yanked_reason else ""
            replacement = pin_latest(f"Pin {name} to {latest_text}") if latest != pinned else None
            found.append(
                _finding(
                    "yanked",
                    f"{name} {pinned_text} was yanked from the package index{reason}",
                    spec_span,
                    fixes_=(replacement,),
                    tags=("deprecated",),
                )
            )
        if not facts.fits_python(release) and context.python_version is not None:
            source = context.requires_python_source or "the selected Python"
            supported = (
                f"Python {context.requires_python}"
                if context.requires_python
                else f"Python {context.python_version}"
            )
            found.append(
                _finding(
                    "python-incompatible",
                    f"{name} {pinned_text} requires Python {release.requires_python}, but the project supports "
                    f"{supported} (from {source})",
                    spec_span,
                    fixes_=(pin_latest(f"Pin {name} to {latest_text}") if latest != pinned else None,),
                )
            )

    # outdated
    newest_allowed = facts.selected(specifier, prereleases=allow_pre) if allowed else None
    if latest is not None and dependency.specifier and newest_allowed is not None and latest > newest_allowed:
        kind = _update_kind(newest_allowed, latest)
        offered: list[Fix | None] = []
        if pinned is not None:
            offered.append(pin_latest(f"Pin {name} to {latest_text}", preferred=True))
            if context.policy == "library":
                offered.append(fixes.relax_pin_fix(document, dependency))
        else:
            offered.append(
                fixes.update_fix(
                    document,
                    dependency,
                    latest_text or "",
                    hashes=_hashes(facts, latest, hashed),
                    preferred=True,
                )
            )
        found.append(
            _finding(
                "outdated",
                f"{name} {latest_text} is available ({kind} update); "
                f"{dependency.specifier} allows up to {_release_version(facts, newest_allowed)}",
                spec_span,
                fixes_=offered,
            )
        )

    # vulnerable / unknown-extra (from the release's details)
    if pinned is not None:
        lookup = details.get(pinned_text or "")
        if lookup is not None and lookup.status is LookupStatus.FOUND and lookup.details is not None:
            vulnerabilities = lookup.details.vulnerabilities or ()
            if vulnerabilities:
                found.append(_vulnerable(document, dependency, facts, pinned, vulnerabilities, hashed))
    if dependency.extras:
        version = pinned if pinned is not None else facts.selected(specifier, prereleases=False)
        lookup = details.get(_release_version(facts, version)) if version in facts.versions else None
        if lookup is not None and lookup.status is LookupStatus.FOUND and lookup.details is not None:
            found += _unknown_extras(document, dependency, lookup.details.provides_extra, version)
    return found


def _vulnerable(
    document: Document,
    dependency: Dependency,
    facts: ReleaseFacts,
    pinned: Version,
    vulnerabilities: Sequence[Vulnerability],
    hashed: bool,
) -> Finding:
    items = list(vulnerabilities)
    labels = [v.id + (f" ({', '.join(v.aliases)})" if v.aliases else "") for v in items]
    # The first version that fixes every known vulnerability: for each, its lowest fix above the pin.
    needed: Version | None = None
    unfixed = False
    for vulnerability in items:
        fixes_above = sorted(
            v
            for v in (parse_version(text) for text in vulnerability.fixed_in)
            if v is not None and v > pinned
        )
        if not fixes_above:
            unfixed = True
            continue
        if needed is None or fixes_above[0] > needed:
            needed = fixes_above[0]
    name = dependency.name or facts.project.name
    count = len(items)
    noun = "vulnerability" if count == 1 else "vulnerabilities"
    message = f"{name} {dependency.pinned_version} has {count} known {noun}: {', '.join(labels)}"
    fix: Fix | None = None
    if needed is not None:
        version_text = facts.versions[needed].version if needed in facts.versions else str(needed)
        message += f"; fixed in {version_text}"
        fix = fixes.pin_fix(
            document,
            dependency,
            version_text,
            title=f"Pin {name} to {version_text} (fixes the known vulnerabilities)"
            if not unfixed
            else f"Pin {name} to {version_text}",
            hashes=_hashes(facts, needed, hashed),
            preferred=True,
        )
    if unfixed:
        message += "; no fixed release is known for some"
    return _finding("vulnerable", message, dependency.specifier_span or _name_span(dependency), fixes_=(fix,))


def _unknown_extras(
    document: Document, dependency: Dependency, provided: Sequence[str], version: Version | None
) -> list[Finding]:
    if not provided:
        return []  # No extras declared may mean the metadata simply does not list them.
    canonical: dict[str, str] = {canonicalize_name(extra): extra for extra in provided}
    found: list[Finding] = []
    for extra in dependency.extras:
        if canonicalize_name(extra.name) in canonical:
            continue
        close = difflib.get_close_matches(canonicalize_name(extra.name), list(canonical), n=3, cutoff=0.6)
        offered: list[Fix | None] = []
        for suggestion in close:
            edit_text = canonical[suggestion]
            offered.append(Fix(f"Change to {edit_text}", (TextEdit(extra.span, edit_text),)))
        release = f" {version}" if version is not None else ""
        found.append(
            _finding(
                "unknown-extra",
                f"{dependency.name}{release} has no extra '{extra.name}' (it provides: {', '.join(sorted(provided))})",
                extra.span,
                fixes_=offered,
            )
        )
    return found


def stale_cache_finding(stale: Sequence[tuple[Dependency, Project]]) -> Finding | None:
    """One INFORMATION finding per document when some answers came from a stale cache."""
    if not stale:
        return None
    names = sorted({project.name for _, project in stale})
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    first = min((dependency for dependency, _ in stale), key=lambda d: d.span.start)
    return _finding(
        "stale-cache",
        f"The package index is unreachable; showing cached data for {shown}",
        _name_span(first),
    )
