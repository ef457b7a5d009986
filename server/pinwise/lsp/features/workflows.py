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

from pinwise.lsp.features.commands import (  # one reading of arguments, one manager, one job runner
    UNTRUSTED,
    argument_of,
    failure_message,
    folder_for,
    index_config,
    install_into,
    parsed_file,
    path_of,
    running_job,
    selected_environment,
    venv_state,
)

if TYPE_CHECKING:
    from pinwise.core.hover import HoverResult
    from pinwise.core.venv import Environment, InstalledDistribution
    from pinwise.core.venv.manage import RunOutcome
    from pinwise.core.venv.sync import SyncPlan
    from pinwise.lsp.features.commands import Job
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
NO_ENVIRONMENT = "Select or create a virtual environment first."
# Share of a sync's progress bar given to installing (the rest is uninstalling).
INSTALL_SHARE = 0.8


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


async def _run_tool(server: PinwiseServer, job: Job, argv: list[str], cwd: Path) -> RunOutcome:
    """Run one tool in ``job``: its output lines are the progress messages, its cancel button stops it."""
    return await venv_state(server).manager.run(argv, cwd=cwd, on_line=job.on_tool_line, cancel=job.cancel)


def _outcome_message(outcome: RunOutcome, what: str) -> tuple[str, str]:
    """The status and message of a tool's run; a failure carries the tool's own last lines."""
    if outcome.cancelled:
        return "cancelled", f"{what} was cancelled."
    if outcome.error is not None:
        return "failed", f"{what} failed: {outcome.error}."
    if outcome.returncode != 0:
        return "failed", failure_message(
            f"{what} failed", f"exit code {outcome.returncode}", tuple(outcome.tail)
        )
    return "succeeded", f"{what} succeeded."


# -- compile ------------------------------------------------------------------------------------------------


def _compiled_header(server: PinwiseServer, path: Path) -> Any:
    """The header of the compiled file at ``path`` (the editor's text when open), None without one."""
    from pinwise.core import piptools

    document = parsed_file(server, path)
    requirements = document.requirements if document is not None else None
    return piptools.parse_compiled(requirements, annotations=False) if requirements is not None else None


async def run_compile(server: PinwiseServer, argument: dict[str, Any]) -> dict[str, Any]:
    from pinwise.core import piptools
    from pinwise.core.files import FileSnapshot
    from pinwise.core.venv import find_uv

    if not server.workspace_trusted:
        return {"status": "refused", "message": UNTRUSTED}
    path = path_of(argument.get("uri"))
    if path is None:
        return {"status": "refused", "message": "No file was given to compile."}
    if path.suffix == ".in":
        # Compiling a source: its compiled file is next to it, and holds the command when it exists.
        path = path.with_suffix(".txt")
    compiled = await asyncio.to_thread(_compiled_header, server, path)
    command = compiled.command if compiled is not None else None
    preferred: piptools.Tool = compiled.tool if compiled is not None else "pip-compile"
    folder = folder_for(server, argument, path)
    environment = await selected_environment(server, folder) if folder is not None else None
    env_path = environment.path if environment is not None else None
    search_path = os.environ.get("PATH", os.defpath)
    tool = piptools.find_compile_tool(env_path, preferred, search_path=search_path, bundled_uv=find_uv())
    if tool is None:
        installed = await _offer_pip_tools(server, environment, folder)
        if installed is not None:
            return installed
        tool = piptools.find_compile_tool(env_path, preferred, search_path=search_path, bundled_uv=find_uv())
        if tool is None:
            return {"status": "failed", "message": NO_TOOL}
    name, prefix = tool
    upgrade = argument.get("upgradePackage")
    arguments = piptools.compile_argv(
        command,
        compiled_name=path.name,
        upgrade_package=upgrade if isinstance(upgrade, str) else None,
        upgrade=argument.get("upgrade") is True,
    )
    if name == "uv" and environment is not None and not piptools.has_python_option(arguments):
        arguments += ["--python", str(environment.python)]
    argv = [*prefix, *arguments]
    cwd = piptools.command_folder(path, command)
    what = f"Compiling {path.name} with {name}"
    # A tool that fails or is stopped half-way must not leave a truncated file: it is put back.
    snapshot = await asyncio.to_thread(FileSnapshot.take, path)
    async with running_job(server, what) as job:
        outcome = await _run_tool(server, job, argv, cwd)
    status, message = _outcome_message(outcome, what)
    if status != "succeeded" and await asyncio.to_thread(snapshot.restore):
        message += f"\n{path.name} was put back as it was."
    if status == "succeeded":
        from pinwise.lsp.features.diagnostics import analyse

        open_doc = server.document_at(path)
        if open_doc is not None:
            analyse(server, open_doc.uri)
    return {"status": status, "message": message, "argv": argv, "cwd": str(cwd)}


