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
import logging
from collections.abc import Callable, Sequence

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from pinwise.core import piptools
from pinwise.core.analysis import rules
from pinwise.core.analysis.context import AnalysisSettings, ProjectContext
from pinwise.core.analysis.findings import Finding
from pinwise.core.document import Document
from pinwise.core.index.client import pick_release
from pinwise.core.index.types import DetailsLookup, LookupStatus, PackageIndex, Project
from pinwise.core.model import Dependency, DependencyKind
from pinwise.core.workspace import Workspace

__all__ = [
    "MAX_CONCURRENT_LOOKUPS",
    "ProgressCallback",
    "analyze",
    "index_findings",
    "latest_versions",
    "local_findings",
]

logger = logging.getLogger(__name__)

MAX_CONCURRENT_LOOKUPS = 16

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
                finding = Finding(
                    finding.code,
                    finding.message,
                    finding.span,
                    severity,
                    finding.fixes,
                    finding.related,
                    finding.tags,
                )
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
    doc: Document, ctx: ProjectContext, settings: AnalysisSettings, workspace: Workspace | None = None
) -> list[Finding]:
    """Every finding that needs no index: syntax, includes, policy, duplicates, environment, hashes."""
    graph = workspace.include_graph(doc) if workspace is not None else None
    found: list[Finding] = []
    found += rules.parse_findings(doc)
    found += rules.include_findings(doc, graph)
    found += rules.policy_findings(doc, ctx)
    found += rules.duplicate_findings(doc, graph)
    found += rules.installed_findings(doc, ctx)
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


def _detail_versions(dependencies: Sequence[Dependency], facts: rules.ReleaseFacts) -> set[str]:
    """The versions whose details the rules need: each pin, and the newest allowed one for extras."""
    wanted: set[str] = set()
    for dependency in dependencies:
        pinned = dependency.pinned_version
        version: Version | None = None
        if pinned is not None:
            try:
                version = Version(pinned)
            except InvalidVersion:
                version = None
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
) -> list[Finding]:
    lookup = await index.project(canonical)
    if lookup.status is LookupStatus.UNAVAILABLE:
        return rules.unavailable_findings(dependencies, lookup)
    if lookup.status is LookupStatus.NOT_FOUND or lookup.project is None:
        return rules.unknown_package_findings(doc, dependencies, index.names())
    project = lookup.project
    if project.from_stale_cache:
        stale.append((dependencies[0], project))
    facts = rules.release_facts(project, ctx)
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
                return await _check_project(doc, ctx, settings, index, canonical, dependencies, stale)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # One project's failure must not hide the others' findings.
                logger.exception("checking %s on the index failed", canonical)
                from pinwise.core.index.types import ProjectLookup

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


async def latest_versions(doc: Document, index: PackageIndex) -> dict[str, str]:
    """Canonical name -> the release pip would pick without a specifier, for every named dependency of
    ``doc`` (the input of ``fixes.pin_all`` and ``fixes.update_all``).

    The choice is the index client's (``pick_release``: not yanked, final when there is one); names the index
    cannot answer for (missing, unreachable) are left out, so no fix ever guesses a version.
    """
    names = sorted({d.canonical_name for d in doc.dependencies if d.canonical_name})
    semaphore = asyncio.Semaphore(MAX_CONCURRENT_LOOKUPS)

    async def lookup(name: str) -> str | None:
        async with semaphore:
            found = await index.project(name)
        if found.status is not LookupStatus.FOUND or found.project is None:
            return None
        release = pick_release(found.project, None)
        return release.version if release is not None else None

    answers = await asyncio.gather(*(lookup(name) for name in names))
    return {name: version for name, version in zip(names, answers, strict=True) if version is not None}
