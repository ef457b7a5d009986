"""The everyday pip workflows: compile (pip-tools / uv), freeze, sync, and the compiled-file editor helpers.

Commands (one object argument each):

* ``pinwise.compile`` ``{uri, upgradePackage?}``: re-run the command recorded in a compiled file's
  header (or compile ``x.in`` into ``x.txt``) with ``pip-compile`` or ``uv pip compile`` from the
  selected environment or PATH, with cancellable progress. Without either tool, offers to install
  pip-tools into the selected environment.
* ``pinwise.freeze`` ``{uri, workspaceFolder?}``: write what the selected environment holds into the
  file as one ``workspace/applyEdit``, keeping its lines, comments and options.
* ``pinwise.sync`` ``{uri, workspaceFolder?, confirm?}``: make the environment match the file exactly
  (pip-sync). Without ``confirm`` the plan is shown with Apply / Cancel; ``confirm: false`` only
  answers the plan; ``confirm: true`` applies it.

Helpers called by other features: :func:`with_compiled_reason` (hover), :func:`compiled_code_actions`
(code actions) and :func:`ignore_venv_in_git` (creating an environment). All facts come from the core.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

from pinwise.lsp.features.commands import (  # one reading of arguments, one manager
    _argument,
    _path_of,
    venv_state,
)
from pinwise.lsp.progress import WorkDone

if TYPE_CHECKING:
    from pinwise.core.document import Document
    from pinwise.core.hover import HoverResult
    from pinwise.lsp.server import OpenDocument, PinwiseServer

logger = logging.getLogger(__name__)

COMPILE = "pinwise.compile"
FREEZE = "pinwise.freeze"
SYNC = "pinwise.sync"

INSTALL_PIP_TOOLS = "Install pip-tools"
APPLY = "Apply"
CANCEL = "Cancel"
NO_TOOL = (
    "Neither pip-compile nor uv was found in the selected environment or on PATH, so the file cannot be "
    "compiled."
)


def _document(server: PinwiseServer, path: Path) -> tuple[Document, OpenDocument | None] | None:
    """The open document at ``path``, else its parse from disk (None when it cannot be read)."""
    from pinwise.core.document import parse_document
    from pinwise.core.files import FileKind

    for open_doc in server.documents.values():
        if open_doc.path == path:
            return open_doc.document, open_doc
    try:
        # Bytes decoded as they are, so that \r\n line breaks keep their offsets.
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError):
        return None
    return parse_document(text, path, FileKind.REQUIREMENTS), None


def _folder_for(server: PinwiseServer, path: Path | None, argument: dict[str, Any]) -> Path | None:
    folder = argument.get("workspaceFolder")
    if isinstance(folder, str) and folder:
        return _path_of(folder)
    if path is not None:
        found = server.folder_of(path)
        return Path(found) if found else path.parent
    folders = server.folders()
    return Path(folders[0]) if folders else None


async def _environment(server: PinwiseServer, folder: Path) -> Any:
    """The environment selected for ``folder`` (remembered or chosen in this session), or None."""
    from pinwise.core.venv import SelectionStore, environment_at

    env_path = server.selected_venvs.get(str(folder)) or await asyncio.to_thread(SelectionStore().get, folder)
    return await asyncio.to_thread(environment_at, env_path) if env_path else None


async def _ask(server: PinwiseServer, message: str, kind: types.MessageType, *choices: str) -> str | None:
    """``window/showMessageRequest``; the title chosen, or None when dismissed or unsupported."""
    try:
        answer = await server.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=kind, message=message, actions=[types.MessageActionItem(title=c) for c in choices]
            )
        )
    except Exception:
        logger.info("The client did not answer a message request", exc_info=True)
        return None
    return answer.title if answer is not None else None


async def _run_with_progress(server: PinwiseServer, title: str, argv: list[str], cwd: Path) -> Any:
    """Run one tool with cancellable work-done progress; each output line becomes the progress message."""

    cancel = asyncio.Event()
    async with WorkDone(server, title, cancellable=True) as progress:

        def on_line(line: str) -> None:
            if progress.cancelled:
                cancel.set()
            progress.report(line[:120])

        return await venv_state(server).manager.run(argv, cwd=cwd, on_line=on_line, cancel=cancel)


def _outcome_message(outcome: Any, what: str) -> tuple[str, str]:
    if outcome.cancelled:
        return "cancelled", f"{what} was cancelled."
    if outcome.error is not None:
        return "failed", f"{what} failed: {outcome.error}."
    if outcome.returncode != 0:
        last = f": {outcome.tail[-1]}" if outcome.tail else ""
        return "failed", f"{what} failed (exit code {outcome.returncode}){last}"
    return "succeeded", f"{what} succeeded."


# -- compile ------------------------------------------------------------------------------------------------


async def run_compile(server: PinwiseServer, argument: dict[str, Any]) -> dict[str, Any]:
    from pinwise.core import piptools
    from pinwise.core.venv import find_uv
    from pinwise.lsp.features.commands import UNTRUSTED

    if not server.workspace_trusted:
        return {"status": "refused", "message": UNTRUSTED}
    path = _path_of(argument.get("uri"))
    if path is None:
        return {"status": "refused", "message": "No file was given to compile."}
    loaded = await asyncio.to_thread(_document, server, path)
    requirements = loaded[0].requirements if loaded is not None else None
    compiled = piptools.parse_compiled(requirements) if requirements is not None else None
    if path.suffix == ".in":
        # Compiling a source: its compiled file is next to it, and holds the command when it exists.
        target = path.with_suffix(".txt")
        loaded_target = await asyncio.to_thread(_document, server, target)
        target_parse = loaded_target[0].requirements if loaded_target is not None else None
        compiled = piptools.parse_compiled(target_parse) if target_parse is not None else None
        path = target
    command = compiled.command if compiled is not None else None
    preferred: piptools.Tool = compiled.tool if compiled is not None else "pip-compile"
    folder = _folder_for(server, path, argument)
    environment = await _environment(server, folder) if folder is not None else None
    env_path = environment.path if environment is not None else None
    search_path = os.environ.get("PATH", os.defpath)
    tool = piptools.find_compile_tool(env_path, preferred, search_path=search_path, bundled_uv=find_uv())
    if tool is None:
        installed = await _offer_pip_tools(server, environment)
        if installed is not None:
            return installed
        tool = piptools.find_compile_tool(env_path, preferred, search_path=search_path, bundled_uv=find_uv())
        if tool is None:
            return {"status": "failed", "message": NO_TOOL}
    name, prefix = tool
    upgrade = argument.get("upgradePackage")
    arguments = piptools.compile_argv(
        command, compiled_name=path.name, upgrade_package=upgrade if isinstance(upgrade, str) else None
    )
    if name == "uv" and environment is not None and not piptools.has_python_option(arguments):
        arguments += ["--python", str(environment.python)]
    argv = [*prefix, *arguments]
    cwd = piptools.command_folder(path, command)
    outcome = await _run_with_progress(server, f"Compiling {path.name} with {name}", argv, cwd)
    status, message = _outcome_message(outcome, f"Compiling {path.name} with {name}")
    if status == "failed":
        server.show_message(message, types.MessageType.Error)
    elif status == "succeeded":
        from pinwise.lsp.features.diagnostics import analyse

        for uri, open_doc in list(server.documents.items()):
            if open_doc.path == path:
                analyse(server, uri)
    return {"status": status, "message": message, "argv": argv, "cwd": str(cwd)}


async def _offer_pip_tools(server: PinwiseServer, environment: Any) -> dict[str, Any] | None:
    """Without a compile tool: say so, and offer to install pip-tools into the selected environment.

    Returns the command's answer when nothing more can be done, or None once pip-tools is installed."""
    from pinwise.core.venv import RequirementStrings

    if environment is None:
        message = f"{NO_TOOL} Select a virtual environment to install pip-tools into, or install uv."
        server.show_message(message, types.MessageType.Error)
        return {"status": "failed", "message": message}
    choice = await _ask(
        server,
        f"{NO_TOOL} Install pip-tools into {environment.path}?",
        types.MessageType.Warning,
        INSTALL_PIP_TOOLS,
        CANCEL,
    )
    if choice != INSTALL_PIP_TOOLS:
        return {"status": "failed", "message": NO_TOOL}
    cancel = asyncio.Event()
    async with WorkDone(server, "Installing pip-tools", cancellable=True) as progress:

        def on_progress(update: Any) -> None:
            if progress.cancelled:
                cancel.set()
            progress.report(update.message, update.fraction)

        # The server's one manager: its per-environment guard must see every job on that environment.
        result = await venv_state(server).manager.install(
            environment,
            RequirementStrings(("pip-tools",)),
            trusted=server.workspace_trusted,
            progress=on_progress,
            cancel=cancel,
        )
    if not result.ok:
        server.show_message(f"Installing pip-tools failed: {result.message}", types.MessageType.Error)
        return {"status": result.status.value, "message": result.message}
    return None


