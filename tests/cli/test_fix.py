"""`pinwise fix --pin/--update [--dry-run]` against the fake index: which requirements change, the diff, and
files written back byte for byte outside the edited spans (line endings, byte-order marks, encodings)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pinwise.__main__ import main
from tests.index_server import IndexServer


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def check_fix(
    capsys: pytest.CaptureFixture[str],
    server: IndexServer,
    name: str,
    before: bytes,
    flags: list[str],
    after: bytes,
    expected_exit: int = 0,
) -> str:
    """Write ``before``, run ``pinwise fix``, and compare the file's bytes with ``after``; returns stderr."""
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(before)
    code = main(["fix", "--index-url", server.url, *flags, name])
    captured = capsys.readouterr()
    assert path.read_bytes() == after
    assert code == expected_exit, captured.err
    return captured.err


BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize(
    ("name", "before", "flags", "after"),
    [
        pytest.param(
            "requirements.txt",
            b"requests==2.31.0\nflask\nclick>=8.1.6,<9  # cli\n",
            ["--pin"],
            b"requests==2.31.0\nflask==3.0.3\nclick==8.1.7  # cli\n",
            id="pin leaves exact pins alone",
        ),
        pytest.param(
            "requirements.txt",
            b"requests==2.31.0\nflask\nclick>=8.1.6,<9  # cli\n",
            ["--update"],
            b"requests==2.32.3\nflask\nclick>=8.1.7,<9  # cli\n",
            id="update keeps operators and leaves unconstrained requirements alone",
        ),
        pytest.param(
            "requirements.txt",
            b"requests==2.31.0\nflask\nclick>=8.1.6,<9\n",
            ["--pin", "--update"],
            b"requests==2.32.3\nflask==3.0.3\nclick==8.1.7\n",
            id="both",
        ),
        pytest.param(
            "requirements.txt",
            BOM + b"requests==2.31.0\r\nflask ; python_version >= '3.8'\r\n# caf\xc3\xa9\r\nclick==8.1.6",
            ["--pin", "--update"],
            BOM
            + b"requests==2.32.3\r\nflask==3.0.3 ; python_version >= '3.8'\r\n# caf\xc3\xa9\r\nclick==8.1.7",
            id="BOM, CRLF, non-ASCII and no final newline survive",
        ),
        pytest.param(
            "requirements.txt",
            "\ufeffrequests==2.31.0\r\nflask\r\n".encode("utf-16"),
            ["--pin", "--update"],
            "\ufeffrequests==2.32.3\r\nflask==3.0.3\r\n".encode("utf-16"),
            id="UTF-16 with its byte-order mark stays UTF-16",
        ),
        pytest.param(
            "requirements.txt",
            b"requests==2.31.0\nnot-a-real-project\nflask\n",
            ["--pin", "--update"],
            b"requests==2.32.3\nnot-a-real-project\nflask==3.0.3\n",
            id="an unknown project is skipped, the others are fixed",
        ),
        pytest.param(
            "pyproject.toml",
            b'[project]\r\nname = "x"\r\nversion = "1"\r\ndependencies = [\r\n  "flask>=2.3",\r\n  \'click\',\r\n]\r\n',
            ["--pin", "--update"],
            b'[project]\r\nname = "x"\r\nversion = "1"\r\ndependencies = [\r\n  "flask==3.0.3",\r\n  \'click==8.1.7\',\r\n]\r\n',
            id="application pyproject.toml: strings in both quote styles are pinned",
        ),
        pytest.param(
            "pyproject.toml",
            b'[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
            b'[project]\nname = "x"\nversion = "1"\ndependencies = ["flask>=2.3", "click"]\n',
            ["--pin", "--update"],
            b'[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
            b'[project]\nname = "x"\nversion = "1"\ndependencies = ["flask>=3.0.3", "click~=8.1"]\n',
            id="library pyproject.toml: ranges are updated, a bare name gets a compatible range",
        ),
        pytest.param(
            "constraints.txt",
            b"flask\nclick>=8.1.6\n",
            ["--pin", "--update"],
            b"flask\nclick>=8.1.7\n",
            id="constraints files are never pinned",
        ),
        pytest.param(
            "requirements.in",
            b"flask\nclick>=8.1.6\n",
            ["--pin", "--update"],
            b"flask\nclick>=8.1.7\n",
            id="pip-tools sources are never pinned (their compiled file is)",
        ),
        pytest.param(
            "requirements.txt",
            b"requests==2.32.3\nflask==3.0.3\n",
            ["--pin", "--update"],
            b"requests==2.32.3\nflask==3.0.3\n",
            id="nothing to do",
        ),
    ],
)
def test_fix_rewrites_only_the_edited_spans(
    in_tmp: Path,
    capsys: pytest.CaptureFixture[str],
    index_server: IndexServer,
    name: str,
    before: bytes,
    flags: list[str],
    after: bytes,
) -> None:
    check_fix(capsys, index_server, name, before, flags, after)


