"""Real venv creation and installs, on both paths (uv, and ``python -m venv`` + pip), from local wheels only.

Every environment of this module lives under a folder whose name holds spaces, quotes, ``;``, ``$(...)``,
back quotes and non-ASCII letters: if any of that reached a shell, a ``pwned`` file would appear.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pip
import pytest
from packaging.version import Version

from pinwise.core.index.types import IndexConfig
from pinwise.core.venv import (
    Environment,
    InstallRequest,
    ProjectInstall,
    RequirementFiles,
    RequirementStrings,
    Status,
    VenvManager,
    environment_at,
    find_uv,
    installed_fingerprint,
    read_installed,
)
from pinwise.core.venv.manage import Installer, Progress, plan_install

from .wheels import build_project, build_wheel, file_hash, hermetic_environ, wheel_from_installed

BASE_PYTHON = Path(getattr(sys, "_base_executable", None) or sys.executable).resolve()
HOSTILE = "we ird 'q' \"dq\" ; $(touch pwned) `touch pwned2` ünï €"
HAS_PROC = Path("/proc/self/stat").exists()


# -- fixtures shared by the module (real environments are built once) -------------------------------------


@dataclass
class Lab:
    root: Path  # the hostile-named folder everything lives in
    wheelhouse: Path
    project: Path
    environ: dict[str, str]
    manager: VenvManager
    local: IndexConfig = field(init=False)

    def __post_init__(self) -> None:
        self.local = IndexConfig(index_url=None, no_index=True, find_links=(str(self.wheelhouse),))


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    root = tmp_path_factory.mktemp("venvs") / HOSTILE
    wheelhouse = root / "wheelhouse"
    for name, version, requires in [
        ("alpha", "1.0", ["beta>=2"]),
        ("beta", "2.0", []),
        ("gamma", "0.5", []),
        ("delta", "1.0", []),
        ("extra-dep", "1.0", []),
        ("group-dep", "3.0", []),
        ("hostile-probe", "1.0", []),
    ]:
        build_wheel(wheelhouse, name, version, requires=requires, requires_python=">=3.8")
    site_packages = Path(pip.__file__).parent.parent
    wheel_from_installed(site_packages, f"pip-{pip.__version__}.dist-info", wheelhouse)
    project = build_project(
        root / "proj ect", "proj", "0.1", extras={"fast": ["extra-dep"]}, groups={"test": ["group-dep==3.0"]}
    )
    environ = hermetic_environ(root)
    return Lab(root, wheelhouse, project, environ, VenvManager(environ=environ, kill_grace=1.0))


@pytest.fixture(scope="module")
def pip_env(lab: Lab) -> Environment:
    """``python -m venv`` with pip, upgraded from the bundled pip to the test runner's own pip."""
    result = asyncio.run(lab.manager.create(lab.root / "pip env", BASE_PYTHON, use_uv=False, index=lab.local))
    assert result.status is Status.SUCCEEDED, (result.message, result.output_tail)
    assert result.tool == "venv" and not result.warnings
    assert result.environment is not None and result.environment.is_virtual_env
    assert read_installed(result.environment.path)["pip"].version == pip.__version__
    return result.environment


@pytest.fixture(scope="module")
def uv_env(lab: Lab) -> Environment:
    if find_uv(lab.environ) is None:
        pytest.skip("uv is neither on PATH nor installed as a Python package")
    result = asyncio.run(lab.manager.create(lab.root / "uv env", BASE_PYTHON, use_uv=True, with_pip=False))
    assert result.status is Status.SUCCEEDED, (result.message, result.output_tail)
    assert result.tool == "uv" and result.environment is not None
    assert "pip" not in read_installed(result.environment.path)
    return result.environment


@pytest.fixture(params=["pip", "uv"])
def installer(request: pytest.FixtureRequest) -> tuple[str, Environment]:
    name: str = request.param
    return name, request.getfixturevalue(f"{name}_env")


