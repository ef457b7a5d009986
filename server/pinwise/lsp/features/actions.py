"""Code actions: the quick fixes the findings carry, the environment actions (create or use ``.venv``,
install what is missing, sync with the file; chosen by ``pinwise.core.venv.actions``, run as commands), and
the whole-file source actions "Pin all" and "Update all" (computed when chosen, through the
``pinwise.pinAll`` / ``pinwise.updateAll`` commands)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from pinwise.core.analysis.findings import Finding
    from pinwise.lsp.server import OpenDocument, PinwiseServer

PIN_ALL_KIND = "source.pinwise.pinAll"
UPDATE_ALL_KIND = "source.pinwise.updateAll"
# Environment actions are quick fixes (shown in the light bulb) with a Pinwise sub-kind to ask for by name.
ENVIRONMENT_KINDS = {
    "create": "quickfix.pinwise.createVenv",
    "select": "quickfix.pinwise.selectVenv",
    "installMissing": "quickfix.pinwise.installMissing",
    "sync": "quickfix.pinwise.sync",
}
SOURCE_ACTIONS = (
    (PIN_ALL_KIND, "Pin all dependencies to their latest versions", "pinwise.pinAll"),
    (UPDATE_ALL_KIND, "Update all pins to the latest versions", "pinwise.updateAll"),
)


def supports_document_changes(server: PinwiseServer) -> bool:
    workspace = server.client_capabilities.workspace
    edit = workspace.workspace_edit if workspace else None
    return bool(edit and edit.document_changes)


def wanted(kind: str, only: list[str] | None) -> bool:
    return only is None or any(kind == o or kind.startswith(o + ".") for o in only)


def _finding_for(
    doc: OpenDocument, findings: list[Finding], by_key: dict[str, Finding], diagnostic: types.Diagnostic
) -> Finding | None:
    """The finding among ``findings`` (``by_key``: the same by ``finding_key``) that ``diagnostic`` shows."""
    data = diagnostic.data
    if isinstance(data, dict) and isinstance(data.get("key"), str) and data["key"] in by_key:
        return by_key[data["key"]]
    # A diagnostic without our data (another client, an old publication): match by code and range.
    span = doc.converter.span(diagnostic.range)
    for finding in findings:
        if finding.code == diagnostic.code and finding.span == span:
            return finding
    return None


def code_actions(
    server: PinwiseServer, doc: OpenDocument, params: types.CodeActionParams
) -> list[types.CodeAction]:
    from pinwise.lsp.convert import code_action, finding_key

    only = (
        [str(getattr(kind, "value", kind)) for kind in params.context.only] if params.context.only else None
    )
    document_changes = supports_document_changes(server)
    actions: list[types.CodeAction] = []
    seen: set[int] = set()
    if wanted("quickfix", only):
        findings = doc.findings
        by_key = {finding_key(f): f for f in findings}
        for diagnostic in params.context.diagnostics:
            finding = _finding_for(doc, findings, by_key, diagnostic)
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
        for finding in findings:
            if id(finding) in seen or not finding.fixes:
                continue
            if finding.span.start <= requested.end and requested.start <= finding.span.end:
                for fix in finding.fixes:
                    actions.append(
                        code_action(
                            fix, doc.uri, doc.version, doc.converter, document_changes=document_changes
                        )
                    )
    actions.extend(environment_code_actions(server, doc, params, only))
    for kind, title, command in SOURCE_ACTIONS:
        if only is not None and wanted(kind, only):
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=kind,
                    command=types.Command(title=title, command=command, arguments=[{"uri": doc.uri}]),
                )
            )
    # A compiled file (pip-compile, uv) is changed through its source: see pinwise.lsp.features.workflows.
    from pinwise.lsp.features.workflows import compiled_code_actions

    return compiled_code_actions(server, doc, actions, only)


def _existing_venv(folder: Path) -> Path | None:
    """The folder's ``.venv`` when it is a virtual environment (a few ``stat`` calls)."""
    candidate = folder / ".venv"
    return candidate if (candidate / "pyvenv.cfg").is_file() else None


def environment_code_actions(
    server: PinwiseServer, doc: OpenDocument, params: types.CodeActionParams, only: list[str] | None
) -> list[types.CodeAction]:
    """Create, select, install-missing and sync actions, each running a ``pinwise.*`` command."""
    from pinwise.core.venv.actions import ActionKind, environment_actions
    from pinwise.lsp.convert import finding_key

    folder_text = server.folder_of(doc.path)
    folder = Path(folder_text) if folder_text else doc.path.parent
    has_environment = str(folder) in server.selected_venvs
    found = environment_actions(
        doc.document,
        doc.findings,
        doc.converter.span(params.range),
        has_environment=has_environment,
        existing_venv=None if has_environment else _existing_venv(folder),
        trusted=server.workspace_trusted,
    )
    by_key = {
        data["key"]: diagnostic
        for diagnostic in params.context.diagnostics
        if isinstance(data := diagnostic.data, dict) and isinstance(data.get("key"), str)
    }
    result: list[types.CodeAction] = []
    for action in found:
        kind = ENVIRONMENT_KINDS[action.kind.value]
        if not wanted(kind, only):
            continue
        argument: dict[str, object] = {"workspaceFolder": str(folder), "uri": doc.uri}
        if action.kind is ActionKind.CREATE:
            command = "pinwise.createVenv"
        elif action.kind is ActionKind.SELECT:
            command = "pinwise.selectVenv"
            argument = {"workspaceFolder": str(folder), "path": str(action.path)}
        else:
            command = "pinwise.installDependencies"
            if action.kind is ActionKind.INSTALL_MISSING:
                argument["requirements"] = list(action.requirements)
        diagnostics = [by_key[k] for f in action.resolves if (k := finding_key(f)) in by_key]
        result.append(
            types.CodeAction(
                title=action.title,
                kind=kind,
                diagnostics=diagnostics or None,
                command=types.Command(title=action.title, command=command, arguments=[argument]),
            )
        )
    return result


def register(server: PinwiseServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[
                types.CodeActionKind.QuickFix,
                *ENVIRONMENT_KINDS.values(),
                PIN_ALL_KIND,
                UPDATE_ALL_KIND,
            ],
            resolve_provider=False,
        ),
    )
    def code_action(ls: PinwiseServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        doc = ls.documents.get(params.text_document.uri)
        if doc is None:
            return None
        return code_actions(ls, doc, params)
