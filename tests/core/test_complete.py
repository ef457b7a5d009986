"""Completion, context by context, in both file kinds.

A case is the document text with ``|`` at the cursor; «…» marks the span the items must replace (when the
case checks it). ``↵`` stands for a newline. Expected labels are listed in the order the items sort in
(a list), or as a set when only some of the labels matter.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from pinwise.core.analysis.context import lowest_python
from pinwise.core.complete import CompletionItem, CompletionResult, complete
from pinwise.core.document import parse_document
from pinwise.core.text import Span
from tests.fakes import FakeIndex, FakeProject, rel

INDEX = FakeIndex(
    {
        "requests": FakeProject(
            [
                rel("2.25.0", py=">=2.7", uploaded="2020-12-16"),
                rel("2.30.0", uploaded="2023-05-03"),
                rel("2.31.0", uploaded="2023-05-22"),
                rel("2.32.0", yanked="broken wheels", uploaded="2024-05-20"),
                rel("2.32.3", py=">=3.8", uploaded="2024-05-29"),
                rel("2.33.0", py=">=3.10", uploaded="2025-01-10"),
                rel("3.0.0a1", uploaded="2025-02-01"),
            ],
            extras=("socks", "use-chardet-on-py3"),
        ),
        "Django": FakeProject(["4.2", "5.0"]),
    },
    unavailable={"private-pkg"},
    names=[
        "requests",
        "requests-oauthlib",
        "requests-toolbelt",
        "Django",
        "django-rest-framework",
        "zope.interface",
        "flask",
        "private-pkg",
    ],
)

FOLDERS: dict[str, list[tuple[str, bool]]] = {
    "/work": [
        ("base.txt", False),
        ("dev.in", False),
        ("setup.py", False),
        ("pkg", True),
        (".hidden.txt", False),
        ("dist-1.0-py3-none-any.whl", False),
    ],
    "/work/sub": [("more.txt", False), ("deeper", True)],
}


def list_dir(folder: Path) -> list[tuple[str, bool]]:
    try:
        return FOLDERS[folder.as_posix().rstrip("/")]
    except KeyError:
        raise FileNotFoundError(folder) from None


def parse_case(case: str) -> tuple[str, int, Span | None]:
    """Text without markers, the cursor offset, and the «marked» span if any."""
    case = case.replace("↵", "\n")
    replace: Span | None = None
    if "«" in case:
        plain = case.replace("|", "")
        start = plain.index("«")
        end = plain.index("»") - 1
        replace = Span(start, end)
        case = case.replace("«", "").replace("»", "")
    cursor = case.index("|")
    return case.replace("|", "", 1), cursor, replace


async def run_completion(
    file_name: str, case: str, *, index: FakeIndex | None = INDEX, requires_python: str | None = None
) -> tuple[CompletionResult, Span | None]:
    text, cursor, replace = parse_case(case)
    doc = parse_document(text, f"/work/{file_name}")
    # The tables say what the project declares; completion is given the Python the analysis derives from it.
    python = lowest_python(SpecifierSet(requires_python)) if requires_python is not None else None
    result = await complete(doc, cursor, index=index, python_version=python, list_dir=list_dir)
    return result, replace


def ordered(items: list[CompletionItem]) -> list[CompletionItem]:
    return sorted(items, key=lambda item: (item.sort_text or "", item.label))


async def check_completion(
    file_name: str,
    case: str,
    expected: Collection[str],
    *,
    inserts: dict[str, str] | None = None,
    requires_python: str | None = None,
    incomplete: bool | None = None,
) -> None:
    result, replace = await run_completion(file_name, case, requires_python=requires_python)
    labels = [item.label for item in ordered(result.items)]
    if isinstance(expected, set):
        assert expected <= set(labels), labels
    else:
        assert labels == list(expected)
    if replace is not None and result.items:
        assert {item.replace for item in result.items} == {replace}
    by_label = {item.label: item for item in result.items}
    for label, insert_text in (inserts or {}).items():
        assert by_label[label].insert_text == insert_text
    if incomplete is not None:
        assert result.is_incomplete is incomplete


# Newest first, the yanked 2.32.0 left out, the pre-release last.
REQUESTS_VERSIONS = ["2.33.0", "2.32.3", "2.31.0", "2.30.0", "2.25.0", "3.0.0a1"]
VARIABLES = {"python_version", "sys_platform", "platform_system", "implementation_name", "extra"}

REQUIREMENTS_CASES = [
    # package names
    ("«reques|»", ["requests", "requests-oauthlib", "requests-toolbelt"], None),
    ("«reques|ts»>=2", ["requests", "requests-oauthlib", "requests-toolbelt"], None),
    ("«Dja|»", ["Django", "Django-rest-framework"], {"Django": "Django"}),
    ("«zope.i|»", ["zope.interface"], None),
    ("flask↵«re|»", ["requests", "requests-oauthlib", "requests-toolbelt"], None),
    # versions after every operator; yanked hidden, pre-releases last
    ("requests>=«|»", REQUESTS_VERSIONS, None),
    ("requests == «|»", REQUESTS_VERSIONS, None),
    ("requests~=«|»", REQUESTS_VERSIONS, None),
    ("requests>=2,<«|»", REQUESTS_VERSIONS, None),
    ("requests[socks]!=«|»", REQUESTS_VERSIONS, None),
    ("requests===«|»", REQUESTS_VERSIONS, None),
    ("requests==«2.3|»", REQUESTS_VERSIONS, None),
    ("requests==«|2.3»  # pinned", REQUESTS_VERSIONS, None),
    # operators
    ("requests «|»", [">=", "==", "~=", "<", "<=", "!=", ">", "==="], None),
    ("requests«=|»", [">=", "==", "~=", "<", "<=", "!=", ">", "==="], None),
    ("requests[socks] «|»", [">=", "==", "~=", "<", "<=", "!=", ">", "==="], None),
    # extras
    ("requests[«|»", ["socks", "use-chardet-on-py3"], None),
    ("requests[«so|»", ["socks", "use-chardet-on-py3"], None),
    ("requests[socks, «|»", ["use-chardet-on-py3"], None),
    # markers
    ("requests; «python_ver|»", VARIABLES, None),
    ("requests>=2; «|»", VARIABLES, None),
    ('requests; os_name == "nt" and «|»', VARIABLES, None),
    ("requests; sys_platform «|»", {"==", "!=", "in", "not in"}, None),
    ("requests; sys_platform «i|»", {"==", "in", "not in"}, None),
    ("requests; sys_platform == «|»", {"linux", "win32", "darwin"}, {"linux": '"linux"'}),
    ('requests; sys_platform == "«|»"', {"linux", "win32", "darwin"}, {"linux": "linux"}),
    ('requests; sys_platform == "«li|»"', {"linux"}, {"linux": "linux"}),
    ("requests; platform_system == «|»", {"Linux", "Windows", "Darwin"}, None),
    ("requests; platform_machine == «|»", {"x86_64", "aarch64", "arm64", "AMD64"}, None),
    ("requests; implementation_name == «|»", {"cpython", "pypy"}, None),
    ("requests; platform_python_implementation == «|»", {"CPython", "PyPy"}, None),
    ("requests; os_name == «|»", {"posix", "nt"}, None),
    ("requests; python_version < «|»", {"3.13", "3.12", "3.8"}, {"3.12": '"3.12"'}),
    ('requests; python_version < "3.8" «|»', ["and", "or"], None),
    ('requests; python_version < "3.8" «o|»', ["and", "or"], None),
    # pip options
    ("«--ind|»", {"--index-url", "--extra-index-url", "--no-index"}, {"--index-url": "--index-url "}),
    ("«-|»", {"--requirement", "-r", "--constraint", "-c", "--pre", "--hash"}, {"--pre": "--pre"}),
    ("  «--|»", {"--index-url", "--require-hashes"}, None),
    ("requests==2.0 «--ha|»", ["--config-settings", "--hash", "-C"], {"--hash": "--hash="}),
    ("--hash=«|»", ["sha256:", "sha384:", "sha512:"], None),
    ("--use-feature=«|»", {"fast-deps", "truststore"}, None),
    ("--only-binary «|»", [":all:", ":none:"], None),
    # files
    ("-r «|»", ["pkg/", "base.txt", "dev.in"], None),
    ("-c «b|»", ["pkg/", "base.txt", "dev.in"], None),
    ("--requirement=«|»", ["pkg/", "base.txt", "dev.in"], None),
    ("-r«ba|»", ["pkg/", "base.txt", "dev.in"], None),
    ("«-r|»", {"-r", "--requirement"}, None),
    ("-r sub/«|»", ["deeper/", "more.txt"], None),
    ("-r sub/«mo|»", ["deeper/", "more.txt"], None),
    ("-r «.h|»", ["pkg/", ".hidden.txt", "base.txt", "dev.in"], None),
    ("-e «|»", ["./pkg/"], None),
    ("-e ./«|»", ["pkg/"], None),
    ("./«|»", ["pkg/", "dist-1.0-py3-none-any.whl"], None),
    ("-r nowhere/«|»", [], None),
    # nothing to offer
    ("# reques|", [], None),
    ("requests @ https://example.invalid/|", [], None),
    ("-e git+https://example.invalid/|", [], None),
    ("requests>=2.0 |", [], None),
    ("--index-url |", [], None),
]


@pytest.mark.parametrize(("case", "expected", "inserts"), REQUIREMENTS_CASES)
async def test_requirements_completion(
    case: str, expected: Collection[str], inserts: dict[str, str] | None
) -> None:
    await check_completion("requirements.txt", case, expected, inserts=inserts)


PYPROJECT_CASES = [
    ('[project]↵dependencies = ["«reques|»', ["requests", "requests-oauthlib", "requests-toolbelt"], None),
    (
        '[project]↵dependencies = [↵  "«reques|»",↵]',
        ["requests", "requests-oauthlib", "requests-toolbelt"],
        None,
    ),
    ('[project]↵dependencies = ["requests>=«|»"]', REQUESTS_VERSIONS, None),
    ("[project]↵dependencies = ['requests>=«|»']", REQUESTS_VERSIONS, None),
    ('[project.optional-dependencies]↵dev = ["requests[«|»"]', ["socks", "use-chardet-on-py3"], None),
    ('[project.optional-dependencies]↵dev = ["requests «|»"]', {">=", "=="}, None),
    ('[dependency-groups]↵test = ["requests; «sys_pl|»"]', VARIABLES, None),
    ('[dependency-groups]↵test = ["requests; sys_platform == «|»"]', {"linux"}, {"linux": "'linux'"}),
    ("[dependency-groups]↵test = ['requests; sys_platform == «|»']", {"linux"}, {"linux": '"linux"'}),
    (
        '[project]↵dependencies = ["x; extra == «|»"]↵[project.optional-dependencies]↵dev = []↵docs = []',
        ["dev", "docs"],
        {"dev": "'dev'"},
    ),
    ('[build-system]↵requires = ["«hatch|»"]', [], None),
    ('[build-system]↵requires = ["«fla|»"]', ["flask"], None),
    ('[tool.uv]↵dev-dependencies = ["«fla|»"]', ["flask"], None),
    ('[tool.uv]↵constraint-dependencies = ["requests<«|»"]', REQUESTS_VERSIONS, None),
    ('[tool.pdm.dev-dependencies]↵test = ["«fla|»"]', ["flask"], None),
    ("[tool.poetry.dependencies]↵«fla|»", ["flask"], None),
    (
        '[tool.poetry.dependencies]↵python = "^3.9"↵«reques|»',
        ["requests", "requests-oauthlib", "requests-toolbelt"],
        None,
    ),
    ("[tool.poetry.group.dev.dependencies]↵«fla|»", ["flask"], None),
    ('[tool.poetry.dependencies]↵requests = "^«|»"', REQUESTS_VERSIONS, None),
    ('[tool.poetry.dependencies]↵requests = "«|»"', REQUESTS_VERSIONS, None),
    ('[tool.poetry.dependencies]↵requests = ">=2,<«|»"', REQUESTS_VERSIONS, None),
    ('[tool.poetry.dev-dependencies]↵requests = "~«2.3|»"', REQUESTS_VERSIONS, None),
    ('[tool.poetry.group.dev.dependencies]↵requests = {version = ">=«|»"}', REQUESTS_VERSIONS, None),
    (
        '[tool.poetry.dependencies]↵requests = {version = "^2", extras = ["«|»"]}',
        ["socks", "use-chardet-on-py3"],
        None,
    ),
    # not a dependency string
    ('[project]↵name = "reques|"', [], None),
    ('[project]↵requires-python = ">=|"', [], None),
    ("[tool.ruff]↵reques|", [], None),
    ('[tool.poetry.dependencies]↵python = "^|"', [], None),
]


@pytest.mark.parametrize(("case", "expected", "inserts"), PYPROJECT_CASES)
async def test_pyproject_completion(
    case: str, expected: Collection[str], inserts: dict[str, str] | None
) -> None:
    await check_completion("pyproject.toml", case, expected, inserts=inserts)


# ---- version filtering, details and the index's failures -----------------------------------------------


@pytest.mark.parametrize(
    ("requires_python", "expected"),
    [
        (None, REQUESTS_VERSIONS),
        # A release is offered when it installs on the project's oldest Python.
        (">=3.12", REQUESTS_VERSIONS),
        (">=3.8", ["2.32.3", "2.31.0", "2.30.0", "2.25.0", "3.0.0a1"]),
        (">=3.7", ["2.31.0", "2.30.0", "2.25.0", "3.0.0a1"]),
        (">=3.8.1", ["2.32.3", "2.31.0", "2.30.0", "2.25.0", "3.0.0a1"]),
        (">=2.7,!=3.0.*", ["2.31.0", "2.30.0", "2.25.0", "3.0.0a1"]),
        ("<2", REQUESTS_VERSIONS),  # no known Python fits: nothing is hidden rather than everything
    ],
)
async def test_versions_fit_the_projects_python(requires_python: str | None, expected: list[str]) -> None:
    await check_completion("requirements.txt", "requests>=|", expected, requires_python=requires_python)


async def test_version_items_carry_date_prerelease_and_preselection() -> None:
    result, _ = await run_completion("requirements.txt", "requests==|")
    items = {item.label: item for item in result.items}
    assert items["2.33.0"].detail == "released 2025-01-10"
    assert items["3.0.0a1"].detail == "released 2025-02-01 · pre-release"
    assert items["2.32.3"].documentation == "Requires Python >=3.8"
    assert [label for label, item in items.items() if item.preselect] == ["2.33.0"]


@pytest.mark.parametrize(
    ("case", "incomplete"),
    [
        ("private-pkg>=|", True),  # the index could not be reached: ask again
        ("private-pkg[|", True),
        ("nonexistent>=|", False),  # the index answered: there is nothing to offer
        ("r|", True),  # a short prefix: typing narrows the sample
        ("reques|", False),
        ("|", True),
    ],
)
async def test_incomplete_when_typing_or_retrying_may_help(case: str, incomplete: bool) -> None:
    result, _ = await run_completion("requirements.txt", case)
    assert result.is_incomplete is incomplete


@pytest.mark.parametrize(
    "case", ["reques|", "requests>=|", "requests[|", "requests; python_ver|", "-r |", "--ind|", '"reques|']
)
async def test_no_index_and_no_folder_never_fail(case: str) -> None:
    text, cursor, _ = parse_case(case)
    doc = parse_document(text, None)
    result = await complete(doc, cursor, index=None)
    assert result.items == [] or all(item.kind in ("option", "marker-variable") for item in result.items)


async def test_names_not_loaded_yet_is_incomplete() -> None:
    index = FakeIndex({"requests": FakeProject(["1.0"])}, with_names=False)
    result, _ = await run_completion("requirements.txt", "reques|", index=index)
    assert (result.items, result.is_incomplete) == ([], True)


@pytest.mark.parametrize("offset", [-5, 0, 3, 10_000])
async def test_any_offset_is_safe(offset: int) -> None:
    doc = parse_document("requests>=2\n", "/work/requirements.txt")
    await complete(doc, offset, index=INDEX)
