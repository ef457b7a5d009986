"""The engine: progress as names resolve, cancellation, failures, speed, and the code registry."""

from __future__ import annotations

import asyncio
import re
import time

import pytest
from packaging.specifiers import SpecifierSet

from pinwise.core.analysis import codes
from pinwise.core.analysis.context import AnalysisSettings, build_context, lowest_python
from pinwise.core.analysis.engine import index_findings, local_findings, whole_file_fix
from pinwise.core.analysis.findings import Finding
from pinwise.core.document import parse_document
from pinwise.core.fixes import apply_edits
from tests.fakes import FakeIndex, FakeProject, default_files, fake_sha256

SETTINGS = AnalysisSettings(policy="application")


def run_index(text: str, index: FakeIndex, **kwargs: object) -> list[Finding]:
    document = parse_document(text, "requirements.txt")
    context = build_context(document, SETTINGS)
    return asyncio.run(index_findings(document, context, SETTINGS, index, **kwargs))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["x", "X_", "private.pkg"])
def test_network_failure_is_never_unknown_package(name: str) -> None:
    index = FakeIndex({}, unavailable={name}, names=["x", "xx", "private-pkg"])
    found = run_index(f"{name}==1.0\n", index)
    assert [f.code for f in found] == ["could-not-check"]
    assert "connection refused" in found[0].message


def test_progress_reports_as_names_resolve() -> None:
    index = FakeIndex({f"p{i}": FakeProject(["1.0", "2.0"]) for i in range(5)}, delays={"p0": 0.05})
    calls: list[tuple[int, int, int]] = []
    found = run_index(
        "".join(f"p{i}==1.0\n" for i in range(5)),
        index,
        on_progress=lambda findings, done, total: calls.append((len(findings), done, total)),
    )
    assert [c[1:] for c in calls] == [(d, 5) for d in range(1, 6)]
    assert calls[0][0] == 1 and calls[-1][0] == 5  # the slow p0 arrives last
    assert len(found) == 5


async def test_cancellation_is_prompt() -> None:
    index = FakeIndex({f"p{i}": FakeProject(["1.0"]) for i in range(40)}, delay=10.0)
    document = parse_document("".join(f"p{i}\n" for i in range(40)), "requirements.txt")
    context = build_context(document, SETTINGS)
    task = asyncio.create_task(index_findings(document, context, SETTINGS, index))
    await asyncio.sleep(0.05)
    assert len(index.project_calls) == 16  # bounded concurrency
    started = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Lookups sleep for 10 s; a prompt cancellation returns long before that, even on a loaded machine.
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    ("requires", "lowest"),
    [(">=3.8", "3.8"), (">3.8", "3.8.1"), (">=3.9,<4", "3.9"), ("~=3.10", "3.10"), (None, None)],
)
def test_lowest_python(requires: str | None, lowest: str | None) -> None:
    assert lowest_python(SpecifierSet(requires) if requires is not None else None) == lowest


def test_every_parser_code_is_registered() -> None:
    import re
    from pathlib import Path

    import pinwise.core as core

    root = Path(core.__file__).parent
    documented: set[str] = set()
    for module in [
        "pep508.py",
        "requirements/parse.py",
        "requirements/includes.py",
        "pyproject/tables.py",
        "pyproject/poetry.py",
    ]:
        doc = (root / module).read_text().split(chr(34) * 3)[1]
        doc = doc[doc.find("roblem codes") :]
        # A code starts its line in the docstring's "Problem codes" list; descriptions are indented.
        for line in doc.splitlines():
            if line.startswith("``"):
                documented |= set(re.findall(r"``([a-z]+(?:-[a-z]+)+)``", line))
    documented |= {"toml-syntax"}
    assert documented - set(codes.CODES) == set()
    docs = (root.parent.parent.parent / "docs" / "diagnostics.md").read_text()
    assert [c for c in codes.CODES if f"`{c}`" not in docs] == []


def test_three_hundred_requirements_are_all_checked() -> None:
    # Speed is measured in benchmarks/lsp.py, not asserted here.
    projects = {f"pkg{i}": FakeProject(["1.0", "1.1", "2.0"]) for i in range(300)}
    text = "".join(f"pkg{i}=={'1.0' if i % 2 else '2.0'} ; python_version >= '3'\n" for i in range(300))
    document = parse_document(text, "requirements.txt")
    context = build_context(document, SETTINGS)
    local = local_findings(document, context, SETTINGS)
    remote = asyncio.run(index_findings(document, context, SETTINGS, FakeIndex(projects)))
    assert local == []
    assert sorted(f.code for f in remote) == ["outdated"] * 150


@pytest.mark.parametrize(
    ("text", "pin", "update", "expected"),
    [
        # Pin all: a range is pinned to the newest release it allows, never past its bound.
        (
            "requests\nrequests2>=2.0,<2.31\nflask==2.0.0\n",
            True,
            False,
            "requests==2.32.3\nrequests2==2.30.0\nflask==2.0.0\n",
        ),
        # Update all: versions move up to the latest release, keeping operators (pins included).
        ("requests>=2.0\nflask==2.0.0\n", False, True, "requests>=2.32.3\nflask==3.1.0\n"),
    ],
)
async def test_whole_file_fix_respects_ranges(text: str, pin: bool, update: bool, expected: str) -> None:
    index = FakeIndex(
        {
            "requests": FakeProject(["2.30.0", "2.31.0", "2.32.3"]),
            "requests2": FakeProject(["2.30.0", "2.31.0", "2.32.3"]),
            "flask": FakeProject(["2.0.0", "3.1.0"]),
        }
    )
    document = parse_document(text, "requirements.txt")
    context = build_context(document, AnalysisSettings(policy="application"))
    fix, choices = await whole_file_fix(document, context, index, pin=pin, update=update)
    assert fix is not None and choices.skipped == []
    assert apply_edits(text, fix.edits) == expected


async def test_pin_all_in_hash_checking_mode_uses_the_pinned_releases_hashes() -> None:
    # The range allows 2.30.0 only: its files' hashes must replace the old ones, not the latest release's.
    text = "requests>=2.0,<2.31 --hash=sha256:" + "0" * 64 + "\n"
    index = FakeIndex({"requests": FakeProject(["2.30.0", "2.32.3"])})
    document = parse_document(text, "requirements.txt")
    context = build_context(document, AnalysisSettings(policy="application"))
    fix, _ = await whole_file_fix(document, context, index, pin=True, update=False)
    assert fix is not None
    fixed = apply_edits(text, fix.edits)
    assert fixed.startswith("requests==2.30.0")
    expected = sorted(fake_sha256(name) for name in default_files("requests", "2.30.0"))
    assert sorted(re.findall(r"--hash=sha256:([0-9a-f]{64})", fixed)) == expected
