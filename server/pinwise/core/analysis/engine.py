"""Run the rules over a document: the fast local pass, the index pass, and both together.

:func:`local_findings` is synchronous and does no network I/O (a 300-requirement file takes a few
milliseconds), so the language server can publish it on every edit. :func:`index_findings` asks the index
about every distinct project concurrently (at most :data:`MAX_CONCURRENT_LOOKUPS` at once) and reports
progress as answers arrive, so diagnostics fill in while the network works; cancelling the task that
awaits it cancels every lookup promptly. Both apply the severity overrides (``None`` drops a code) and
return findings sorted by span.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pinwise.core import fixes, piptools
from pinwise.core.analysis import rules
from pinwise.core.analysis.context import AnalysisSettings, ProjectContext
from pinwise.core.analysis.findings import Finding, Fix
from pinwise.core.document import Document
from pinwise.core.index.types import DetailsLookup, LookupStatus, PackageIndex, Project, ProjectLookup
from pinwise.core.model import Dependency, DependencyKind
from pinwise.core.pep440 import parse_version
from pinwise.core.releases import ReleaseFacts, release_facts
from pinwise.core.requirements.includes import IncludeGraph
from pinwise.core.workspace import Workspace

__all__ = [
    "MAX_CONCURRENT_LOOKUPS",
    "ProgressCallback",
    "analyze",
    "index_findings",
    "local_findings",
    "release_choices",
    "whole_file_fix",
]

logger = logging.getLogger(__name__)

MAX_CONCURRENT_LOOKUPS = 16
# How long an unknown package's finding waits for the project-name list its did-you-mean needs. In the
# editor the list is usually loaded already (the server loads it at start-up, the cache keeps it a day),
# the other findings are published meanwhile, and a finding is worth more now without suggestions than
# late with them. The command line has nothing else to show and waits longer (``CLI_SUGGESTIONS_WAIT``): a
# cold list from a large index takes several seconds.
SUGGESTIONS_WAIT = 5.0
CLI_SUGGESTIONS_WAIT = 30.0

ProgressCallback = Callable[[list[Finding], int, int], None]


def _finish(findings: list[Finding], context: ProjectContext, settings: AnalysisSettings) -> list[Finding]:
    overrides = context.severities(settings)
    out: list[Finding] = []
    for finding in findings:
        if finding.code in overrides:
            severity = overrides[finding.code]
            if severity is None:
                continue
            if severity != finding.severity:
                finding = dataclasses.replace(finding, severity=severity)
        out.append(finding)
    out.sort(key=lambda f: (f.span.start, f.span.end, f.code))
    return out


def merge_findings(local: Sequence[Finding], remote: Sequence[Finding]) -> list[Finding]:
    """Local and index findings together. The index pass repeats some local findings with better fixes
    (``unpinned`` gains "pin to the latest version"); such a finding replaces the local one with the same
    code and span, so nobody sees it twice."""
    replaced = {(f.code, f.span) for f in remote}
    merged = [f for f in local if (f.code, f.span) not in replaced]
    merged += remote
    merged.sort(key=lambda f: (f.span.start, f.span.end, f.code))
    return merged


def local_findings(
    doc: Document,
    ctx: ProjectContext,
    settings: AnalysisSettings,
    workspace: Workspace | None = None,
    *,
    graph: IncludeGraph | None = None,
) -> list[Finding]:
    """Every finding that needs no index: syntax, includes, policy, duplicates, environment, hashes.
    ``graph``: the document's include graph when the caller has resolved it already (else resolved here)."""
    if graph is None and workspace is not None:
        graph = workspace.include_graph(doc)
    found: list[Finding] = []
    found += rules.parse_findings(doc)
    found += rules.include_findings(doc, graph)
    if workspace is not None:
        found += rules.path_findings(doc, workspace.run_folder, workspace.path_exists)
    found += rules.policy_findings(doc, ctx)
    found += rules.duplicate_findings(doc, graph)
    found += rules.installed_findings(doc, ctx)
    if not ctx.compile_source:
        # pip-compile reads a source, pip never installs it: hash-checking mode (which a hashed -c file
        # would turn on for pip) does not apply; the compiled file carries the hashes.
        found += rules.hash_findings(doc, graph)
    found += piptools.compiled_findings(doc, workspace.load if workspace is not None else None)
    return _finish(found, ctx, settings)


