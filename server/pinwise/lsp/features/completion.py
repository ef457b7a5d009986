"""Completion: project names, versions, extras, markers, options and paths, as the core proposes them.

The default index's project-name list is loaded in the background after ``initialized`` (with work-done
progress). A name completion waits briefly for a list still loading (the core's ``NAMES_WAIT``); a document
checked against other indexes loads their lists on its first name completion.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from pinwise.lsp.progress import WorkDone

if TYPE_CHECKING:
    from pinwise.lsp.server import OpenDocument, PinwiseServer

logger = logging.getLogger(__name__)

TRIGGER_CHARACTERS = ["=", ">", "<", "~", "!", "[", ",", ";", " ", "-", "/", '"', "."]

_KINDS = {
    "package": types.CompletionItemKind.Module,
    "version": types.CompletionItemKind.Value,
    "operator": types.CompletionItemKind.Operator,
    "extra": types.CompletionItemKind.EnumMember,
    "marker-variable": types.CompletionItemKind.Variable,
    "marker-value": types.CompletionItemKind.Value,
    "option": types.CompletionItemKind.Property,
    "file": types.CompletionItemKind.File,
    "folder": types.CompletionItemKind.Folder,
    "keyword": types.CompletionItemKind.Keyword,
}


async def load_names(server: PinwiseServer) -> None:
    """Load the default index's project-name list (cache first, then the network), with progress."""
    service = server.index_service(server.settings_for(None))
    client = service.default_client()
    async with WorkDone(server, "Loading project names") as progress:
        progress.report("from the package index")
        names = await client.load_names()
    logger.info("Project names %s", "loaded" if names is not None else "unavailable")


def list_dir(path: Any) -> list[tuple[str, bool]]:
    """The entries of a folder as (name, is_folder), for path completion; empty when it cannot be read."""
    try:
        with os.scandir(path) as entries:
            return [(entry.name, entry.is_dir()) for entry in entries]
    except OSError:
        return []


def python_version_of(server: PinwiseServer, doc: OpenDocument) -> str | None:
    """The Python ``doc``'s releases are judged for, as the analysis judges them (its lowest supported one,
    or the ``python_version`` setting)."""
    from pinwise.lsp.features.diagnostics import analysis_inputs

    context, _ = analysis_inputs(server, doc)
    return context.python_version


def to_item(item: Any, doc: OpenDocument) -> types.CompletionItem:
    """A core completion item as an LSP item; its edit replaces exactly the span the core names."""
    return types.CompletionItem(
        label=item.label,
        kind=_KINDS.get(item.kind, types.CompletionItemKind.Text),
        detail=item.detail,
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=item.documentation)
        if item.documentation
        else None,
        sort_text=item.sort_text,
        filter_text=item.filter_text,
        text_edit=types.TextEdit(range=doc.converter.range(item.replace), new_text=item.insert_text),
        preselect=item.preselect or None,
        tags=[types.CompletionItemTag.Deprecated] if item.deprecated else None,
    )


def register(server: PinwiseServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=TRIGGER_CHARACTERS, resolve_provider=False),
    )
    async def completion(ls: PinwiseServer, params: types.CompletionParams) -> types.CompletionList | None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return None
        from pinwise.core.complete import complete

        settings = ls.settings_for(doc.path)
        offset = doc.converter.offset(params.position)
        result = await complete(
            doc.document,
            offset,
            index=ls.index_for(doc),
            python_version=python_version_of(ls, doc),
            allow_prereleases=settings.diagnostics.prereleases,
            list_dir=list_dir,
        )
        return types.CompletionList(
            is_incomplete=result.is_incomplete,
            items=[to_item(item, doc) for item in result.items],
        )
