"""The pre-commit hook runs on exactly the files Pinwise's discovery treats as dependency files, offline."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from pinwise.core.files import classify

HOOKS = (Path(__file__).resolve().parents[2] / ".pre-commit-hooks.yaml").read_text("utf-8")


def hook_value(key: str) -> str:
    """One scalar of the single hook (the file is tiny; no YAML library is needed to read it)."""
    match = re.search(rf"^  {key}: (.+)$", HOOKS, re.MULTILINE)
    assert match is not None, key
    value = match.group(1).strip()
    return value[1:-1] if value.startswith("'") else value


def check_hook_files(path: str) -> None:
    matches = re.search(hook_value("files"), path) is not None
    assert matches == (classify(path) is not None), path


@pytest.mark.parametrize(
    "path",
    [
        "pyproject.toml",
        "sub/pyproject.toml",
        "requirements.txt",
        "dev-requirements.in",
        "Requirements-Dev.TXT",
        "constraints.txt",
        "requires.txt",
        "requirements/base.txt",
        "requirements-ci/extra.in",
        "src/app/requirements/base.txt",
        "setup.py",
        "pyproject.toml.bak",
        "notes.txt",
        "docs/requirements.md",
        "requirements/readme.md",
    ],
)
def test_hook_selects_the_files_discovery_checks(path: str) -> None:
    check_hook_files(path)


def test_hook_is_offline_and_named() -> None:
    assert re.search(r"^- id: pinwise-check$", HOOKS, re.MULTILINE)
    assert shlex.split(hook_value("entry"))[:3] == ["pinwise", "check", "--offline"]
    assert hook_value("language") == "python"
