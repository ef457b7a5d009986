"""`pinwise check` without the index (``--offline`` and an empty cache): discovery, text and JSON output,
unreadable files and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pinwise.__main__ import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def write_tree(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")


def check_cli(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str | bytes],
    args: list[str],
    expected_lines: list[str],
    expected_exit: int,
) -> None:
    write_tree(tmp_path, files)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main(["check", "--offline", *args])
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert out.splitlines() == expected_lines
    assert code == expected_exit


@pytest.mark.parametrize(
    ("files", "args", "expected_lines", "expected_exit"),
    [
        pytest.param({"requirements.txt": "requests==2.31.0\n"}, ["."], [], 0, id="clean file"),
        pytest.param(
            {"requirements.txt": "ok==1.0\nfoo==\n--frobnicate\n"},
            ["requirements.txt"],
            [
                # A requirement pip rejects gets its syntax error only, not "unpinned" as well.
                "requirements.txt:2:4: error invalid-requirement "
                "Expected semicolon (after name with no version specifier) or end",
                "requirements.txt:3:1: error unknown-option no such option: --frobnicate",
            ],
            1,
            id="syntax errors with one-based positions",
        ),
        pytest.param(
            {"requirements/dev.in": "pytest\n--frobnicate\n", "notes.txt": "--frobnicate\n"},
            ["."],
            # A pip-tools source is found (and, its pins living in the compiled file, not asked to pin).
            ["requirements/dev.in:2:1: error unknown-option no such option: --frobnicate"],
            1,
            id="folder discovery skips files that are not dependency files",
        ),
        pytest.param(
            {"requirements.txt": "é€𝄞 = 1\n"},
            ["requirements.txt"],
            [
                "requirements.txt:1:1: error invalid-requirement Expected package name at the start of dependency specifier"
            ],
            1,
            id="non-ASCII columns count code points",
        ),
        pytest.param(
            {"requirements.txt": b"\x00\x01\x02binary", "constraints.txt": "bad==\n"},
            ["requirements.txt", "constraints.txt"],
            [
                "requirements.txt: error unreadable-file cannot check this file: it looks like a binary file, not text",
                "constraints.txt:1:4: error invalid-requirement "
                "Expected semicolon (after name with no version specifier) or end",
            ],
            2,
            id="binary file is reported and the others are still checked",
        ),
        pytest.param(
            {"requirements.txt": b"caf\xe9==1\n"},
            ["requirements.txt", "missing.txt"],
            [
                "requirements.txt: error unreadable-file cannot check this file: it is not valid UTF-8 (byte 3, line 1)",
                "missing.txt: error unreadable-file cannot check this file: there is no such file",
            ],
            2,
            id="invalid UTF-8 and a missing file",
        ),
    ],
)
def test_check_text(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str | bytes],
    args: list[str],
    expected_lines: list[str],
    expected_exit: int,
) -> None:
    check_cli(tmp_path, capsys, files, args, expected_lines, expected_exit)


def test_pyproject_errors_fail_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_tree(
        tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["requests>=2", "bad name"]\n'}
    )
    code = main(["check", "--offline", str(tmp_path / "pyproject.toml")])
    out = capsys.readouterr().out
    # The message is packaging's own; the code and the position are ours.
    assert ":3:37: error invalid-requirement " in out
    assert code == 1


def test_json_output_spans_and_redaction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "\ufeff--extra-index-url https://user:s3cret@example.com/simple/\n"
        "Django[bcrypt]>=4.2,<5 ; python_version >= '3.10'  # web\n"
    )
    write_tree(tmp_path, {"requirements.txt": text})
    code = main(["check", "--offline", "--format", "json", str(tmp_path / "requirements.txt")])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert "s3cret" not in json.dumps(document)
    (file,) = document["files"]
    option, requirement = file["items"]
    assert option["option"] == "--extra-index-url"
    assert option["argument"] == "https://***@example.com/simple/"
    assert requirement["name"] == "Django"
    assert requirement["canonical_name"] == "django"
    assert requirement["extras"] == ["bcrypt"]
    assert requirement["specifier"] == "<5,>=4.2"
    assert requirement["marker"] == 'python_version >= "3.10"'

    def sliced(span: dict[str, Any]) -> str:
        start, end = span["offsets"]
        return text[start:end]

    assert sliced(requirement["spans"]["name"]) == "Django"
    assert sliced(requirement["spans"]["specifier"]) == ">=4.2,<5"
    assert [sliced(c["span"]) for c in requirement["spans"]["clauses"]] == [">=4.2", "<5"]
    assert sliced(requirement["spans"]["marker"]) == "python_version >= '3.10'"
    assert requirement["spans"]["name"]["start"] == {"line": 1, "column": 0}
    assert document["summary"]["files"] == 1


def test_examples_parse_cleanly_through_the_console_script() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pinwise", "check", "--offline", "--format", "json", str(EXAMPLES)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    document = json.loads(result.stdout)
    paths = sorted(Path(f["path"]).name for f in document["files"])
    assert paths == [
        "constraints.txt",
        "pyproject.toml",
        "pyproject.toml",
        "requirements-base.txt",
        "requirements-dev.txt",
        "requirements.txt",
    ]
    syntax = [f for file in document["files"] for f in file["findings"] if f["severity"] == "error"]
    assert syntax == []


def test_local_paths_are_looked_for_where_pip_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pip resolves "-e ./pkg" in requirements/dev.txt against the folder it runs in: the current folder.
    write_tree(tmp_path, {"pkg/setup.py": "", "requirements/dev.txt": "-e ./pkg\n-e ./gone\n"})
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code = main(["check", "--offline", "--select", "path-", "requirements/dev.txt"])
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"requirements/dev.txt:2:4: warning path-not-found ./gone does not exist (looked for "
        f"{tmp_path / 'requirements' / 'gone'} or {tmp_path / 'gone'})"
    ]
    assert code == 0
