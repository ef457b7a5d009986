"""Which environment actions are offered (protocol-free), the requirement strings they install, and the
variables no installer inherits from the language server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pinwise.core.analysis.findings import Finding
from pinwise.core.document import parse_document
from pinwise.core.model import Severity
from pinwise.core.text import Span
from pinwise.core.venv import VenvManager
from pinwise.core.venv.actions import (
    ActionKind,
    dependency_group_requirements,
    environment_actions,
    requirement_string,
)
from pinwise.core.venv.manage import DROPPED_VARIABLES

# -- requirement strings ----------------------------------------------------------------------------------

REQUIREMENT_CASES = [
    ("requirements.txt", "pkg-a\n", "pkg-a"),
    ("requirements.txt", "pkg-a[x,y]>=1,<2 ; python_version > '3'  # note\n", "pkg-a[x,y]<2,>=1; python_version > \"3\""),
    ("requirements.txt", "pkg-a==1.0 --hash=sha256:" + "0" * 64 + "\n", "pkg-a==1.0"),
    ("requirements.txt", "pkg @ https://example.invalid/pkg-1.0.tar.gz\n", "pkg @ https://example.invalid/pkg-1.0.tar.gz"),
    ("requirements.txt", "-e ./local\n", None),
    ("requirements.txt", "./local/pkg\n", None),
    ("pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.10"\nrequests = "^2.1"\n', "requests<3.0,>=2.1"),
]  # fmt: skip


def check_requirement_string(name: str, text: str, expected: str | None) -> None:
    document = parse_document(text, Path("/p") / name)
    dependencies = [d for d in document.dependencies if d.name != "python"] or document.dependencies
    assert dependencies, text
    made = requirement_string(dependencies[0])
    if expected is None:
        assert made is None
        return
    assert made is not None
    # Equal as requirements: packaging normalises the order of clauses and the marker's quotes.
    from packaging.requirements import Requirement

    assert str(Requirement(made)) == str(Requirement(expected))


@pytest.mark.parametrize(("name", "text", "expected"), REQUIREMENT_CASES)
def test_requirement_string(name: str, text: str, expected: str | None) -> None:
    check_requirement_string(name, text, expected)


GROUPS = """\
[dependency-groups]
Test = ["pytest>=8", {include-group = "typing"}, {include-group = "lint"}]
typing = ["mypy", {include-group = "TEST"}]
lint = ["ruff"]
empty = []
"""
GROUP_CASES = [
    ("test", ["pytest>=8", "mypy", "ruff"]),  # include-group expanded, names compared normalised
    ("typing", ["mypy", "pytest>=8", "ruff"]),  # a cycle is followed once
    ("lint", ["ruff"]),
    ("empty", []),
    ("missing", []),
]


@pytest.mark.parametrize(("group", "expected"), GROUP_CASES)
def test_dependency_group_requirements(group: str, expected: list[str]) -> None:
    document = parse_document(GROUPS, "/p/pyproject.toml")
    assert list(dependency_group_requirements(document, group)) == expected


# -- which actions ---------------------------------------------------------------------------------------


@dataclass
class ActionCase:
    name: str
    text: str
    missing: tuple[str, ...]  # names with a not-installed finding
    mismatched: tuple[str, ...]  # names with an installed-mismatch finding
    has_environment: bool
    existing_venv: bool
    trusted: bool
    cursor: int  # offset of the requested (empty) span
    expected: tuple[ActionKind, ...]
    installs: tuple[str, ...] = ()


ACTION_CASES = [
    ActionCase("no venv: create", "a\nb\n", (), (), False, False, True, 0, (ActionKind.CREATE,)),
    ActionCase("no venv, .venv exists: select", "a\n", (), (), False, True, True, 0, (ActionKind.SELECT,)),
    ActionCase("no venv, untrusted: nothing to create", "a\n", (), (), False, False, False, 0, ()),
    ActionCase("untrusted still selects", "a\n", (), (), False, True, False, 0, (ActionKind.SELECT,)),
    ActionCase("no venv, cursor on a comment", "# c\na\n", (), (), False, False, True, 1, ()),
    ActionCase("no dependencies", "# only a comment\n", (), (), False, False, True, 0, ()),
    ActionCase(
        "missing: install them and sync", "a\nb==1\nc\n", ("a", "c"), (), True, False, True, 0,
        (ActionKind.INSTALL_MISSING, ActionKind.SYNC), installs=("a", "c"),
    ),
    ActionCase("mismatch only: sync", "a==2\n", (), ("a",), True, False, True, 1, (ActionKind.SYNC,)),
    ActionCase("all installed: nothing", "a\n", (), (), True, False, True, 0, ()),
    ActionCase("cursor away from the findings", "a\nb\n", ("a",), (), True, False, True, 3, ()),
    ActionCase("selected but untrusted: nothing", "a\n", ("a",), (), True, False, False, 0, ()),
    ActionCase(
        "hash-checking mode: sync only", "a==1 --hash=sha256:" + "0" * 64 + "\n", ("a",), (), True, False,
        True, 0, (ActionKind.SYNC,),
    ),
]  # fmt: skip


def check_actions(case: ActionCase) -> None:
    document = parse_document(case.text, Path("/p/requirements.txt"))
    findings = []
    for dependency in document.dependencies:
        assert dependency.name is not None and dependency.name_span is not None
        for code, names in (("not-installed", case.missing), ("installed-mismatch", case.mismatched)):
            if dependency.name in names:
                findings.append(Finding(code, "m", dependency.name_span, Severity.WARNING))
    actions = environment_actions(
        document,
        findings,
        Span(case.cursor, case.cursor),
        has_environment=case.has_environment,
        existing_venv=Path("/p/.venv") if case.existing_venv else None,
        trusted=case.trusted,
    )
    assert tuple(a.kind for a in actions) == case.expected
    install = [a for a in actions if a.kind is ActionKind.INSTALL_MISSING]
    assert (install[0].requirements if install else ()) == case.installs
    for action in actions:
        if action.kind is ActionKind.SELECT:
            assert action.path == Path("/p/.venv")


@pytest.mark.parametrize("case", ACTION_CASES, ids=[c.name for c in ACTION_CASES])
def test_environment_actions(case: ActionCase) -> None:
    check_actions(case)


# -- the installer's environment ------------------------------------------------------------------------

ENVIRONMENT_CASES = [
    ("PYTHONPATH", "/bundled/libs", False),
    ("PYTHONPYCACHEPREFIX", "/tmp/pycache", False),
    ("PYTHONHOME", "/opt/python", False),
    ("PYTHONSAFEPATH", "1", False),
    ("PYTHONSTARTUP", "/home/me/.pythonrc", False),
    ("VIRTUAL_ENV", "/other/venv", False),
    ("PATH", "/usr/bin", True),
    ("PIP_INDEX_URL", "http://127.0.0.1:1/simple/", True),  # the user's pip configuration still applies
    ("HOME", "/home/me", True),
]


def check_child_variable(name: str, value: str, kept: bool) -> None:
    manager = VenvManager(environ={name: value})
    child = manager._child_env({})
    assert (child.get(name) == value) is kept
    assert child["PYTHONUNBUFFERED"] == "1"


@pytest.mark.parametrize(("name", "value", "kept"), ENVIRONMENT_CASES)
def test_installer_environment(name: str, value: str, kept: bool) -> None:
    check_child_variable(name, value, kept)


def test_every_dropped_variable_is_dropped() -> None:
    manager = VenvManager(environ=dict.fromkeys(DROPPED_VARIABLES, "x"))
    assert not set(manager._child_env({})) & set(DROPPED_VARIABLES)
