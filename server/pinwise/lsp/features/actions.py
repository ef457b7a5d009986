"""Code actions: the quick fixes the findings carry, and the whole-file source actions "Pin all" and
"Update all" (computed when chosen, through the ``pinwise.pinAll`` / ``pinwise.updateAll`` commands)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from pinwise.core.analysis.findings import Finding
    from pinwise.lsp.server import OpenDocument, PinwiseServer

PIN_ALL_KIND = "source.pinwise.pinAll"
UPDATE_ALL_KIND = "source.pinwise.updateAll"
SOURCE_ACTIONS = (
    (PIN_ALL_KIND, "Pin all dependencies to their latest versions", "pinwise.pinAll"),
    (UPDATE_ALL_KIND, "Update all pins to the latest versions", "pinwise.updateAll"),
)


def supports_document_changes(server: PinwiseServer) -> bool:
    workspace = server.client_capabilities.workspace
    edit = workspace.workspace_edit if workspace else None
    return bool(edit and edit.document_changes)


def _wanted(kind: str, only: list[str] | None) -> bool:
    return only is None or any(kind == o or kind.startswith(o + ".") for o in only)


def _finding_for(doc: OpenDocument, diagnostic: types.Diagnostic) -> Finding | None:
    from pinwise.lsp.convert import finding_key

    by_key = {finding_key(f): f for f in doc.findings}
    data = diagnostic.data
    if isinstance(data, dict) and isinstance(data.get("key"), str) and data["key"] in by_key:
        return by_key[data["key"]]
    # A diagnostic without our data (another client, an old publication): match by code and range.
    span = doc.converter.span(diagnostic.range)
    for finding in doc.findings:
        if finding.code == diagnostic.code and finding.span == span:
            return finding
    return None


def code_actions(
    server: PinwiseServer, doc: OpenDocument, params: types.CodeActionParams
) -> list[types.CodeAction]:
    from pinwise.lsp.convert import code_action

    only = (
        [str(getattr(kind, "value", kind)) for kind in params.context.only] if params.context.only else None
    )
    document_changes = supports_document_changes(server)
    actions: list[types.CodeAction] = []
    seen: set[int] = set()
    if _wanted("quickfix", only):
        for diagnostic in params.context.diagnostics:
            finding = _finding_for(doc, diagnostic)
            if finding is None:
                continue
            seen.add(id(finding))
            for fix in finding.fixes:
                actions.append(
                    code_action(
                        fix,
                        doc.uri,
                        doc.version,
                        doc.converter,
                        document_changes=document_changes,
                        diagnostics=[diagnostic],
                    )
                )
        # Fixes of findings under the cursor whose diagnostics the client did not send along.
        requested = doc.converter.span(params.range)
        for finding in doc.findings:
            if id(finding) in seen or not finding.fixes:
                continue
            if finding.span.start <= requested.end and requested.start <= finding.span.end:
                for fix in finding.fixes:
                    actions.append(
                        code_action(
                            fix, doc.uri, doc.version, doc.converter, document_changes=document_changes
                        )
                    )
    for kind, title, command in SOURCE_ACTIONS:
        if only is not None and _wanted(kind, only):
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=kind,
                    command=types.Command(title=title, command=command, arguments=[{"uri": doc.uri}]),
                )
            )
    return actions


def register(server: PinwiseServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, PIN_ALL_KIND, UPDATE_ALL_KIND],
            resolve_provider=False,
        ),
    )
    def code_action(ls: PinwiseServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return None
        return code_actions(ls, doc, params)