# -- creation -----------------------------------------------------------------------------------------------


def test_created_environments_match_the_base_python(pip_env: Environment, uv_env: Environment) -> None:
    version = ".".join(map(str, sys.version_info[:3]))
    for env in (pip_env, uv_env):
        assert env.version == version and env.kind == "venv"
        assert env.python.is_file() and HOSTILE in str(env.path)


def _broken_script(folder: Path) -> Path:
    script = folder / "python-broken"
    script.write_text("#!/bin/sh\necho 'this python is broken' >&2\nexit 3\n")
    script.chmod(0o755)
    return script


def _not_executable(folder: Path) -> Path:
    path = folder / "python-plain"
    path.write_text("not a program")
    path.chmod(0o644)
    return path


CREATE_FAILURES: list[tuple[str, Callable[[Path], Path], bool, str]] = [
    ("missing", lambda d: d / "no" / "python3", False, "does not exist"),
    ("missing-uv", lambda d: d / "no" / "python3", True, "does not exist"),
    ("not-executable", _not_executable, False, "not executable"),
    ("exits-3", _broken_script, False, "exit code 3"),
    ("exits-3-uv", _broken_script, True, "failed"),
]


async def check_create_fails(
    lab: Lab, tmp_path: Path, make: Callable[[Path], Path], use_uv: bool, expected: str, *, into_empty: bool
) -> None:
    if use_uv and find_uv(lab.environ) is None:
        pytest.skip("uv not found")
    target = tmp_path / "new" / ".venv"
    if into_empty:
        target.mkdir(parents=True)
    result = await lab.manager.create(target, make(tmp_path), use_uv=use_uv, with_pip=False)
    assert result.status is Status.FAILED, result
    assert expected in result.message
    if into_empty:
        assert target.is_dir() and not any(target.iterdir()), (
            "the pre-existing empty folder must stay, emptied"
        )
    else:
        assert not (tmp_path / "new").exists(), "folders created by a failed create must be removed"


@pytest.mark.parametrize(
    ("case", "make", "use_uv", "expected"), CREATE_FAILURES, ids=[c[0] for c in CREATE_FAILURES]
)
@pytest.mark.parametrize("into_empty", [False, True], ids=["new", "empty-dir"])
async def test_create_with_a_broken_interpreter(
    lab: Lab,
    tmp_path: Path,
    case: str,
    make: Callable[[Path], Path],
    use_uv: bool,
    expected: str,
    into_empty: bool,
) -> None:
    await check_create_fails(lab, tmp_path, make, use_uv, expected, into_empty=into_empty)


def _existing_venv(target: Path) -> None:
    target.mkdir()
    (target / "pyvenv.cfg").write_text("home = /nowhere\n")


def _non_empty(target: Path) -> None:
    target.mkdir()
    (target / "keep.txt").write_text("mine")


def _file(target: Path) -> None:
    target.write_text("mine")


EXISTING_TARGETS: list[tuple[str, Callable[[Path], None], Status, str]] = [
    ("venv", _existing_venv, Status.REFUSED, "already a virtual environment"),
    ("non-empty", _non_empty, Status.REFUSED, "is not empty"),
    ("file", _file, Status.REFUSED, "is not a folder"),
    ("empty", lambda t: t.mkdir(), Status.SUCCEEDED, "Created"),
]


@pytest.mark.parametrize(
    ("case", "setup", "status", "expected"), EXISTING_TARGETS, ids=[c[0] for c in EXISTING_TARGETS]
)
async def test_create_into_an_existing_target(
    lab: Lab, tmp_path: Path, case: str, setup: Callable[[Path], None], status: Status, expected: str
) -> None:
    target = tmp_path / "target"
    setup(target)
    before = sorted(p.name for p in target.iterdir()) if target.is_dir() else None
    result = await lab.manager.create(target, BASE_PYTHON, use_uv=False, with_pip=False)
    assert result.status is status and expected in result.message, result
    if status is Status.REFUSED:
        after = sorted(p.name for p in target.iterdir()) if target.is_dir() else None
        assert after == before, "a refused create must not touch the target"
    else:
        assert (target / "pyvenv.cfg").is_file()


