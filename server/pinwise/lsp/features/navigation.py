"""Document symbols, document links, go to definition (on ``-r file``) and inlay hints, from core/outline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

if TYPE_CHECKING:
    from pinwise.lsp.convert import PositionConverter
    from pinwise.lsp.server import PinwiseServer

_SYMBOL_KINDS = {
    "dependency": types.SymbolKind.Package,
    "package": types.SymbolKind.Package,
    "section": types.SymbolKind.Namespace,
    "table": types.SymbolKind.Namespace,
    "group": types.SymbolKind.Namespace,
    "option": types.SymbolKind.Property,
    "include": types.SymbolKind.File,
    "file": types.SymbolKind.File,
}


def _uri(target: Any) -> str | None:
    """A link target from the core (a path or a URL) as a URI."""
    if target is None:
        return None
    text = str(target)
    if "://" in text or text.startswith("file:"):
        return text
    uri: str | None = from_fs_path(str(Path(text)))
    return uri


def to_symbol(symbol: Any, converter: PositionConverter) -> types.DocumentSymbol:
    span = symbol.span
    selection = getattr(symbol, "selection_span", None) or span
    kind = getattr(symbol, "kind", None)
    kind_value = getattr(kind, "value", kind)
    return types.DocumentSymbol(
        name=str(symbol.name) or "?",
        detail=getattr(symbol, "detail", None) or None,
        kind=_SYMBOL_KINDS.get(str(kind_value), types.SymbolKind.Object),
        range=converter.range(span),
        selection_range=converter.range(selection),
        children=[to_symbol(child, converter) for child in getattr(symbol, "children", ())] or None,
    )


def register(server: PinwiseServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbols(
        ls: PinwiseServer, params: types.DocumentSymbolParams
    ) -> list[types.DocumentSymbol] | None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return None
        from pinwise.core.outline import document_symbols as core_symbols

        return [to_symbol(symbol, doc.converter) for symbol in core_symbols(doc.document)]

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
    def document_links(
        ls: PinwiseServer, params: types.DocumentLinkParams
    ) -> list[types.DocumentLink] | None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return None
        from pinwise.core.outline import document_links as core_links

        links = []
        for link in core_links(doc.document, doc.path.parent):
            target = _uri(getattr(link, "target", None))
            if target is not None:
                links.append(
                    types.DocumentLink(
                        range=doc.converter.range(link.span),
                        target=target,
                        tooltip=getattr(link, "tooltip", None),
                    )
                )
        return links

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: PinwiseServer, params: types.DefinitionParams) -> list[types.Location] | None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return None
        from pinwise.core.outline import definition as core_definition

        found = core_definition(doc.document, doc.converter.offset(params.position), doc.path.parent)
        if found is None:
            return None
        path, span = found
        target_uri = from_fs_path(str(path))
        if target_uri is None:
            return None
        target = ls.documents.get(target_uri)
        start = types.Range(types.Position(0, 0), types.Position(0, 0))
        target_range = target.converter.range(span) if target is not None and span is not None else start
        return [types.Location(uri=target_uri, range=target_range)]

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    async def inlay_hints(ls: PinwiseServer, params: types.InlayHintParams) -> list[types.InlayHint] | None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return None
        settings = ls.settings_for(doc.path)
        if not settings.inlay_hints.enable:
            return []
        from pinwise.core.outline import inlay_hints as core_hints
        from pinwise.lsp.features.diagnostics import installed_for

        visible = doc.converter.span(params.range)
        hints = await core_hints(
            doc.document, index=ls.index_for(doc), installed=installed_for(ls, doc), show_latest=True
        )
        result = []
        for hint in hints:
            offset = hint.offset
            if not visible.start <= offset <= visible.end:
                continue
            result.append(
                types.InlayHint(
                    position=doc.converter.position(offset),
                    label=str(hint.label),
                    padding_left=True,
                    tooltip=getattr(hint, "tooltip", None),
                )
            )
        return result
