"""Reading installed distributions from synthetic site-packages folders (real venvs: see test_manage)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pinwise.core.venv import installed_fingerprint, read_installed

SP = "lib/python3.11/site-packages"


def _metadata(name: str, version: str, extra: str = "") -> str:
    return f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{extra}\nName: body-not-header\nVersion: 0\n"


# (id, files relative to the environment prefix, expected: canonical name -> (name, version, editable,
# direct_url, requires_python, installer))
Expected = dict[str, tuple[str, str, bool, str | None, str | None, str | None]]
CASES: list[tuple[str, dict[str, str], Expected]] = [
    (
        "dist-info",
        {
            f"{SP}/Foo_Bar-1.0.dist-info/METADATA": _metadata(
                "Foo_Bar", "1.0", "Requires-Python: >=3.8\nSummary: a\n  continued"
            ),
            f"{SP}/Foo_Bar-1.0.dist-info/INSTALLER": "uv\n",
        },
        {"foo-bar": ("Foo_Bar", "1.0", False, None, ">=3.8", "uv")},
    ),
    (
        "editable-and-url",
        {
            f"{SP}/proj-0.1.dist-info/METADATA": _metadata("proj", "0.1"),
            f"{SP}/proj-0.1.dist-info/direct_url.json": json.dumps(
                {"url": "file:///src/proj", "dir_info": {"editable": True}}
            ),
            f"{SP}/tool-2.0.dist-info/METADATA": _metadata("tool", "2.0"),
            f"{SP}/tool-2.0.dist-info/direct_url.json": json.dumps(
                {"url": "https://example.invalid/tool.whl", "archive_info": {}}
            ),
            f"{SP}/bad-1.dist-info/METADATA": _metadata("bad", "1"),
            f"{SP}/bad-1.dist-info/direct_url.json": "{not json",
        },
        {
            "proj": ("proj", "0.1", True, "file:///src/proj", None, None),
            "tool": ("tool", "2.0", False, "https://example.invalid/tool.whl", None, None),
            "bad": ("bad", "1", False, None, None, None),
        },
    ),
    (
        "egg-info",
        {
            f"{SP}/old_dir-0.9-py3.11.egg-info/PKG-INFO": _metadata("old-dir", "0.9"),
            f"{SP}/old_file-0.8-py3.11.egg-info": _metadata("old.file", "0.8"),
        },
        {
            "old-dir": ("old-dir", "0.9", False, None, None, None),
            "old-file": ("old.file", "0.8", False, None, None, None),
        },
    ),
    (
        "broken-and-duplicates",
        {
            f"{SP}/nover-1.dist-info/METADATA": "Metadata-Version: 2.1\nName: nover\n",
            f"{SP}/empty-1.dist-info/METADATA": "",
            f"{SP}/dup-1.0.dist-info/METADATA": _metadata("dup", "1.0"),
            f"{SP}/dup-1.10.dist-info/METADATA": _metadata("dup", "1.10"),
            f"{SP}/dup-1.2.dist-info/METADATA": _metadata("dup", "1.2"),
            f"{SP}/notes.txt": "not metadata",
        },
        {"dup": ("dup", "1.10", False, None, None, None)},
    ),
    (
        "windows-layout",
        {"Lib/site-packages/win-1.0.dist-info/METADATA": _metadata("win", "1.0")},
        {"win": ("win", "1.0", False, None, None, None)},
    ),
    ("no-site-packages", {"bin/python": ""}, {}),
]


def write_tree(root: Path, files: dict[str, str]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def check_installed(root: Path, files: dict[str, str], expected: Expected) -> None:
    write_tree(root, files)
    found = read_installed(root)
    got = {
        key: (d.name, d.version, d.editable, d.direct_url, d.requires_python, d.installer)
        for key, d in found.items()
    }
    assert got == expected
    assert all(d.canonical_name == key and d.location.exists() for key, d in found.items())


@pytest.mark.parametrize(("case", "files", "expected"), CASES, ids=[c[0] for c in CASES])
def test_read_installed(tmp_path: Path, case: str, files: dict[str, str], expected: Expected) -> None:
    check_installed(tmp_path, files, expected)


def _add(root: Path) -> None:
    write_tree(root, {f"{SP}/new-1.dist-info/METADATA": _metadata("new", "1")})


def _rewrite_record(root: Path) -> None:
    # An in-place reinstall rewrites files inside the metadata folder; its time moves on.
    info = root / SP / "a-1.dist-info"
    stamp = info.stat().st_mtime_ns + 5_000_000_000
    os.utime(info, ns=(stamp, stamp))


def _remove(root: Path) -> None:
    (root / SP / "a-1.dist-info" / "METADATA").unlink()
    (root / SP / "a-1.dist-info").rmdir()


def _unrelated(root: Path) -> None:
    # A file changed inside a package (not its metadata) leaves the fingerprint alone.
    (root / SP / "a" / "__init__.py").write_text("changed = True\n")


FINGERPRINT_CASES: list[tuple[str, Callable[[Path], None], bool]] = [
    ("install", _add, True),
    ("reinstall", _rewrite_record, True),
    ("uninstall", _remove, True),
    ("edit-a-module", _unrelated, False),
]


@pytest.mark.parametrize(
    ("case", "change", "changes"), FINGERPRINT_CASES, ids=[c[0] for c in FINGERPRINT_CASES]
)
def test_installed_fingerprint(
    tmp_path: Path, case: str, change: Callable[[Path], None], changes: bool
) -> None:
    write_tree(tmp_path, {f"{SP}/a-1.dist-info/METADATA": _metadata("a", "1"), f"{SP}/a/__init__.py": ""})
    # Pin the folder times so a change within the file system's time resolution still shows.
    for folder in (tmp_path / SP, tmp_path / SP / "a-1.dist-info"):
        os.utime(folder, ns=(1_000_000_000, 1_000_000_000))
    before = installed_fingerprint(tmp_path)
    assert before == installed_fingerprint(tmp_path)
    change(tmp_path)
    assert (installed_fingerprint(tmp_path) != before) is changes
