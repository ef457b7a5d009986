"""LSP features, one module each; every module has ``register(server)`` and keeps its handlers thin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinwise.lsp.features import (
    actions,
    commands,
    completion,
    diagnostics,
    documents,
    hover,
    lifecycle,
    navigation,
    workflows,
)

if TYPE_CHECKING:
    from pinwise.lsp.server import PinwiseServer

MODULES = (lifecycle, documents, diagnostics, completion, hover, actions, navigation, commands, workflows)


def register(server: PinwiseServer) -> None:
    for module in MODULES:
        module.register(server)