def _checked_dependencies(doc: Document) -> dict[str, list[Dependency]]:
    """Named requirements by canonical name (URL, VCS and path requirements are not on an index)."""
    by_name: dict[str, list[Dependency]] = {}
    for dependency in doc.dependencies:
        canonical = dependency.canonical_name
        if canonical is None or dependency.kind is not DependencyKind.NAMED:
            continue
        by_name.setdefault(canonical, []).append(dependency)
    return by_name


def _detail_versions(dependencies: Sequence[Dependency], facts: ReleaseFacts) -> set[str]:
    """The versions whose details the rules need: each pin, and the newest allowed one for extras."""
    wanted: set[str] = set()
    for dependency in dependencies:
        pinned = dependency.pinned_version
        if pinned is not None:
            version = parse_version(pinned)
            if version is not None and version in facts.versions:
                wanted.add(facts.versions[version].version)
            continue
        if dependency.extras:
            try:
                # The extras are checked against the release pip would install for this specifier.
                selected = facts.selected(SpecifierSet(dependency.specifier), prereleases=False)
            except InvalidSpecifier:
                continue
            if selected is not None:
                wanted.add(facts.versions[selected].version)
    return wanted


async def _check_project(
    doc: Document,
    ctx: ProjectContext,
    settings: AnalysisSettings,
    index: PackageIndex,
    canonical: str,
    dependencies: list[Dependency],
    stale: list[tuple[Dependency, Project]],
    suggestions_wait: float,
) -> list[Finding]:
    lookup = await index.project(canonical)
    if lookup.status is LookupStatus.UNAVAILABLE:
        return rules.unavailable_findings(dependencies, lookup)
    if lookup.status is LookupStatus.NOT_FOUND or lookup.project is None:
        names = await index.names_within(suggestions_wait)
        return rules.unknown_package_findings(doc, dependencies, names)
    project = lookup.project
    if project.from_stale_cache:
        stale.append((dependencies[0], project))
    facts = release_facts(project, ctx.python_version)
    versions = sorted(_detail_versions(dependencies, facts))
    details: dict[str, DetailsLookup] = {}
    if versions:
        answers = await asyncio.gather(*(index.details(canonical, version) for version in versions))
        details = dict(zip(versions, answers, strict=True))
    return rules.project_findings(
        doc, ctx, dependencies, facts, details, prereleases_allowed=settings.prereleases
    )


