"""Work-done progress reported to the client, when it supports it (a no-op otherwise)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from pinwise.lsp.server import PinwiseServer

logger = logging.getLogger(__name__)


class WorkDone:
    """One progress bar: ``async with WorkDone(server, "Loading") as progress: progress.report(...)``.

    ``cancelled`` turns true when the user presses the progress bar's cancel button.
    """

    def __init__(
        self,
        server: PinwiseServer,
        title: str,
        *,
        cancellable: bool = False,
        token: types.ProgressToken | None = None,
    ) -> None:
        self._server = server
        self._title = title
        self._cancellable = cancellable
        self._token: types.ProgressToken | None = token
        self._active = False
        self._created_by_client = token is not None
        self._cancel_future: asyncio.Future[object] | None = None

    @property
    def cancelled(self) -> bool:
        future = self._server.work_done_progress.tokens.get(self._token) if self._token else None
        return bool(future is not None and future.cancelled())

    async def __aenter__(self) -> WorkDone:
        window = self._server.client_capabilities.window
        supported = bool(window and window.work_done_progress)
        if self._token is None and supported:
            token = f"pinwise-{uuid.uuid4().hex}"
            try:
                await asyncio.wait_for(self._server.work_done_progress.create_async(token), timeout=5)
                self._token = token
            except Exception:
                logger.debug("The client refused a progress token", exc_info=True)
        if self._token is not None:
            self._active = True
            self._server.work_done_progress.begin(
                self._token,
                types.WorkDoneProgressBegin(title=self._title, cancellable=self._cancellable, percentage=0),
            )
        return self

    def report(self, message: str, fraction: float | None = None) -> None:
        if not self._active or self._token is None:
            return
        percentage = None if fraction is None else max(0, min(100, round(fraction * 100)))
        self._server.work_done_progress.report(
            self._token, types.WorkDoneProgressReport(message=message, percentage=percentage)
        )

    async def __aexit__(self, *exc: object) -> None:
        if self._active and self._token is not None:
            self._active = False
            self._server.work_done_progress.end(self._token, types.WorkDoneProgressEnd())
            self._server.work_done_progress.tokens.pop(self._token, None)