async def _offer_pip_tools(
    server: PinwiseServer, environment: Environment | None, folder: Path | None
) -> dict[str, Any] | None:
    """Without a compile tool: say so, and offer to install pip-tools into the selected environment.

    Returns the command's answer when nothing more can be done, or None once pip-tools is installed."""
    from pinwise.core.venv import RequirementStrings

    if environment is None or folder is None:
        message = f"{NO_TOOL} Select a virtual environment to install pip-tools into, or install uv."
        return {"status": "failed", "message": message}
    choice = await _ask(
        server,
        f"{NO_TOOL} Install pip-tools into {environment.path}?",
        types.MessageType.Warning,
        INSTALL_PIP_TOOLS,
        CANCEL,
    )
    if choice != INSTALL_PIP_TOOLS:
        return {"status": "cancelled", "message": NO_TOOL}
    index = await asyncio.to_thread(index_config, server, None, folder)
    async with running_job(server, "Installing pip-tools") as job:
        result = await install_into(server, job, environment, RequirementStrings(("pip-tools",)), index)
    if not result.ok:
        message = failure_message("Installing pip-tools failed", result.message, result.output_tail)
        return {"status": result.status.value, "message": message}
    return None


# -- freeze -------------------------------------------------------------------------------------------------


async def run_freeze(server: PinwiseServer, argument: dict[str, Any]) -> dict[str, Any]:
    from pinwise.core.document import parse_document
    from pinwise.core.files import FileKind
    from pinwise.core.venv import read_installed
    from pinwise.core.venv.freeze import freeze, merge_freeze, read_project_name
    from pinwise.lsp.convert import PositionConverter, workspace_edit
    from pinwise.lsp.features.actions import supports_document_changes

    path = path_of(argument.get("uri"))
    if path is None:
        return {"status": "refused", "message": "No file was given to freeze into."}
    folder = folder_for(server, argument, path)
    environment = await selected_environment(server, folder) if folder is not None else None
    if environment is None or folder is None:
        return {"status": "refused", "message": NO_ENVIRONMENT}
    installed = await asyncio.to_thread(read_installed, environment.path)
    project = await asyncio.to_thread(read_project_name, folder)
    frozen = freeze(installed, exclude=[project] if project else [])
    # An open buffer exists even when it was never saved; only a file that is neither is created.
    open_doc = server.document_at(path)
    document = (
        open_doc.document if open_doc is not None else await asyncio.to_thread(parsed_file, server, path)
    )
    exists = document is not None or await asyncio.to_thread(path.exists)
    if document is None:
        if exists:
            return {"status": "failed", "message": f"{path} cannot be read."}
        document = parse_document("", path, FileKind.REQUIREMENTS)
    edits = merge_freeze(document, frozen)
    if not edits:
        return {"status": "unchanged", "message": f"{path.name} already lists the environment."}
    label = f"Freeze {environment.path.name} into {path.name}"
    edit = workspace_edit(
        open_doc.uri if open_doc is not None else from_fs_path(str(path)) or path.as_uri(),
        open_doc.version if open_doc is not None else None,
        edits,
        open_doc.converter
        if open_doc is not None
        else PositionConverter(document.text, server.position_encoding),
        document_changes=supports_document_changes(server),
        create=not exists,
    )
    result = await server.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=label))
    applied = bool(result and result.applied)
    return {
        "status": "applied" if applied else "rejected",
        "message": label if applied else f"The editor did not apply the edit: {label}.",
        "count": len(frozen),
        "edits": len(edits),
    }


