"""Creating virtual environments and installing into them, with progress, streamed output and cancellation.

Every tool runs as an argument list (never through a shell), so paths with spaces, quotes, ``;`` or
``$(...)`` are just paths. Each tool runs in a process group of its own; cancelling sends SIGTERM to the
whole group and SIGKILL after a grace period, so no pip or uv child outlives a cancelled request.

Concurrency: a second ``create`` for a target that is already being created, or an ``install`` into an
environment that is being created or installed into, does not wait: it returns at once with status
``REFUSED`` and a message saying the target is busy. Waiting would only lead to a refusal anyway (the
target then exists) or to two installers fighting over one site-packages folder.
"""

from __future__ import annotations

import asyncio
import codecs
import collections
import contextlib
import enum
import importlib
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from pinwise.core.index.auth import redact_text
from pinwise.core.index.types import IndexConfig
from pinwise.core.venv.discover import Environment, environment_at, python_executable
from pinwise.core.venv.installed import read_installed

log = logging.getLogger(__name__)

Installer = Literal["uv", "pip"]
CreateTool = Literal["uv", "venv"]

TAIL_LINES = 20
KILL_GRACE = 3.0
# pip learned ``--group`` (PEP 735) in 25.1; uv's ``uv pip install --group`` arrived in the 0.6 series.
PIP_GROUP_VERSION = Version("25.1")
UV_GROUP_VERSION = Version("0.7")

# Variables of the language server's own process that must not leak into an installer: they would make
# the target's Python import the server's packages or another environment's.
# The VS Code client starts the server with PYTHONPATH naming its bundled libraries, and a user may run it
# with a byte-code cache prefix; neither may reach the target environment's Python.
DROPPED_VARIABLES = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONSAFEPATH",
    "PYTHONPYCACHEPREFIX",
    "PYTHONEXECUTABLE",
    "PYTHONUSERBASE",
    "__PYVENV_LAUNCHER__",
    "VIRTUAL_ENV",
)
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_NAME_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


