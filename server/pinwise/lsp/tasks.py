"""Background work the server owns: every task is referenced until it ends, and its failure is logged.

:class:`TaskSet` keeps the tasks (an unreferenced asyncio task can be garbage-collected mid-flight, and an
unobserved exception is lost). :class:`LatestOnly` runs at most one task per key, cancelling the previous
one when a newer request for the same key arrives: per-document analysis uses it so that a stale analysis
never publishes over a newer one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Hashable
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

K = TypeVar("K", bound=Hashable)


class TaskSet:
    """Owns fire-and-forget tasks: keeps a reference to each and logs how it failed."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coroutine: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coroutine)
        task.set_name(name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            logger.error("Background task %s failed", task.get_name(), exc_info=error)

    async def cancel_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


class LatestOnly(Generic[K]):
    """At most one running task per key; starting a new one cancels the old one."""

    def __init__(self, tasks: TaskSet) -> None:
        self._tasks = tasks
        self._running: dict[K, asyncio.Task[Any]] = {}

    def start(self, key: K, coroutine: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        self.cancel(key)
        task = self._tasks.spawn(coroutine, name)
        self._running[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))
        return task

    def _forget(self, key: K, task: asyncio.Task[Any]) -> None:
        if self._running.get(key) is task:
            del self._running[key]

    def cancel(self, key: K) -> None:
        task = self._running.pop(key, None)
        if task is not None and not task.done():
            task.cancel()

    def running(self, key: K) -> asyncio.Task[Any] | None:
        return self._running.get(key)
