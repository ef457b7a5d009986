"""Document synchronisation: open, change (full or incremental: pygls applies the changes), save, close, and
files changed on disk. Only dependency files are tracked; other files are ignored."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.uris import to_fs_path

if TYPE_CHECKING:
    from pinwise.core.files import FileKind
    from pinwise.lsp.server import OpenDocument, PinwiseServer

logger = logging.getLogger(__name__)


def kind_of(uri: str) -> tuple[Path, FileKind] | None:
    """The path and kind of a dependency file's URI; None for any other file or a non-file URI."""
    from pinwise.core.files import classify

    path = to_fs_path(uri)
    if path is None:
        return None
    kind = classify(path)
    return (Path(path), kind) if kind is not None else None


def included_file(server: PinwiseServer, uri: str) -> tuple[Path, FileKind] | None:
    """A file whose name does not say it is a requirements file (``base.txt``, ``deps.pip``) is one when an
    open document includes it with ``-r``/``-c``: its edits then re-analyse the includer."""
    from pinwise.core.files import FileKind

    path = to_fs_path(uri)
    if path is None or not any(path in doc.depends_on for doc in server.documents.values()):
        return None
    return Path(path), FileKind.REQUIREMENTS


def refresh(server: PinwiseServer, uri: str) -> OpenDocument | None:
    """Re-parse the editor's text of ``uri`` (fast and synchronous) in the core workspace of its folder and
    record it; None when not tracked."""
    from pinwise.lsp.convert import PositionConverter
    from pinwise.lsp.server import OpenDocument

    known = server.documents.get(uri)
    located = (known.path, known.kind) if known is not None else kind_of(uri) or included_file(server, uri)
    if located is None:
        return None
    path, kind = located
    text_document = server.workspace.get_text_document(uri)
    text = text_document.source
    document = server.workspace_for(path).open(path, text, text_document.version, kind)
    converter = PositionConverter(text, server.position_encoding, document.lines)
    if known is None:
        known = OpenDocument(uri, path, kind, text_document.version, document, converter)
        server.documents[uri] = known
    else:
        known.version = text_document.version
        known.document = document
        known.converter = converter
    return known


def register(server: PinwiseServer) -> None:
    from pinwise.lsp.features.diagnostics import analyse, analyse_dependents, clear

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PinwiseServer, params: types.DidOpenTextDocumentParams) -> None:
        if refresh(ls, params.text_document.uri) is not None:
            analyse(ls, params.text_document.uri)
            analyse_dependents(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PinwiseServer, params: types.DidChangeTextDocumentParams) -> None:
        if refresh(ls, params.text_document.uri) is not None:
            analyse(ls, params.text_document.uri, typing=True)
            analyse_dependents(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PinwiseServer, params: types.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri in ls.documents:
            analyse_dependents(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PinwiseServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.analyses.cancel(uri)
        closed = ls.documents.pop(uri, None)
        if closed is not None:
            ls.workspace_for(closed.path).close(closed.path)
            clear(ls, uri)
            # Includers read this file from disk again now that the editor no longer holds it.
            analyse_dependents(ls, uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: PinwiseServer, params: types.DidChangeWatchedFilesParams) -> None:
        for change in params.changes:
            # An open document's editor text wins over the disk; only its includers care about the disk.
            analyse_dependents(ls, change.uri)
