"""Keeping a new environment out of git: the addition to .gitignore, decided by git itself."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest

from pinwise.core.analysis.findings import TextEdit
from pinwise.core.fixes import apply_edits
from pinwise.core.venv.gitignore import gitignore_addition

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.mark.parametrize(
    ("git_repo", "existing", "env", "expected"),
    [
        (True, None, ".venv", "/.venv/\n"),
        (True, "*.pyc", ".venv", "*.pyc\n/.venv/\n"),
        (True, "build/\r\n", "envs/dev", "build/\r\n/envs/dev/\r\n"),
        (True, ".venv/\n", ".venv", None),  # already ignored
        (False, None, ".venv", None),  # not a work tree
    ],
)
async def test_gitignore_addition(
    tmp_path: Path, git_repo: bool, existing: str | None, env: str, expected: str | None
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    if git_repo:
        await asyncio.to_thread(subprocess.run, ["git", "init", "-q", str(root)], check=True)
    if existing is not None:
        (root / ".gitignore").write_bytes(existing.encode())
    env_path = root / env
    env_path.mkdir(parents=True)
    addition = await gitignore_addition(env_path)
    if expected is None:
        assert addition is None
        return
    assert addition is not None
    assert addition.path == root / ".gitignore"
    assert addition.exists is (existing is not None)
    result = apply_edits(existing or "", [TextEdit(addition.span, addition.new_text)])
    assert result == expected
