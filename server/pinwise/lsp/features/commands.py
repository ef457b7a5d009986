"""``workspace/executeCommand``: environments (list, select, create, install) and whole-file fixes.

Every editor calls these names with one object argument (documented in docs/venvs.md). Installers refuse
in an untrusted workspace and install only into virtual environments; selections are remembered in the
venv store and announced with ``pinwise/venvSelected``. What a selected environment holds is re-read when
its site-packages change on disk (polled with ``installed_fingerprint``, a few ``stat`` calls).
Handlers take ``ls: Any`` because pygls evaluates command handlers' annotations at run time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from pinwise.lsp.progress import WorkDone

if TYPE_CHECKING:
    from pinwise.core.index.types import IndexConfig
    from pinwise.core.venv import Environment, InstallRequest, InstallResult, Progress, VenvManager
    from pinwise.lsp.server import PinwiseServer

logger = logging.getLogger(__name__)
# Installer output goes to the client's log through its own logger, so it can be filtered apart.
output_logger = logging.getLogger("pinwise.installer")

LIST_VENVS = "pinwise.listVenvs"
SELECT_VENV = "pinwise.selectVenv"
LIST_INTERPRETERS = "pinwise.listInterpreters"
CREATE_VENV = "pinwise.createVenv"
INSTALL_DEPENDENCIES = "pinwise.installDependencies"
PIN_ALL = "pinwise.pinAll"
UPDATE_ALL = "pinwise.updateAll"
VENV_SELECTED = "pinwise/venvSelected"

UNTRUSTED = "This workspace is not trusted; Pinwise does not install into it or run its build code."
# How often selected environments are checked for changes made outside Pinwise (a pip in a terminal).
INSTALLED_POLL_SECONDS = 1.0
# How often a running job looks at its progress bar's cancel button.
CANCEL_POLL_SECONDS = 0.1
# Lines of installer output shown in a failure message (the whole output is in the log).
MESSAGE_TAIL_LINES = 8
# Share of a "create and install" progress bar given to creating the environment.
CREATE_SHARE = 0.3


@dataclass
class VenvState:
    """The server's environment jobs: one manager (which refuses two jobs on one target), the folders
    whose environment is being created, and the last seen fingerprint of each selected environment."""

    manager: VenvManager
    creating: dict[str, Path] = field(default_factory=dict)
    fingerprints: dict[str, object] = field(default_factory=dict)
    watcher: asyncio.Task[None] | None = None


def venv_state(server: PinwiseServer) -> VenvState:
    if server.venv_state is None:
        from pinwise.core.venv import VenvManager

        server.venv_state = VenvState(manager=VenvManager())
    return server.venv_state


def argument_of(args: tuple[Any, ...]) -> dict[str, Any]:
    first = args[0] if args else {}
    return first if isinstance(first, dict) else {}


def path_of(value: Any) -> Path | None:
    """A path given as a ``file:`` URI or as a plain path."""
    if not isinstance(value, str) or not value:
        return None
    text = to_fs_path(value) if "://" in value else value
    return Path(text) if text else None


def _folder(server: PinwiseServer, value: Any) -> Path | None:
    """A workspace folder given as a URI or a path (the first folder when none is given)."""
    given = path_of(value)
    if given is not None:
        return given
    folders = server.folders()
    return Path(folders[0]) if folders else None


def folder_for(server: PinwiseServer, argument: dict[str, Any], target: Path | None) -> Path | None:
    """The workspace folder a command works in: ``workspaceFolder`` when given, else the folder holding
    ``target`` (its own folder outside every workspace folder), else the first folder."""
    given = path_of(argument.get("workspaceFolder"))
    if given is not None:
        return given
    if target is not None:
        found = server.folder_of(target)
        return Path(found) if found else target.parent
    return _folder(server, None)


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _selection_store() -> Any:
    from pinwise.core.venv import SelectionStore

    return SelectionStore()


# -- selection and what is installed -----------------------------------------------------------------------


def _read_environment(env_path: Path) -> tuple[dict[str, Any], object]:
    """What the environment holds, and the fingerprint it was read at (fingerprint first, so a change
    during the read is seen by the next poll)."""
    from pinwise.core.venv import installed_fingerprint, read_installed

    fingerprint = installed_fingerprint(env_path)
    return dict(read_installed(env_path)), fingerprint


async def select_environment(server: PinwiseServer, folder: Path, env_path: Path, *, remember: bool) -> Any:
    """Make ``env_path`` the environment of ``folder``: read what it holds, re-analyse, tell the client."""
    from pinwise.core.venv import environment_at

    environment = await asyncio.to_thread(environment_at, env_path)
    if environment is None:
        return None
    if remember:
        await asyncio.to_thread(_selection_store().set, folder, environment.path)
    installed, fingerprint = await asyncio.to_thread(_read_environment, environment.path)
    state = venv_state(server)
    server.selected_venvs[str(folder)] = environment.path
    server.installed[str(folder)] = installed
    state.fingerprints[str(folder)] = fingerprint
    server.protocol.notify(
        VENV_SELECTED,
        {
            "workspaceFolder": str(folder),
            "path": str(environment.path),
            "pythonVersion": environment.version,
            "isVirtualEnv": environment.is_virtual_env,
        },
    )
    _watch_installed(server)
    from pinwise.lsp.features.lifecycle import reanalyse_all

    reanalyse_all(server)
    return environment


def _watch_installed(server: PinwiseServer) -> None:
    state = venv_state(server)
    if state.watcher is None or state.watcher.done():
        state.watcher = server.tasks.spawn(_poll_installed(server), "watch the selected environments")


async def _poll_installed(server: PinwiseServer) -> None:
    """Re-read an environment whose site-packages changed (an install from a terminal, a deleted venv)."""
    state = venv_state(server)
    while True:
        await asyncio.sleep(INSTALLED_POLL_SECONDS)
        selected = dict(server.selected_venvs)
        if not selected:
            continue
        current = await asyncio.to_thread(_fingerprints, selected)
        changed = False
        for folder, fingerprint in current.items():
            if state.fingerprints.get(folder) == fingerprint or server.selected_venvs.get(folder) is None:
                continue
            env_path = selected[folder]
            installed, latest = await asyncio.to_thread(_read_environment, env_path)
            if server.selected_venvs.get(folder) != env_path:
                continue  # another environment was selected meanwhile
            logger.info("The environment %s changed; re-reading what it holds", env_path)
            server.installed[folder] = installed
            state.fingerprints[folder] = latest
            changed = True
        if changed:
            from pinwise.lsp.features.lifecycle import reanalyse_all

            reanalyse_all(server)


def _fingerprints(selected: dict[str, Path]) -> dict[str, object]:
    from pinwise.core.venv import installed_fingerprint

    return {folder: installed_fingerprint(path) for folder, path in selected.items()}


def _describe_environment(environment: Any) -> dict[str, Any]:
    return {
        "path": str(environment.path),
        "python": str(environment.python),
        "version": environment.version,
        "kind": getattr(environment.kind, "value", str(environment.kind)),
        "isVirtualEnv": bool(getattr(environment, "is_virtual_env", False)),
    }


async def selected_environment(server: PinwiseServer, folder: Path) -> Environment | None:
    from pinwise.core.venv import environment_at

    env_path = server.selected_venvs.get(str(folder)) or await asyncio.to_thread(
        _selection_store().get, folder
    )
    return await asyncio.to_thread(environment_at, env_path) if env_path else None


# -- whole-file fixes ------------------------------------------------------------------------------------


async def _fix_all(server: PinwiseServer, uri: str, which: str) -> bool:
    """Compute "pin all" or "update all" for ``uri`` and apply it through ``workspace/applyEdit``."""
    from pinwise.core.analysis.engine import whole_file_fix
    from pinwise.lsp.convert import workspace_edit
    from pinwise.lsp.features.actions import supports_document_changes
    from pinwise.lsp.features.diagnostics import analysis_inputs

    doc = server.documents.get(uri)
    if doc is None:
        return False
    context, _ = analysis_inputs(server, doc)
    fix, choices = await whole_file_fix(
        doc.document, context, server.index_for(doc), pin=which == "pin_all", update=which != "pin_all"
    )
    for reason in choices.skipped:
        logger.info("%s: left as it is: %s", doc.path.name, reason)
    if choices.refused is not None:
        server.show_message(f"{doc.path.name} was not changed: {choices.refused}.", types.MessageType.Info)
        return False
    if fix is None or not fix.edits:
        server.show_message("Nothing to change.", types.MessageType.Info)
        return False
    edit = workspace_edit(
        uri, doc.version, fix.edits, doc.converter, document_changes=supports_document_changes(server)
    )
    result = await server.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label=fix.title)
    )
    return bool(result and result.applied)


# -- registration ----------------------------------------------------------------------------------------


def register(server: PinwiseServer) -> None:
    @server.command(LIST_VENVS)
    async def list_venvs(ls: Any, *args: Any) -> list[dict[str, Any]]:
        from pinwise.core.venv import discover_environments

        folder = _folder(ls, argument_of(args).get("workspaceFolder"))
        if folder is None:
            return []
        return [_describe_environment(e) for e in await discover_environments(folder)]

    @server.command(SELECT_VENV)
    async def select_venv(ls: Any, *args: Any) -> Any:
        """With ``path``: select it (and answer its description). Without: answer the candidates."""
        from pinwise.core.venv import discover_environments

        argument = argument_of(args)
        folder = _folder(ls, argument.get("workspaceFolder"))
        if folder is None:
            return None
        path = path_of(argument.get("path"))
        if path is None:
            return [_describe_environment(e) for e in await discover_environments(folder)]
        environment = await select_environment(ls, folder, folder / path, remember=True)
        if environment is None:
            ls.show_message(f"No Python environment was found at {path}.")
            return None
        return _describe_environment(environment)

    @server.command(LIST_INTERPRETERS)
    async def list_interpreters(ls: Any, *args: Any) -> list[dict[str, Any]]:
        from pinwise.core.venv import find_interpreters

        folder = _folder(ls, argument_of(args).get("workspaceFolder"))
        if folder is None:
            return []
        interpreters = await find_interpreters(folder)
        chosen, reason = await _default_interpreter(ls, folder, interpreters)
        return [
            {
                "path": str(i.path),
                "version": i.version,
                "source": i.source,
                "recommended": chosen is not None and i.path == chosen.path,
                "reason": reason if chosen is not None and i.path == chosen.path else "",
            }
            for i in interpreters
        ]

    @server.command(CREATE_VENV)
    async def create_venv(ls: Any, *args: Any) -> dict[str, Any]:
        return await _create_venv(ls, argument_of(args))

    @server.command(INSTALL_DEPENDENCIES)
    async def install_dependencies(ls: Any, *args: Any) -> dict[str, Any]:
        return await _install_dependencies(ls, argument_of(args))

    @server.command(PIN_ALL)
    async def pin_all(ls: Any, *args: Any) -> bool:
        uri = argument_of(args).get("uri")
        return await _fix_all(ls, uri, "pin_all") if isinstance(uri, str) else False

    @server.command(UPDATE_ALL)
    async def update_all(ls: Any, *args: Any) -> bool:
        uri = argument_of(args).get("uri")
        return await _fix_all(ls, uri, "update_all") if isinstance(uri, str) else False


async def _default_interpreter(server: PinwiseServer, folder: Path, interpreters: Any) -> tuple[Any, str]:
    """The interpreter ``choose_default`` proposes from ``.python-version`` and ``requires-python``."""
    from pinwise.core.files import read_dependency_text
    from pinwise.core.venv import choose_default

    python_version = await asyncio.to_thread(read_dependency_text, folder / ".python-version")
    found = server.workspace_for(folder / "pyproject.toml").pyproject_above(folder)
    requirement = found[1].requires_python if found is not None else None
    return choose_default(interpreters, python_version, requirement.specifier if requirement else None)


# -- what to install, and from which index ----------------------------------------------------------------


def parsed_file(server: PinwiseServer, path: Path) -> Any:
    """The parse of ``path``: the editor's buffer when open, else the file on disk (None if unreadable),
    as the core workspace loads it (safe reader, cached by modification time)."""
    return server.workspace_for(path).load(path)


def index_config(server: PinwiseServer, path: Path | None, folder: Path) -> IndexConfig:
    """The index configuration Pinwise checks ``path`` against, so installs use the same indexes (pip's
    precedence: the file's options and its includes', the environment, pip's configuration, the editor's
    settings)."""
    from pinwise.core.model import ParsedFile

    source = path if path is not None else folder / "pyproject.toml"
    document = parsed_file(server, source)
    service = server.index_service(server.settings_for(source))
    if document is None:
        return service.config_for(ParsedFile(path=None, text=""))
    graph = server.workspace_for(source).include_graph(document)
    return service.config_for(document.parsed, graph.included_files() if graph else [])


def _project_request(
    server: PinwiseServer, directory: Path, extras: tuple[str, ...], groups: tuple[str, ...]
) -> Any:
    from pinwise.core.venv import ProjectInstall
    from pinwise.core.venv.actions import dependency_group_requirements

    document = parsed_file(server, directory / "pyproject.toml")
    group_requirements = (
        {group: dependency_group_requirements(document, group) for group in groups} if document else {}
    )
    return ProjectInstall(
        directory=directory, extras=extras, groups=groups, group_requirements=group_requirements
    )


def _install_request(
    server: PinwiseServer, argument: dict[str, Any], target: Path | None, folder: Path
) -> Any:
    """``requirements`` (strings), else the requirements file ``target``, else the project of ``target``
    (a pyproject.toml) or of the folder; None when there is nothing to install."""
    from pinwise.core.venv import RequirementFiles, RequirementStrings

    requirements = _strings(argument.get("requirements"))
    if requirements:
        return RequirementStrings(requirements)
    extras = _strings(argument.get("extras"))
    groups = _strings(argument.get("groups"))
    if target is not None and target.name != "pyproject.toml":
        return RequirementFiles(files=(target,))
    directory = target.parent if target is not None else folder
    if (directory / "pyproject.toml").is_file() or (directory / "setup.py").is_file():
        return _project_request(server, directory, extras, groups)
    return None


# -- running a job with progress, cancellation and streamed output -----------------------------------------


class Job:
    """One progress bar shared by the steps of a command, each step given a share of the bar."""

    def __init__(self, progress: WorkDone) -> None:
        self.progress = progress
        self.cancel = asyncio.Event()
        self.start = 0.0
        self.end = 1.0

    @contextlib.contextmanager
    def share(self, start: float, end: float) -> Iterator[None]:
        self.start, self.end = start, end
        yield

    def on_progress(self, update: Progress) -> None:
        fraction = None if update.fraction is None else self.start + (self.end - self.start) * update.fraction
        self.progress.report(update.message, fraction)

    @staticmethod
    def on_output(line: str) -> None:
        output_logger.info("%s", line)

    def on_tool_line(self, line: str) -> None:
        """A tool without progress of its own (pip-compile, an uninstall): each line is the message."""
        output_logger.info("%s", line)
        self.progress.report(line[:120])

    async def watch_cancel(self) -> None:
        """The cancel button is a flag on the progress token: look at it until the job ends."""
        while not self.cancel.is_set():
            if self.progress.cancelled:
                logger.info("Cancel requested by the client")
                self.cancel.set()
                return
            await asyncio.sleep(CANCEL_POLL_SECONDS)


@contextlib.asynccontextmanager
async def running_job(server: PinwiseServer, title: str) -> Any:
    async with WorkDone(server, title, cancellable=True) as progress:
        job = Job(progress)
        watcher = asyncio.ensure_future(job.watch_cancel())
        try:
            yield job
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


def failure_message(what: str, message: str, tail: tuple[str, ...]) -> str:
    lines = [line for line in tail if line.strip()][-MESSAGE_TAIL_LINES:]
    text = f"{what}: {message}"
    return text + ("\n" + "\n".join(lines) if lines else "")


async def install_into(
    server: PinwiseServer, job: Job, environment: Environment, request: InstallRequest, index: IndexConfig
) -> InstallResult:
    return await venv_state(server).manager.install(
        environment,
        request,
        trusted=server.workspace_trusted,
        index=index,
        progress=job.on_progress,
        output=job.on_output,
        cancel=job.cancel,
    )


# -- createVenv -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _creating(state: VenvState, folder: Path, target: Path) -> Iterator[Path | None]:
    """Claim ``folder`` for one creation; yields the target already being created there, if any."""
    key = str(folder)
    busy = state.creating.get(key)
    if busy is not None:
        yield busy
        return
    state.creating[key] = target
    try:
        yield None
    finally:
        state.creating.pop(key, None)


async def _create_venv(server: PinwiseServer, argument: dict[str, Any]) -> dict[str, Any]:
    if not server.workspace_trusted:
        return {"status": "refused", "message": UNTRUSTED}
    folder = _folder(server, argument.get("workspaceFolder"))
    if folder is None:
        return {"status": "refused", "message": "No workspace folder is open."}
    relative = argument.get("path")
    target = folder / (relative if isinstance(relative, str) and relative else ".venv")
    state = venv_state(server)
    with _creating(state, folder, target) as busy:
        if busy is not None:
            message = f"A virtual environment is already being created for {folder} (at {busy}); wait for it or cancel it."
            server.show_message(message, types.MessageType.Warning)
            return {"status": "refused", "message": message}
        return await _create_and_install(server, argument, folder, target)


async def _create_and_install(
    server: PinwiseServer, argument: dict[str, Any], folder: Path, target: Path
) -> dict[str, Any]:
    from pinwise.core.venv import find_interpreters

    interpreter = argument.get("interpreter")
    # Why this Python: said in the progress bar and the answer when Pinwise chose it (.python-version,
    # requires-python), so that every client shows it, not only the VS Code picker.
    chosen_because = f"{interpreter}, chosen by the client"
    if not isinstance(interpreter, str) or not interpreter:
        chosen, reason = await _default_interpreter(server, folder, await find_interpreters(folder))
        if chosen is None:
            server.show_message(f"Cannot create a virtual environment: {reason}", types.MessageType.Error)
            return {"status": "failed", "message": reason}
        logger.info("Creating %s from %s", target, reason)
        interpreter = str(chosen.path)
        chosen_because = reason
    uri_path = path_of(argument.get("uri"))
    request = _install_request(server, argument, uri_path, folder) if argument.get("install", True) else None
    index = index_config(server, uri_path, folder)
    settings = server.settings_for(folder / "pyproject.toml")
    state = venv_state(server)

    async with running_job(server, "Creating a virtual environment") as job:
        job.progress.report(chosen_because, 0.0)
        with job.share(0.0, CREATE_SHARE if request is not None else 1.0):
            created = await state.manager.create(
                target,
                Path(interpreter),
                upgrade_pip=settings.venv.upgrade_pip,
                index=index,
                progress=job.on_progress,
                output=job.on_output,
                cancel=job.cancel,
            )
        if not created.ok or created.environment is None:
            return report_outcome(
                server,
                created.status,
                "Creating the virtual environment failed",
                "Creating the virtual environment was cancelled.",
                created.message,
                created.output_tail,
            )
        environment = created.environment
        answer: dict[str, Any] = {
            "status": "succeeded",
            "message": created.message,
            "path": str(environment.path),
            "interpreter": interpreter,
            "interpreterReason": chosen_because,
        }
        if request is not None:
            with job.share(CREATE_SHARE, 1.0):
                installed = await install_into(server, job, environment, request, index)
            answer["install"] = {"status": installed.status.value, "message": installed.message}
            if not installed.ok:
                # The environment is ours and half-built: remove it, so nothing half-built is selected.
                await asyncio.to_thread(shutil.rmtree, environment.path, True)
                result = report_outcome(
                    server,
                    installed.status,
                    f"Installing into the new virtual environment failed, so {environment.path} was removed",
                    f"Installing was cancelled, so the new virtual environment {environment.path} was removed.",
                    installed.message,
                    installed.output_tail,
                )
                result["install"] = answer["install"]
                return result
    if settings.venv.gitignore:
        from pinwise.lsp.features.workflows import ignore_venv_in_git

        await ignore_venv_in_git(server, environment.path)
    await select_environment(server, folder, environment.path, remember=True)
    for warning in created.warnings:
        server.show_message(warning, types.MessageType.Warning)
    return answer


def report_outcome(
    server: PinwiseServer, status: Any, failed: str, cancelled: str, message: str, tail: tuple[str, ...]
) -> dict[str, Any]:
    """Tell the user how a job ended when it did not succeed (with the installer's last lines when it
    failed), and answer the command."""
    from pinwise.core.venv import Status

    if status is Status.CANCELLED:
        server.show_message(cancelled, types.MessageType.Info)
    elif status is Status.REFUSED:
        server.show_message(message, types.MessageType.Warning)
    else:
        server.show_message(failure_message(failed, message, tail), types.MessageType.Error)
    return {"status": status.value, "message": message, "output": list(tail)}


# -- installDependencies ------------------------------------------------------------------------------------


async def _install_dependencies(server: PinwiseServer, argument: dict[str, Any]) -> dict[str, Any]:
    if not server.workspace_trusted:
        return {"status": "refused", "message": UNTRUSTED}
    target = path_of(argument.get("uri"))
    folder = folder_for(server, argument, target)
    if folder is None:
        return {"status": "refused", "message": "No workspace folder is open."}
    environment = await selected_environment(server, folder)
    if environment is None:
        message = "Select or create a virtual environment first."
        server.show_message(message, types.MessageType.Warning)
        return {"status": "refused", "message": message}
    request = _install_request(server, argument, target, folder)
    if request is None:
        return {"status": "refused", "message": f"There is nothing to install in {folder}."}
    index = index_config(server, target, folder)
    async with running_job(server, "Installing dependencies") as job:
        result = await install_into(server, job, environment, request, index)
    if not result.ok:
        return report_outcome(
            server,
            result.status,
            "Installing failed",
            "Installing was cancelled.",
            result.message,
            result.output_tail,
        )
    await select_environment(server, folder, environment.path, remember=False)
    return {"status": result.status.value, "message": result.message}
