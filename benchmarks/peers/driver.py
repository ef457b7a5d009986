"""The peer benchmark's view of the shared LSP driver, ``benchmarks/lspclient.py``.

Every server, Pinwise and its peers alike, is driven by the same :class:`~benchmarks.lspclient.LspClient`
that Pinwise's own benchmark uses; this module only adds what comparing servers needs: a time limit per
request, "diagnostics are complete" (no new publication for a quiet period), and peak memory from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.lspclient import LspClient


@dataclass
class Session:
    client: LspClient

    @property
    def pid(self) -> int:
        return self.client.process.pid

    @property
    def exited(self) -> bool:
        return self.client.process.returncode is not None

    async def initialize(self, root: Path, initialization_options: Any = None) -> Any:
        return await self.client.initialize(root, initialization_options=initialization_options)

    async def request(self, method: str, params: Any, timeout: float) -> Any:
        return await asyncio.wait_for(self.client.request(method, params), timeout)

    def did_open(self, uri: str, language_id: str, text: str, version: int = 1) -> None:
        self.client.did_open(uri, language_id, text, version)

    def did_change(self, uri: str, text: str, version: int) -> None:
        self.client.did_change(uri, version, [{"text": text}])

    def did_close(self, uri: str) -> None:
        self.client.did_close(uri)

    async def settled_diagnostics(
        self, uri: str, since: float, quiet: float = 0.5, first: float = 30.0, limit: float = 120.0
    ) -> tuple[float | None, list[dict[str, Any]]]:
        """Wait for the first publishDiagnostics for ``uri`` sent after ``since`` (at most ``first`` seconds),
        then until none has followed for ``quiet`` seconds (or ``limit`` passed). Returns when the last one
        arrived (None if none did) and what it said. Arrival times are stamped by the client's reader, so
        polling here costs no precision."""
        while True:
            mine = [p for p in self.client.publications.get(uri, []) if p.at >= since]
            now = time.perf_counter()
            if mine:
                if now - mine[-1].at >= quiet or now - since >= limit:
                    return mine[-1].at, mine[-1].diagnostics
            elif now - since >= first:
                return None, []
            await asyncio.sleep(0.02)

    def peak_memory_kib(self) -> int:
        """VmHWM summed over the server's process tree (each process's own peak), from /proc."""
        return sum(_vm_hwm(pid) for pid in _process_tree(self.pid))

    async def stop(self) -> None:
        await self.client.stop()


async def open_session(command: Sequence[str], env: Mapping[str, str], cwd: Path) -> Session:
    return Session(await LspClient.start(command, env=env, cwd=cwd))


def _process_tree(root: int) -> list[int]:
    seen, todo = [], [root]
    while todo:
        pid = todo.pop()
        seen.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                todo += [int(child) for child in task.read_text().split()]
    return seen


def _vm_hwm(pid: int) -> int:
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0
