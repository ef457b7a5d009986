"""Virtual environments end to end: the real server creates, selects and installs into real venvs.

Everything installed is a tiny wheel built here and served from a local find-links folder (pip's own wheel
is repacked from the test runner, so ``uv venv --seed`` needs no index). The server runs with no pip or
uv configuration of the machine: ``PIP_NO_INDEX`` and ``PIP_FIND_LINKS`` make the index configuration it
resolves (and passes to every installer) point at the wheel folder only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, cast

import pip
import pytest
from lsprotocol import types

from pinwise.core.index.types import IndexConfig
from pinwise.core.venv import RequirementStrings, VenvManager, read_installed
from tests.core.venvs.wheels import build_project, build_wheel, hermetic_environ, wheel_from_installed
from tests.fixtures.index.packages import Pkg, Rel
from tests.index_server import IndexServer
from tests.lsp.conftest import Session, apply_text_edits, start_session

BASE_PYTHON = Path(getattr(sys, "_base_executable", None) or sys.executable).resolve()
HOSTILE = "we ird 'q' \"dq\" ; $(touch pwned) `touch pwned2` ünï €"
WAIT = 20.0


# -- fixtures and helpers ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse")
    for name, version in [("pkg-a", "1.0"), ("pkg-a", "2.0"), ("pkg-b", "1.0"), ("pkg-c", "1.0")]:
        build_wheel(folder, name, version)
    # ``uv venv --seed`` also seeds setuptools and wheel into Pythons before 3.12: tiny stand-ins do.
    for name in ("setuptools", "wheel"):
        build_wheel(folder, name, "99.0")
    wheel_from_installed(Path(pip.__file__).parent.parent, f"pip-{pip.__version__}.dist-info", folder)
    return folder


def installer_environment(tmp_path: Path, wheelhouse: Path) -> dict[str, str]:
    """What the server runs with: no index at all, the wheel folder as the only source, private caches."""
    return {
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PIP_NO_CACHE_DIR": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "UV_NO_CONFIG": "1",
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
    }


@contextlib.asynccontextmanager
async def venv_session(
    tmp_path: Path,
    index: IndexServer,
    wheelhouse: Path,
    *,
    trusted: bool = True,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[Session]:
    environment = {**installer_environment(tmp_path, wheelhouse), **(extra_env or {})}
    session = await start_session(
        tmp_path,
        index,
        options={"settings": {}, "workspaceTrusted": trusted},
        configuration={},
        extra_env=environment,
    )
    read_code_actions_with_commands(session)
    try:
        yield session
    finally:
        await session.client.shutdown_session()
        await session.client.stop()


def read_code_actions_with_commands(session: Session) -> None:
    """lsprotocol reads every code action that has a ``command`` as a bare Command (its hook only looks
    for the key); a real client tells them apart by the key's type, and so does the test client now."""
    converter = session.client.protocol._converter

    def structure(value: Any, _: type) -> types.Command | types.CodeAction:
        kind = types.Command if isinstance(value.get("command"), str) else types.CodeAction
        return cast("types.Command | types.CodeAction", converter.structure(value, kind))

    converter.register_structure_hook(Union[types.Command, types.CodeAction], structure)  # noqa: UP007


async def make_venv(tmp_path: Path, wheelhouse: Path, target: Path, *requirements: str) -> Path:
    """A real venv made by the test itself (uv, no pip), holding ``requirements``."""
    manager = VenvManager(environ=hermetic_environ(tmp_path))
    created = await manager.create(target, BASE_PYTHON, use_uv=True, with_pip=False)
    assert created.environment is not None, created.message
    if requirements:
        await install_into(tmp_path, wheelhouse, target, *requirements)
    return target


async def install_into(tmp_path: Path, wheelhouse: Path, target: Path, *requirements: str) -> None:
    from pinwise.core.venv import environment_at

    manager = VenvManager(environ=hermetic_environ(tmp_path))
    environment = environment_at(target)
    assert environment is not None
    local = IndexConfig(index_url=None, no_index=True, find_links=(str(wheelhouse),))
    result = await manager.install(
        environment, RequirementStrings(requirements), trusted=True, index=local, use_uv=True
    )
    assert result.ok, result.message


async def execute(session: Session, command: str, argument: dict[str, Any]) -> Any:
    return await session.client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=[argument])
    )


def codes(diagnostics: list[types.Diagnostic]) -> set[str]:
    return {str(d.code) for d in diagnostics}


async def eventually(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.02)