# -- freeze -------------------------------------------------------------------------------------------------


async def run_freeze(server: PinwiseServer, argument: dict[str, Any]) -> dict[str, Any]:
    from pinwise.core.venv import read_installed
    from pinwise.core.venv.freeze import freeze, merge_freeze, read_project_name
    from pinwise.lsp.convert import PositionConverter, text_edits
    from pinwise.lsp.features.actions import supports_document_changes

    path = _path_of(argument.get("uri"))
    if path is None:
        return {"status": "refused", "message": "No file was given to freeze into."}
    folder = _folder_for(server, path, argument)
    environment = await _environment(server, folder) if folder is not None else None
    if environment is None or folder is None:
        return {"status": "refused", "message": "Select or create a virtual environment first."}
    installed = await asyncio.to_thread(read_installed, environment.path)
    project = await asyncio.to_thread(read_project_name, folder)
    frozen = freeze(installed, exclude=[project] if project else [])
    loaded = await asyncio.to_thread(_document, server, path)
    if loaded is None:
        return {"status": "failed", "message": f"{path} cannot be read."}
    document, open_doc = loaded
    edits = merge_freeze(document, frozen)
    if not edits:
        return {"status": "unchanged", "message": f"{path.name} already lists the environment."}
    uri = open_doc.uri if open_doc is not None else from_fs_path(str(path)) or path.as_uri()
    converter = (
        open_doc.converter
        if open_doc is not None
        else PositionConverter(document.text, server.position_encoding)
    )
    version = open_doc.version if open_doc is not None else None
    lsp_edits = text_edits(edits, converter)
    # An open buffer exists even when it was never saved; only a file that is neither is created.
    exists = open_doc is not None or await asyncio.to_thread(path.exists)
    edit: types.WorkspaceEdit
    if supports_document_changes(server):
        changes: list[Any] = []
        if not exists:
            changes.append(types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)))
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
                edits=list(lsp_edits),
            )
        )
        edit = types.WorkspaceEdit(document_changes=changes)
    else:
        edit = types.WorkspaceEdit(changes={uri: list(lsp_edits)})
    label = f"Freeze {environment.path.name} into {path.name}"
    result = await server.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=label))
    applied = bool(result and result.applied)
    return {
        "status": "applied" if applied else "rejected",
        "message": label,
        "count": len(frozen),
        "edits": len(edits),
    }