async def test_create_in_a_read_only_folder(lab: Lab, tmp_path: Path) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        try:
            (parent / "probe").touch()
            writable = True  # running as root: permission bits do not stop us
        except OSError:
            writable = False
        if writable:
            if not HAS_PROC:
                pytest.skip("cannot make a read-only folder for this user")
            parent = Path("/proc")  # even root cannot create folders here
        target = parent / "sub" / ".venv"
        result = await lab.manager.create(target, BASE_PYTHON, use_uv=False, with_pip=False)
        assert result.status is Status.FAILED and "Cannot create" in result.message, result
        assert not target.parent.exists()
    finally:
        (tmp_path / "locked").chmod(stat.S_IRWXU)


async def test_two_creates_for_one_target(lab: Lab, tmp_path: Path) -> None:
    target = tmp_path / "twice" / ".venv"
    results = await asyncio.gather(
        lab.manager.create(target, BASE_PYTHON, use_uv=False, with_pip=False),
        lab.manager.create(target, BASE_PYTHON, use_uv=False, with_pip=False),
    )
    statuses = sorted(r.status.value for r in results)
    assert statuses == ["refused", "succeeded"], results
    refused = next(r for r in results if r.status is Status.REFUSED)
    assert "already being created" in refused.message
    assert environment_at(target) is not None
    # Once the first is done the target is free again, and a further create is refused for existing.
    again = await lab.manager.create(target, BASE_PYTHON, use_uv=False, with_pip=False)
    assert again.status is Status.REFUSED and "already a virtual environment" in again.message


# -- installing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstallCase:
    id: str
    request: Callable[[Lab], InstallRequest]
    expected: dict[str, str]
    editable: frozenset[str] = frozenset()
    use_index: bool = True  # False: the request carries its own index options (requirements files)


def _requirement_files(lab: Lab) -> InstallRequest:
    # Relative find-links inside a requirements file are relative to the file: the files carry their options.
    folder = lab.root
    gamma = next(lab.wheelhouse.glob("gamma-*.whl"))
    delta = next(lab.wheelhouse.glob("delta-*.whl"))
    (folder / "more.txt").write_text(f"delta==1.0 --hash={file_hash(delta)}\n")
    main = folder / "requirements.txt"
    main.write_text(
        f"--no-index\n--find-links wheelhouse\ngamma==0.5 --hash={file_hash(gamma)}\n-r more.txt\n"
    )
    return RequirementFiles((main,))


INSTALL_CASES = [
    InstallCase("strings", lambda lab: RequirementStrings(("alpha==1.0",)), {"alpha": "1.0", "beta": "2.0"}),
    InstallCase("files", _requirement_files, {"gamma": "0.5", "delta": "1.0"}, use_index=False),
    InstallCase(
        "project",
        lambda lab: ProjectInstall(lab.project, extras=("fast",), groups=("test",)),
        {"proj": "0.1", "extra-dep": "1.0", "group-dep": "3.0"},
        editable=frozenset({"proj"}),
    ),
]


