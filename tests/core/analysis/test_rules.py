"""Every rule, as tables: «…» marks each expected finding's span, in order, with its code in ``codes``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from pinwise.core.analysis.codes import CODES
from pinwise.core.analysis.context import AnalysisSettings, build_context
from pinwise.core.analysis.engine import analyze, local_findings
from pinwise.core.analysis.findings import Finding
from pinwise.core.document import parse_document
from pinwise.core.fixes import apply_edits
from pinwise.core.model import Severity
from pinwise.core.workspace import Workspace
from tests.core.analysis.helpers import strip_markers
from tests.fakes import FakeIndex, FakeProject, fake_sha256, rel, vuln

INDEX = FakeIndex(
    {
        "requests": FakeProject(
            ["2.30.0", "2.31.0", "2.32.3", rel("2.33.0", yanked="broken"), "3.0.0rc1"],
            extras=("socks", "security"),
        ),
        "flask": FakeProject(
            [
                rel("2.0.0", vulns=(vuln("PYSEC-1", fixed_in=("2.0.2",), aliases=("CVE-1",)),)),
                rel("2.0.1", yanked=True, vulns=(vuln("PYSEC-1", fixed_in=("2.0.2",)),)),
                "2.0.2",
                rel("3.1.0", py=">=3.9"),
            ]
        ),
        "django": FakeProject(["4.2.0", "5.0.0", rel("5.1.0", py=">=3.10")]),
        "attrs": FakeProject(["23.1.0", "23.2.0"]),
        # The newest release is a pre-release that dropped an extra: pip would not pick it.
        "sentry": FakeProject(
            ["1.0", "1.5", rel("2.0", extras=("django",)), rel("3.0b1", extras=("flask",))],
            extras=("django",),
        ),
    },
    unavailable={"private-pkg"},
)


@dataclass
class Env:
    name: str
    version: str


def check_findings(
    marked: str,
    codes: list[str],
    *,
    path: str = "requirements.txt",
    index: FakeIndex | None = INDEX,
    installed: Mapping[str, Env] | None = None,
    settings: AnalysisSettings | None = None,
    only: set[str] | None = None,
) -> list[Finding]:
    """Analyse ``marked`` (markers stripped) and compare (code, span) of the findings in ``only``
    (default: the codes expected) with the marked spans and ``codes``."""
    text, spans = strip_markers(marked)
    document = parse_document(text, path)
    settings = settings or AnalysisSettings()
    context = build_context(document, settings, installed=installed)

    import asyncio

    findings = (
        asyncio.run(analyze(document, context, settings, index))
        if index
        else local_findings(document, context, settings)
    )
    wanted = only if only is not None else set(codes)
    assert wanted, "nothing would be compared: name the codes that must be absent with only="
    got = [(f.code, f.span) for f in findings if f.code in wanted]
    assert got == list(zip(codes, spans, strict=True)), [(c, s.text(text)) for c, s in got]
    return [f for f in findings if f.code in wanted]


APP = AnalysisSettings(policy="application")
LIB = AnalysisSettings(policy="library")

POLICY_CASES = [
    # application: anything but an exact pin
    (
        "«requests»\n«flask»>=2\nattrs==23.2.0\n-e ./local\nx @ https://127.0.0.1/x.whl\n",
        ["unpinned", "unpinned"],
        APP,
        "requirements.txt",
    ),
    ('[project]\ndependencies = ["«requests»>=2", "attrs==23.2.0"]\n', ["unpinned"], APP, "pyproject.toml"),
    # library: no specifier -> unpinned, only lower bounds -> no-upper-bound
    (
        "«requests»\nflask«>=2»\nattrs>=1,<2\nd~=1.0\n",
        ["unpinned", "no-upper-bound"],
        LIB,
        "requirements.txt",
    ),
    (
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "h"\n[project]\ndependencies = ["«requests»", "flask«>=2»"]\n',
        ["unpinned", "no-upper-bound"],
        AnalysisSettings(),
        "pyproject.toml",
    ),
    # constraints files and pip-tools sources (their pins live in the compiled file) are exempt
    ("requests\n", [], APP, "constraints.txt"),
    ("requests\nflask>=3\n", [], APP, "requirements.in"),
    ("requests\nflask>=3\n", [], LIB, "requirements/dev.in"),
]


@pytest.mark.parametrize(("marked", "codes", "settings", "path"), POLICY_CASES)
def test_policy(marked: str, codes: list[str], settings: AnalysisSettings, path: str) -> None:
    check_findings(
        marked, codes, path=path, index=None, settings=settings, only={"unpinned", "no-upper-bound"}
    )


def test_project_policy_wins_over_editor() -> None:
    text = '[project]\ndependencies = ["«requests»"]\n[tool.pinwise]\npolicy = "library"\n'
    found = check_findings(
        text, ["unpinned"], path="pyproject.toml", index=None, settings=APP, only={"unpinned"}
    )
    assert found[0].severity is Severity.INFORMATION  # the library flavour


DUPLICATE_CASES = [
    ("a==1\n«a==1»\n", ["duplicate"], "requirements.txt"),
    ("A_b==1\n«a-B==1.0»\n", ["duplicate"], "requirements.txt"),
    ("a>=1\n«a>=2»\n", ["duplicate"], "requirements.txt"),
    ("a<1\na«>=2»\n", ["conflict"], "requirements.txt"),
    ("a==1.0\na«==1.0.1»\n", ["conflict"], "requirements.txt"),
    ("a>1.0\n«a<1.0.1»\n", ["duplicate"], "requirements.txt"),  # 1.0.0.1 satisfies both: no conflict
    ("a==1 ; python_version < '3'\na==2 ; python_version >= '3'\n", [], "requirements.txt"),
    ('[project]\ndependencies = ["a==1", «"a==1"»]\n', ["duplicate"], "pyproject.toml"),
    ('[project]\ndependencies = ["a<1", "a«>=2»"]\n', ["conflict"], "pyproject.toml"),
    (
        '[project]\ndependencies = ["a==1"]\n[project.optional-dependencies]\ndev = ["a==2"]\n',
        [],
        "pyproject.toml",
    ),
]


@pytest.mark.parametrize(("marked", "codes", "path"), DUPLICATE_CASES)
def test_duplicates(marked: str, codes: list[str], path: str) -> None:
    # The pyproject duplicate finding spans the string's content; markers include the quotes for readability.
    marked = marked.replace('«"a==1"»', '"«a==1»"')
    check_findings(marked, codes, path=path, index=None, only={"duplicate", "conflict"})


def test_duplicate_remove_fix() -> None:
    [finding] = check_findings("a==1\n«a==1»\nb==2\n", ["duplicate"], index=None)
    document = parse_document("a==1\na==1\nb==2\n", "requirements.txt")
    assert apply_edits(document.text, finding.fixes[0].edits) == "a==1\nb==2\n"


INDEX_CASES = [
    # outdated: pinned, ranged, and with an upper bound
    ("requests«==2.31.0»\n", ["outdated"], "requirements.txt"),
    ("requests«>=2.0,<2.31»\n", ["outdated"], "requirements.txt"),
    ("requests>=2.0\n", [], "requirements.txt"),
    ('[project]\ndependencies = ["requests«==2.30.0»"]\n', ["outdated"], "pyproject.toml"),
    # unknown-package, could-not-check (never unknown-package for a network failure)
    ("«reqeusts»==1.0\n«private-pkg»==1.0\n", ["unknown-package", "could-not-check"], "requirements.txt"),
    # unknown-version and no-matching-release
    ("requests«==9.9»\nrequests«>=9»\n", ["unknown-version", "no-matching-release"], "requirements.txt"),
    # yanked (and outdated, separately)
    ("requests«==2.33.0»\n", ["yanked"], "requirements.txt"),
    # vulnerable (and outdated: flask 3.1.0 is out)
    ("flask««==2.0.0»»\n", ["outdated", "vulnerable"], "requirements.txt"),
    ('[tool.poetry.dependencies]\nflask = "««2.0.0»»"\n', ["outdated", "vulnerable"], "pyproject.toml"),
    # unknown-extra
    (
        "requests[«sock»]==2.32.3\nrequests[security]==2.32.3 ; os_name == 'nt'\n",
        ["unknown-extra"],
        "requirements.txt",
    ),
    # extras and "outdated" are judged against the release pip would pick, never a pre-release it skips
    ("sentry[django]>=1.0\nsentry[«nope»]>=1.0 ; os_name == 'nt'\n", ["unknown-extra"], "requirements.txt"),
    ("sentry«>=1.0,<2»\nsentry>=1.0 ; os_name == 'nt'\n", ["outdated"], "requirements.txt"),
]


INDEX_CODES = {code for code, info in CODES.items() if info.needs_index}


@pytest.mark.parametrize(("marked", "codes", "path"), INDEX_CASES)
def test_index_rules(marked: str, codes: list[str], path: str) -> None:
    settings = LIB if path == "pyproject.toml" else APP
    check_findings(marked, codes, path=path, settings=settings, only=INDEX_CODES)


def test_outdated_message_and_fix() -> None:
    [finding] = check_findings("requests«==2.31.0»\n", ["outdated"])
    assert finding.message == "requests 2.32.3 is available (minor update); ==2.31.0 allows up to 2.31.0"
    assert apply_edits("requests==2.31.0\n", finding.fixes[0].edits) == "requests==2.32.3\n"


def test_prereleases_only_when_allowed() -> None:
    check_findings("--pre\nrequests«==2.32.3»\n", ["outdated"])
    check_findings("requests==2.32.3\n", [], only={"outdated"})


def test_unknown_package_suggests_rename() -> None:
    [finding] = check_findings("«reqeusts»==1.0\n", ["unknown-package"])
    assert "did you mean requests" in finding.message
    assert apply_edits("reqeusts==1.0\n", finding.fixes[0].edits) == "requests==1.0\n"


def test_vulnerable_pins_to_first_fix() -> None:
    [finding] = check_findings("flask«==2.0.0»\n", ["vulnerable"])
    assert "PYSEC-1 (CVE-1)" in finding.message
    assert apply_edits("flask==2.0.0\n", finding.fixes[0].edits) == "flask==2.0.2\n"


def test_vulnerable_fix_rewrites_hashes() -> None:
    text = "flask«==2.0.0» \\\n    --hash=sha256:aaaa\n"
    [finding] = check_findings(text, ["vulnerable"])
    new = apply_edits(strip_markers(text)[0], finding.fixes[0].edits)
    wheel, sdist = (fake_sha256(f) for f in ("flask-2.0.2-py3-none-any.whl", "flask-2.0.2.tar.gz"))
    assert new == f"flask==2.0.2 \\\n    --hash=sha256:{wheel} \\\n    --hash=sha256:{sdist}\n"


PYTHON_CASES = [
    # the project supports 3.8+, flask 3.1.0 needs 3.9: pinned -> incompatible; latest compatible is 2.0.2
    ('[project]\nrequires-python = ">=3.8"\ndependencies = ["flask«==3.1.0»"]\n', ["python-incompatible"]),
    ('[project]\nrequires-python = ">=3.9"\ndependencies = ["flask==3.1.0"]\n', []),
    # outdated only counts releases that fit the project's Python: django 5.1 needs 3.10
    ('[project]\nrequires-python = ">=3.8"\ndependencies = ["django==5.0.0"]\n', []),
    ('[project]\nrequires-python = ">=3.10"\ndependencies = ["django«==5.0.0»"]\n', ["outdated"]),
]


@pytest.mark.parametrize(("marked", "codes"), PYTHON_CASES)
def test_python_compatibility(marked: str, codes: list[str]) -> None:
    check_findings(marked, codes, path="pyproject.toml", only={"python-incompatible", "outdated"})


INSTALLED = {"requests": Env("requests", "2.31.0"), "attrs": Env("attrs", "23.1.0")}

INSTALLED_CASES = [
    ("requests==2.31.0\n«flask»==2.0.2\nattrs«==23.2.0»\n", ["not-installed", "installed-mismatch"]),
    ("flask==2.0.2 ; python_version < '3'\n", []),
    (
        '[project]\ndependencies = ["«flask»"]\n[project.optional-dependencies]\nx = ["django"]\n',
        ["not-installed"],
    ),
]


@pytest.mark.parametrize(("marked", "codes"), INSTALLED_CASES)
def test_installed(marked: str, codes: list[str]) -> None:
    path = "pyproject.toml" if marked.startswith("[") else "requirements.txt"
    check_findings(
        marked,
        codes,
        path=path,
        index=None,
        installed=INSTALLED,
        only={"not-installed", "installed-mismatch"},
    )


def test_installed_mismatch_pins_installed() -> None:
    [finding] = check_findings("attrs«==23.2.0»\n", ["installed-mismatch"], index=None, installed=INSTALLED)
    assert apply_edits("attrs==23.2.0\n", finding.fixes[0].edits) == "attrs==23.1.0\n"


HASH_CASES = [
    ("a==1 --hash=sha256:x\n«b==1»\n«c>=1» --hash=sha256:y\n", ["hash-missing", "hash-missing"], "requirements.txt"),
    ("--require-hashes\n«a==1»\n", ["hash-missing"], "requirements.txt"),
    ("a==1\nb==1\n", [], "requirements.txt"),
    # A pip-tools source is read by pip-compile, never installed by pip: no hash-checking mode.
    ("a==1 --hash=sha256:x\nb>=1\n", [], "requirements.in"),
]  # fmt: skip


@pytest.mark.parametrize(("marked", "codes", "path"), HASH_CASES)
def test_hash_missing(marked: str, codes: list[str], path: str) -> None:
    check_findings(marked, codes, path=path, index=None, only={"hash-missing"})


def test_includes_and_duplicates_across_files(tmp_path: Path) -> None:
    files = {tmp_path / "base.txt": "requests==2.31.0\n"}
    workspace = Workspace(lambda path: files.get(path))
    text, spans = strip_markers("-r base.txt\n-r «missing.txt»\n«requests==2.31.0»\n")
    document = workspace.open(tmp_path / "requirements.txt", text)
    settings = AnalysisSettings()
    context = workspace.context_for(document, settings)
    found = [(f.code, f.span) for f in local_findings(document, context, settings, workspace)]
    assert found == [("include-not-found", spans[0]), ("duplicate", spans[1])]


def test_severity_overrides() -> None:
    text = "requests==2.31.0\n"
    off = AnalysisSettings(policy="application", severities={"outdated": None})
    check_findings(text, [], settings=off, only={"outdated"})
    loud = AnalysisSettings(policy="application", severities={"outdated": Severity.ERROR})
    [finding] = check_findings("requests«==2.31.0»\n", ["outdated"], settings=loud)
    assert finding.severity is Severity.ERROR


def test_stale_cache_one_notice_per_document() -> None:
    index = FakeIndex(
        {"a": FakeProject(["1"], from_stale_cache=True), "b": FakeProject(["1"], from_stale_cache=True)}
    )
    check_findings("«a»==1\nb==1\n", ["stale-cache"], index=index)


@pytest.mark.parametrize(
    ("marked", "settings", "path", "expected_fixes", "fixed_text"),
    [
        (
            "«requests»\n",
            APP,
            "requirements.txt",
            ["Pin requests to the latest version 2.32.3"],
            "requests==2.32.3\n",
        ),
        (
            "«requests»\n",
            LIB,
            "requirements.txt",
            ["Allow compatible releases (~=2.32)"],
            "requests~=2.32\n",
        ),
        (
            '[project]\ndependencies = ["«requests»"]\n',
            APP,
            "pyproject.toml",
            ["Pin requests to the latest version 2.32.3"],
            '[project]\ndependencies = ["requests==2.32.3"]\n',
        ),
    ],
)
def test_unpinned_gains_latest_version_fixes_from_the_index(
    marked: str, settings: AnalysisSettings, path: str, expected_fixes: list[str], fixed_text: str
) -> None:
    # One finding, not a local one and an index one: the index version replaces the local one.
    [finding] = check_findings(marked, ["unpinned"], path=path, settings=settings)
    assert [fix.title for fix in finding.fixes] == expected_fixes
    text, _ = strip_markers(marked)
    assert apply_edits(text, finding.fixes[0].edits) == fixed_text


def test_a_rejected_requirement_gets_its_syntax_error_only() -> None:
    check_findings(
        "foo«==»\nbar==1\n",
        ["invalid-requirement"],
        index=None,
        settings=APP,
        only={"invalid-requirement", "unpinned"},
    )


# -- local paths ---------------------------------------------------------------------------------------------

# The tree each case sees: the project at /p (pip runs there), its requirements in /p/requirements/.
PATH_TREE = ["p/pkg/setup.py", "p/requirements/local/setup.py", "p/dist/a-1.0.tar.gz", "lib/setup.py"]

PATH_CASES = [
    # Relative paths: found under the file's folder or the folder pip runs in (either is enough).
    ("requirements/dev.txt", "-e ../pkg\n-e ./local\n-e ./pkg\n", []),
    (
        "requirements/dev.txt",
        "-e «./nowhere»\n«../dist/b-1.0.tar.gz»\n",
        ["./nowhere", "../dist/b-1.0.tar.gz"],
    ),
    ("requirements/dev.txt", "dist/a-1.0.tar.gz\n«missing-2.0.tar.gz»\n", ["missing-2.0.tar.gz"]),
    # file: URLs, absolute ones, #egg= fragments and extras.
    ("requirements.txt", "-e file:../lib#egg=lib\n«file:///nowhere/x»\n./pkg[test]\n", ["file:///nowhere/x"]),
    # What cannot be judged here is left alone: variables, other machines, Windows paths elsewhere.
    ("requirements.txt", "-e ${HOME}/x\nfile://server/share/x\nC:\\src\\x\n", []),
    # pyproject.toml: relative to the project file only.
    (
        "pyproject.toml",
        '[tool.poetry.dependencies]\nl = { path = "../lib" }\nm = { path = "«../gone»" }\n',
        ["../gone"],
    ),
]


@pytest.mark.parametrize(("name", "marked", "messages"), PATH_CASES)
def test_path_not_found(tmp_path: Path, name: str, marked: str, messages: list[str]) -> None:
    from pinwise.core.analysis.rules import path_findings

    for file in PATH_TREE:
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text("", encoding="utf-8")
    text, spans = strip_markers(marked)
    document = parse_document(text, tmp_path / "p" / name)
    found = path_findings(document, tmp_path / "p", Workspace.path_exists)
    assert [(f.code, f.span) for f in found] == [("path-not-found", span) for span in spans]
    assert [f.message.split(" does not exist")[0] for f in found] == messages
