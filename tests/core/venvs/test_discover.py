"""Environment discovery over synthetic trees: fake venvs, pyenv, conda, virtualenvwrapper and uv roots."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pinwise.core.venv import Environment, discover_environments

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the fake trees use the POSIX layout")


@dataclass(frozen=True)
class Fake:
    """One fake environment prefix."""

    cfg: str | None = None  # pyvenv.cfg content
    lib: str | None = "python3.11"  # the lib/<folder> naming the minor version
    conda_python: str | None = None  # writes conda-meta/python-<version>-h0.json
    patchlevel: str | None = None  # include/python3.11/patchlevel.h's PY_VERSION
    link_to: str | None = None  # a symlink to another fake instead of a folder
    python: bool = True


def build(root: Path, layout: dict[str, Fake | str]) -> None:
    """Lay out ``layout`` under ``root``: a Fake is a prefix; a string is a plain file's content."""
    for relative, spec in layout.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(spec, str):
            path.write_text(spec.format(root=root))
            continue
        if spec.link_to is not None:
            path.symlink_to(root / spec.link_to, target_is_directory=True)
            continue
        path.mkdir(parents=True, exist_ok=True)
        if spec.python:
            (path / "bin").mkdir()
            (path / "bin" / "python3").write_text("")
            (path / "bin" / "python3").chmod(0o755)
        if spec.cfg is not None:
            (path / "pyvenv.cfg").write_text(spec.cfg)
        if spec.lib:
            (path / "lib" / spec.lib / "site-packages").mkdir(parents=True)
        if spec.conda_python:
            (path / "conda-meta").mkdir()
            (path / "conda-meta" / f"python-{spec.conda_python}-h0_cpython.json").write_text("{}")
        if spec.patchlevel:
            (path / "include" / "python3.11").mkdir(parents=True)
            (path / "include" / "python3.11" / "patchlevel.h").write_text(
                f'#define PY_MINOR_VERSION 11\n#define PY_VERSION      "{spec.patchlevel}"\n'
            )


VENV = "home = /usr/bin\nversion = 3.11.7\n"

