"""Hover: the core writes the markdown; this handler only converts positions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from pinwise.lsp.server import PinwiseServer


def register(server: PinwiseServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: PinwiseServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return None
        from pinwise.core.hover import hover as core_hover
        from pinwise.lsp.features.diagnostics import analysis_inputs

        # The analysis's own view of the project, so that hover and diagnostics judge releases alike.
        context, _ = analysis_inputs(ls, doc)
        result = await core_hover(
            doc.document,
            doc.converter.offset(params.position),
            index=ls.index_for(doc),
            installed=context.installed,
            python_version=context.python_version,
        )
        from pinwise.lsp.features.workflows import with_compiled_reason

        result = await with_compiled_reason(ls, doc, doc.converter.offset(params.position), result)
        if result is None:
            return None
        return types.Hover(
            contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=result.markdown),
            range=doc.converter.range(result.span) if result.span is not None else None,
        )
