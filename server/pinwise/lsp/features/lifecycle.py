"""initialize / initialized / shutdown / exit, settings changes, workspace trust and warming the core."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from pinwise.lsp import settings as settings_io

if TYPE_CHECKING:
    from pinwise.lsp.server import PinwiseServer

logger = logging.getLogger(__name__)

WORKSPACE_TRUST = "pinwise/workspaceTrust"


def register(server: PinwiseServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: PinwiseServer, params: types.InitializeParams) -> None:
        settings_io.read_initialization_options(ls, params.initialization_options)
        logger.info(
            "Pinwise %s initializing (client %s, trusted workspace: %s)",
            ls.version,
            params.client_info.name if params.client_info else "unknown",
            ls.workspace_trusted,
        )

    @server.feature(types.INITIALIZED)
    async def initialized(ls: PinwiseServer, params: types.InitializedParams) -> None:
        if ls.log_handler is not None:
            ls.log_handler.sink = ls.send_log
        ls.base_settings()  # parsed now unless a document was opened first; its problems are announced now
        settings_io.announce(ls, ls.pending_problems)
        ls.pending_problems = []
        if ls.process_id:
            ls.tasks.spawn(ls.watch_parent(ls.process_id), "watch the client process")
        ls.tasks.spawn(_warm_up(ls), "warm up the core")
        await _register_watchers(ls)
        if await settings_io.pull_folder_settings(ls):
            reanalyse_all(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: PinwiseServer, params: types.DidChangeConfigurationParams) -> None:
        changed = False
        if settings_io.supports_configuration(ls):
            changed = await settings_io.pull_folder_settings(ls)
        elif isinstance(params.settings, dict):
            # Clients without workspace/configuration push the settings themselves.
            from pinwise.core.settings import parse_settings

            raw = params.settings.get(settings_io.SECTION, params.settings)
            new, problems = parse_settings(raw)
            settings_io.announce(ls, problems)
            changed = new != ls.base_settings()
            ls.initial_settings = new
        if changed:
            reanalyse_all(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    async def did_change_folders(ls: PinwiseServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        for folder in params.event.removed:
            from pygls.uris import to_fs_path

            path = to_fs_path(folder.uri)
            if path is not None:
                ls.folder_settings.pop(path, None)
        await settings_io.pull_folder_settings(ls)
        reanalyse_all(ls)

    @server.feature(WORKSPACE_TRUST)
    def workspace_trust(ls: PinwiseServer, params: Any) -> None:
        trusted = getattr(params, "trusted", None)
        if isinstance(params, dict):
            trusted = params.get("trusted")
        if isinstance(trusted, bool):
            ls.workspace_trusted = trusted
            logger.info("Workspace trust is now %s", trusted)

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: PinwiseServer, params: None) -> None:
        logger.info("Shutting down")
        await ls.tasks.cancel_all()
        await ls.close_index()

    @server.feature(types.EXIT)
    def exit_(ls: PinwiseServer, params: None) -> None:
        ls.exit_requested = True
        # The protocol stream closes next: nothing may be sent to the client any more.
        if ls.log_handler is not None:
            ls.log_handler.sink = None


async def _register_watchers(server: PinwiseServer) -> None:
    """Ask the client to tell us when dependency files (and files they include) change on disk."""
    workspace = server.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(
        watchers=[
            types.FileSystemWatcher(glob_pattern="**/*.txt"),
            types.FileSystemWatcher(glob_pattern="**/*.in"),
            types.FileSystemWatcher(glob_pattern="**/pyproject.toml"),
        ]
    )
    try:
        await server.client_register_capability_async(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id="pinwise-watch-files",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=options,
                    )
                ]
            )
        )
    except Exception:
        logger.warning("The client refused to watch files; included files are re-read on save only")


async def _warm_up(server: PinwiseServer) -> None:
    """Import the heavy modules and load the project-name list, after the client is already served."""
    started = time.perf_counter()
    import pinwise.core.analysis.engine
    import pinwise.core.document
    import pinwise.core.index.service  # noqa: F401

    logger.info("Core modules loaded in %.0f ms", (time.perf_counter() - started) * 1000)
    await _restore_selections(server)
    from pinwise.lsp.features.completion import load_names

    await load_names(server)


async def _restore_selections(server: PinwiseServer) -> None:
    """Re-select each folder's remembered environment, so analysis knows what is installed."""
    import asyncio
    from pathlib import Path

    from pinwise.lsp.features.commands import _selection_store, select_environment

    store = _selection_store()
    for folder in server.folders():
        remembered = await asyncio.to_thread(store.get, Path(folder))
        if remembered is not None:
            await select_environment(server, Path(folder), remembered, remember=False)


def reanalyse_all(server: PinwiseServer) -> None:
    from pinwise.lsp.features.diagnostics import analyse

    for uri in list(server.documents):
        analyse(server, uri)