# (id, layout, environ (``{root}`` is replaced), expected: (path, kind, version, is_virtual_env, name) in order)
CASES: list[
    tuple[str, dict[str, Fake | str], dict[str, str], list[tuple[str, str, str | None, bool, str]]]
] = [
    (
        "workspace",
        {
            "ws/.venv": Fake(cfg=VENV),
            "ws/venv": Fake(cfg="version_info = 3.12.1.final.0\n", lib="python3.12"),
            "ws/env": Fake(lib="python3.10"),  # no pyvenv.cfg: offered for its conventional name
            "ws/other": Fake(lib="python3.10"),  # neither pyvenv.cfg nor a conventional name
            "ws/sub/.tox": Fake(cfg=VENV),  # two levels down
            "ws/a/b/deep": Fake(cfg=VENV),  # three levels down: too deep
            "ws/node_modules/x": Fake(cfg=VENV),  # skipped folder
            "ws/.venv/nested": Fake(cfg=VENV),  # inside an environment
            "ws/sub/broken": Fake(cfg=VENV, python=False),  # no interpreter
        },
        {},
        [
            ("ws/.venv", "venv", "3.11.7", True, ".venv"),
            ("ws/env", "venv", "3.10", False, "env"),
            ("ws/venv", "venv", "3.12.1", True, "venv"),
            ("ws/sub/.tox", "venv", "3.11.7", True, ".tox"),
        ],
    ),
    (
        "virtual-env-variable-deduplicated",
        {"ws/.venv": Fake(cfg=VENV), "elsewhere/active": Fake(cfg="version = 3.9.18\n", lib="python3.9")},
        {"VIRTUAL_ENV": "{root}/elsewhere/active"},
        [
            ("ws/.venv", "venv", "3.11.7", True, ".venv"),
            ("elsewhere/active", "venv", "3.9.18", True, "active"),
        ],
    ),
    (
        "virtual-env-inside-workspace",
        {"ws/.venv": Fake(cfg=VENV)},
        {"VIRTUAL_ENV": "{root}/ws/.venv"},
        [("ws/.venv", "venv", "3.11.7", True, ".venv")],
    ),
    (
        "workon-home",
        {"workon/proj1": Fake(cfg=VENV), "workon/notes": "not an environment"},
        {"WORKON_HOME": "{root}/workon"},
        [("workon/proj1", "virtualenvwrapper", "3.11.7", True, "proj1")],
    ),
    (
        "workon-home-default",
        {"home/.virtualenvs/p2": Fake(cfg=VENV)},
        {},
        [("home/.virtualenvs/p2", "virtualenvwrapper", "3.11.7", True, "p2")],
    ),
    (
        "pyenv",
        {
            "pyenv/versions/3.11.7": Fake(),
            "pyenv/versions/3.11.7/envs/myenv": Fake(cfg=VENV),
            "pyenv/versions/myenv": Fake(link_to="pyenv/versions/3.11.7/envs/myenv"),
            "pyenv/versions/pypy3.10-7.3.12": Fake(lib="pypy3.10"),
            "pyenv/versions/custom": Fake(patchlevel="3.11.4"),
        },
        {"PYENV_ROOT": "{root}/pyenv"},
        [
            ("pyenv/versions/3.11.7", "pyenv", "3.11.7", False, "3.11.7"),
            ("pyenv/versions/3.11.7/envs/myenv", "pyenv-virtualenv", "3.11.7", True, "myenv"),
            ("pyenv/versions/custom", "pyenv", "3.11.4", False, "custom"),
            ("pyenv/versions/pypy3.10-7.3.12", "pyenv", "3.10", False, "pypy3.10-7.3.12"),
        ],
    ),
    (
        "pyenv-default-root",
        {"home/.pyenv/versions/3.12.1": Fake(lib="python3.12")},
        {},
        [("home/.pyenv/versions/3.12.1", "pyenv", "3.12.1", False, "3.12.1")],
    ),
    (
        "conda",
        {
            "home/.conda/environments.txt": "{root}/condaenvs/ds\n{root}/gone\n\n",
            "condaenvs/ds": Fake(conda_python="3.10.13", lib="python3.10"),
            "home/miniconda3": Fake(conda_python="3.12.1", lib="python3.12"),
            "home/miniconda3/envs/ml": Fake(conda_python="3.11.5"),
            "ws/.venv": Fake(conda_python="3.9.1", lib="python3.9"),  # conda create -p .venv
        },
        {},
        [
            ("ws/.venv", "conda", "3.9.1", False, ".venv"),
            ("condaenvs/ds", "conda", "3.10.13", False, "ds"),
            ("home/miniconda3", "conda", "3.12.1", False, "base"),
            ("home/miniconda3/envs/ml", "conda", "3.11.5", False, "ml"),
        ],
    ),
    (
        "uv-pythons",
        {
            "uvpy/cpython-3.12.1-linux-x86_64-gnu": Fake(lib="python3.12"),
            "uvpy/cpython-3.12-linux-x86_64-gnu": Fake(link_to="uvpy/cpython-3.12.1-linux-x86_64-gnu"),
            "uvpy/.cache": Fake(),
            "uvpy/.lock": "",
        },
        {"UV_PYTHON_INSTALL_DIR": "{root}/uvpy"},
        [
            (
                "uvpy/cpython-3.12.1-linux-x86_64-gnu",
                "uv-python",
                "3.12.1",
                False,
                "cpython-3.12.1-linux-x86_64-gnu",
            )
        ],
    ),
    (
        "uv-pythons-xdg-default",
        {"home/.local/share/uv/python/cpython-3.13.0-linux-x86_64-gnu": Fake(lib="python3.13")},
        {},
        [
            (
                "home/.local/share/uv/python/cpython-3.13.0-linux-x86_64-gnu",
                "uv-python",
                "3.13.0",
                False,
                "cpython-3.13.0-linux-x86_64-gnu",
            )
        ],
    ),
]


def describe(found: list[Environment], root: Path) -> list[tuple[str, str, str | None, bool, str]]:
    # Conda roots under /opt are machine-wide; only this tree's environments are compared.
    ours = [e for e in found if root in e.path.parents]
    assert all(e.python.is_file() for e in ours)
    return [(os.path.relpath(e.path, root), e.kind, e.version, e.is_virtual_env, e.name) for e in ours]


async def check_discovery(
    root: Path,
    layout: dict[str, Fake | str],
    environ: dict[str, str],
    expected: list[tuple[str, str, str | None, bool, str]],
) -> None:
    build(root, layout)
    (root / "ws").mkdir(exist_ok=True)
    env = {"HOME": str(root / "home"), "PATH": ""}
    env.update({k: v.format(root=root) for k, v in environ.items()})
    found = await discover_environments(root / "ws", env)
    assert describe(found, root) == expected


@pytest.mark.parametrize(("case", "layout", "environ", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_discovery(
    tmp_path: Path,
    case: str,
    layout: dict[str, Fake | str],
    environ: dict[str, str],
    expected: list[tuple[str, str, str | None, bool, str]],
) -> None:
    await check_discovery(tmp_path, layout, environ, expected)


async def test_discovery_is_bounded_in_wide_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the first MAX_ENTRIES_PER_DIR entries of one folder are looked at."""
    from pinwise.core.venv import discover

    monkeypatch.setattr(discover, "MAX_ENTRIES_PER_DIR", 5)
    build(tmp_path, {f"ws/data/v{i:02}": Fake(cfg=VENV) for i in range(12)})
    build(tmp_path, {"ws/.venv": Fake(cfg=VENV)})
    found = await discover_environments(tmp_path / "ws", {"HOME": str(tmp_path / "home")})
    ours = [e for e in found if tmp_path in e.path.parents]
    assert len([e for e in ours if e.path.parent.name == "data"]) == 5
    assert ours[0].name == ".venv"
