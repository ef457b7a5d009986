"""``workspace/executeCommand``: environments (list, select, create, install) and whole-file fixes.

The VS Code client calls these names with one object argument. Installers refuse in an untrusted
workspace; selections are remembered in the venv store and announced with ``pinwise/venvSelected``.
Handlers take ``ls: Any`` because pygls evaluates command handlers' annotations at run time.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import to_fs_path

from pinwise.lsp.progress import WorkDone

if TYPE_CHECKING:
    from pinwise.lsp.server import OpenDocument, PinwiseServer

logger = logging.getLogger(__name__)

LIST_VENVS = "pinwise.listVenvs"
SELECT_VENV = "pinwise.selectVenv"
LIST_INTERPRETERS = "pinwise.listInterpreters"
CREATE_VENV = "pinwise.createVenv"
INSTALL_DEPENDENCIES = "pinwise.installDependencies"
PIN_ALL = "pinwise.pinAll"
UPDATE_ALL = "pinwise.updateAll"
VENV_SELECTED = "pinwise/venvSelected"

UNTRUSTED = "This workspace is not trusted; Pinwise does not install into it or run its build code."


def _argument(args: tuple[Any, ...]) -> dict[str, Any]:
    first = args[0] if args else {}
    return first if isinstance(first, dict) else {}


def _folder(server: PinwiseServer, value: Any) -> Path | None:
    """A workspace folder given as a URI or a path (the first folder when none is given)."""
    if isinstance(value, str) and value:
        path = to_fs_path(value) if "://" in value else value
        return Path(path) if path else None
    folders = server.folders()
    return Path(folders[0]) if folders else None


def _selection_store() -> Any:
    from pinwise.core.venv import SelectionStore

    return SelectionStore()


async def select_environment(server: PinwiseServer, folder: Path, env_path: Path, *, remember: bool) -> Any:
    """Make ``env_path`` the environment of ``folder``: read what it holds, re-analyse, tell the client."""
    from pinwise.core.venv import environment_at, read_installed

    environment = await asyncio.to_thread(environment_at, env_path)
    if environment is None:
        return None
    if remember:
        await asyncio.to_thread(_selection_store().set, folder, environment.path)
    server.selected_venvs[str(folder)] = environment.path
    server.installed[str(folder)] = await asyncio.to_thread(read_installed, environment.path)
    server.protocol.notify(
        VENV_SELECTED,
        {"workspaceFolder": str(folder), "path": str(environment.path), "pythonVersion": environment.version},
    )
    from pinwise.lsp.features.lifecycle import reanalyse_all

    reanalyse_all(server)
    return environment


def _describe_environment(environment: Any) -> dict[str, Any]:
    return {
        "path": str(environment.path),
        "python": str(environment.python),
        "version": environment.version,
        "kind": getattr(environment.kind, "value", str(environment.kind)),
    }


async def _fix_all(server: PinwiseServer, uri: str, which: str) -> bool:
    """Compute "pin all" or "update all" for ``uri`` and apply it through ``workspace/applyEdit``."""
    from pinwise.core import fixes
    from pinwise.lsp.convert import workspace_edit
    from pinwise.lsp.features.actions import supports_document_changes

    doc = server.documents.get(uri)
    if doc is None:
        return False
    versions = await latest_versions(server, doc)
    fix = (
        fixes.pin_all(doc.document, versions)
        if which == "pin_all"
        else fixes.update_all(doc.document, versions)
    )
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


async def latest_versions(server: PinwiseServer, doc: OpenDocument) -> dict[str, str]:
    """Canonical name -> the release pip would pick without a specifier, for every named dependency.

    The choice is the index client's (``pick_release``); names the index cannot answer for are left out.
    """
    from pinwise.core.index.client import pick_release
    from pinwise.core.index.types import LookupStatus

    index = server.index_for(doc)
    names = sorted({d.canonical_name for d in doc.document.dependencies if d.canonical_name})
    lookups = await asyncio.gather(*(index.project(name) for name in names))
    versions: dict[str, str] = {}
    for name, lookup in zip(names, lookups, strict=True):
        if lookup.status is LookupStatus.FOUND and lookup.project is not None:
            release = pick_release(lookup.project, None)
            if release is not None:
                versions[name] = release.version
    return versions


def register(server: PinwiseServer) -> None:
    @server.command(LIST_VENVS)
    async def list_venvs(ls: Any, *args: Any) -> list[dict[str, Any]]:
        from pinwise.core.venv import discover_environments

        folder = _folder(ls, _argument(args).get("workspaceFolder"))
        if folder is None:
            return []
        return [_describe_environment(e) for e in await discover_environments(folder)]

    @server.command(SELECT_VENV)
    async def select_venv(ls: Any, *args: Any) -> dict[str, Any] | None:
        argument = _argument(args)
        folder = _folder(ls, argument.get("workspaceFolder"))
        path = argument.get("path")
        if folder is None or not isinstance(path, str):
            return None
        environment = await select_environment(ls, folder, Path(path), remember=True)
        if environment is None:
            ls.show_message(f"No Python environment was found at {path}.")
            return None
        return _describe_environment(environment)

    @server.command(LIST_INTERPRETERS)
    async def list_interpreters(ls: Any, *args: Any) -> list[dict[str, Any]]:
        from pinwise.core.venv import choose_default, find_interpreters

        folder = _folder(ls, _argument(args).get("workspaceFolder"))
        if folder is None:
            return []
        interpreters = await find_interpreters(folder)
        python_version = await asyncio.to_thread(_read_text, folder / ".python-version")
        from pinwise.lsp.features.diagnostics import nearest_pyproject

        _, pyproject = nearest_pyproject(ls, folder / "requirements.txt", str(folder))
        requirement = getattr(pyproject, "requires_python", None)
        chosen, reason = choose_default(interpreters, python_version, getattr(requirement, "specifier", None))
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
        return await _create_venv(ls, _argument(args))

    @server.command(INSTALL_DEPENDENCIES)
    async def install_dependencies(ls: Any, *args: Any) -> dict[str, Any]:
        return await _install_dependencies(ls, _argument(args))

    @server.command(PIN_ALL)
    async def pin_all(ls: Any, *args: Any) -> bool:
        uri = _argument(args).get("uri")
        return await _fix_all(ls, uri, "pin_all") if isinstance(uri, str) else False

    @server.command(UPDATE_ALL)
    async def update_all(ls: Any, *args: Any) -> bool:
        uri = _argument(args).get("uri")
        return await _fix_all(ls, uri, "update_all") if isinstance(uri, str) else False


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


async def _create_venv(server: PinwiseServer, argument: dict[str, Any]) -> dict[str, Any]:
    from pinwise.core.venv import VenvManager, choose_default, find_interpreters

    if not server.workspace_trusted:
        return {"status": "refused", "message": UNTRUSTED}
    folder = _folder(server, argument.get("workspaceFolder"))
    if folder is None:
        return {"status": "refused", "message": "No workspace folder is open."}
    target = folder / str(argument.get("path") or ".venv")
    interpreter = argument.get("interpreter")
    if not isinstance(interpreter, str):
        interpreters = await find_interpreters(folder)
        chosen, reason = choose_default(
            interpreters, await asyncio.to_thread(_read_text, folder / ".python-version"), None
        )
        if chosen is None:
            return {"status": "failed", "message": reason}
        interpreter = str(chosen.path)
    settings = server.settings_for(folder / "pyproject.toml")
    manager = VenvManager()
    cancel = asyncio.Event()
    async with WorkDone(server, "Creating a virtual environment", cancellable=True) as progress:

        def on_progress(update: Any) -> None:
            if progress.cancelled:
                cancel.set()
            progress.report(update.message, update.fraction)

        result = await manager.create(
            target,
            Path(interpreter),
            upgrade_pip=settings.venv.upgrade_pip,
            progress=on_progress,
            cancel=cancel,
        )
    if not result.ok or result.environment is None:
        return {"status": result.status.value, "message": result.message}
    if settings.venv.gitignore:
        await asyncio.to_thread(_ignore_in_git, result.environment.path)
    await select_environment(server, folder, result.environment.path, remember=True)
    answer: dict[str, Any] = {
        "status": result.status.value,
        "message": result.message,
        "path": str(result.environment.path),
    }
    if argument.get("install", True):
        installed = await _install_dependencies(
            server,
            {
                "workspaceFolder": str(folder),
                "extras": argument.get("extras"),
                "groups": argument.get("groups"),
            },
        )
        answer["install"] = installed
    return answer


def _ignore_in_git(env_path: Path) -> None:
    """A ``.gitignore`` holding ``*`` inside the new environment keeps it out of version control."""
    ignore = env_path / ".gitignore"
    if not ignore.exists():
        try:
            ignore.write_text("*\n", encoding="utf-8")
        except OSError as error:
            logger.warning("Cannot write %s: %s", ignore, error)


async def _install_dependencies(server: PinwiseServer, argument: dict[str, Any]) -> dict[str, Any]:
    from pinwise.core.venv import ProjectInstall, RequirementFiles, VenvManager, environment_at

    if not server.workspace_trusted:
        return {"status": "refused", "message": UNTRUSTED}
    uri = argument.get("uri")
    target_path = Path(to_fs_path(uri) or "") if isinstance(uri, str) else None
    folder = _folder(server, argument.get("workspaceFolder")) if target_path is None else None
    if target_path is not None:
        folder_text = server.folder_of(target_path)
        folder = Path(folder_text) if folder_text else target_path.parent
    if folder is None:
        return {"status": "refused", "message": "No workspace folder is open."}
    env_path = server.selected_venvs.get(str(folder)) or await asyncio.to_thread(
        _selection_store().get, folder
    )
    environment = await asyncio.to_thread(environment_at, env_path) if env_path else None
    if environment is None:
        return {"status": "refused", "message": "Select or create a virtual environment first."}
    request: Any
    if target_path is not None and target_path.name != "pyproject.toml":
        request = RequirementFiles(files=(target_path,))
    else:
        extras = tuple(e for e in argument.get("extras") or () if isinstance(e, str))
        groups = tuple(g for g in argument.get("groups") or () if isinstance(g, str))
        request = ProjectInstall(directory=folder, extras=extras, groups=groups)
    cancel = asyncio.Event()
    async with WorkDone(server, "Installing dependencies", cancellable=True) as progress:

        def on_progress(update: Any) -> None:
            if progress.cancelled:
                cancel.set()
            progress.report(update.message, update.fraction)

        result = await VenvManager().install(
            environment, request, trusted=server.workspace_trusted, progress=on_progress, cancel=cancel
        )
    if result.ok:
        await select_environment(server, folder, environment.path, remember=False)
    else:
        server.show_message(f"Installing failed: {result.message}", types.MessageType.Error)
    return {"status": result.status.value, "message": result.message}