class Status(enum.Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the tool ran and failed, or could not be started
    CANCELLED = "cancelled"
    REFUSED = "refused"  # nothing was run: the request was unsafe, invalid or the target busy


@dataclass(frozen=True, slots=True)
class Progress:
    message: str
    fraction: float | None = None  # 0..1, or None when the amount of work is not known


ProgressCallback = Callable[[Progress], None]
OutputCallback = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class CreateResult:
    status: Status
    message: str
    environment: Environment | None = None
    tool: CreateTool | None = None
    output_tail: tuple[str, ...] = ()  # the last lines of the tools' output, for a failure message
    warnings: tuple[str, ...] = ()  # e.g. the venv was made but pip could not be upgraded
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is Status.SUCCEEDED


@dataclass(frozen=True, slots=True)
class InstallResult:
    status: Status
    message: str
    installer: Installer | None = None
    output_tail: tuple[str, ...] = ()
    exit_code: int | None = None
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is Status.SUCCEEDED


@dataclass(frozen=True, slots=True)
class RequirementFiles:
    """Install ``-r FILE`` for each file; the installer reads the files' own options, includes and hashes."""

    files: tuple[Path, ...]
    # Local paths inside a requirements file are relative to the working folder, as on a command line;
    # by default that is the first file's folder.
    cwd: Path | None = None


@dataclass(frozen=True, slots=True)
class ProjectInstall:
    """Install the project in ``directory`` (``-e .[extras]``) plus PEP 735 dependency groups."""

    directory: Path
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    editable: bool = True
    # Each group's requirement strings with ``include-group`` expanded, used when the installer cannot
    # read dependency groups itself (pip before 25.1).
    group_requirements: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequirementStrings:
    """Install these PEP 508 requirements (e.g. the ones found missing from the environment)."""

    requirements: tuple[str, ...]


InstallRequest = RequirementFiles | ProjectInstall | RequirementStrings


# ---------------------------------------------------------------------------------------------------------
# Helpers


def find_uv(environ: Mapping[str, str] | None = None) -> Path | None:
    """``uv`` on PATH, else the binary of the ``uv`` Python package installed next to Pinwise."""
    environ = os.environ if environ is None else environ
    found = shutil.which("uv", path=environ.get("PATH", os.defpath))
    if found:
        return Path(found)
    try:
        module = importlib.import_module("uv")
        finder: Callable[[], str] = module.find_uv_bin
        return Path(finder())
    except (ImportError, AttributeError, OSError):
        return None


def index_settings(config: IndexConfig, installer: Installer) -> tuple[list[str], dict[str, str]]:
    """Installer arguments and environment variables for an index configuration.

    Index URLs go into environment variables rather than arguments because they may hold credentials,
    and a process's arguments are visible to every user of the machine.
    """
    args: list[str] = []
    env: dict[str, str] = {}
    prefix = "UV_" if installer == "uv" else "PIP_"
    if config.no_index or config.index_url is None:
        args.append("--no-index")
    else:
        env[f"{prefix}INDEX_URL"] = config.index_url
        if config.extra_index_urls:
            env[f"{prefix}EXTRA_INDEX_URL"] = " ".join(config.extra_index_urls)
    for link in config.find_links:
        args += ["--find-links", link]
    for host in config.trusted_hosts:
        args += ["--allow-insecure-host" if installer == "uv" else "--trusted-host", host]
    if installer == "uv":
        if config.cert:
            env["SSL_CERT_FILE"] = config.cert
        if config.client_cert:
            env["SSL_CLIENT_CERT"] = config.client_cert
        if config.offline:
            args.append("--offline")
    else:
        if config.cert:
            args += ["--cert", config.cert]
        if config.client_cert:
            args += ["--client-cert", config.client_cert]
    return args, env


_T = TypeVar("_T")


def _call(callback: Callable[[_T], None] | None, value: _T) -> None:
    """Run a caller's callback; its failure must not abort an install half-way."""
    if callback is None:
        return
    try:
        callback(value)
    except Exception:
        log.exception("progress or output callback failed")


def _validate_name(kind: str, name: str) -> str | None:
    return None if _NAME_RE.match(name) else f"{name!r} is not a valid {kind} name."


def _validate_requirement(text: str) -> str | None:
    stripped = text.strip()
    if not stripped:
        return "An empty requirement cannot be installed."
    if stripped.startswith("-"):
        # An option smuggled in as a requirement (``--index-url ...``) would change what gets installed.
        return f"{text!r} is an installer option, not a requirement."
    try:
        Requirement(stripped)
    except InvalidRequirement as error:
        return f"{text!r} is not a valid requirement: {error}"
    return None


def _absolute(path: Path) -> Path:
    """Absolute without resolving links, so the venv lands exactly where the user asked."""
    return Path(os.path.abspath(path))


def _check_interpreter(interpreter: Path) -> str | None:
    if not interpreter.is_file():
        return f"The interpreter {interpreter} does not exist."
    if not os.access(interpreter, os.X_OK):
        return f"The interpreter {interpreter} is not executable."
    return None


@dataclass(frozen=True, slots=True)
class InstallCommand:
    argv: tuple[str, ...]
    cwd: Path | None
    env: Mapping[str, str]  # added to the installer's environment (index URLs, certificates)
    expected: int | None  # how many requirements were asked for, when known (for progress)


def plan_install(
    python: Path,
    request: InstallRequest,
    installer: Installer,
    *,
    uv: Path | None = None,
    pip_version: Version | None = None,
    uv_version: Version | None = None,
    index: IndexConfig | None = None,
    extra_args: Sequence[str] = (),
) -> InstallCommand | str:
    """The installer command for ``request``, or why it cannot be run (a sentence).

    Dependency groups are passed as ``--group`` when the installer reads them itself (pip 25.1+, uv), and
    otherwise replaced by the group's requirement strings from ``ProjectInstall.group_requirements``.
    """
    if installer == "uv":
        if uv is None:
            return "uv was not found."
        argv = [str(uv), "pip", "install", "--python", str(python)]
    else:
        argv = [str(python), "-m", "pip", "install", "--no-input", "--disable-pip-version-check"]
        argv += ["--progress-bar", "off"]
    env: dict[str, str] = {}
    if index is not None:
        index_args, env = index_settings(index, installer)
        argv += index_args
    argv += list(extra_args)

    cwd: Path | None
    expected: int | None = None
    if isinstance(request, RequirementStrings):
        targets = [r.strip() for r in request.requirements]
        expected = len(targets)
        cwd = None
    elif isinstance(request, RequirementFiles):
        targets = []
        for path in request.files:
            targets += ["-r", str(_absolute(path))]
        cwd = request.cwd or _absolute(request.files[0]).parent
    else:
        # Running in the project folder lets "." and "--group NAME" stand for it, so its path never has
        # to be spelled inside a requirement (where "[" or "@" in a folder name would be misread).
        cwd = request.directory
        spec = "." + (f"[{','.join(request.extras)}]" if request.extras else "")
        targets = ["-e", spec] if request.editable else [spec]
        expected = 1
        if installer == "uv":
            supports_groups = uv_version is None or uv_version >= UV_GROUP_VERSION
        else:
            supports_groups = pip_version is not None and pip_version >= PIP_GROUP_VERSION
        for group in request.groups:
            if supports_groups:
                targets += ["--group", group]
            elif group in request.group_requirements:
                group_targets = list(request.group_requirements[group])
                targets += group_targets
                expected += len(group_targets)
            else:
                tool = (
                    f"uv {uv_version}" if installer == "uv" else f"pip {pip_version or '(unknown version)'}"
                )
                return (
                    f"{tool} cannot install dependency groups (pip 25.1 or newer and uv {UV_GROUP_VERSION} or newer "
                    f"can) and the requirements of group {group} were not given."
                )
    return InstallCommand(tuple(argv + targets), cwd, env, expected)


class _Progress:
    """Turns installer output lines into progress reports within ``[start, end]`` of the whole task."""

    def __init__(
        self, callback: ProgressCallback | None, expected: int | None, start: float = 0.0, end: float = 1.0
    ):
        self.callback = callback
        self.expected = expected
        self.start = start
        self.end = end
        self.collected = 0
        self.fraction: float | None = None

    def report(self, message: str, local: float | None) -> None:
        if local is not None:
            fraction = self.start + (self.end - self.start) * min(max(local, 0.0), 1.0)
            # Never move backwards: a later phase may emit lines that look like an earlier one.
            self.fraction = fraction if self.fraction is None else max(self.fraction, fraction)
        _call(self.callback, Progress(message, self.fraction))

    def feed(self, line: str) -> None:
        text = line.strip()
        if not text:
            return
        # pip
        if text.startswith(("Collecting ", "Processing ", "Obtaining ", "Requirement already satisfied: ")):
            self.collected += 1
            local = 0.6 * min(self.collected / self.expected, 1.0) if self.expected else None
            self.report(text, local)
        elif text.startswith(("Downloading ", "Building ", "Preparing ", "Using cached ")):
            self.report(text, None)
        elif text.startswith("Installing collected packages:"):
            self.report("Installing " + text.split(":", 1)[1].strip(), 0.7)
        elif text.startswith("Successfully installed"):
            self.report(text, 1.0)
        # uv
        elif text.startswith("Resolved "):
            self.report(text, 0.4)
        elif text.startswith("Prepared "):
            self.report(text, 0.7)
        elif text.startswith(("Installed ", "Audited ")):
            self.report(text, 1.0)


@dataclass(slots=True)
class RunOutcome:
    """How a tool run ended; ``tail`` holds its last output lines."""

    returncode: int | None
    cancelled: bool
    tail: collections.deque[str]
    error: str | None = None  # the process could not be started


# ---------------------------------------------------------------------------------------------------------


class VenvManager:
    """Creates virtual environments and installs into them.

    ``environ`` is the environment the tools run with (default: this process's), minus variables that
    would make them import the wrong packages. ``uv`` is the uv binary to use; by default it is looked
    up on PATH and then in the ``uv`` Python package.
    """

    def __init__(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        uv: Path | None = None,
        kill_grace: float = KILL_GRACE,
    ) -> None:
        self.environ = dict(os.environ if environ is None else environ)
        self._uv = uv
        self._uv_searched = uv is not None
        self._uv_version: Version | None = None
        self.kill_grace = kill_grace
        self._busy: set[Path] = set()

    # -- shared machinery -------------------------------------------------------------------------------

    def uv_path(self) -> Path | None:
        if not self._uv_searched:
            self._uv = find_uv(self.environ)
            self._uv_searched = True
        return self._uv

    async def uv_version(self) -> Version | None:
        uv = self.uv_path()
        if uv is None:
            return None
        if self._uv_version is None:
            lines: list[str] = []
            outcome = await self.run(
                [str(uv), "--version"], cwd=None, extra_env={}, on_line=lines.append, cancel=None
            )
            if outcome.returncode == 0 and lines:
                words = lines[0].split()
                with contextlib.suppress(InvalidVersion, IndexError):
                    self._uv_version = Version(words[1])
        return self._uv_version

    def _child_env(self, extra: Mapping[str, str]) -> dict[str, str]:
        env = {k: v for k, v in self.environ.items() if k not in DROPPED_VARIABLES}
        env.update({"PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1"})
        env.update(extra)
        return env

    @staticmethod
    def _key(path: Path) -> Path:
        try:
            return path.resolve()
        except OSError:
            return path.absolute()

    @contextlib.contextmanager
    def _claim(self, path: Path) -> Iterator[bool]:
        key = self._key(path)
        if key in self._busy:
            yield False
            return
        self._busy.add(key)
        try:
            yield True
        finally:
            self._busy.discard(key)

    def is_busy(self, path: Path) -> bool:
        return self._key(path) in self._busy

    async def _pump(
        self, stream: asyncio.StreamReader, on_line: Callable[[str], None], tail: collections.deque[str]
    ) -> None:
        """Split the output into lines at ``\\n`` or ``\\r`` (progress bars redraw with ``\\r``)."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = ""

        def emit(raw: str) -> None:
            line = _ANSI_RE.sub("", raw).rstrip()
            if line:
                tail.append(line)
                # A failing callback must not stop the reading: the tool would block on a full pipe.
                _call(on_line, line)

        while True:
            chunk = await stream.read(65536)
            pending += decoder.decode(chunk, final=not chunk)
            parts = re.split(r"\r\n|\r|\n", pending)
            pending = parts.pop()
            for part in parts:
                emit(part)
            if not chunk:
                break
        emit(pending)

    async def _stop(self, process: asyncio.subprocess.Process) -> None:
        """Terminate the process's whole group: SIGTERM, then SIGKILL after the grace period."""
        if sys.platform == "win32":
            # Windows has no process groups to signal; taskkill /T ends the process tree.
            with contextlib.suppress(OSError):
                killer = await asyncio.create_subprocess_exec(
                    "taskkill", "/F", "/T", "/PID", str(process.pid),
                    stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
                )  # fmt: skip
                await killer.wait()
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), self.kill_grace)
        except asyncio.TimeoutError:
            log.debug("process %d ignored SIGTERM", process.pid)
        # Children that outlived the leader (or ignored SIGTERM) are still in the group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        await process.wait()

    async def run(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        extra_env: Mapping[str, str] | None = None,
        on_line: Callable[[str], None] | None = None,
        cancel: asyncio.Event | None = None,
    ) -> RunOutcome:
        """Run one tool in a process group of its own, passing each output line to ``on_line``.

        Standard error is merged into standard output so lines keep their order. When ``cancel`` is set
        (or the calling task is cancelled) the whole group is stopped; the run then reports
        ``cancelled``.
        """
        tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        if cancel is not None and cancel.is_set():
            return RunOutcome(None, True, tail)
        log.info("running %s", redact_text(" ".join(argv)))
        kwargs: dict[str, object] = {}
        if sys.platform == "win32":
            kwargs["creationflags"] = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)
        else:
            kwargs["start_new_session"] = True
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                cwd=cwd,
                env=self._child_env(extra_env or {}),
                **kwargs,  # type: ignore[arg-type]
            )
        except OSError as error:
            return RunOutcome(None, False, tail, f"cannot run {argv[0]}: {error.strerror or error}")
        assert process.stdout is not None
        reader = asyncio.create_task(self._pump(process.stdout, on_line or (lambda _line: None), tail))
        waiter = asyncio.create_task(process.wait())
        watchers: set[asyncio.Task[object]] = {waiter}
        cancel_task: asyncio.Task[bool] | None = None
        if cancel is not None:
            cancel_task = asyncio.create_task(cancel.wait())
            watchers.add(cancel_task)
        cancelled = False
        try:
            await asyncio.wait(watchers, return_when=asyncio.FIRST_COMPLETED)
            if not waiter.done():
                cancelled = True
                await self._stop(process)
            try:
                # A grandchild that kept the pipe open must not hang us once the process is gone.
                await asyncio.wait_for(reader, 5.0)
            except asyncio.TimeoutError:
                reader.cancel()
        except asyncio.CancelledError:
            await asyncio.shield(self._stop(process))
            reader.cancel()
            raise
        finally:
            if cancel_task is not None:
                cancel_task.cancel()
            waiter.cancel()
        return RunOutcome(process.returncode, cancelled, tail)

    # -- create -------------------------------------------------------------------------------------------

    async def create(
        self,
        target: Path,
        interpreter: Path,
        *,
        use_uv: bool | None = None,
        with_pip: bool = True,
        upgrade_pip: bool = True,
        index: IndexConfig | None = None,
        progress: ProgressCallback | None = None,
        output: OutputCallback | None = None,
        cancel: asyncio.Event | None = None,
    ) -> CreateResult:
        """Create a virtual environment at ``target`` from ``interpreter``.

        With uv (``use_uv`` None means "when found") it runs ``uv venv`` (``--seed`` when ``with_pip``,
        which installs the newest pip); otherwise ``python -m venv`` and, when ``with_pip`` and
        ``upgrade_pip``, ``pip install --upgrade pip`` (a failed upgrade is a warning: the venv still has
        the pip bundled with Python). ``target`` must not exist, or be an empty folder. On failure or
        cancellation everything this call created is removed again.
        """
        started = time.monotonic()
        target = _absolute(target)
        with self._claim(target) as claimed:
            if not claimed:
                return CreateResult(
                    Status.REFUSED, f"A virtual environment is already being created at {target}."
                )
            result = await self._create(
                target, interpreter, use_uv, with_pip, upgrade_pip, index, progress, output, cancel
            )
        return CreateResult(
            result.status, result.message, result.environment, result.tool, result.output_tail,
            result.warnings, time.monotonic() - started,
        )  # fmt: skip

    @staticmethod
    def _inspect_target(target: Path) -> tuple[str | None, Path | None, bool]:
        """(refusal, the top-most folder this call will create, whether target is an existing empty folder)."""
        if target.exists() or target.is_symlink():
            if (target / "pyvenv.cfg").exists():
                return (
                    f"{target} is already a virtual environment; select it, or delete it first to recreate it.",
                    None,
                    False,
                )
            if not target.is_dir():
                return f"{target} exists and is not a folder.", None, False
            if any(target.iterdir()):
                return (
                    f"{target} exists and is not empty; a virtual environment is only created in a new or empty folder.",
                    None,
                    False,
                )
            return None, None, True
        top = target
        while not top.parent.exists() and top.parent != top:
            top = top.parent
        return None, top, False

    @staticmethod
    def _undo(created: Path | None, emptied: Path | None) -> None:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        if emptied is not None:
            for child in list(emptied.iterdir()) if emptied.is_dir() else []:
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        child.unlink()

    async def _create(
        self,
        target: Path,
        interpreter: Path,
        use_uv: bool | None,
        with_pip: bool,
        upgrade_pip: bool,
        index: IndexConfig | None,
        progress: ProgressCallback | None,
        output: OutputCallback | None,
        cancel: asyncio.Event | None,
    ) -> CreateResult:
        problem = await asyncio.to_thread(_check_interpreter, interpreter)
        if problem is not None:
            return CreateResult(Status.FAILED, problem)
        uv = self.uv_path() if use_uv is not False else None
        if use_uv and uv is None:
            return CreateResult(
                Status.FAILED, "uv was asked for but was found neither on PATH nor as a Python package."
            )
        tool: CreateTool = "uv" if uv is not None else "venv"

        refusal, created, was_empty = await asyncio.to_thread(self._inspect_target, target)
        if refusal is not None:
            return CreateResult(Status.REFUSED, refusal)
        try:
            await asyncio.to_thread(target.mkdir, parents=True, exist_ok=True)
        except OSError as error:
            await asyncio.to_thread(self._undo, created, None)
            return CreateResult(
                Status.FAILED, f"Cannot create {target}: {error.strerror or error}.", tool=tool
            )

        def on_line(line: str) -> None:
            _call(output, line)

        emptied = target if was_empty else None
        tail: list[str] = []
        warnings: list[str] = []
        try:
            _call(
                progress,
                Progress(f"Creating a virtual environment with {'uv' if uv else 'venv'} at {target}", 0.0),
            )
            extra_env: dict[str, str] = {}
            if uv is not None:
                argv = [str(uv), "venv", "--python", str(interpreter), "--no-python-downloads"]
                if with_pip:
                    argv.append("--seed")
                    if index is not None:
                        index_args, extra_env = index_settings(index, "uv")
                        argv += index_args
                argv.append(str(target))
            else:
                argv = [str(interpreter), "-m", "venv"]
                if not with_pip:
                    argv.append("--without-pip")
                argv.append(str(target))
            outcome = await self.run(
                argv, cwd=target.parent, extra_env=extra_env, on_line=on_line, cancel=cancel
            )
            tail.extend(outcome.tail)
            failure = self._failure(outcome, f"Creating the virtual environment at {target}")
            if failure is not None:
                await asyncio.to_thread(self._undo, created, emptied)
                return CreateResult(failure[0], failure[1], tool=tool, output_tail=tuple(tail))

            environment = await asyncio.to_thread(environment_at, target)
            if environment is None:
                await asyncio.to_thread(self._undo, created, emptied)
                return CreateResult(
                    Status.FAILED,
                    f"{target} holds no Python after creation.",
                    tool=tool,
                    output_tail=tuple(tail),
                )

            if tool == "venv" and with_pip and upgrade_pip:
                _call(progress, Progress("Upgrading pip", 0.5))
                tracker = _Progress(progress, 1, 0.5, 1.0)

                def on_pip_line(line: str) -> None:
                    tracker.feed(line)
                    _call(output, line)

                argv = [str(environment.python), "-m", "pip", "install", "--upgrade", "--no-input",
                        "--disable-pip-version-check", "--progress-bar", "off"]  # fmt: skip
                extra_env = {}
                if index is not None:
                    index_args, extra_env = index_settings(index, "pip")
                    argv += index_args
                argv.append("pip")
                outcome = await self.run(
                    argv, cwd=target, extra_env=extra_env, on_line=on_pip_line, cancel=cancel
                )
                tail.extend(outcome.tail)
                if outcome.cancelled:
                    await asyncio.to_thread(self._undo, created, emptied)
                    return CreateResult(
                        Status.CANCELLED, "Creating the virtual environment was cancelled.", tool=tool
                    )
                if outcome.returncode != 0:
                    last = outcome.tail[-1] if outcome.tail else outcome.error or "no output"
                    warnings.append(
                        f"pip could not be upgraded ({last}); the environment keeps the pip bundled with Python."
                    )
        except BaseException:
            # Task cancellation or an unexpected error: leave no half-built environment behind.
            await asyncio.shield(asyncio.to_thread(self._undo, created, emptied))
            raise
        _call(progress, Progress("Virtual environment created", 1.0))
        version = f"Python {environment.version} " if environment.version else ""
        message = f"Created a {version}virtual environment at {target} with {tool}."
        return CreateResult(
            Status.SUCCEEDED, message, environment, tool, tuple(tail[-TAIL_LINES:]), tuple(warnings)
        )

    @staticmethod
    def _failure(outcome: RunOutcome, what: str) -> tuple[Status, str] | None:
        if outcome.cancelled:
            return Status.CANCELLED, f"{what} was cancelled."
        if outcome.error is not None:
            return Status.FAILED, f"{what} failed: {outcome.error}."
        if outcome.returncode != 0:
            last = f": {outcome.tail[-1]}" if outcome.tail else ""
            return Status.FAILED, f"{what} failed (exit code {outcome.returncode}){last}"
        return None

    # -- install ------------------------------------------------------------------------------------------

    async def install(
        self,
        env: Environment,
        request: InstallRequest,
        *,
        trusted: bool,
        index: IndexConfig | None = None,
        extra_args: Sequence[str] = (),
        use_uv: bool | None = None,
        progress: ProgressCallback | None = None,
        output: OutputCallback | None = None,
        cancel: asyncio.Event | None = None,
    ) -> InstallResult:
        """Install ``request`` into the virtual environment ``env``.

        Refused (nothing run) when the workspace is not ``trusted`` (installing runs build code from the
        packages and the project), when ``env`` is not a virtual environment, or when the request is
        invalid. ``index`` becomes installer settings; ``extra_args`` are passed to the installer as they
        are. The installer is uv when found (or when ``use_uv``), else the environment's pip.
        """
        started = time.monotonic()
        with self._claim(env.path) as claimed:
            if not claimed:
                result = InstallResult(
                    Status.REFUSED, f"{env.path} is busy with another install or its creation."
                )
            else:
                result = await self._install(
                    env, request, trusted, index, extra_args, use_uv, progress, output, cancel
                )
        return InstallResult(
            result.status, result.message, result.installer, result.output_tail, result.exit_code,
            time.monotonic() - started,
        )  # fmt: skip

    @staticmethod
    def _check_request(request: InstallRequest) -> str | None:
        if isinstance(request, RequirementStrings):
            if not request.requirements:
                return "There is nothing to install."
            for text in request.requirements:
                if (problem := _validate_requirement(text)) is not None:
                    return problem
        elif isinstance(request, RequirementFiles):
            if not request.files:
                return "There is nothing to install."
            for path in request.files:
                if not path.is_file():
                    return f"The requirements file {path} does not exist."
        else:
            if not (
                (request.directory / "pyproject.toml").is_file() or (request.directory / "setup.py").is_file()
            ):
                return f"{request.directory} holds neither pyproject.toml nor setup.py."
            for extra in request.extras:
                if (problem := _validate_name("extra", extra)) is not None:
                    return problem
            for group in request.groups:
                if (problem := _validate_name("dependency group", group)) is not None:
                    return problem
                for text in request.group_requirements.get(group, ()):
                    if (problem := _validate_requirement(text)) is not None:
                        return f"In dependency group {group}: {problem}"
        return None

    async def _install(
        self,
        env: Environment,
        request: InstallRequest,
        trusted: bool,
        index: IndexConfig | None,
        extra_args: Sequence[str],
        use_uv: bool | None,
        progress: ProgressCallback | None,
        output: OutputCallback | None,
        cancel: asyncio.Event | None,
    ) -> InstallResult:
        if not trusted:
            return InstallResult(
                Status.REFUSED,
                "Installing runs code from the packages and the project, so Pinwise installs only in trusted workspaces.",
            )
        is_venv = await asyncio.to_thread((env.path / "pyvenv.cfg").is_file)
        if not is_venv:
            return InstallResult(
                Status.REFUSED,
                f"{env.path} is not a virtual environment (it has no pyvenv.cfg); Pinwise installs only into "
                "virtual environments so that a system, pyenv or conda Python is never changed.",
            )
        python = await asyncio.to_thread(python_executable, env.path)
        if python is None:
            return InstallResult(Status.FAILED, f"{env.path} holds no Python interpreter.")
        problem = await asyncio.to_thread(self._check_request, request)
        if problem is not None:
            return InstallResult(Status.REFUSED, problem)

        uv = self.uv_path() if use_uv is not False else None
        if use_uv and uv is None:
            return InstallResult(
                Status.FAILED, "uv was asked for but was found neither on PATH nor as a Python package."
            )
        installer: Installer = "uv" if uv is not None else "pip"
        pip_version: Version | None = None
        if installer == "pip":
            dists = await asyncio.to_thread(read_installed, env.path)
            if "pip" not in dists:
                return InstallResult(
                    Status.FAILED,
                    f"{env.path} has no pip and uv was not found; install uv, or recreate the environment with pip.",
                    installer,
                )
            with contextlib.suppress(InvalidVersion):
                pip_version = Version(dists["pip"].version)

        uv_version = await self.uv_version() if installer == "uv" else None
        plan = plan_install(
            python,
            request,
            installer,
            uv=uv,
            pip_version=pip_version,
            uv_version=uv_version,
            index=index,
            extra_args=extra_args,
        )
        if isinstance(plan, str):
            return InstallResult(Status.REFUSED, plan, installer)
        argv, cwd, extra_env, expected = plan.argv, plan.cwd, plan.env, plan.expected

        tracker = _Progress(progress, expected)
        _call(
            progress,
            Progress(f"Installing into {env.path} with {installer}", None if expected is None else 0.0),
        )

        def on_line(line: str) -> None:
            tracker.feed(line)
            _call(output, line)

        outcome = await self.run(argv, cwd=cwd, extra_env=extra_env, on_line=on_line, cancel=cancel)
        tail = tuple(outcome.tail)
        failure = self._failure(outcome, f"Installing with {installer}")
        if failure is not None:
            return InstallResult(failure[0], failure[1], installer, tail, outcome.returncode)
        tracker.report("Installed", 1.0)
        return InstallResult(
            Status.SUCCEEDED, f"Installed into {env.path} with {installer}.", installer, tail, 0
        )


__all__ = [
    "DROPPED_VARIABLES",
    "CreateResult",
    "InstallCommand",
    "InstallRequest",
    "InstallResult",
    "Installer",
    "OutputCallback",
    "Progress",
    "ProgressCallback",
    "ProjectInstall",
    "RequirementFiles",
    "RequirementStrings",
    "RunOutcome",
    "Status",
    "VenvManager",
    "find_uv",
    "index_settings",
    "plan_install",
]
