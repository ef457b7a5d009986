"""Diagnostics: a keystroke re-parses at once and publishes the local findings; findings that need the index
follow as its answers arrive (re-publishing at most every ``PUBLISH_DELAY`` seconds, longer for long lists:
each publication re-sends every diagnostic of the file). Every publication
carries the document version it was computed for, and a newer version cancels the older analysis."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from pinwise.lsp.progress import WorkDone

if TYPE_CHECKING:
    from pinwise.core.analysis.context import AnalysisSettings, ProjectContext
    from pinwise.core.analysis.findings import Finding
    from pinwise.core.requirements.includes import IncludeGraph
    from pinwise.lsp.server import OpenDocument, PinwiseServer

logger = logging.getLogger(__name__)

# Index answers arriving close together are published together.
PUBLISH_DELAY = 0.05
# Each further this many findings add PUBLISH_DELAY between partial publications, up to MAX_PUBLISH_DELAY:
# a 300-dependency file then publishes a few times while it loads rather than forty times.
FINDINGS_PER_DELAY = 50
MAX_PUBLISH_DELAY = 0.5
# After a keystroke the index pass waits this long: typing bursts start one pass, not one per key, and the
# local findings just published reach the client before the index pass takes the event loop.
TYPING_PAUSE = 0.15
# A file with more dependencies than this shows a progress bar while its index data loads.
PROGRESS_THRESHOLD = 50


def local_findings(server: PinwiseServer, doc: OpenDocument, graph: IncludeGraph | None) -> list[Finding]:
    """The findings that need no network: the parse problems and the analysis's local rules (includes,
    duplicates across included files and hashes among them, through the core workspace). ``graph``: the
    include graph :func:`refresh_dependencies` resolved for this version, so it is not resolved twice."""
    from pinwise.core.analysis import engine
    from pinwise.core.analysis.findings import Finding

    try:
        context, settings = analysis_inputs(server, doc)
        workspace = server.workspace_for(doc.path)
        return list(engine.local_findings(doc.document, context, settings, workspace, graph=graph))
    except Exception:
        logger.exception("Local analysis of %s failed; showing parse problems only", doc.path)
    return [Finding(p.code, p.message, p.span, p.severity) for p in doc.document.problems]


def analysis_inputs(server: PinwiseServer, doc: OpenDocument) -> tuple[ProjectContext, AnalysisSettings]:
    """The engine's project context and settings for ``doc``: the editor's settings, and what the core
    workspace knows (the nearest ``pyproject.toml``) and the selected environment holds."""
    from pinwise.core.analysis.context import AnalysisSettings

    settings = server.settings_for(doc.path)
    analysis_settings = AnalysisSettings(
        policy=settings.policy.value,
        severities=dict(settings.diagnostics.severity),
        prereleases=settings.diagnostics.prereleases or None,
    )
    context = server.workspace_for(doc.path).context_for(
        doc.document, analysis_settings, installed_for(server, doc)
    )
    return context, analysis_settings


def installed_for(server: PinwiseServer, doc: OpenDocument) -> Any:
    """What is installed in the environment selected for ``doc``'s folder (None when none is selected)."""
    folder = server.folder_of(doc.path)
    return server.installed.get(folder) if folder is not None else None


def refresh_dependencies(server: PinwiseServer, doc: OpenDocument) -> IncludeGraph | None:
    """Record the files ``doc`` includes with ``-r``/``-c`` (transitively), as the core resolves them: their
    paths (to re-analyse ``doc`` when one changes) and their parses (their index options count too). The
    sources of a compiled file (pip-compile, uv) count as files it depends on, but not as includes."""
    from pinwise.core import piptools

    workspace = server.workspace_for(doc.path)
    sources = [str(path) for path in piptools.compiled_inputs(doc.document, workspace.load)]
    graph = workspace.include_graph(doc.document)
    if graph is None:
        doc.depends_on = frozenset(sources)
        doc.included_files = ()
        return None
    # A missing file is kept too: its appearing on disk must re-analyse this one. URLs are not watched.
    targets = [edge.target for edge in graph.edges if edge.target != graph.root and "://" not in edge.target]
    doc.depends_on = frozenset([*targets, *sources])
    doc.included_files = tuple(graph.included_files())
    return graph


