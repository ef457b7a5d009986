"""Reading the editor's settings: ``initializationOptions`` first, then ``workspace/configuration`` per folder.

A bad value is announced once with ``window/showMessage`` (naming the key) and the key keeps its default.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.uris import from_fs_path

if TYPE_CHECKING:
    from pinwise.core.settings import SettingProblem
    from pinwise.lsp.server import PinwiseServer

logger = logging.getLogger(__name__)

SECTION = "pinwise"


def read_initialization_options(server: PinwiseServer, options: Any) -> None:
    """Take ``{settings: {...}, workspaceTrusted: bool}``. The settings are kept as sent: parsing them
    imports the core, which ``initialize`` must not wait for (``PinwiseServer.base_settings`` parses them)."""
    if isinstance(options, dict):
        server.raw_initial_settings = options.get("settings")
        trusted = options.get("workspaceTrusted")
        if isinstance(trusted, bool):
            server.workspace_trusted = trusted


def announce(server: PinwiseServer, problems: list[SettingProblem], where: str = "") -> None:
    for problem in problems:
        message = f"Pinwise setting pinwise.{problem.key}{where}: {problem.message}; using the default."
        if message in server.announced:
            continue
        server.announced.add(message)
        logger.warning("%s", message)
        server.show_message(message)


def supports_configuration(server: PinwiseServer) -> bool:
    workspace = server.client_capabilities.workspace
    return bool(workspace and workspace.configuration)


async def pull_folder_settings(server: PinwiseServer) -> bool:
    """Ask the client for the ``pinwise`` section of every workspace folder; True when anything changed."""
    from pinwise.core.settings import parse_settings

    if not supports_configuration(server):
        return False
    folders = server.folders()
    items = [types.ConfigurationItem(scope_uri=from_fs_path(folder), section=SECTION) for folder in folders]
    if not items:
        items = [types.ConfigurationItem(section=SECTION)]
    try:
        answers = await server.workspace_configuration_async(types.ConfigurationParams(items=items))
    except Exception:
        logger.exception("The client did not answer workspace/configuration")
        return False
    changed = False
    for index, raw in enumerate(answers or []):
        settings, problems = parse_settings(raw)
        if folders:
            folder = folders[index] if index < len(folders) else folders[-1]
            previous = server.folder_settings.get(folder)
            server.folder_settings[folder] = settings
            announce(server, problems, f" (folder {folder})" if len(folders) > 1 else "")
        else:
            previous = server.base_settings()
            server.initial_settings = settings
            announce(server, problems)
        changed = changed or previous != settings
    return changed