# -- sync ---------------------------------------------------------------------------------------------------


def _plan_json(plan: Any) -> list[dict[str, Any]]:
    return [
        {"kind": a.kind.value, "name": a.name, "installed": a.installed, "wanted": a.wanted}
        for a in plan.actions
    ]


async def run_sync(server: PinwiseServer, argument: dict[str, Any]) -> dict[str, Any]:
    from pinwise.core.requirements.includes import resolve_includes
    from pinwise.core.venv import read_installed
    from pinwise.core.venv.sync import plan_sync
    from pinwise.lsp.features.commands import UNTRUSTED

    if not server.workspace_trusted:
        return {"status": "refused", "message": UNTRUSTED}
    path = _path_of(argument.get("uri"))
    if path is None:
        return {"status": "refused", "message": "No file was given to sync with."}
    folder = _folder_for(server, path, argument)
    environment = await _environment(server, folder) if folder is not None else None
    if environment is None or folder is None:
        return {"status": "refused", "message": "Select or create a virtual environment first."}
    open_texts = {str(d.path): d.document.text for d in server.documents.values()}

    def read_text(name: str) -> str | None:
        if name in open_texts:
            return open_texts[name]
        # Never Path.read_text: an include of /dev/stdin would read the protocol stream, /dev/zero never ends.
        from pinwise.core.files import read_dependency_file

        return read_dependency_file(Path(name)).text

    graph = await asyncio.to_thread(resolve_includes, str(path), read_text)
    if str(path) not in graph.files:
        return {"status": "failed", "message": f"{path} cannot be read."}
    installed = await asyncio.to_thread(read_installed, environment.path)
    plan = plan_sync(graph, installed, python_version=environment.version)
    answer: dict[str, Any] = {"plan": _plan_json(plan), "summary": plan.summary(), "notes": plan.notes}
    if plan.empty:
        return {"status": "unchanged", "message": plan.summary(), **answer}
    confirm = argument.get("confirm")
    if confirm is False:
        return {"status": "planned", "message": plan.summary(), **answer}
    if confirm is not True:
        details = "; ".join(action.describe() for action in plan.actions[:12])
        more = f" and {len(plan.actions) - 12} more" if len(plan.actions) > 12 else ""
        choice = await _ask(
            server,
            f"Sync {environment.path.name} with {path.name}: {details}{more}.",
            types.MessageType.Info,
            APPLY,
            CANCEL,
        )
        if choice != APPLY:
            return {"status": "cancelled", "message": "Sync was cancelled.", **answer}
    status, message = await _apply_sync(server, environment, path, plan, installed)
    from pinwise.lsp.features.commands import select_environment

    await select_environment(server, folder, environment.path, remember=False)
    if status == "failed":
        server.show_message(message, types.MessageType.Error)
    return {"status": status, "message": message, **answer}