def installed_versions(env: Path) -> dict[str, str]:
    return {name: dist.version for name, dist in read_installed(env).items()}


def selected_path(session: Session) -> Path:
    """The path of the last ``pinwise/venvSelected`` notification (pygls hands it over as an object)."""
    params = session.notifications["pinwise/venvSelected"][-1]
    value = params["path"] if isinstance(params, dict) else params.path
    return Path(value)


def remembered(tmp_path: Path) -> dict[str, str]:
    store = tmp_path / "state" / "selections.json"
    if not store.exists():
        return {}
    selections: dict[str, str] = json.loads(store.read_text(encoding="utf-8"))["selections"]
    return selections


def pwned_files(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("pwned*")]


def processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes that mention ``text`` (Linux /proc; empty elsewhere)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(cmdline)
    return found


def progress_of(session: Session, title: str) -> list[Any]:
    """The progress notifications of the (last) progress bar with ``title``."""
    bars = [
        reports
        for reports in session.client.progress_reports.values()
        if reports and isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].title == title
    ]
    return bars[-1] if bars else []


def token_of(session: Session, title: str) -> types.ProgressToken | None:
    for token, reports in session.client.progress_reports.items():
        if reports and isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].title == title:
            return token
    return None


# -- createVenv -----------------------------------------------------------------------------------------


@dataclass
class CreateCase:
    name: str
    files: dict[str, str]
    argument: dict[str, Any]  # "uri" names a file of ``files``; "interpreter" defaults to the test's Python
    installed: dict[str, str]  # canonical name -> version expected in the new venv
    venv: str = ".venv"
    project: bool = False  # build a project with an extra and a group in the folder
    python_prefix: str | None = None  # the venv's Python version must start with this
    not_installed: set[str] = field(default_factory=set)
    git: bool = False  # the folder is a git work tree: the new venv is added to .gitignore
    reason: str = "chosen by the client"  # why the interpreter, in the answer and the progress bar


MINOR = f"{sys.version_info.major}.{sys.version_info.minor}"
CREATE_CASES = [
    CreateCase(
        "requirements file",
        {"requirements.txt": "pkg-a==1.0\npkg-b\n"},
        {"uri": "requirements.txt"},
        {"pkg-a": "1.0", "pkg-b": "1.0"},
    ),
    CreateCase(
        "project with an extra and a group",
        {},
        {"extras": ["fast"], "groups": ["test"]},
        {"proj": "0.1", "pkg-b": "1.0", "pkg-c": "1.0", "pkg-a": "2.0"},
        project=True,
    ),
    CreateCase(
        "hostile venv and file paths",
        {f"{HOSTILE}/requirements.txt": "pkg-a==1.0\n"},
        {"uri": f"{HOSTILE}/requirements.txt"},
        {"pkg-a": "1.0"},
        venv=f"{HOSTILE}/.venv",
    ),
    CreateCase(
        "in a git work tree",
        {".gitignore": "__pycache__/\n", "requirements.txt": "pkg-a==1.0\n"},
        {"uri": "requirements.txt"},
        {"pkg-a": "1.0"},
        git=True,
    ),
    CreateCase(
        "without installing",
        {"requirements.txt": "pkg-a==1.0\n"},
        {"uri": "requirements.txt", "install": False},
        {},
        not_installed={"pkg-a"},
    ),
    CreateCase(
        "default interpreter from .python-version",
        {".python-version": f"{MINOR}\n", "requirements.txt": "pkg-b\n"},
        {"uri": "requirements.txt", "interpreter": None},
        {"pkg-b": "1.0"},
        python_prefix=MINOR,
        reason=f"matches .python-version {MINOR}",
    ),
]