# -- sync ---------------------------------------------------------------------------------------------------


def _plan_json(plan: SyncPlan) -> list[dict[str, Any]]:
    return [
        {"kind": a.kind.value, "name": a.name, "installed": a.installed, "wanted": a.wanted}
        for a in plan.actions
    ]


def _include_graph(server: PinwiseServer, path: Path) -> Any:
    """The file and what it includes (``-r``/``-c``), as the core workspace reads them: editor buffers
    first, then the disk through the safe reader. None when the file cannot be read."""
    document = parsed_file(server, path)
    return server.workspace_for(path).include_graph(document) if document is not None else None


async def run_sync(server: PinwiseServer, argument: dict[str, Any]) -> dict[str, Any]:
    from pinwise.core.venv import read_installed
    from pinwise.core.venv.sync import plan_sync

    if not server.workspace_trusted:
        return {"status": "refused", "message": UNTRUSTED}
    path = path_of(argument.get("uri"))
    if path is None:
        return {"status": "refused", "message": "No file was given to sync with."}
    folder = folder_for(server, argument, path)
    environment = await selected_environment(server, folder) if folder is not None else None
    if environment is None or folder is None:
        return {"status": "refused", "message": NO_ENVIRONMENT}
    graph = await asyncio.to_thread(_include_graph, server, path)
    if graph is None or str(path) not in graph.files:
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
    index = await asyncio.to_thread(index_config, server, path, folder)
    async with running_job(server, f"Syncing {environment.path.name} with {path.name}") as job:
        status, message = await _apply_sync(server, job, environment, path, plan, installed, index)
    from pinwise.lsp.features.commands import select_environment

    await select_environment(server, folder, environment.path, remember=False)
    return {"status": status, "message": message, **answer}


async def _apply_sync(
    server: PinwiseServer,
    job: Job,
    environment: Environment,
    path: Path,
    plan: SyncPlan,
    installed: dict[str, InstalledDistribution],
    index: Any,
) -> tuple[str, str]:
    """Install the file (which upgrades and downgrades to its pins), then uninstall what it does not list."""
    from pinwise.core.venv import RequirementFiles

    if plan.to_install:
        with job.share(0.0, INSTALL_SHARE if plan.to_remove else 1.0):
            result = await install_into(server, job, environment, RequirementFiles(files=(path,)), index)
        if not result.ok:
            return result.status.value, failure_message(
                "Syncing failed while installing", result.message, result.output_tail
            )
    names = plan.to_remove
    if names:
        if "pip" in installed:
            argv = [str(environment.python), "-m", "pip", "uninstall", "-y", "--disable-pip-version-check"]
        else:
            uv = venv_state(server).manager.uv_path()
            if uv is None:
                return "failed", "Nothing can uninstall: the environment has no pip and uv was not found."
            argv = [str(uv), "pip", "uninstall", "--python", str(environment.python)]
        outcome = await _run_tool(server, job, [*argv, *names], path.parent)
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
        load = server.workspace_for(doc.path).load  # the source's editor buffer when it is open
        reason = await asyncio.to_thread(piptools.why_markdown, doc.document, offset, load)
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
    server: PinwiseServer, doc: OpenDocument, actions: list[types.CodeAction], only: list[str] | None
) -> list[types.CodeAction]:
    """In a compiled file, drop the actions that edit requirement lines (quick fixes, Pin all, Update all)
    and offer recompiling instead: one package's upgrade for a quick fix, every package's for Update all."""
    from pinwise.core import piptools
    from pinwise.lsp.features.actions import PIN_ALL_KIND, UPDATE_ALL_KIND, wanted

    if piptools.compiled_origin(doc.document) is None:
        return actions
    replacements = piptools.compiled_file_actions(doc.document, doc.findings)
    titles = {fix.title for replacement in replacements for fix in replacement.replaced}
    kept = [
        a
        for a in actions
        if not (a.edit is not None and a.title in titles) and a.kind not in (PIN_ALL_KIND, UPDATE_ALL_KIND)
    ]
    offered: set[str] = set()
    for replacement in replacements:
        if replacement.package in offered:
            continue
        # Only where one of the replaced fixes was offered, i.e. at the cursor or for a sent diagnostic.
        if not any(a.title in {f.title for f in replacement.replaced} for a in actions if a.edit is not None):
            continue
        offered.add(replacement.package)
        kept.append(
            _recompile_action(doc, replacement.title, types.CodeActionKind.QuickFix, replacement.package)
        )
    if only is not None and wanted(UPDATE_ALL_KIND, only):
        kept.append(
            _recompile_action(doc, "Upgrade every package in the source and recompile", UPDATE_ALL_KIND)
        )
    return kept