async def _apply_sync(
    server: PinwiseServer, environment: Any, path: Path, plan: Any, installed: Any
) -> tuple[str, str]:
    """Install the file (which upgrades and downgrades to its pins), then uninstall what it does not list."""
    from pinwise.core.venv import RequirementFiles

    manager = venv_state(server).manager
    if plan.to_install:
        cancel = asyncio.Event()
        async with WorkDone(server, f"Syncing with {path.name}", cancellable=True) as progress:

            def on_progress(update: Any) -> None:
                if progress.cancelled:
                    cancel.set()
                progress.report(update.message, update.fraction)

            result = await manager.install(
                environment,
                RequirementFiles(files=(path,)),
                trusted=server.workspace_trusted,
                progress=on_progress,
                cancel=cancel,
            )
        if not result.ok:
            return result.status.value, f"Syncing failed while installing: {result.message}"
    names = plan.to_remove
    if names:
        if "pip" in installed:
            argv = [str(environment.python), "-m", "pip", "uninstall", "-y", "--disable-pip-version-check"]
        else:
            uv = manager.uv_path()
            if uv is None:
                return "failed", "Nothing can uninstall: the environment has no pip and uv was not found."
            argv = [str(uv), "pip", "uninstall", "--python", str(environment.python)]
        outcome = await _run_with_progress(server, "Removing extra packages", [*argv, *names], path.parent)
        status, message = _outcome_message(outcome, f"Removing {len(names)} packages")
        if status != "succeeded":
            return status, message
    return "succeeded", f"{environment.path.name} now matches {path.name} ({plan.summary()})."


# -- helpers for other features --------------------------------------------------------------------------