async def check_create(session: Session, tmp_path: Path, case: CreateCase) -> None:
    root = session.root
    for name, text in case.files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    if case.project:
        build_project(
            root,
            "proj",
            "0.1",
            requires=["pkg-b"],
            extras={"fast": ["pkg-c"]},
            groups={"test": ["pkg-a==2.0"]},
        )
    argument: dict[str, Any] = {"workspaceFolder": root.as_uri(), "interpreter": str(BASE_PYTHON)}
    argument.update(case.argument)
    if "uri" in argument:
        argument["uri"] = (root / argument["uri"]).as_uri()
    if case.venv != ".venv":
        argument["path"] = case.venv
    if argument["interpreter"] is None:
        del argument["interpreter"]

    if case.git:
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        subprocess.run(["git", "init", "-q", str(root)], check=True)  # noqa: ASYNC221 (a test set-up step)

    result = await execute(session, "pinwise.createVenv", argument)

    target = root / case.venv
    assert result["status"] == "succeeded", result
    assert Path(result["path"]) == target
    assert (target / "pyvenv.cfg").is_file()
    installed = installed_versions(target)
    for name, version in case.installed.items():
        assert installed.get(name) == version, (name, installed)
    assert not case.not_installed & set(installed)
    if case.python_prefix:
        assert installed_python_version(target).startswith(case.python_prefix)
    # Selected, announced and remembered.
    await eventually(lambda: bool(session.notifications.get("pinwise/venvSelected")), "venvSelected")
    assert selected_path(session) == target
    assert Path(remembered(tmp_path)[str(root.resolve())]) == target
    # A progress bar with percentages that never go back, ending at 100.
    bar = progress_of(session, "Creating a virtual environment")
    assert isinstance(bar[-1], types.WorkDoneProgressEnd)
    assert case.reason in result["interpreterReason"]
    assert bar[1].message == result["interpreterReason"]
    percentages = [r.percentage for r in bar[1:-1] if r.percentage is not None]
    assert percentages == sorted(percentages) and percentages[-1] == 100
    if case.installed:
        # The installer's output reached the client's log.
        logged = [m.message for m in session.client.log_messages if "pinwise.installer" in m.message]
        assert any(name in line for line in logged for name in case.installed), logged
    assert not pwned_files(tmp_path, Path.cwd())
    check_gitignore_edit(session, case)


def check_gitignore_edit(session: Session, case: CreateCase) -> None:
    """In a git work tree the new venv's folder is appended to .gitignore, as an edit the user sees, unless
    git already ignores it: uv (and venv from Python 3.13) write a ``.gitignore`` of ``*`` into the venv."""
    gitignore = session.root / ".gitignore"
    ignores_itself = (session.root / case.venv / ".gitignore").is_file()
    edited = {
        change.text_document.uri: list(change.edits)
        for edit in session.applied_edits
        for change in edit.document_changes or []
        if isinstance(change, types.TextDocumentEdit)
    }
    if not case.git or ignores_itself:
        assert edited == {}
        return
    assert list(edited) == [gitignore.as_uri()]
    before = case.files[".gitignore"]
    assert apply_text_edits(before, edited[gitignore.as_uri()]) == before + f"/{case.venv}/\n"


def installed_python_version(env: Path) -> str:
    for line in (env / "pyvenv.cfg").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version", "version_info"):
            return value.strip()
    return ""


@pytest.mark.parametrize("case", CREATE_CASES, ids=[c.name for c in CREATE_CASES])
async def test_create_venv(
    tmp_path: Path, index_server: IndexServer, wheelhouse: Path, case: CreateCase
) -> None:
    async with venv_session(tmp_path, index_server, wheelhouse) as session:
        await check_create(session, tmp_path, case)


async def test_cancelling_an_install_kills_it_and_leaves_nothing_selected(
    tmp_path: Path, index_server: IndexServer, wheelhouse: Path
) -> None:
    """A find-links server that stalls on the wheel: the second creation is refused, the first cancelled."""
    index_server.add_packages([Pkg("slowpkg", (Rel("1.0", sdist=False),))])
    wheel_path = "/files/slowpkg-1.0-py3-none-any.whl"
    index_server.fault(wheel_path, kind="hang")
    async with venv_session(tmp_path, index_server, wheelhouse) as session:
        requirements = session.root / "requirements.txt"
        requirements.write_text(f"--find-links {index_server.url}slowpkg/\nslowpkg==1.0\n", encoding="utf-8")
        argument = {
            "workspaceFolder": session.root.as_uri(),
            "interpreter": str(BASE_PYTHON),
            "uri": requirements.as_uri(),
        }
        first = asyncio.ensure_future(execute(session, "pinwise.createVenv", argument))
        await eventually(lambda: index_server.hits(wheel_path) > 0, "the installer downloads the wheel")

        second = await execute(session, "pinwise.createVenv", {**argument, "path": "other"})
        assert second["status"] == "refused" and "already being created" in second["message"]
        assert not (session.root / "other").exists()

        token = token_of(session, "Creating a virtual environment")
        assert token is not None
        session.client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
        result = await asyncio.wait_for(first, WAIT)

        assert result["status"] == "cancelled", result
        assert not (session.root / ".venv").exists()
        assert not session.notifications.get("pinwise/venvSelected")
        assert remembered(tmp_path) == {}
        assert processes_mentioning(str(session.root)) == []
        assert any("cancelled" in m.message for m in session.client.messages)