async def check_install(lab: Lab, name: str, env: Environment, case: InstallCase) -> None:
    before = installed_fingerprint(env.path)
    lines: list[str] = []
    reports: list[Progress] = []
    result = await lab.manager.install(
        env,
        case.request(lab),
        trusted=True,
        index=lab.local if case.use_index else None,
        use_uv=name == "uv",
        output=lines.append,
        progress=reports.append,
    )
    assert result.status is Status.SUCCEEDED, (result.message, result.output_tail)
    assert result.installer == name and lines
    installed = read_installed(env.path)
    assert {n: installed[n].version for n in case.expected if n in installed} == case.expected
    assert {n for n in case.expected if installed[n].editable} == case.editable
    assert all(installed[n].installer == name for n in case.expected)
    assert installed_fingerprint(env.path) != before
    fractions = [r.fraction for r in reports if r.fraction is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


@pytest.mark.parametrize("case", INSTALL_CASES, ids=[c.id for c in INSTALL_CASES])
async def test_install(lab: Lab, installer: tuple[str, Environment], case: InstallCase) -> None:
    await check_install(lab, installer[0], installer[1], case)


async def test_install_failure_carries_the_output_tail(lab: Lab, installer: tuple[str, Environment]) -> None:
    name, env = installer
    result = await lab.manager.install(
        env, RequirementStrings(("no-such-project==9",)), trusted=True, index=lab.local, use_uv=name == "uv"
    )
    assert result.status is Status.FAILED and result.exit_code not in (None, 0)
    assert "exit code" in result.message and result.output_tail
    assert any("no-such-project" in line for line in result.output_tail)


def _base_environment() -> Environment:
    prefix = Path(sys.base_prefix)
    return Environment(prefix, BASE_PYTHON, None, "pyenv", is_virtual_env=False, name=prefix.name)


def _lying_environment() -> Environment:
    # Claims to be a venv, but the folder has no pyvenv.cfg: the disk is what counts.
    prefix = Path(sys.base_prefix)
    return Environment(prefix, BASE_PYTHON, None, "venv", is_virtual_env=True, name=prefix.name)


REFUSALS: list[tuple[str, Callable[[Lab, Environment], tuple[Environment, InstallRequest, bool]], str]] = [
    ("untrusted", lambda lab, env: (env, RequirementStrings(("alpha",)), False), "trusted"),
    ("base-python", lambda lab, env: (_base_environment(), RequirementStrings(("alpha",)), True), "not a virtual environment"),
    ("no-pyvenv-cfg", lambda lab, env: (_lying_environment(), RequirementStrings(("alpha",)), True), "not a virtual environment"),
    ("option", lambda lab, env: (env, RequirementStrings(("--index-url=http://127.0.0.1:9/",)), True), "installer option"),
    ("empty-requirement", lambda lab, env: (env, RequirementStrings(("  ",)), True), "empty requirement"),
    ("nothing", lambda lab, env: (env, RequirementStrings(()), True), "nothing to install"),
    ("bad-requirement", lambda lab, env: (env, RequirementStrings(("alpha; $(touch pwned)",)), True), "not a valid requirement"),
    ("bad-extra", lambda lab, env: (env, ProjectInstall(lab.project, extras=("a];rm",)), True), "not a valid extra"),
    ("bad-group", lambda lab, env: (env, ProjectInstall(lab.project, groups=("x y",)), True), "not a valid dependency group"),
    ("no-project", lambda lab, env: (env, ProjectInstall(lab.root), True), "neither pyproject.toml nor setup.py"),
    ("missing-file", lambda lab, env: (env, RequirementFiles((lab.root / "nope.txt",)), True), "does not exist"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "make", "expected"), REFUSALS, ids=[c[0] for c in REFUSALS])
async def test_install_refusals(
    lab: Lab,
    pip_env: Environment,
    case: str,
    make: Callable[[Lab, Environment], tuple[Environment, InstallRequest, bool]],
    expected: str,
) -> None:
    env, request, trusted = make(lab, pip_env)
    lines: list[str] = []
    before = installed_fingerprint(env.path)
    result = await lab.manager.install(env, request, trusted=trusted, index=lab.local, output=lines.append)
    assert result.status is Status.REFUSED and expected in result.message, result
    assert lines == [], "nothing may run for a refused request"
    assert installed_fingerprint(env.path) == before


async def test_hostile_paths_run_nothing(lab: Lab, installer: tuple[str, Environment]) -> None:
    name, env = installer
    result = await lab.manager.install(
        env, RequirementStrings(("hostile-probe",)), trusted=True, index=lab.local, use_uv=name == "uv"
    )
    assert result.status is Status.SUCCEEDED, result
    assert "hostile_probe" in read_installed(env.path)["hostile-probe"].location.name
    top = lab.root.parent
    assert not list(top.rglob("pwned*")) and not list(Path.cwd().glob("pwned*"))


# -- group support decides between --group and the group's own requirements (no process runs) ---------------

PLAN_CASES: list[tuple[str, str, str | None, list[str] | str]] = [
    # (installer, installer version, given group requirements?, expected targets or refusal text)
    ("pip", "25.1", None, ["-e", ".[fast]", "--group", "test"]),
    ("pip", "24.0", "group-dep==3.0", ["-e", ".[fast]", "group-dep==3.0"]),
    ("pip", "24.0", None, "pip 24.0 cannot install dependency groups"),
    ("uv", "0.13.9", None, ["-e", ".[fast]", "--group", "test"]),
    ("uv", "0.5.0", "group-dep==3.0", ["-e", ".[fast]", "group-dep==3.0"]),
    ("uv", "0.5.0", None, "uv 0.5.0 cannot install dependency groups"),
]


@pytest.mark.parametrize(("tool", "version", "given", "expected"), PLAN_CASES)
def test_plan_install_groups(tool: str, version: str, given: str | None, expected: list[str] | str) -> None:
    request = ProjectInstall(
        Path("/p"), extras=("fast",), groups=("test",), group_requirements={"test": (given,)} if given else {}
    )
    plan = plan_install(
        Path("/env/bin/python"),
        request,
        "uv" if tool == "uv" else "pip",
        uv=Path("/bin/uv"),
        pip_version=Version(version) if tool == "pip" else None,
        uv_version=Version(version) if tool == "uv" else None,
    )
    if isinstance(expected, str):
        assert isinstance(plan, str) and expected in plan
    else:
        assert not isinstance(plan, str)
        assert list(plan.argv[-len(expected) :]) == expected and plan.cwd == Path("/p")


def test_plan_install_keeps_credentials_out_of_arguments() -> None:
    index = IndexConfig(
        index_url="https://user:secret@mirror.invalid/simple", extra_index_urls=("https://t:k@x.invalid/s",)
    )
    tools: tuple[Installer, ...] = ("pip", "uv")
    for tool in tools:
        plan = plan_install(Path("/py"), RequirementStrings(("a",)), tool, uv=Path("/uv"), index=index)
        assert not isinstance(plan, str)
        assert not any("secret" in arg or "t:k" in arg for arg in plan.argv)
        prefix = "UV_" if tool == "uv" else "PIP_"
        assert plan.env[f"{prefix}INDEX_URL"] == index.index_url
        assert plan.env[f"{prefix}EXTRA_INDEX_URL"] == "https://t:k@x.invalid/s"


# -- cancellation ---------------------------------------------------------------------------------------------


class StallingIndex:
    """An index that accepts connections and never answers, so the installer is surely mid-run."""

    def __init__(self) -> None:
        self.connected = asyncio.Event()
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/simple/"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        self.connected.set()
        while await reader.read(4096):
            pass

    async def close(self) -> None:
        assert self.server is not None
        for writer in self.writers:
            writer.close()
        self.server.close()


@pytest.fixture
async def stalling() -> AsyncIterator[tuple[StallingIndex, IndexConfig]]:
    index = StallingIndex()
    url = await index.start()
    yield index, IndexConfig(index_url=url)
    await index.close()


def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, parent, process group, session) of a live process, from /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[2]), int(fields[3])