async def with_compiled_reason(
    server: PinwiseServer, doc: OpenDocument, offset: int, result: HoverResult | None
) -> HoverResult | None:
    """The hover of a compiled file's pin, followed by why the pin is there."""
    from pinwise.core import piptools
    from pinwise.core.hover import HoverResult
    from pinwise.core.text import Span

    try:
        reason = await asyncio.to_thread(piptools.why_markdown, doc.document, offset)
    except Exception:
        logger.exception("explaining a compiled pin failed")
        return result
    if reason is None:
        return result
    if result is None:
        requirements = doc.document.requirements
        item = next(
            (i for i in (requirements.requirements if requirements else []) if i.span.contains(offset)),
            None,
        )
        span = item.dependency.span if item is not None else Span(offset, offset)
        return HoverResult(reason, span)
    return HoverResult(f"{result.markdown}\n\n---\n\n{reason}", result.span)


def compiled_code_actions(
    server: PinwiseServer, doc: OpenDocument, actions: list[types.CodeAction]
) -> list[types.CodeAction]:
    """In a compiled file, drop the quick fixes that edit requirement lines and offer a recompile instead."""
    from pinwise.core import piptools

    replacements = piptools.compiled_file_actions(doc.document, doc.findings)
    if not replacements:
        return actions
    titles = {fix.title for replacement in replacements for fix in replacement.replaced}
    kept = [a for a in actions if not (a.edit is not None and a.title in titles)]
    offered: set[str] = set()
    for replacement in replacements:
        if replacement.package in offered:
            continue
        # Only where one of the replaced fixes was offered, i.e. at the cursor or for a sent diagnostic.
        if not any(a.title in {f.title for f in replacement.replaced} for a in actions if a.edit is not None):
            continue
        offered.add(replacement.package)
        kept.append(
            types.CodeAction(
                title=replacement.title,
                kind=types.CodeActionKind.QuickFix,
                is_preferred=True,
                command=types.Command(
                    title=replacement.title,
                    command=COMPILE,
                    arguments=[{"uri": doc.uri, "upgradePackage": replacement.package}],
                ),
            )
        )
    return kept


async def ignore_venv_in_git(server: PinwiseServer, env_path: Path) -> bool:
    """Add a new environment's folder to the work tree's ``.gitignore`` (an edit the user sees), unless
    git already ignores it. False when nothing was changed."""
    from pinwise.core.venv.gitignore import gitignore_addition
    from pinwise.lsp.convert import PositionConverter, text_edits
    from pinwise.lsp.features.actions import supports_document_changes

    addition = await gitignore_addition(env_path)
    if addition is None:
        return False
    from pinwise.core.analysis.findings import TextEdit

    uri = from_fs_path(str(addition.path)) or addition.path.as_uri()
    text = ""
    if addition.exists:
        data = await asyncio.to_thread(addition.path.read_bytes)
        text = data.decode("utf-8", "replace")
    lsp_edits = text_edits(
        [TextEdit(addition.span, addition.new_text)], PositionConverter(text, server.position_encoding)
    )
    edit: types.WorkspaceEdit
    if supports_document_changes(server):
        changes: list[Any] = []
        if not addition.exists:
            changes.append(types.CreateFile(uri=uri, options=types.CreateFileOptions(ignore_if_exists=True)))
        changes.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=None),
                edits=list(lsp_edits),
            )
        )
        edit = types.WorkspaceEdit(document_changes=changes)
    else:
        edit = types.WorkspaceEdit(changes={uri: list(lsp_edits)})
    result = await server.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=f"Ignore {addition.entry} in git")
    )
    return bool(result and result.applied)


def register(server: PinwiseServer) -> None:
    @server.command(COMPILE)
    async def compile_command(ls: Any, *args: Any) -> dict[str, Any]:
        return await run_compile(ls, _argument(args))

    @server.command(FREEZE)
    async def freeze_command(ls: Any, *args: Any) -> dict[str, Any]:
        return await run_freeze(ls, _argument(args))

    @server.command(SYNC)
    async def sync_command(ls: Any, *args: Any) -> dict[str, Any]:
        return await run_sync(ls, _argument(args))