async def test_a_failed_install_shows_the_installer_output(
    tmp_path: Path, index_server: IndexServer, wheelhouse: Path
) -> None:
    async with venv_session(tmp_path, index_server, wheelhouse) as session:
        requirements = session.root / "requirements.txt"
        requirements.write_text("no-such-package-here==1.0\n", encoding="utf-8")
        result = await execute(
            session,
            "pinwise.createVenv",
            {"interpreter": str(BASE_PYTHON), "uri": requirements.as_uri()},
        )
        assert result["status"] == "failed", result
        errors = [m for m in session.client.messages if m.type == types.MessageType.Error]
        assert errors and "no-such-package-here" in errors[-1].message
        assert not (session.root / ".venv").exists()
        assert not session.notifications.get("pinwise/venvSelected")


# -- selection, what is installed, and the diagnostics that follow ------------------------------------------


async def test_selection_is_remembered_across_restarts(
    tmp_path: Path, index_server: IndexServer, wheelhouse: Path
) -> None:
    env = await make_venv(tmp_path, wheelhouse, tmp_path / "project" / "env one", "pkg-a==1.0")
    async with venv_session(tmp_path, index_server, wheelhouse) as session:
        candidates = await execute(session, "pinwise.selectVenv", {"workspaceFolder": session.root.as_uri()})
        assert str(env) in [c["path"] for c in candidates]
        chosen = await execute(session, "pinwise.selectVenv", {"path": str(env)})
        assert Path(chosen["path"]) == env
        await eventually(lambda: bool(session.notifications.get("pinwise/venvSelected")), "venvSelected")
    assert Path(remembered(tmp_path)[str((tmp_path / "project").resolve())]) == env

    async with venv_session(tmp_path, index_server, wheelhouse) as restarted:
        await eventually(
            lambda: bool(restarted.notifications.get("pinwise/venvSelected")), "restored selection"
        )
        assert selected_path(restarted) == env
        uri = restarted.open("requirements.txt", "pkg-a==2.0\n")
        await restarted.diagnostics(uri, lambda found: "installed-mismatch" in codes(found))


async def test_installing_clears_the_installed_mismatch(
    tmp_path: Path, index_server: IndexServer, wheelhouse: Path
) -> None:
    env = await make_venv(tmp_path, wheelhouse, tmp_path / "project" / ".venv", "pkg-a==1.0")
    async with venv_session(tmp_path, index_server, wheelhouse) as session:
        await execute(session, "pinwise.selectVenv", {"path": str(env)})
        text = "pkg-a==2.0\n"
        (session.root / "requirements.txt").write_text(text, encoding="utf-8")
        uri = session.open("requirements.txt", text)
        found = await session.diagnostics(uri, lambda found: "installed-mismatch" in codes(found))
        mismatch = next(d for d in found if d.code == "installed-mismatch")

        hover = await session.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 2))
        )
        assert hover is not None and "1.0" in str(hover.contents)
        actions = await code_actions(session, uri, mismatch.range, [mismatch])
        titles = [a.title for a in actions]
        assert "Pin to the installed version 1.0" in titles
        assert "Sync the environment with this file" in titles

        result = await execute(session, "pinwise.installDependencies", {"uri": uri})
        assert result["status"] == "succeeded", result
        assert installed_versions(env)["pkg-a"] == "2.0"
        assert token_of(session, "Installing dependencies") is not None
        await session.diagnostics(
            uri, lambda found: not {"installed-mismatch", "not-installed"} & codes(found)
        )


async def test_an_install_outside_pinwise_is_noticed(
    tmp_path: Path, index_server: IndexServer, wheelhouse: Path
) -> None:
    env = await make_venv(tmp_path, wheelhouse, tmp_path / "project" / ".venv")
    async with venv_session(tmp_path, index_server, wheelhouse) as session:
        await execute(session, "pinwise.selectVenv", {"path": str(env)})
        uri = session.open("requirements.txt", "pkg-b\n")
        await session.diagnostics(uri, lambda found: "not-installed" in codes(found))
        await install_into(tmp_path, wheelhouse, env, "pkg-b")
        await session.diagnostics(uri, lambda found: "not-installed" not in codes(found))


# -- code actions ----------------------------------------------------------------------------------------