def analyse(server: PinwiseServer, uri: str, *, typing: bool = False) -> None:
    """Publish the local findings of ``uri`` now and start (or restart) its index-backed analysis (after
    :data:`TYPING_PAUSE` when ``typing``: an edit rather than an open)."""
    doc = server.documents.get(uri)
    if doc is None:
        return
    started = time.perf_counter()
    graph = None
    try:
        graph = refresh_dependencies(server, doc)
    except Exception:
        logger.exception("Resolving the includes of %s failed", doc.path)
    doc.local_findings = local_findings(server, doc, graph)
    # The previous index findings stay while their text is unchanged, so squiggles do not flicker per key.
    text = doc.document.text
    kept = [
        (finding, anchor)
        for finding, anchor in zip(doc.index_findings, doc.index_anchors, strict=True)
        if finding.span.end <= len(text) and finding.span.text(text) == anchor
    ]
    doc.index_findings = [finding for finding, _ in kept]
    doc.index_anchors = [anchor for _, anchor in kept]
    publish(server, doc)
    logger.debug("Local analysis of %s in %.1f ms", doc.path.name, (time.perf_counter() - started) * 1000)
    pause = TYPING_PAUSE if typing else 0.0
    server.analyses.start(uri, _index_phase(server, uri, doc.version, pause), f"analyse {doc.path.name}")


async def _index_phase(server: PinwiseServer, uri: str, version: int | None, pause: float = 0.0) -> None:
    from pinwise.core.analysis import engine

    if pause:
        await asyncio.sleep(pause)  # a newer keystroke cancels this task while it waits
    doc = server.documents.get(uri)
    if doc is None:
        return
    context, settings = analysis_inputs(server, doc)
    index = server.index_for(doc)
    latest: list[Finding] = []
    flush: asyncio.TimerHandle | None = None

    def publish_latest() -> None:
        nonlocal flush
        flush = None
        current = server.documents.get(uri)
        if current is doc and doc.version == version:
            doc.index_findings = list(latest)
            doc.index_anchors = [finding.span.text(doc.document.text) for finding in latest]
            publish(server, doc)

    def on_progress(*args: Any) -> None:
        nonlocal flush
        found = next((a for a in args if isinstance(a, (list, tuple))), None)
        if found is None:
            return
        latest[:] = found
        if flush is None:
            delay = min(MAX_PUBLISH_DELAY, PUBLISH_DELAY * (1 + len(latest) // FINDINGS_PER_DELAY))
            flush = asyncio.get_running_loop().call_later(delay, publish_latest)

    count = len(doc.document.dependencies)
    try:
        if count > PROGRESS_THRESHOLD:
            async with WorkDone(server, f"Checking {count} dependencies") as progress:
                progress.report(doc.path.name)
                result = await engine.index_findings(
                    doc.document, context, settings, index, on_progress=on_progress
                )
        else:
            result = await engine.index_findings(
                doc.document, context, settings, index, on_progress=on_progress
            )
    finally:
        if flush is not None:
            flush.cancel()
    latest[:] = list(result)
    publish_latest()


def analyse_dependents(server: PinwiseServer, uri: str) -> None:
    """Re-analyse every open document that depends on the file at ``uri`` (includes it, or was compiled
    from it)."""
    path = to_fs_path(uri)
    if path is None:
        return
    for other_uri, other in list(server.documents.items()):
        if other_uri != uri and path in other.depends_on:
            analyse(server, other_uri)


def diagnostics_of(server: PinwiseServer, doc: OpenDocument) -> list[types.Diagnostic]:
    """The diagnostics of ``doc``'s findings. Converted ones are kept for the document's version (their
    ranges and data depend on it only), so the partial publications of a long index pass convert each
    finding once."""
    from pinwise.lsp.convert import diagnostic

    overrides = server.settings_for(doc.path).diagnostics.severity
    if doc.converted_version != doc.version or doc.converted_overrides is not overrides:
        doc.converted.clear()
        doc.converted_version = doc.version
        doc.converted_overrides = overrides
    result: list[types.Diagnostic] = []
    for finding in doc.findings:
        # Keyed by identity: the finding is kept in the entry, so its id cannot be reused meanwhile.
        cached = doc.converted.get(id(finding))
        if cached is not None and cached[0] is finding:
            converted = cached[1]
        else:
            converted = diagnostic(
                finding,
                doc.converter,
                uri=doc.uri,
                version=doc.version,
                severity_overrides=overrides,
                uri_for_path=from_fs_path,
            )
            doc.converted[id(finding)] = (finding, converted)
        if converted is not None:
            result.append(converted)
    return result


def publish(server: PinwiseServer, doc: OpenDocument) -> None:
    server.text_document_publish_diagnostics(
        types.PublishDiagnosticsParams(
            uri=doc.uri, diagnostics=diagnostics_of(server, doc), version=doc.version
        )
    )


def clear(server: PinwiseServer, uri: str) -> None:
    server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def register(server: PinwiseServer) -> None:
    """Diagnostics are pushed from the document handlers; nothing to register of their own."""