def test_fix_rewrites_hashes_with_the_pin(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    old = "a" * 64
    before = f"requests==2.31.0 \\\n    --hash=sha256:{old}\n".encode()
    Path("requirements.txt").write_bytes(before)
    assert main(["fix", "--index-url", index_server.url, "--update", "requirements.txt"]) == 0
    after = Path("requirements.txt").read_text()
    digests = sorted(
        hashlib.sha256(name.encode()).hexdigest()
        for name in ("requests-2.32.3-py3-none-any.whl", "requests-2.32.3.tar.gz")
    )
    assert after.startswith("requests==2.32.3 \\\n    --hash=sha256:")
    assert old not in after
    assert sorted(line.split("sha256:")[1].rstrip(" \\") for line in after.splitlines()[1:]) == digests


def test_dry_run_prints_a_diff_and_writes_nothing(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    before = b"# app\r\nrequests==2.31.0\r\nflask\r\nclick==8.1.7"
    Path("requirements.txt").write_bytes(before)
    code = main(
        ["fix", "--index-url", index_server.url, "--pin", "--update", "--dry-run", "requirements.txt"]
    )
    captured = capsys.readouterr()
    assert Path("requirements.txt").read_bytes() == before
    assert code == 1  # changes are pending, as ruff --diff says
    assert captured.out == (
        "--- a/requirements.txt\n"
        "+++ b/requirements.txt\n"
        "@@ -1,4 +1,4 @@\n"
        " # app\r\n"
        "-requests==2.31.0\r\n"
        "-flask\r\n"
        "+requests==2.32.3\r\n"
        "+flask==3.0.3\r\n"
        " click==8.1.7\n"
        "\\ No newline at end of file\n"
    )
    assert "would change 1 (2 edits)" in captured.err


def test_dry_run_without_changes_passes(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    Path("requirements.txt").write_text("flask==3.0.3\n")
    assert main(["fix", "--index-url", index_server.url, "--pin", "--dry-run", "."]) == 0
    assert capsys.readouterr().out == ""


def test_index_failure_changes_nothing_and_says_why(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    index_server.fault("/simple/flask/", status=503)
    err = check_fix(
        capsys,
        index_server,
        "requirements.txt",
        b"flask\nclick\n",
        ["--pin"],
        b"flask\nclick==8.1.7\n",
    )
    assert "requirements.txt: skipped flask: could not check on the package index" in err


def test_a_compiled_file_is_left_to_its_tool(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    header = b"# This file was autogenerated by uv via the following command:\n#    uv pip compile requirements.in\n"
    err = check_fix(
        capsys,
        index_server,
        "requirements.txt",
        header + b"flask==2.0.0\n",
        ["--pin", "--update"],
        header + b"flask==2.0.0\n",
    )
    assert (
        "requirements.txt: left as it is: Generated by uv pip compile from requirements.in; "
        "upgrade in the source and recompile instead"
    ) in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["fix", "."], "say what to fix: --pin, --update or both", id="nothing to do"),
    ],
)
def test_fix_usage(in_tmp: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_unreadable_file_exits_2(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    Path("requirements.txt").write_bytes(b"\x00\x01binary")
    assert main(["fix", "--index-url", index_server.url, "--pin", "requirements.txt"]) == 2
    assert "cannot fix this file: it looks like a binary file" in capsys.readouterr().err