async def code_actions(
    session: Session, uri: str, range_: types.Range, diagnostics: list[types.Diagnostic]
) -> list[types.CodeAction]:
    result = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=range_,
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


@dataclass
class ActionCase:
    name: str
    venv: tuple[str, ...] | None  # what the selected venv holds; None: no venv selected
    existing_venv: bool  # an unselected .venv exists in the folder
    text: str
    title: str  # the action expected on the first line
    command: str
    requirements: tuple[str, ...] = ()  # for "install missing": exactly these
    absent: tuple[str, ...] = ()  # titles that must not be offered


ACTION_CASES = [
    ActionCase("no venv", None, False, "pkg-a\npkg-b\n", "Create .venv and install", "pinwise.createVenv"),
    ActionCase(
        "an unselected .venv", None, True, "pkg-a\n", "Use the environment .venv", "pinwise.selectVenv",
        absent=("Create .venv and install",),
    ),
    ActionCase(
        "missing requirements",
        ("pkg-a==1.0",),
        False,
        "pkg-b\npkg-a==1.0\npkg-c>=1 ; python_version > '3'\n",
        "Install the 2 missing requirements",
        "pinwise.installDependencies",
        requirements=("pkg-b", "pkg-c>=1"),
        absent=("Create .venv and install",),
    ),
]  # fmt: skip


async def check_environment_action(
    session: Session, tmp_path: Path, wheelhouse: Path, case: ActionCase
) -> None:
    venv = session.root / ".venv"
    if case.venv is not None or case.existing_venv:
        await make_venv(tmp_path, wheelhouse, venv, *(case.venv or ()))
    if case.venv is not None:
        await execute(session, "pinwise.selectVenv", {"path": str(venv)})
    (session.root / "requirements.txt").write_text(case.text, encoding="utf-8")
    uri = session.open("requirements.txt", case.text)
    found = await session.diagnostics(uri, lambda found: case.venv is None or "not-installed" in codes(found))
    line = types.Range(types.Position(0, 0), types.Position(0, 1))
    actions = await code_actions(session, uri, line, [d for d in found if d.range.start.line == 0])
    by_title = {a.title: a for a in actions}
    assert case.title in by_title, list(by_title)
    for title in case.absent:
        assert title not in by_title
    command = by_title[case.title].command
    assert command is not None and command.command == case.command
    argument: dict[str, Any] = cast("dict[str, Any]", command.arguments[0]) if command.arguments else {}
    if case.requirements:
        assert [r.split(";")[0].strip() for r in argument["requirements"]] == list(case.requirements)
    # Running the action does what it says.
    result = await execute(session, command.command, argument)
    if case.command == "pinwise.selectVenv":
        assert Path(result["path"]) == venv
    else:
        assert result["status"] == "succeeded", result
        await session.diagnostics(uri, lambda found: "not-installed" not in codes(found))
    if case.venv is not None:
        # Only what was missing was installed: pkg-a kept its version.
        assert installed_versions(venv)["pkg-a"] == "1.0"


@pytest.mark.parametrize("case", ACTION_CASES, ids=[c.name for c in ACTION_CASES])
async def test_environment_code_actions(
    tmp_path: Path, index_server: IndexServer, wheelhouse: Path, case: ActionCase
) -> None:
    async with venv_session(tmp_path, index_server, wheelhouse) as session:
        await check_environment_action(session, tmp_path, wheelhouse, case)


# -- sync (pip-sync) applied ------------------------------------------------------------------------------


@dataclass
class SyncCase:
    name: str
    installed: tuple[str, ...]  # what the venv holds before
    file: str
    status: str
    after: dict[str, str]  # what it holds after (all of it)
    message: str = ""  # in the command's message


SYNC_CASES = [
    SyncCase(
        "upgrade, install and remove",
        ("pkg-a==1.0", "pkg-c==1.0"),
        "pkg-a==2.0\npkg-b==1.0\n",
        "succeeded",
        {"pkg-a": "2.0", "pkg-b": "1.0"},
        "now matches requirements.txt",
    ),
    SyncCase(
        "downgrade through an include",
        ("pkg-a==2.0",),
        "-r base.txt\n",
        "succeeded",
        {"pkg-a": "1.0"},
    ),
    SyncCase(
        # The install fails first, so nothing is uninstalled: the venv is as it was.
        "a release that does not exist leaves the venv as it was",
        ("pkg-a==1.0", "pkg-c==1.0"),
        "pkg-a==9.9\n",
        "failed",
        {"pkg-a": "1.0", "pkg-c": "1.0"},
        "pkg-a",
    ),
]


