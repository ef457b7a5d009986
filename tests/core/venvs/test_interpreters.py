"""Base interpreters: PATH scanning, probing, and the choice of a default for a project."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from pinwise.core.venv import (
    EnvironmentKind,
    Interpreter,
    choose_default,
    find_interpreters,
    probe_interpreter,
)

BASE_PYTHON = Path(getattr(sys, "_base_executable", None) or sys.executable).resolve()
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="POSIX executables and layout")


def interp(version: str | None, kind: EnvironmentKind = "pyenv", name: str | None = None) -> Interpreter:
    return Interpreter(
        Path(f"/fake/{kind}/{name or version}/bin/python"), version, kind, name or str(version)
    )


AVAILABLE = [
    interp("3.11.7", "system", "python3.11"),
    interp("3.12", "system", "python3.12"),  # patch version unknown
    interp("3.10.13"),
    interp("3.11.9"),
    interp("3.13.0rc1"),
    interp("3.12.1", "uv-python", "cpython-3.12.1-linux-x86_64-gnu"),
    interp("3.10", "pyenv", "pypy3.10-7.3.12"),
]

# (.python-version text, requires-python, expected (version, name) or None, the reason sentence)
CHOICES: list[tuple[str | None, str | None, tuple[str, str] | None, str]] = [
    (None, None, ("3.12.1", "cpython-3.12.1-linux-x86_64-gnu"), "Python 3.12.1 from uv-managed Pythons: the newest interpreter found."),
    ("3.11", None, ("3.11.9", "3.11.9"), "Python 3.11.9 from pyenv: matches .python-version 3.11."),
    ("3.11.7\n", ">=3.10", ("3.11.7", "python3.11"), "Python 3.11.7 from PATH: matches .python-version 3.11.7 and requires-python >=3.10."),
    ("3.9\n3.10.13", None, ("3.10.13", "3.10.13"), "Python 3.10.13 from pyenv: matches .python-version 3.10.13."),
    ("# pinned\n3.8  # old", ">=3.11", ("3.12.1", "cpython-3.12.1-linux-x86_64-gnu"),
     "Python 3.12.1 from uv-managed Pythons: no installed interpreter matches .python-version 3.8, so the newest "
     "available one was chosen; it satisfies requires-python >=3.11."),
    ("3.10", ">=3.11", ("3.12.1", "cpython-3.12.1-linux-x86_64-gnu"),
     "Python 3.12.1 from uv-managed Pythons: the Python named by .python-version (3.10) does not satisfy "
     "requires-python >=3.11, so the newest available one was chosen; it satisfies requires-python >=3.11."),
    (None, "<3.11", ("3.10.13", "3.10.13"), "Python 3.10.13 from pyenv: the newest interpreter that satisfies requires-python <3.11."),
    # A pre-release is chosen only when nothing else fits; and 3.13.0rc1 does not satisfy >=3.13 (PEP 440).
    (None, ">=3.12.5", ("3.13.0rc1", "3.13.0rc1"), "Python 3.13.0rc1 from pyenv: the newest interpreter that satisfies requires-python >=3.12.5."),
    (None, ">=3.13", None, "No interpreter found satisfies requires-python >=3.13 (found 3.10, 3.10.13, 3.11.7, 3.11.9, 3.12, 3.12.1, 3.13.0rc1)."),
    ("3.13", None, ("3.13.0rc1", "3.13.0rc1"), "Python 3.13.0rc1 from pyenv: matches .python-version 3.13."),
    ("pypy3.10-7.3.12", None, ("3.10", "pypy3.10-7.3.12"), "Python 3.10 from pyenv: matches .python-version pypy3.10-7.3.12."),
    ("system", None, ("3.12", "python3.12"), "Python 3.12 from PATH: matches .python-version system."),
    ("3.12", ">=3.12.1", ("3.12.1", "cpython-3.12.1-linux-x86_64-gnu"),
     "Python 3.12.1 from uv-managed Pythons: matches .python-version 3.12 and requires-python >=3.12.1."),
    (None, ">=3.14", None, "No interpreter found satisfies requires-python >=3.14 (found 3.10, 3.10.13, 3.11.7, 3.11.9, 3.12, 3.12.1, 3.13.0rc1)."),
    (None, "not a specifier", ("3.12.1", "cpython-3.12.1-linux-x86_64-gnu"), "Python 3.12.1 from uv-managed Pythons: the newest interpreter found."),
]  # fmt: skip


def check_choice(
    interpreters: list[Interpreter],
    pinned: str | None,
    requires: str | None,
    expected: tuple[str, str] | None,
    reason: str,
) -> None:
    chosen, why = choose_default(interpreters, pinned, requires)
    assert (None if chosen is None else (chosen.version, chosen.name)) == expected
    assert why == reason


@pytest.mark.parametrize(("pinned", "requires", "expected", "reason"), CHOICES)
def test_choose_default(
    pinned: str | None, requires: str | None, expected: tuple[str, str] | None, reason: str
) -> None:
    check_choice(AVAILABLE, pinned, requires, expected, reason)


def test_choose_default_without_interpreters() -> None:
    check_choice(
        [], "3.11", ">=3.10", None, "No Python interpreter was found on PATH or in pyenv, uv, or conda."
    )


def test_equal_versions_prefer_the_earlier_source() -> None:
    first, second = interp("3.11.7", "system", "python3"), interp("3.11.7", "pyenv", "3.11.7")
    check_choice(
        [first, second],
        None,
        None,
        ("3.11.7", "python3"),
        "Python 3.11.7 from PATH: the newest interpreter found.",
    )


# -- PATH scanning ------------------------------------------------------------------------------------------


def _executable(path: Path, content: str = "", mode: int = 0o755) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    path.chmod(mode)


def _layout(root: Path) -> None:
    # A Python installed under prefix "opt/py311", linked from a bin folder on PATH.
    _executable(root / "opt/py311/bin/python3.11")
    (root / "opt/py311/lib/python3.11").mkdir(parents=True)
    (root / "opt/py311/include/python3.11").mkdir(parents=True)
    (root / "opt/py311/include/python3.11/patchlevel.h").write_text('#define PY_VERSION "3.11.2"\n')
    (root / "bin").mkdir()
    (root / "bin/python3").symlink_to(root / "opt/py311/bin/python3.11")
    (root / "bin/python3.11").symlink_to(root / "opt/py311/bin/python3.11")
    _executable(root / "bin/python3.9", mode=0o644)  # not executable
    _executable(root / "bin/python3-config")  # not an interpreter name
    _executable(root / "shims/python3")  # a version manager's shim
    _executable(root / "venv/bin/python3")  # a venv's interpreter
    (root / "venv/pyvenv.cfg").write_text("version = 3.11.7\n")
    # Only the file name tells this one's version.
    _executable(root / "usr/bin/python3.12")
    # Nothing on disk tells this one's version: it is probed (a script that answers like Python would).
    _executable(root / "odd/python", "#!/bin/sh\necho 3.9.1 False\n")


PATH_CASES: list[tuple[str, list[str], bool, list[tuple[str, str | None]]]] = [
    (
        "linked-and-deduplicated",
        ["bin", "shims", "venv/bin"],
        False,
        [("opt/py311/bin/python3.11", "3.11.2")],
    ),
    ("file-name-version", ["usr/bin"], False, [("usr/bin/python3.12", "3.12")]),
    ("unknown-without-probe", ["odd"], False, [("odd/python", None)]),
    ("unknown-probed", ["odd"], True, [("odd/python", "3.9.1")]),
    (
        "order-follows-path",
        ["usr/bin", "bin"],
        False,
        [("usr/bin/python3.12", "3.12"), ("opt/py311/bin/python3.11", "3.11.2")],
    ),
]


def under(found: list[Interpreter], root: Path) -> list[Interpreter]:
    """The interpreters of this test's tree (the machine's own pyenv or conda ones are left out)."""
    resolved = root.resolve()
    return [i for i in found if resolved in i.path.parents]


def relative(found: list[Interpreter], root: Path) -> list[tuple[str, str | None]]:
    resolved = root.resolve()
    return [(str(i.path.relative_to(resolved)), i.version) for i in under(found, root)]


async def check_path_scan(
    root: Path, path: list[str], probe: bool, expected: list[tuple[str, str | None]]
) -> None:
    _layout(root)
    (root / "ws").mkdir()
    environ = {"PATH": os.pathsep.join(str(root / p) for p in path), "HOME": str(root / "home")}
    found = await find_interpreters(root / "ws", environ, probe_unknown=probe)
    assert relative(found, root) == expected
    assert all(i.kind == "system" and i.source == "PATH" for i in under(found, root))


@POSIX
@pytest.mark.parametrize(("case", "path", "probe", "expected"), PATH_CASES, ids=[c[0] for c in PATH_CASES])
async def test_path_scan(
    tmp_path: Path, case: str, path: list[str], probe: bool, expected: list[tuple[str, str | None]]
) -> None:
    await check_path_scan(tmp_path, path, probe, expected)


@POSIX
async def test_pyenv_versions_are_interpreters_but_their_venvs_are_not(tmp_path: Path) -> None:
    _executable(tmp_path / "pyenv/versions/3.11.7/bin/python3")
    (tmp_path / "pyenv/versions/3.11.7/lib/python3.11").mkdir(parents=True)
    _executable(tmp_path / "pyenv/versions/3.11.7/envs/proj/bin/python3")
    (tmp_path / "pyenv/versions/3.11.7/envs/proj/pyvenv.cfg").write_text("version = 3.11.7\n")
    (tmp_path / "ws").mkdir()
    environ = {"PATH": "", "HOME": str(tmp_path / "home"), "PYENV_ROOT": str(tmp_path / "pyenv")}
    found = await find_interpreters(tmp_path / "ws", environ, probe_unknown=False)
    assert [(i.kind, i.name, i.version) for i in under(found, tmp_path)] == [("pyenv", "3.11.7", "3.11.7")]


# -- probing --------------------------------------------------------------------------------------------------


def _script(folder: Path, body: str) -> Path:
    path = folder / "python-script"
    _executable(path, "#!/bin/sh\n" + body)
    return path


PROBES: list[tuple[str, Callable[[Path], Path | None], str | None]] = [
    ("base-python", lambda d: BASE_PYTHON, ".".join(map(str, sys.version_info[:3]))),
    # The test runner's own interpreter is a venv's: not a base to create venvs from.
    ("venv-python", lambda d: Path(sys.executable) if sys.prefix != sys.base_prefix else None, None),
    ("missing", lambda d: d / "nope" / "python3", None),
    ("fails", lambda d: _script(d, "exit 1\n"), None),
    ("garbage", lambda d: _script(d, "echo hello\n"), None),
    ("hangs", lambda d: _script(d, "exec sleep 30\n"), None),
]


@POSIX
@pytest.mark.parametrize(("case", "make", "expected"), PROBES, ids=[c[0] for c in PROBES])
async def test_probe_interpreter(
    tmp_path: Path, case: str, make: Callable[[Path], Path | None], expected: str | None
) -> None:
    path = make(tmp_path)
    if path is None:
        pytest.skip("the tests do not run in a virtual environment")
    started = time.monotonic()
    result = await probe_interpreter(path, timeout=0.5)
    assert (None if result is None else result.version) == expected
    assert time.monotonic() - started < 5