def _processes() -> Iterator[tuple[int, tuple[str, int, int, int]]]:
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None and info[0] != "Z":
            yield int(entry), info


def _own_session_children() -> list[int]:
    """Our child processes that lead a session of their own: the installers the manager started."""
    me = os.getpid()
    return [pid for pid, (_, parent, _, session) in _processes() if parent == me and session == pid]


async def _assert_groups_gone(groups: list[int]) -> None:
    deadline = time.monotonic() + 3
    while True:
        alive = [pid for pid, info in _processes() if info[2] in groups]
        if not alive or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert alive == [], f"processes left in the cancelled groups: {alive}"


async def _leaders_once_connected(index: StallingIndex) -> list[int]:
    await asyncio.wait_for(index.connected.wait(), 60)
    leaders = _own_session_children()
    assert leaders, "the installer should be running in a session of its own"
    return leaders


@pytest.mark.skipif(not HAS_PROC, reason="reads /proc to find the installer's process group")
async def test_cancel_install(
    lab: Lab, installer: tuple[str, Environment], stalling: tuple[StallingIndex, IndexConfig]
) -> None:
    name, env = installer
    server, index = stalling
    cancel = asyncio.Event()
    before = installed_fingerprint(env.path)
    task = asyncio.create_task(
        lab.manager.install(
            env,
            RequirementStrings(("slow-project",)),
            trusted=True,
            index=index,
            use_uv=name == "uv",
            cancel=cancel,
        )
    )
    leaders = await _leaders_once_connected(server)
    cancel.set()
    result = await asyncio.wait_for(task, 15)
    assert result.status is Status.CANCELLED, result
    await _assert_groups_gone(leaders)
    assert installed_fingerprint(env.path) == before


