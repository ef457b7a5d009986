"""A stand-in Pinwise server for testing the VS Code client alone (PINWISE_E2E_STUB=1 in run.mjs).

It speaks the same protocol surface the client relies on, with canned answers: a diagnostic for each
unknown option, a hover on package names, `pinwise.listVenvs` / `pinwise.selectVenv` (which answers with the
`pinwise/venvSelected` notification), and it echoes the initializationOptions it got into the log.
Run with a Python that has pygls 2 (the repository's .venv).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("pinwise-e2e-stub", "0.0.0")
KNOWN_OPTIONS = {"-r", "-c", "-e", "-i", "-f", "--requirement", "--constraint", "--editable", "--index-url",
                 "--extra-index-url", "--find-links", "--no-index", "--pre", "--hash", "--trusted-host"}


def _path(uri: str) -> Path:
    return Path(unquote(urlparse(uri).path))


@server.feature(types.INITIALIZED)
def initialized(ls: LanguageServer, _params: types.InitializedParams) -> None:
    opts = getattr(ls, "_init_options", None)
    ls.window_log_message(types.LogMessageParams(types.MessageType.Info, f"stub initialized; options={json.dumps(opts)}"))


@server.feature(types.INITIALIZE)
def initialize(ls: LanguageServer, params: types.InitializeParams) -> None:
    ls._init_options = params.initialization_options  # type: ignore[attr-defined]


def _diagnose(ls: LanguageServer, uri: str, text: str) -> None:
    diagnostics = []
    for n, line in enumerate(text.splitlines()):
        m = re.match(r"\s*(--?[A-Za-z][\w-]*)", line)
        if m and m.group(1) not in KNOWN_OPTIONS:
            diagnostics.append(types.Diagnostic(
                range=types.Range(types.Position(n, m.start(1)), types.Position(n, m.end(1))),
                message=f"Unknown pip option {m.group(1)}", source="pinwise", code="unknown-option",
                severity=types.DiagnosticSeverity.Error))
        elif re.match(r"[A-Za-z0-9][\w.-]*==\s*$", line):
            diagnostics.append(types.Diagnostic(
                range=types.Range(types.Position(n, 0), types.Position(n, len(line))),
                message="Expected a version after ==", source="pinwise", code="syntax",
                severity=types.DiagnosticSeverity.Error))
    if not diagnostics:
        diagnostics.append(types.Diagnostic(
            range=types.Range(types.Position(0, 0), types.Position(0, 1)),
            message="stub: Pinwise e2e stub diagnostic", source="pinwise", code="stub",
            severity=types.DiagnosticSeverity.Information))
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    _diagnose(ls, params.text_document.uri, params.text_document.text)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    _diagnose(ls, doc.uri, doc.source)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    line = doc.lines[params.position.line] if params.position.line < len(doc.lines) else ""
    m = re.match(r"([A-Za-z0-9][\w.-]*)", line)
    if not m or params.position.character > m.end():
        return None
    return types.Hover(contents=types.MarkupContent(types.MarkupKind.Markdown, f"**{m.group(1)}** (Pinwise e2e stub hover)"))


def _folder(args: tuple) -> Path:
    arg = args[0] if args else {}
    folder = arg.get("workspaceFolder") if isinstance(arg, dict) else None
    return _path(folder) if folder else Path.cwd()


@server.command("pinwise.listVenvs")
def list_venvs(ls: LanguageServer, *args):
    folder = _folder(args)
    return [{"path": str(folder / ".venv"), "python": str(folder / ".venv" / "bin" / "python"), "version": "3.11.7", "kind": "venv"}]


@server.command("pinwise.selectVenv")
def select_venv(ls: LanguageServer, *args):
    arg = args[0] if args else {}
    ls.protocol.notify("pinwise/venvSelected", {"workspaceFolder": arg.get("workspaceFolder"), "path": arg.get("path"), "pythonVersion": "3.11.7"})
    return None


@server.feature("pinwise/workspaceTrust")
def trust(ls: LanguageServer, params) -> None:
    ls.window_log_message(types.LogMessageParams(types.MessageType.Info, f"stub: workspace trust {params}"))


if __name__ == "__main__":
    print("pinwise e2e stub server on stdio", file=sys.stderr)
    server.start_io()
