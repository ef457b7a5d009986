"""`pinwise check` with the package index: the server's findings, every output format, code selection,
the failing threshold, offline runs and index failures. The index is the fake one on 127.0.0.1."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema  # type: ignore[import-untyped, unused-ignore]
import pytest

from pinwise.__main__ import main
from tests.cli.test_check import write_tree
from tests.index_server import IndexServer

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))

REQUIREMENTS = (
    "requests==2.31.0\n"  # outdated (info)
    "flask\n"  # unpinned (warning)
    "not-a-real-project==1.0\n"  # unknown-package (error)
    "vulnerable-lib==1.0\n"  # outdated (info) and vulnerable (warning)
    "--frobnicate\n"  # unknown-option (error), found without the index
)
EVERYTHING = [
    (1, "info", "outdated"),
    (2, "warning", "unpinned"),
    (3, "error", "unknown-package"),
    (4, "info", "outdated"),
    (4, "warning", "vulnerable"),
    (5, "error", "unknown-option"),
]


@dataclass
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def in_tmp(tmp_path: Path) -> Iterator[Path]:
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(cwd)


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> Ran:
    code = main(args)
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def json_findings(out: str) -> list[tuple[int, str, str]]:
    document = json.loads(out)
    return [
        (finding["span"]["start"]["line"] + 1, finding["severity"], finding["code"])
        for file in document["files"]
        for finding in file["findings"]
    ]


def check_findings(
    capsys: pytest.CaptureFixture[str],
    server: IndexServer,
    args: list[str],
    expected: list[tuple[int, str, str]],
    expected_exit: int,
) -> None:
    ran = run(capsys, ["check", "--format", "json", "--index-url", server.url, *args, "requirements.txt"])
    assert json_findings(ran.out) == expected
    assert ran.code == expected_exit, ran.err


@pytest.mark.parametrize(
    ("args", "expected", "expected_exit"),
    [
        pytest.param([], EVERYTHING, 1, id="everything, errors fail"),
        pytest.param(
            ["--select", "outdated,vulnerable"],
            [(1, "info", "outdated"), (4, "info", "outdated"), (4, "warning", "vulnerable")],
            0,
            id="select by code: no error left, so the run passes",
        ),
        pytest.param(
            ["--select", "unknown-"],
            [(3, "error", "unknown-package"), (5, "error", "unknown-option")],
            1,
            id="select by prefix",
        ),
        pytest.param(
            ["--select", "unknown-", "--ignore", "unknown-option"],
            [(3, "error", "unknown-package")],
            1,
            id="ignore after select",
        ),
        pytest.param(
            ["--ignore", "unknown-package,unknown-option"],
            [
                (1, "info", "outdated"),
                (2, "warning", "unpinned"),
                (4, "info", "outdated"),
                (4, "warning", "vulnerable"),
            ],
            0,
            id="ignore only",
        ),
        pytest.param(
            ["--ignore", "unknown-", "--fail-on", "warning"],
            [
                (1, "info", "outdated"),
                (2, "warning", "unpinned"),
                (4, "info", "outdated"),
                (4, "warning", "vulnerable"),
            ],
            1,
            id="fail on warnings",
        ),
        pytest.param(
            ["--select", "outdated", "--fail-on", "warning"],
            [(1, "info", "outdated"), (4, "info", "outdated")],
            0,
            id="info does not fail at warning",
        ),
        pytest.param(
            ["--select", "outdated", "--fail-on", "info"],
            [(1, "info", "outdated"), (4, "info", "outdated")],
            1,
            id="info fails at info",
        ),
        pytest.param(["--fail-on", "never"], EVERYTHING, 0, id="never fail"),
    ],
)
def test_selection_and_threshold(
    in_tmp: Path,
    capsys: pytest.CaptureFixture[str],
    index_server: IndexServer,
    args: list[str],
    expected: list[tuple[int, str, str]],
    expected_exit: int,
) -> None:
    write_tree(in_tmp, {"requirements.txt": REQUIREMENTS})
    check_findings(capsys, index_server, args, expected, expected_exit)


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        pytest.param(["--select", "outdatd"], "'outdatd' matches no Pinwise code"),
        pytest.param(["--ignore", "nope"], "'nope' matches no Pinwise code"),
    ],
)
def test_unknown_selector_is_a_usage_error(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], selector: list[str], message: str
) -> None:
    write_tree(in_tmp, {"requirements.txt": "flask==3.0.3\n"})
    ran = run(capsys, ["check", "--offline", *selector])
    assert ran.code == 2
    assert message in ran.err
    assert ran.out == ""


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["check", "--fail-on", "sometimes"])
    assert raised.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("fault", "expected", "expected_exit"),
    [
        pytest.param(
            {"path": "/simple/not-a-real-project/", "status": 503},
            [(1, "info", "outdated"), (3, "info", "could-not-check")],
            0,
            id="index error: could-not-check, never unknown-package, and the run passes",
        ),
        pytest.param(
            {"path": "/simple/not-a-real-project/", "kind": "close"},
            [(1, "info", "outdated"), (3, "info", "could-not-check")],
            0,
            id="dropped connection",
        ),
        pytest.param(
            {"path": "*", "status": 500},
            [(1, "info", "could-not-check"), (2, "info", "could-not-check"), (3, "info", "could-not-check")],
            0,
            id="whole index down",
        ),
    ],
)
def test_index_failures_are_could_not_check(
    in_tmp: Path,
    capsys: pytest.CaptureFixture[str],
    index_server: IndexServer,
    fault: dict[str, object],
    expected: list[tuple[int, str, str]],
    expected_exit: int,
) -> None:
    write_tree(in_tmp, {"requirements.txt": "requests==2.31.0\nflask==3.0.3\nnot-a-real-project==1.0\n"})
    path = str(fault.pop("path"))
    index_server.fault(path, **fault)  # type: ignore[arg-type]
    check_findings(capsys, index_server, [], expected, expected_exit)


def test_offline_uses_the_cache_only(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    write_tree(in_tmp, {"requirements.txt": "requests==2.31.0\nnot-a-real-project==1.0\n"})
    cold = run(capsys, ["check", "--offline", "--format", "json", "--index-url", index_server.url, "."])
    assert index_server.requests == []
    assert json_findings(cold.out) == []  # nothing cached: nothing known, nothing reported as missing
    assert json.loads(cold.out)["summary"]["not_checked"] == 2
    assert "2 not checked against the index (offline, not in the cache)" in cold.err
    assert cold.code == 0

    online = run(capsys, ["check", "--format", "json", "--index-url", index_server.url, "."])
    assert json_findings(online.out) == [(1, "info", "outdated"), (2, "error", "unknown-package")]
    asked = len(index_server.requests)
    assert asked > 0

    warm = run(capsys, ["check", "--offline", "--format", "json", "--index-url", index_server.url, "."])
    assert json_findings(warm.out) == json_findings(online.out)
    assert len(index_server.requests) == asked  # the cache answered; the network was not touched
    assert warm.code == 1


def test_includes_and_project_files_are_read_once_and_used(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    """Includes come from the disk (a duplicate across files is seen) and the nearest pyproject.toml's
    ``[tool.pinwise.severity]`` applies to a requirements file."""
    write_tree(
        in_tmp,
        {
            "pyproject.toml": '[project]\nname = "x"\nversion = "1"\n[tool.pinwise.severity]\noutdated = "error"\n',
            "requirements.txt": "-r base.txt\nrequests==2.31.0\n",
            "base.txt": "requests==2.30.0\n",
        },
    )
    ran = run(capsys, ["check", "--format", "json", "--index-url", index_server.url, "requirements.txt"])
    assert json_findings(ran.out) == [(2, "error", "conflict"), (2, "error", "outdated")]
    assert ran.code == 1


# ------------------------------------------------------------------------------------------------------
# Formats
# ------------------------------------------------------------------------------------------------------


def check_format(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], server: IndexServer, output_format: str
) -> tuple[Ran, str]:
    text = "\ufeffrequests==2.31.0\r\nflask\r\n# é€ ünïcode\r\nnot-a-real-project==1.0 ; python_version > '3'\r\n--frobnicate\r\n"
    write_tree(in_tmp, {"sub dir/requirements.txt": text})
    ran = run(
        capsys,
        [
            "check",
            "--format",
            output_format,
            "--index-url",
            server.url,
            "sub dir/requirements.txt",
            "gone.txt",
        ],
    )
    assert ran.code == 2  # gone.txt cannot be read; that outranks the findings
    return ran, text


def test_text_format(in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer) -> None:
    ran, _ = check_format(in_tmp, capsys, index_server, "text")
    assert ran.out.splitlines() == [
        "sub dir/requirements.txt:1:10: info outdated requests 2.32.3 is available (minor update); ==2.31.0 allows up to 2.31.0",
        "sub dir/requirements.txt:2:1: warning unpinned flask has no version constraint; an application should pin an exact version (==)",
        "sub dir/requirements.txt:4:1: error unknown-package not-a-real-project does not exist on the package index",
        "sub dir/requirements.txt:5:1: error unknown-option no such option: --frobnicate",
        "gone.txt: error unreadable-file cannot check this file: there is no such file",
    ]
    assert ran.err.startswith("2 files checked, 2 errors, 1 warning, 1 info, 1 unreadable in ")


def test_github_format(in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer) -> None:
    ran, _ = check_format(in_tmp, capsys, index_server, "github")
    assert ran.out.splitlines() == [
        "::notice file=sub dir/requirements.txt,line=1,col=10,endLine=1,endColumn=17,title=outdated::"
        "requests 2.32.3 is available (minor update); ==2.31.0 allows up to 2.31.0",
        "::warning file=sub dir/requirements.txt,line=2,col=1,endLine=2,endColumn=5,title=unpinned::"
        "flask has no version constraint; an application should pin an exact version (==)",
        "::error file=sub dir/requirements.txt,line=4,col=1,endLine=4,endColumn=18,title=unknown-package::"
        "not-a-real-project does not exist on the package index",
        "::error file=sub dir/requirements.txt,line=5,col=1,endLine=5,endColumn=12,title=unknown-option::"
        "no such option: --frobnicate",
        "::error file=gone.txt,title=unreadable-file::cannot check this file: there is no such file",
    ]


@pytest.mark.parametrize(
    ("value", "escaped_message", "escaped_property"),
    [
        ("a%b\r\nc", "a%25b%0D%0Ac", "a%25b%0D%0Ac"),
        ("x: y, z", "x: y, z", "x%3A y%2C z"),
    ],
)
def test_github_escaping(value: str, escaped_message: str, escaped_property: str) -> None:
    from pinwise.report import _github_data, _github_property

    assert _github_data(value) == escaped_message
    assert _github_property(value) == escaped_property


def test_sarif_format_is_valid_and_complete(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    ran, text = check_format(in_tmp, capsys, index_server, "sarif")
    log = json.loads(ran.out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    (sarif_run,) = log["runs"]
    assert sarif_run["tool"]["driver"]["name"] == "pinwise"
    assert sarif_run["columnKind"] == "unicodeCodePoints"
    rules = sarif_run["tool"]["driver"]["rules"]
    results = sarif_run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("outdated", "note"),
        ("unpinned", "warning"),
        ("unknown-package", "error"),
        ("unknown-option", "error"),
    ]
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        assert location["physicalLocation"]["artifactLocation"] == {
            "uri": "sub%20dir/requirements.txt",
            "uriBaseId": "%SRCROOT%",
        }
    # Regions are one-based with an exclusive end column; the BOM is column 1 of line 1.
    lines = text.split("\r\n")
    shown = []
    for result in results:
        region = result["locations"][0]["physicalLocation"]["region"]
        line = lines[region["startLine"] - 1]
        shown.append(line[region["startColumn"] - 1 : region["endColumn"] - 1])
    assert shown == ["==2.31.0", "flask", "not-a-real-project", "--frobnicate"]  # in the results' order
    # The unpinned finding carries its fix as a replacement.
    unpinned = results[1]
    (fix,) = unpinned["fixes"][:1]
    replacement = fix["artifactChanges"][0]["replacements"][0]
    assert replacement["insertedContent"]["text"] == "==3.0.3"
    (invocation,) = sarif_run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"].endswith("there is no such file")


def test_sarif_of_a_clean_run_is_valid(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_tree(in_tmp, {"requirements.txt": "flask==3.0.3\n"})
    ran = run(capsys, ["check", "--offline", "--format", "sarif", "."])
    log = json.loads(ran.out)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True
    assert ran.code == 0


def test_json_format_carries_index_findings_and_fixes(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    ran, _ = check_format(in_tmp, capsys, index_server, "json")
    document = json.loads(ran.out)
    assert document["version"] == 1
    first, gone = document["files"]
    assert gone["error"] == "there is no such file"
    unpinned = next(f for f in first["findings"] if f["code"] == "unpinned")
    assert [title for title in unpinned["fixes"] if "3.0.3" in title] == [
        "Pin flask to the latest version 3.0.3"
    ]
    assert document["summary"] == {
        "files": 2,
        "unreadable": 1,
        "error": 2,
        "warning": 1,
        "info": 1,
        "hint": 0,
        "not_checked": 0,
    }


def test_unknown_packages_get_did_you_mean(
    in_tmp: Path, capsys: pytest.CaptureFixture[str], index_server: IndexServer
) -> None:
    # The command line loads the index's name list only when a project is unknown, as the server does.
    write_tree(in_tmp, {"requirements.txt": "reqeusts==2.31.0\nflask==3.0.3\n"})
    ran = run(capsys, ["check", "--index-url", index_server.url, "--select", "unknown-", "requirements.txt"])
    assert ran.out.splitlines() == [
        "requirements.txt:1:1: error unknown-package reqeusts does not exist on the package index;"
        " did you mean requests?"
    ]
    assert index_server.hits("/simple/") == 1