@pytest.mark.skipif(not HAS_PROC, reason="reads /proc to find the installer's process group")
@pytest.mark.parametrize("use_uv", [False, True], ids=["venv", "uv"])
async def test_cancel_create_leaves_nothing(
    lab: Lab, tmp_path: Path, use_uv: bool, stalling: tuple[StallingIndex, IndexConfig]
) -> None:
    """Cancelled while fetching pip (the pip upgrade, or uv's --seed): the half-made venv is removed."""
    if use_uv and find_uv(lab.environ) is None:
        pytest.skip("uv not found")
    server, index = stalling
    cancel = asyncio.Event()
    target = tmp_path / "made" / ".venv"
    task = asyncio.create_task(
        lab.manager.create(target, BASE_PYTHON, use_uv=use_uv, index=index, cancel=cancel)
    )
    leaders = await _leaders_once_connected(server)
    assert target.exists(), "the environment is being built"
    cancel.set()
    result = await asyncio.wait_for(task, 15)
    assert result.status is Status.CANCELLED, result
    await _assert_groups_gone(leaders)
    assert not (tmp_path / "made").exists()


_STUBBORN = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"])
print("child", child.pid, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not HAS_PROC or sys.platform == "win32", reason="POSIX process groups, read from /proc")
@pytest.mark.parametrize("how", ["event", "task"])
async def test_stopping_kills_the_whole_group(lab: Lab, how: str) -> None:
    """A tool and its grandchild both ignore SIGTERM: SIGKILL after the grace period ends them both."""
    manager = VenvManager(environ=lab.environ, kill_grace=0.3)
    cancel = asyncio.Event()
    started = asyncio.Event()
    grandchild: list[int] = []

    def on_line(line: str) -> None:
        if line.startswith("child "):
            grandchild.append(int(line.split()[1]))
            started.set()

    task = asyncio.create_task(manager.run([sys.executable, "-c", _STUBBORN], on_line=on_line, cancel=cancel))
    await asyncio.wait_for(started.wait(), 30)
    leaders = _own_session_children()
    assert leaders and _stat(grandchild[0]) is not None
    begun = time.monotonic()
    if how == "event":
        cancel.set()
        outcome = await asyncio.wait_for(task, 10)
        assert outcome.cancelled
    else:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert time.monotonic() - begun < 5
    await _assert_groups_gone(leaders)
