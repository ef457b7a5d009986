"""Diagnostics: a keystroke re-parses at once and publishes the local findings; findings that need the index
follow as its answers arrive (re-publishing at most every ``PUBLISH_DELAY`` seconds). Every publication
carries the document version it was computed for, and a newer version cancels the older analysis."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from pinwise.lsp.progress import WorkDone

if TYPE_CHECKING:
    from pinwise.core.analysis.findings import Finding
    from pinwise.lsp.server import OpenDocument, PinwiseServer

logger = logging.getLogger(__name__)

# Index answers arriving close together are published together.
PUBLISH_DELAY = 0.05
# A file with more dependencies than this shows a progress bar while its index data loads.
PROGRESS_THRESHOLD = 50


def _engine() -> Any | None:
    try:
        from pinwise.core.analysis import engine
    except ImportError:
        return None
    return engine


def local_findings(server: PinwiseServer, doc: OpenDocument) -> list[Finding]:
    """The findings that need no network: the parse problems and the analysis's local rules."""
    from pinwise.core.analysis.findings import Finding

    engine = _engine()
    if engine is not None:
        try:
            context, settings = _analysis_inputs(server, doc)
            return list(engine.local_findings(doc.document, context, settings, None))
        except Exception:
            logger.exception("Local analysis of %s failed; showing parse problems only", doc.path)
    return [Finding(p.code, p.message, p.span, p.severity) for p in doc.document.problems]


def _analysis_inputs(server: PinwiseServer, doc: OpenDocument) -> tuple[Any, Any]:
    """The engine's project context and settings for ``doc``, from the editor's settings, the nearest
    ``pyproject.toml`` and the selected environment."""
    from pinwise.core.analysis.context import AnalysisSettings, build_context

    settings = server.settings_for(doc.path)
    analysis_settings = AnalysisSettings(
        policy=settings.policy.value,
        severities=dict(settings.diagnostics.severity),
        prereleases=settings.diagnostics.prereleases or None,
    )
    folder = server.folder_of(doc.path)
    pyproject_path, pyproject = nearest_pyproject(server, doc.path, folder)
    context = build_context(
        doc.document,
        analysis_settings,
        pyproject=pyproject,
        pyproject_path=pyproject_path,
        installed=server.installed.get(folder) if folder else None,
    )
    return context, analysis_settings


def nearest_pyproject(server: PinwiseServer, path: Path, folder: str | None) -> tuple[Path | None, Any]:
    """The parse of the ``pyproject.toml`` nearest above ``path`` (inside its workspace folder), from the
    editor when it is open, else from the disk (cached by modification time)."""
    from pinwise.core.pyproject import parse_pyproject

    stop = Path(folder) if folder else None
    for directory in path.parents:
        candidate = directory / "pyproject.toml"
        if candidate == path:
            break
        for other in server.documents.values():
            if other.path == candidate:
                return candidate, other.document.pyproject
        try:
            stamp = candidate.stat().st_mtime_ns
        except OSError:
            stamp = None
        if stamp is not None:
            cached = server.pyproject_cache.get(candidate)
            if cached is None or cached[0] != stamp:
                try:
                    text = candidate.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    return None, None
                cached = (stamp, parse_pyproject(text, str(candidate)))
                server.pyproject_cache[candidate] = cached
            return candidate, cached[1]
        if stop is None or directory == stop or directory == directory.parent:
            break
    return None, None


def analyse(server: PinwiseServer, uri: str) -> None:
    """Publish the local findings of ``uri`` now and start (or restart) its index-backed analysis."""
    doc = server.documents.get(uri)
    if doc is None:
        return
    started = time.perf_counter()
    doc.local_findings = local_findings(server, doc)
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
    server.analyses.start(uri, _index_phase(server, uri, doc.version), f"analyse {doc.path.name}")


async def _index_phase(server: PinwiseServer, uri: str, version: int | None) -> None:
    doc = server.documents.get(uri)
    if doc is None:
        return
    doc.includes = await _includes_of(server, doc)
    engine = _engine()
    if engine is None or not hasattr(engine, "index_findings"):
        return
    context, settings = _analysis_inputs(server, doc)
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
            flush = asyncio.get_running_loop().call_later(PUBLISH_DELAY, publish_latest)

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


async def _includes_of(server: PinwiseServer, doc: OpenDocument) -> frozenset[str]:
    """Every file ``doc`` includes with ``-r``/``-c`` (transitively), read from the editor or the disk."""
    if doc.document.requirements is None:
        return frozenset()
    from pinwise.core.requirements.includes import resolve_includes

    open_texts = {str(d.path): d.document.text for d in server.documents.values()}

    def read_text(path: str) -> str | None:
        if path in open_texts:
            return open_texts[path]
        try:
            return Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    root = str(doc.path)
    open_texts[root] = doc.document.text
    graph = await asyncio.to_thread(resolve_includes, root, read_text)
    return frozenset(edge.target for edge in graph.edges if edge.target != root)


def analyse_includers(server: PinwiseServer, uri: str) -> None:
    """Re-analyse every open document that includes the file at ``uri``."""
    path = to_fs_path(uri)
    if path is None:
        return
    for other_uri, other in list(server.documents.items()):
        if other_uri != uri and path in other.includes:
            analyse(server, other_uri)


def diagnostics_of(server: PinwiseServer, doc: OpenDocument) -> list[types.Diagnostic]:
    from pinwise.lsp.convert import diagnostic

    overrides = server.settings_for(doc.path).diagnostics.severity
    result: list[types.Diagnostic] = []
    for finding in doc.findings:
        converted = diagnostic(
            finding,
            doc.converter,
            uri=doc.uri,
            version=doc.version,
            severity_overrides=overrides,
            uri_for_path=from_fs_path,
        )
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