@pytest.mark.parametrize("case", SYNC_CASES, ids=[c.name for c in SYNC_CASES])
async def test_sync_applies_the_plan(
    tmp_path: Path, index_server: IndexServer, wheelhouse: Path, case: SyncCase
) -> None:
    env = await make_venv(tmp_path, wheelhouse, tmp_path / "project" / ".venv", *case.installed)
    async with venv_session(tmp_path, index_server, wheelhouse) as session:
        (session.root / "base.txt").write_text("pkg-a==1.0\n", encoding="utf-8")
        (session.root / "requirements.txt").write_text(case.file, encoding="utf-8")
        await execute(session, "pinwise.selectVenv", {"path": str(env)})
        uri = (session.root / "requirements.txt").as_uri()
        result = await execute(session, "pinwise.sync", {"uri": uri, "confirm": True})
        assert result["status"] == case.status, result
        assert case.message in result["message"]
        assert installed_versions(env) == case.after
        assert token_of(session, "Syncing .venv with requirements.txt") is not None


# -- refusals ---------------------------------------------------------------------------------------------


@dataclass
class RefusalCase:
    name: str
    trusted_at_start: bool
    revoke_trust: bool  # send pinwise/workspaceTrust {trusted: false} after start
    system_python: bool  # select a Python that is not a virtual environment
    commands: tuple[str, ...]
    message: str


CREATE, INSTALL = "pinwise.createVenv", "pinwise.installDependencies"
REFUSAL_CASES = [
    RefusalCase("untrusted at start", False, False, False, (CREATE, INSTALL), "not trusted"),
    RefusalCase("trust revoked", True, True, False, (CREATE, INSTALL), "not trusted"),
    RefusalCase("not a venv", True, False, True, (INSTALL,), "not a virtual environment"),
]


@pytest.mark.parametrize("case", REFUSAL_CASES, ids=[c.name for c in REFUSAL_CASES])
async def test_installers_refuse(
    tmp_path: Path, index_server: IndexServer, wheelhouse: Path, case: RefusalCase
) -> None:
    async with venv_session(tmp_path, index_server, wheelhouse, trusted=case.trusted_at_start) as session:
        requirements = session.root / "requirements.txt"
        requirements.write_text("pkg-a\n", encoding="utf-8")
        system = session.root / "system-python"
        if case.system_python:
            (system / "bin").mkdir(parents=True)
            (system / "bin" / "python").symlink_to(BASE_PYTHON)
            await execute(session, "pinwise.selectVenv", {"path": str(system)})
        if case.revoke_trust:
            session.client.protocol.notify("pinwise/workspaceTrust", {"trusted": False})
        for command in case.commands:
            result = await execute(
                session, command, {"uri": requirements.as_uri(), "interpreter": str(BASE_PYTHON)}
            )
            assert result["status"] == "refused", (command, result)
            assert case.message in result["message"]
        assert not (session.root / ".venv").exists()
        assert not list(system.rglob("pkg_a*"))


# -- the server's own Python variables never reach an installer ---------------------------------------------


async def test_installers_run_without_the_servers_python_variables(
    tmp_path: Path, index_server: IndexServer, wheelhouse: Path
) -> None:
    """Every Python that imports ``sitecustomize`` from PYTHONPATH leaves a marker: only the server may."""
    injected = tmp_path / "injected"
    markers = tmp_path / "markers"
    injected.mkdir()
    markers.mkdir()
    (injected / "sitecustomize.py").write_text(
        f"import os, sys\nopen(os.path.join({str(markers)!r}, str(os.getpid())), 'w').write(sys.prefix)\n",
        encoding="utf-8",
    )
    extra = {"PYTHONPATH": str(injected), "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache")}
    async with venv_session(tmp_path, index_server, wheelhouse, extra_env=extra) as session:
        build_project(session.root, "proj", "0.1", requires=["pkg-b"])
        result = await execute(session, "pinwise.createVenv", {"interpreter": str(BASE_PYTHON)})
        assert result["status"] == "succeeded", result
        assert installed_versions(session.root / ".venv")["proj"] == "0.1"
    prefixes = [marker.read_text(encoding="utf-8") for marker in markers.iterdir()]
    assert len(prefixes) == 1, prefixes  # the server itself
    assert str(session.root) not in prefixes[0]
    assert os.environ.get("PYTHONPATH") != str(injected)
