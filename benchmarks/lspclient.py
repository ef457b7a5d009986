"""A small LSP client over stdio for benchmarks: JSON-RPC framing on an asyncio subprocess, nothing else.

It knows no server in particular, so the same driver measures Pinwise and, later, its peers::

    client = await LspClient.start([sys.executable, "-m", "pinwise", "serve"], env=env)
    await client.initialize(root, initialization_options={...}, configuration={...})
    client.did_open(uri, "pip-requirements", text)
    published = await client.wait_for_diagnostics(uri, lambda d: len(d) > 3)
    await client.stop()

Requests the server sends are answered the way an editor would: ``workspace/configuration`` from the given
settings, progress tokens and capability registrations accepted, edits reported as applied. Every
``textDocument/publishDiagnostics`` is kept with the time it arrived, so a benchmark can time "edit sent"
to "diagnostics for that version published".
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# What VS Code announces, trimmed to what the benchmarks exercise.
VSCODE_CAPABILITIES: dict[str, Any] = {
    "general": {"positionEncodings": ["utf-16"]},
    "window": {"workDoneProgress": True, "showMessage": {}},
    "workspace": {
        "configuration": True,
        "workspaceFolders": True,
        "applyEdit": True,
        "workspaceEdit": {"documentChanges": True},
        "didChangeWatchedFiles": {"dynamicRegistration": True},
    },
    "textDocument": {
        "synchronization": {"didSave": True, "dynamicRegistration": True},
        "publishDiagnostics": {"versionSupport": True, "relatedInformation": True},
        "completion": {"completionItem": {"snippetSupport": True}, "contextSupport": True},
        "hover": {"contentFormat": ["markdown", "plaintext"]},
        "codeAction": {"codeActionLiteralSupport": {"codeActionKind": {"valueSet": ["quickfix", "source"]}}},
        "inlayHint": {},
    },
}


@dataclass
class Publication:
    at: float  # time.perf_counter() when it arrived
    version: int | None
    diagnostics: list[dict[str, Any]]


@dataclass
class LspClient:
    process: asyncio.subprocess.Process
    configuration: Mapping[str, Any] = field(default_factory=dict)
    publications: dict[str, list[Publication]] = field(default_factory=dict)
    progress: list[dict[str, Any]] = field(default_factory=list)
    _pending: dict[int, asyncio.Future[Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _reader: asyncio.Task[None] | None = None
    _published: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def start(
        cls, command: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> LspClient:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            limit=64 * 1024 * 1024,
        )
        client = cls(process)
        client._reader = asyncio.ensure_future(client._read_loop())
        return client

    # -- wire --------------------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def _read_loop(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        while True:
            length = 0
            while True:
                line = await stdout.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
            message = json.loads(await stdout.readexactly(length))
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" not in message:
            future = self._pending.pop(message["id"], None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(LspError(message["error"]))
                else:
                    future.set_result(message.get("result"))
            return
        method = message.get("method")
        params = message.get("params") or {}
        if "id" in message:
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": self._answer(method, params)})
        elif method == "textDocument/publishDiagnostics":
            self.publications.setdefault(params["uri"], []).append(
                Publication(time.perf_counter(), params.get("version"), params.get("diagnostics", []))
            )
            self._published.set()
        elif method == "$/progress":
            self.progress.append(params)

    def _answer(self, method: str | None, params: dict[str, Any]) -> Any:
        if method == "workspace/configuration":
            return [
                self.configuration.get(item.get("section") or "", None) for item in params.get("items", [])
            ]
        if method == "workspace/applyEdit":
            return {"applied": True}
        return None

    # -- requests ----------------------------------------------------------------------------------------

    async def request(self, method: str, params: Any) -> Any:
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        return await future

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    async def initialize(
        self,
        root: Path,
        *,
        initialization_options: Any = None,
        configuration: Mapping[str, Any] | None = None,
        capabilities: Mapping[str, Any] | None = None,
    ) -> Any:
        """``initialize`` then ``initialized``; returns the initialize result."""
        self.configuration = configuration or {}
        result = await self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": dict(capabilities if capabilities is not None else VSCODE_CAPABILITIES),
                "initializationOptions": initialization_options,
            },
        )
        self.notify("initialized", {})
        return result

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.request("shutdown", None), 5)
            self.notify("exit", None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.process.wait(), 5)
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self._reader is not None:
            self._reader.cancel()

    # -- documents ---------------------------------------------------------------------------------------

    def did_open(self, uri: str, language_id: str, text: str, version: int = 1) -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": language_id, "version": version, "text": text}},
        )

    def did_change(self, uri: str, version: int, changes: list[dict[str, Any]]) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": changes},
        )

    def did_close(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    async def wait_for_diagnostics(
        self,
        uri: str,
        until: Callable[[Publication], bool],
        *,
        since: int = 0,
        timeout: float = 60.0,
    ) -> Publication:
        """The first publication for ``uri`` (from the ``since``-th on) for which ``until`` holds."""
        deadline = time.perf_counter() + timeout
        seen = since
        while True:
            found = self.publications.get(uri, [])
            for publication in found[seen:]:
                if until(publication):
                    return publication
            seen = max(seen, len(found))
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"no publication for {uri} satisfied the condition")
            self._published.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._published.wait(), remaining)


class LspError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", "error"))
        self.code = error.get("code")
