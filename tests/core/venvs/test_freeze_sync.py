"""Freeze (lines as pip freeze writes them, merged into a file) and sync plans (as pip-sync), on synthetic
environments made of dist-info folders read back with ``read_installed``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pinwise.core.document import parse_document
from pinwise.core.fixes import apply_edits
from pinwise.core.requirements.includes import resolve_includes
from pinwise.core.venv import read_installed
from pinwise.core.venv.freeze import freeze, merge_freeze, project_name
from pinwise.core.venv.sync import SyncKind, plan_sync

Dist = dict[str, Any]  # name, version, and optionally direct_url (a dict) and requires (list of strings)


def make_env(root: Path, dists: list[Dist]) -> Path:
    site = root / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True, exist_ok=True)
    for dist in dists:
        info = site / f"{dist['name'].replace('-', '_')}-{dist['version']}.dist-info"
        info.mkdir()
        requires = "".join(f"Requires-Dist: {r}\n" for r in dist.get("requires", ()))
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist['name']}\nVersion: {dist['version']}\n{requires}\nBody\n",
            encoding="utf-8",
        )
        if "direct_url" in dist:
            (info / "direct_url.json").write_text(json.dumps(dist["direct_url"]), encoding="utf-8")
    (root / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    return root


ENV: list[Dist] = [
    {"name": "Flask", "version": "3.0.0"},
    {"name": "click", "version": "8.1.7"},
    {"name": "pip", "version": "24.0"},
    {"name": "setuptools", "version": "69.0"},
    {"name": "my-app", "version": "0.1"},
    {
        "name": "mylib",
        "version": "1.0",
        "direct_url": {"url": "file:///src/mylib", "dir_info": {"editable": True}},
    },
    {
        "name": "tool",
        "version": "2.0",
        "direct_url": {
            "url": "https://example.invalid/tool.git",
            "vcs_info": {"vcs": "git", "commit_id": "abc123"},
        },
    },
    {
        "name": "wheelish",
        "version": "1.0",
        "direct_url": {"url": "file:///w/wheelish-1.0-py3-none-any.whl", "archive_info": {}},
    },
]


def test_freeze_lines(tmp_path: Path) -> None:
    installed = read_installed(make_env(tmp_path / "env", ENV))
    lines = [f.line for f in freeze(installed, exclude=["My_App"])]
    assert lines == [
        "click==8.1.7",
        "Flask==3.0.0",
        "-e /src/mylib",
        "tool @ git+https://example.invalid/tool.git@abc123",
        "wheelish @ file:///w/wheelish-1.0-py3-none-any.whl",
    ]


def check_merge(tmp_path: Path, before: str, after: str) -> None:
    installed = read_installed(make_env(tmp_path / "env", ENV))
    doc = parse_document(before, tmp_path / "requirements.txt")
    edits = merge_freeze(doc, freeze(installed, exclude=["my-app"]))
    assert apply_edits(before, edits) == after


MERGE_CASES = [
    (
        "keeps comments, options and order; updates in place; appends the rest sorted",
        "# app\n--index-url https://example.invalid/simple\nflask[async]==2.0.0 ; python_version > '3'  # web\n"
        "requests>=2  # not installed: kept\nclick\n",
        "# app\n--index-url https://example.invalid/simple\nflask[async]==3.0.0 ; python_version > '3'  # web\n"
        "requests>=2  # not installed: kept\nclick==8.1.7\n"
        "-e /src/mylib\ntool @ git+https://example.invalid/tool.git@abc123\n"
        "wheelish @ file:///w/wheelish-1.0-py3-none-any.whl\n",
    ),
    (
        "a pin that became a URL install is rewritten; no final newline",
        "wheelish==0.9 --hash=sha256:00\r\nclick==8.1.7",
        "wheelish @ file:///w/wheelish-1.0-py3-none-any.whl --hash=sha256:00\r\nclick==8.1.7\r\n"
        "Flask==3.0.0\r\n-e /src/mylib\r\ntool @ git+https://example.invalid/tool.git@abc123\r\n",
    ),
    (
        "an empty file",
        "",
        "click==8.1.7\nFlask==3.0.0\n-e /src/mylib\ntool @ git+https://example.invalid/tool.git@abc123\n"
        "wheelish @ file:///w/wheelish-1.0-py3-none-any.whl\n",
    ),
]


@pytest.mark.parametrize(("case", "before", "after"), MERGE_CASES, ids=[c[0][:30] for c in MERGE_CASES])
def test_merge_freeze(tmp_path: Path, case: str, before: str, after: str) -> None:
    check_merge(tmp_path, before, after)


def test_merge_is_idempotent(tmp_path: Path) -> None:
    installed = read_installed(make_env(tmp_path / "env", ENV))
    frozen = freeze(installed)
    text = apply_edits("flask==1\n", merge_freeze(parse_document("flask==1\n", "/r.txt"), frozen))
    assert merge_freeze(parse_document(text, "/r.txt"), frozen) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [('[project]\nname = "my-app"\n', "my-app"), ("[tool.x]\n", None), ("not toml [", None), (None, None)],
)
def test_project_name(text: str | None, expected: str | None) -> None:
    assert project_name(text) == expected


# -- sync ---------------------------------------------------------------------------------------------------


def check_plan(
    tmp_path: Path,
    files: dict[str, str],
    env: list[Dist],
    expected: list[tuple[str, str]],
    python: str = "3.11",
) -> None:
    """``expected``: (kind, name) of every action, in plan order."""
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    installed = read_installed(make_env(tmp_path / "env", env))

    def read(path: str) -> str | None:
        try:
            return Path(path).read_text(encoding="utf-8")
        except OSError:
            return None

    graph = resolve_includes(str(tmp_path / "requirements.txt"), read)
    plan = plan_sync(graph, installed, python_version=python)
    assert [(a.kind.value, a.name) for a in plan.actions] == expected


SYNC_CASES: list[tuple[str, dict[str, str], list[Dist], list[tuple[str, str]]]] = [
    (
        "extra, missing and wrong versions",
        {"requirements.txt": "flask==3.0.0\nclick==8.1.7\nidna==3.6\nrequests==2.31.0\n"},
        [
            {"name": "flask", "version": "3.0.0"},
            {"name": "click", "version": "8.0.0"},
            {"name": "idna", "version": "3.7"},
            {"name": "six", "version": "1.16.0"},
            {"name": "pip", "version": "24.0"},
            {"name": "setuptools", "version": "69.0"},
            {"name": "pinwise", "version": "0.1", "requires": ["pygls>=2", "docs-only ; extra == 'docs'"]},
            {"name": "pygls", "version": "2.0"},
            {"name": "docs-only", "version": "1.0"},
        ],
        [
            ("upgrade", "click"),
            ("downgrade", "idna"),
            ("install", "requests"),
            ("remove", "docs-only"),
            ("remove", "six"),
        ],
    ),
    (
        "includes, constraints and markers",
        {
            "requirements.txt": "-r base.txt\n-c constraints.txt\nflask\nwinonly==1 ; sys_platform == 'win32-never'\n"
            "old==1 ; python_version < '3.8'\nextraonly==1 ; extra == 'docs'\n",
            "base.txt": "click==8.1.7\n",
            "constraints.txt": "flask<3\nunused==1\n",
        },
        [
            {"name": "flask", "version": "3.0.0"},
            {"name": "click", "version": "8.1.7"},
            {"name": "unused", "version": "1"},
        ],
        [("upgrade", "flask"), ("remove", "unused")],
    ),
    (
        "already in sync",
        {"requirements.txt": "flask==3.0.0\n"},
        [
            {"name": "flask", "version": "3.0.0"},
            {"name": "uv", "version": "0.5"},
            {"name": "wheel", "version": "0.4"},
        ],
        [],
    ),
    (
        "direct URL and editable requirements",
        {"requirements.txt": "-e /src/mylib\nlib @ file:///w/lib-1.0.whl\nother @ file:///w/other-1.0.whl\n"},
        [
            {
                "name": "mylib",
                "version": "1.0",
                "direct_url": {"url": "file:///src/mylib", "dir_info": {"editable": True}},
            },
            {
                "name": "lib",
                "version": "1.0",
                "direct_url": {"url": "file:///w/lib-1.0.whl", "archive_info": {}},
            },
            {"name": "other", "version": "1.0"},
        ],
        [("reinstall", "other")],
    ),
]


@pytest.mark.parametrize(("case", "files", "env", "expected"), SYNC_CASES, ids=[c[0] for c in SYNC_CASES])
def test_plan_sync(
    tmp_path: Path, case: str, files: dict[str, str], env: list[Dist], expected: list[tuple[str, str]]
) -> None:
    check_plan(tmp_path, files, env, expected)


def test_plan_summary(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("a==1\n", encoding="utf-8")
    installed = read_installed(make_env(tmp_path / "env", [{"name": "b", "version": "1"}]))
    graph = resolve_includes(
        str(tmp_path / "requirements.txt"), lambda p: Path(p).read_text(encoding="utf-8")
    )
    plan = plan_sync(graph, installed)
    assert plan.summary() == "1 to install, 1 to remove"
    assert [a.describe() for a in plan.actions] == ["install a==1", "remove b 1"]
    assert plan.to_remove == ["b"] and [a.kind for a in plan.to_install] == [SyncKind.INSTALL]