async def index_findings(
    doc: Document,
    ctx: ProjectContext,
    settings: AnalysisSettings,
    index: PackageIndex,
    *,
    on_progress: ProgressCallback | None = None,
    suggestions_wait: float = SUGGESTIONS_WAIT,
) -> list[Finding]:
    """Findings that need the index, for every distinct project of ``doc``.

    ``on_progress(findings_so_far, done, total)`` is called after each project is resolved (findings
    filtered and sorted as the final result is). A failure inside one project's check is logged and gives
    ``could-not-check`` for it rather than failing the whole pass.
    """
    by_name = _checked_dependencies(doc)
    total = len(by_name)
    semaphore = asyncio.Semaphore(MAX_CONCURRENT_LOOKUPS)
    stale: list[tuple[Dependency, Project]] = []
    collected: list[Finding] = []
    done = 0

    async def one(canonical: str, dependencies: list[Dependency]) -> list[Finding]:
        async with semaphore:
            try:
                return await _check_project(
                    doc, ctx, settings, index, canonical, dependencies, stale, suggestions_wait
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:  # One project's failure must not hide the others' findings.
                logger.exception("checking %s on the index failed", canonical)
                failure = ProjectLookup(
                    LookupStatus.UNAVAILABLE, reason=f"internal error ({type(error).__name__})"
                )
                return rules.unavailable_findings(dependencies, failure)

    tasks = [asyncio.ensure_future(one(name, deps)) for name, deps in by_name.items()]
    try:
        for next_done in asyncio.as_completed(tasks):
            collected += await next_done
            done += 1
            if on_progress is not None:
                try:
                    on_progress(_finish(list(collected), ctx, settings), done, total)
                except Exception:  # The callback is the caller's; its failure must not stop the analysis.
                    logger.exception("progress callback failed")
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
        if tasks:
            # Wait for cancelled lookups to unwind so none outlives this call.
            await asyncio.gather(*tasks, return_exceptions=True)
    notice = rules.stale_cache_finding(stale)
    if notice is not None:
        collected.append(notice)
    return _finish(collected, ctx, settings)


async def analyze(
    doc: Document,
    ctx: ProjectContext,
    settings: AnalysisSettings,
    index: PackageIndex | None = None,
    *,
    workspace: Workspace | None = None,
    on_progress: ProgressCallback | None = None,
) -> list[Finding]:
    """Local findings, plus index findings when an index is given, merged and sorted."""
    local = local_findings(doc, ctx, settings, workspace)
    if index is None:
        return local
    remote = await index_findings(doc, ctx, settings, index, on_progress=on_progress)
    return merge_findings(local, remote)


@dataclass(slots=True)
class ReleaseChoices:
    """For each named dependency's project: the release "pin all" and "update all" move to (the newest one
    the ``outdated`` rule would name), its sha256 digests, and why a project was left out."""

    versions: dict[str, str] = field(default_factory=dict)
    digests: dict[str, list[str]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    # For each requirement with a range (by ``id()``): the newest release its range allows.
    within_range: dict[int, str] = field(default_factory=dict)
    within_digests: dict[int, list[str]] = field(default_factory=dict)
    # Why the whole file was left alone (a file pip-compile or uv generated is changed through its source).
    refused: str | None = None


async def release_choices(doc: Document, ctx: ProjectContext, index: PackageIndex) -> ReleaseChoices:
    """Ask the index about every named dependency of ``doc`` (bounded concurrency). Names it cannot answer
    for (missing, unreachable) are left out with a reason, so no fix ever guesses a version."""
    by_name = _checked_dependencies(doc)
    names = sorted(by_name)
    semaphore = asyncio.Semaphore(MAX_CONCURRENT_LOOKUPS)

    async def lookup(name: str) -> ProjectLookup:
        async with semaphore:
            return await index.project(name)

    choices = ReleaseChoices()
    for name, found in zip(names, await asyncio.gather(*(lookup(n) for n in names)), strict=True):
        if found.status is LookupStatus.UNAVAILABLE:
            choices.skipped.append(f"{name}: could not check on the package index: {found.reason}")
            continue
        if found.status is LookupStatus.NOT_FOUND or found.project is None:
            choices.skipped.append(f"{name}: no configured package index has this project")
            continue
        facts = release_facts(found.project, ctx.python_version)
        latest = facts.latest(prereleases=ctx.allow_prereleases)
        if latest is None:
            choices.skipped.append(f"{name}: no release fits this project")
            continue
        release = facts.versions[latest]
        choices.versions[name] = release.version
        choices.digests[name] = fixes.hashes_of(release)
        for dependency in by_name[name]:
            if not dependency.clauses:
                continue
            try:
                specifier = SpecifierSet(dependency.specifier)
            except InvalidSpecifier:
                continue
            selected = facts.selected(specifier, prereleases=ctx.allow_prereleases)
            if selected is not None:
                choices.within_range[id(dependency)] = facts.versions[selected].version
                choices.within_digests[id(dependency)] = fixes.hashes_of(facts.versions[selected])
    return choices


async def whole_file_fix(
    doc: Document, ctx: ProjectContext, index: PackageIndex, *, pin: bool, update: bool
) -> tuple[Fix | None, ReleaseChoices]:
    """ "Pin all" / "update all" for ``doc``: the one fix (or None when nothing changes) and the choices
    behind it. Hashes follow when the file uses hash-checking mode. A compiled file is never edited: its
    pins are the tool's, so the answer is None with ``refused`` saying why."""
    origin = piptools.compiled_origin(doc)
    if origin is not None:
        return None, ReleaseChoices(refused=f"{origin}; upgrade in the source and recompile instead")
    choices = await release_choices(doc, ctx, index)
    uses_hashes = doc.uses_hashes
    edits = fixes.whole_file_edits(
        doc,
        choices.versions,
        choices.digests if uses_hashes else None,
        pin=pin,
        update=update,
        policy=ctx.policy,
        exempt_from_pinning=ctx.exempt_from_pinning,
        pin_versions=choices.within_range,
        pin_hashes=choices.within_digests,
    )
    if not edits:
        return None, choices
    if pin and not update:
        return Fix("Pin every requirement", tuple(edits), kind=fixes.PIN_ALL_KIND), choices
    if update and not pin:
        return Fix("Update every requirement", tuple(edits), kind=fixes.UPDATE_ALL_KIND), choices
    return Fix("Pin and update every requirement", tuple(edits), kind="source.fixAll"), choices