def _recompile_action(
    doc: OpenDocument, title: str, kind: str, package: str | None = None
) -> types.CodeAction:
    argument: dict[str, Any] = {"uri": doc.uri}
    if package is None:
        argument["upgrade"] = True
    else:
        argument["upgradePackage"] = package
    return types.CodeAction(
        title=title,
        kind=kind,
        is_preferred=package is not None or None,
        command=types.Command(title=title, command=COMPILE, arguments=[argument]),
    )


async def ignore_venv_in_git(server: PinwiseServer, env_path: Path) -> bool:
    """Add a new environment's folder to the work tree's ``.gitignore`` (an edit the user sees), unless
    git already ignores it. False when nothing was changed."""
    from pinwise.core.analysis.findings import TextEdit
    from pinwise.core.venv.gitignore import gitignore_addition
    from pinwise.lsp.convert import PositionConverter, workspace_edit
    from pinwise.lsp.features.actions import supports_document_changes

    addition = await gitignore_addition(env_path)
    if addition is None:
        return False
    text = ""
    if addition.exists:
        data = await asyncio.to_thread(addition.path.read_bytes)
        text = data.decode("utf-8", "replace")
    edit = workspace_edit(
        from_fs_path(str(addition.path)) or addition.path.as_uri(),
        None,
        [TextEdit(addition.span, addition.new_text)],
        PositionConverter(text, server.position_encoding),
        document_changes=supports_document_changes(server),
        create=not addition.exists,
    )
    result = await server.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=f"Ignore {addition.entry} in git")
    )
    return bool(result and result.applied)


# How a command's outcome is told to the user (what succeeded shows itself as an edit or a progress bar; a
# plan asked for with ``confirm: false`` and a choice the user made need no message).
_TOLD = {
    "failed": types.MessageType.Error,
    "refused": types.MessageType.Warning,
    "unchanged": types.MessageType.Info,
    "rejected": types.MessageType.Warning,
}


def _tell(server: PinwiseServer, answer: dict[str, Any]) -> dict[str, Any]:
    """Show the outcome of a command that did not do its work, so that a palette command never ends
    silently, and answer it for the client."""
    kind = _TOLD.get(str(answer.get("status")))
    if kind is not None and answer.get("message"):
        server.show_message(str(answer["message"]), kind)
    return answer


def register(server: PinwiseServer) -> None:
    @server.command(COMPILE)
    async def compile_command(ls: Any, *args: Any) -> dict[str, Any]:
        return _tell(ls, await run_compile(ls, argument_of(args)))

    @server.command(FREEZE)
    async def freeze_command(ls: Any, *args: Any) -> dict[str, Any]:
        return _tell(ls, await run_freeze(ls, argument_of(args)))

    @server.command(SYNC)
    async def sync_command(ls: Any, *args: Any) -> dict[str, Any]:
        return _tell(ls, await run_sync(ls, argument_of(args)))
