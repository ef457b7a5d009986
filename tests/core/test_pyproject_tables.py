"""parse_pyproject: every table that holds dependencies, with exact spans, and tolerance of broken text.

Cases mark expected spans inline with ``«label:text»`` (marks nest). For dependencies the labels are:
``dep`` (Dependency.span), ``name``, ``extras`` (with brackets), ``extra`` (each), ``spec``, ``clause``,
``op``, ``ver``, ``marker`` and ``url``. Every span of a dependency must be marked when it is set, except
that clause, operator and version spans are only checked when the case marks at least one clause.
"""

from __future__ import annotations

import pytest

from pinwise.core.model import Dependency, DependencyKind, Severity
from pinwise.core.pyproject import PyprojectFile, parse_pyproject
from pinwise.core.text import Span
from tests.marks import unmark


def _inside(spans: dict[str, list[Span]], label: str, whole: Span) -> list[Span]:
    return [span for span in spans.get(label, []) if whole.start <= span.start and span.end <= whole.end]


def check_dependency_spans(dependency: Dependency, spans: dict[str, list[Span]], whole: Span) -> None:
    def one(label: str) -> Span | None:
        found = _inside(spans, label, whole)
        assert len(found) <= 1, f"two {label} marks in one dependency"
        return found[0] if found else None

    assert dependency.name_span == one("name")
    assert dependency.extras_span == one("extras")
    assert [extra.span for extra in dependency.extras] == _inside(spans, "extra", whole)
    assert dependency.specifier_span == one("spec")
    assert dependency.marker_span == one("marker")
    assert dependency.url_span == one("url")
    if _inside(spans, "clause", whole):
        # A Poetry clause such as ^1.2 becomes two clauses that share the span of what was written.
        assert sorted({clause.span for clause in dependency.clauses}) == _inside(spans, "clause", whole)
        assert sorted({clause.operator_span for clause in dependency.clauses}) == _inside(spans, "op", whole)
        assert sorted({clause.version_span for clause in dependency.clauses}) == _inside(spans, "ver", whole)


Expected = tuple[str, str | None, str | None, str]  # section, group, name, PEP 440 specifier


def check_dependencies(marked: str, expected: list[Expected]) -> PyprojectFile:
    text, spans = unmark(marked)
    parsed = parse_pyproject(text)
    assert [problem for problem in parsed.problems if problem.severity >= Severity.WARNING] == []
    found = [(dep.section, dep.group, dep.name, dep.specifier) for dep in parsed.dependencies]
    assert found == expected
    assert [dep.span for dep in parsed.dependencies] == spans["dep"]
    for dependency, whole in zip(parsed.dependencies, spans["dep"], strict=True):
        check_dependency_spans(dependency, spans, whole)
    return parsed


DEPENDENCY_CASES = [
    pytest.param(
        '[project]\ndependencies = [\n  "«dep:«name:requests»«extras:[«extra:socks»]»'
        "«spec:«clause:«op:>=»«ver:2.0»»,«clause:«op:<»«ver:3»»»; «marker:python_version >= "
        "'3.8'»»\",\n]\n",
        [("project.dependencies", None, "requests", "<3,>=2.0")],
        id="project-dependencies",
    ),
    pytest.param(
        "[project]\ndependencies = ['«dep:«name:pkg» @ «url:https://example.com/pkg-1.0.tar.gz»»']\n",
        [("project.dependencies", None, "pkg", "")],
        id="literal-string-url",
    ),
    pytest.param(
        r"[project]"
        + "\n"
        + r'dependencies = ["«dep:«name:a»«spec:«clause:«op:\u003e=»«ver:1\u002e0»»»»"]'
        + "\n",
        [("project.dependencies", None, "a", ">=1.0")],
        id="escapes-inside-string",
    ),
    pytest.param(
        '[project]\ndependencies = [\n  # comment\n  "«dep:«name:a»»",  # after\n\n  "«dep:«name:b»»",\n]\n',
        [("project.dependencies", None, "a", ""), ("project.dependencies", None, "b", "")],
        id="multi-line-array",
    ),
    pytest.param(
        'project.dependencies = ["«dep:«name:a»«spec:==1»»"]\n',
        [("project.dependencies", None, "a", "==1")],
        id="dotted-key-at-top-level",
    ),
    pytest.param(
        '[project.optional-dependencies]\ndev = ["«dep:«name:pytest»»"]\ndocs = ["«dep:«name:sphinx»»"]\n',
        [
            ("project.optional-dependencies.dev", "dev", "pytest", ""),
            ("project.optional-dependencies.docs", "docs", "sphinx", ""),
        ],
        id="optional-dependencies",
    ),
    pytest.param(
        '[dependency-groups]\ntest = ["«dep:«name:pytest»»", {include-group = "lint"}]\nlint = ["«dep:«name:ruff»»"]\n',
        [("dependency-groups.test", "test", "pytest", ""), ("dependency-groups.lint", "lint", "ruff", "")],
        id="dependency-groups",
    ),
    pytest.param(
        '[build-system]\nrequires = ["«dep:«name:hatchling»«spec:>=1»»"]\n',
        [("build-system.requires", None, "hatchling", ">=1")],
        id="build-system",
    ),
    pytest.param(
        '[tool.uv]\ndev-dependencies = ["«dep:«name:a»»"]\nconstraint-dependencies = ["«dep:«name:b»«spec:<2»»"]\n'
        'override-dependencies = ["«dep:«name:c»»"]\nbuild-constraint-dependencies = ["«dep:«name:d»»"]\n',
        [
            ("tool.uv.dev-dependencies", "dev", "a", ""),
            ("tool.uv.constraint-dependencies", None, "b", "<2"),
            ("tool.uv.override-dependencies", None, "c", ""),
            ("tool.uv.build-constraint-dependencies", None, "d", ""),
        ],
        id="uv-lists",
    ),
    pytest.param(
        '[tool.pdm.dev-dependencies]\nlint = ["«dep:«name:flake8»»", "«dep:-e «url:./sub#egg=«name:sub»»»"]\n',
        [
            ("tool.pdm.dev-dependencies.lint", "lint", "flake8", ""),
            ("tool.pdm.dev-dependencies.lint", "lint", "sub", ""),
        ],
        id="pdm",
    ),
    pytest.param(
        '[tool.poetry.dependencies]\npython = "^3.9"\n«dep:«name:requests» = "«spec:«clause:«op:^»«ver:2.31»»»"»\n'
        '«dep:«name:b» = "«spec:«clause:«op:>=»«ver:1»», «clause:«op:<»«ver:2»»»"»\n',
        [
            ("tool.poetry.dependencies", None, "requests", ">=2.31,<3.0"),
            ("tool.poetry.dependencies", None, "b", ">=1,<2"),
        ],
        id="poetry-strings",
    ),
    pytest.param(
        "[tool.poetry.dependencies]\n"
        '«dep:«name:foo» = { version = "«spec:~1.2»", extras = «extras:["«extra:a»", "«extra:b»"]», '
        "markers = \"«marker:sys_platform == 'linux'»\", optional = true }»\n",
        [("tool.poetry.dependencies", None, "foo", ">=1.2,<1.3")],
        id="poetry-inline-table",
    ),
    pytest.param(
        '[tool.poetry.dependencies.«dep:«name:baz»»]\nversion = "«spec:*»"\n',
        [("tool.poetry.dependencies", None, "baz", "")],
        id="poetry-header-table",
    ),
    pytest.param(
        '[tool.poetry]\ndependencies.«dep:«name:requests» = "«spec:^2»"»\n',
        [("tool.poetry.dependencies", None, "requests", ">=2,<3")],
        id="poetry-dotted-key",
    ),
    pytest.param(
        '[tool.poetry.group.dev.dependencies]\n«dep:«name:pytest» = "«spec:^8»"»\n'
        '[tool.poetry.dev-dependencies]\n«dep:«name:mypy» = "«spec:1.0»"»\n',
        [
            ("tool.poetry.group.dev.dependencies", "dev", "pytest", ">=8,<9"),
            ("tool.poetry.dev-dependencies", "dev", "mypy", "==1.0"),
        ],
        id="poetry-groups",
    ),
    pytest.param(
        "[tool.poetry.dependencies]\n"
        '«dep:«name:g» = { git = "«url:https://example.com/g.git»", branch = "main" }»\n'
        '«dep:«name:p» = { path = "«url:../p»", develop = true }»\n'
        '«dep:«name:u» = { url = "«url:https://example.com/u.whl»" }»\n',
        [
            ("tool.poetry.dependencies", None, "g", ""),
            ("tool.poetry.dependencies", None, "p", ""),
            ("tool.poetry.dependencies", None, "u", ""),
        ],
        id="poetry-locations",
    ),
    pytest.param(
        '[tool.poetry.dependencies]\n«dep:"«name:quoted.name»" = "«spec:1.*»"»\n',
        [("tool.poetry.dependencies", None, "quoted.name", "==1.*")],
        id="poetry-quoted-key",
    ),
]


@pytest.mark.parametrize(("marked", "expected"), DEPENDENCY_CASES)
def test_dependencies(marked: str, expected: list[Expected]) -> None:
    check_dependencies(marked, expected)


def test_poetry_multiple_constraints() -> None:
    # Each table of the array is one dependency; the name is the key they share.
    text, spans = unmark(
        "[tool.poetry.dependencies]\n«name:bar» = [\n"
        '  «dep:{ version = "«spec:<=1.9»", python = "«marker:<3.8»" }»,\n'
        '  «dep:{ version = "«spec:^2»", python = "«marker:>=3.8»" }»,\n]\n'
    )
    parsed = parse_pyproject(text)
    assert parsed.problems == []
    assert [(dep.name, dep.specifier, dep.marker) for dep in parsed.dependencies] == [
        ("bar", "<=1.9", 'python_version < "3.8"'),
        ("bar", ">=2,<3", 'python_version >= "3.8"'),
    ]
    assert [dep.span for dep in parsed.dependencies] == spans["dep"]
    assert [dep.name_span for dep in parsed.dependencies] == spans["name"] * 2
    assert [dep.specifier_span for dep in parsed.dependencies] == spans["spec"]
    assert [dep.marker_span for dep in parsed.dependencies] == spans["marker"]


def test_poetry_fields() -> None:
    parsed = check_dependencies(
        "[tool.poetry.dependencies]\n"
        '«dep:«name:a» = { version = "«spec:^1»", optional = true, markers = "«marker:os_name == \'nt\'»", '
        'python = "^3.8" }»\n'
        '«dep:«name:p» = { path = "«url:../p»", develop = true }»\n'
        '«dep:«name:g» = { git = "«url:https://example.com/g.git»" }»\n'
        '«dep:«name:u» = { url = "«url:https://example.com/u.whl»" }»\n',
        [
            ("tool.poetry.dependencies", None, "a", ">=1,<2"),
            ("tool.poetry.dependencies", None, "p", ""),
            ("tool.poetry.dependencies", None, "g", ""),
            ("tool.poetry.dependencies", None, "u", ""),
        ],
    )
    a, p, g, u = parsed.dependencies
    assert (a.poetry, a.optional, a.raw_constraint) == (True, True, "^1")
    assert a.marker == 'os_name == "nt" and python_version >= "3.8" and python_version < "4.0"'
    assert [clause.text for clause in a.clauses] == [">=1", "<2"]
    assert (p.kind, p.url, p.editable) == (DependencyKind.PATH, "../p", True)
    assert (g.kind, u.kind) == (DependencyKind.VCS, DependencyKind.URL)


@pytest.mark.parametrize(
    ("table", "marker"),
    [
        # Poetry turns ``platform`` into a sys_platform marker and ANDs it with ``markers`` and ``python``.
        ('{ version = "^1", platform = "linux" }', 'sys_platform == "linux"'),
        ('{ version = "^1", platform = "!=win32" }', 'sys_platform != "win32"'),
        (
            '{ version = "^1", platform = "linux || darwin" }',
            'sys_platform == "linux" or sys_platform == "darwin"',
        ),
        (
            '{ version = "^1", platform = "!=win32, !=cygwin" }',
            'sys_platform != "win32" and sys_platform != "cygwin"',
        ),
        ('{ version = "^1", platform = "*" }', None),
        (
            '{ version = "^1", markers = "os_name == \'posix\'", python = ">=3.9", platform = "darwin" }',
            'os_name == "posix" and python_version >= "3.9" and sys_platform == "darwin"',
        ),
    ],
)
def test_poetry_platform(table: str, marker: str | None) -> None:
    parsed = parse_pyproject(f"[tool.poetry.dependencies]\nfoo = {table}\n")
    assert parsed.problems == []
    assert [dep.marker for dep in parsed.dependencies] == [marker]


def test_poetry_platform_alternatives_do_not_conflict() -> None:
    # The shape of Poetry's documentation: one entry per platform, each with its own version.
    text, spans = unmark(
        '[tool.poetry.dependencies]\nfoo = [\n  { platform = "«p:darwin»", version = "^2.0" },\n'
        '  { platform = "«p:linux»", version = "^1.0" },\n]\n'
    )
    parsed = parse_pyproject(text)
    assert [(dep.specifier, dep.marker) for dep in parsed.dependencies] == [
        (">=2.0,<3.0", 'sys_platform == "darwin"'),
        (">=1.0,<2.0", 'sys_platform == "linux"'),
    ]
    assert [dep.marker_span for dep in parsed.dependencies] == spans["p"]


def test_poetry_python_is_never_a_dependency() -> None:
    parsed = parse_pyproject(
        '[tool.poetry.dependencies]\nPython = "^3.9"\nrequests = "^2"\n'
        '[tool.poetry.group.dev.dependencies]\npython = "^3.10"\npytest = "^8"\n'
    )
    assert [dep.name for dep in parsed.dependencies] == ["requests", "pytest"]
    assert parsed.requires_python is not None and parsed.requires_python.raw == "^3.9"


def test_poetry_file_dependency() -> None:
    # poetry-core reads ``file`` (a local archive) after ``git`` and before ``path`` and ``url``.
    text, spans = unmark('[tool.poetry.dependencies]\ndemo = { file = "«u:../dist/demo-0.1.0.zip»" }\n')
    (demo,) = parse_pyproject(text).dependencies
    assert (demo.kind, demo.url, demo.url_span, demo.specifier) == (
        DependencyKind.PATH,
        "../dist/demo-0.1.0.zip",
        spans["u"][0],
        "",
    )


def test_pep508_url_kinds() -> None:
    parsed = parse_pyproject(
        '[project]\ndependencies = ["a @ git+https://example.com/a.git", "b @ https://example.com/b.whl",'
        ' "c @ file:///tmp/c"]\n'
    )
    assert [dep.kind for dep in parsed.dependencies] == [
        DependencyKind.VCS,
        DependencyKind.URL,
        DependencyKind.PATH,
    ]


# ---- settings: python requirement, names, indexes, sources, tool.pinwise ---------------------------------


def test_project_settings() -> None:
    text, spans = unmark(
        '[project]\nname = "«n:demo»"\nversion = "«v:1.0»"\nrequires-python = "«r:«c:>=3.9»,«c:<4»»"\n'
        '[build-system]\nrequires = []\nbuild-backend = "«b:hatchling.build»"\n'
        "[project.optional-dependencies]\n«x:dev» = []\n[dependency-groups]\n«g:test» = []\n"
    )
    parsed = parse_pyproject(text)
    assert parsed.problems == []
    assert parsed.name is not None and (parsed.name.value, parsed.name.span) == ("demo", spans["n"][0])
    assert parsed.version is not None and parsed.version.span == spans["v"][0]
    assert parsed.build_backend is not None and parsed.build_backend.span == spans["b"][0]
    requirement = parsed.requires_python
    assert requirement is not None
    assert (requirement.specifier, requirement.span) == ("<4,>=3.9", spans["r"][0])
    assert [clause.span for clause in requirement.clauses] == spans["c"]
    assert parsed.extras == {"dev": spans["x"][0]}
    assert parsed.dependency_groups == {"test": spans["g"][0]}


def test_poetry_python_is_a_requirement_not_a_dependency() -> None:
    text, spans = unmark('[tool.poetry.dependencies]\npython = "«p:^3.9»"\n')
    parsed = parse_pyproject(text)
    assert parsed.dependencies == []
    requirement = parsed.requires_python
    assert requirement is not None
    assert (requirement.specifier, requirement.raw, requirement.span) == (">=3.9,<4.0", "^3.9", spans["p"][0])
    assert requirement.section == "tool.poetry.dependencies.python"


def test_indexes_and_sources() -> None:
    text, spans = unmark(
        '[[tool.poetry.source]]\nname = "«n:private»"\nurl = "«u:https://example.com/simple»"\npriority = "«p:supplemental»"\n'
        '[[tool.uv.index]]\nname = "«n:mine»"\nurl = "«u:http://127.0.0.1/simple»"\nexplicit = «e:true»\n'
        "[tool.uv.sources]\n"
        '«s:«k:a» = { index = "«t:mine»" }»\n'
        '«s:«k:b» = { git = "«t:https://example.com/b.git»", tag = "v1" }»\n'
        "«s:«k:c» = { workspace = «t:true» }»\n"
    )
    parsed = parse_pyproject(text)
    assert parsed.problems == []
    poetry, uv = parsed.indexes
    assert (poetry.tool, uv.tool) == ("poetry", "uv")
    assert [index.name.span for index in parsed.indexes if index.name] == spans["n"]
    assert [index.url.span for index in parsed.indexes if index.url] == spans["u"]
    assert poetry.priority is not None and poetry.priority.span == spans["p"][0]
    assert uv.explicit and not uv.default and uv.settings["explicit"].span == spans["e"][0]
    assert [(source.name, source.kind) for source in parsed.sources] == [
        ("a", "index"),
        ("b", "git"),
        ("c", "workspace"),
    ]
    assert [source.span for source in parsed.sources] == spans["s"]
    assert [source.name_span for source in parsed.sources] == spans["k"]
    assert [source.target.span for source in parsed.sources if source.target] == spans["t"]


def test_tool_pinwise_table() -> None:
    text, spans = unmark(
        '[project]\nname = "x"\n«w:[tool.pinwise]\npolicy = "strict"\nignore = ["a", "b"]»\n'
    )
    parsed = parse_pyproject(text)
    assert parsed.pinwise_settings == {"policy": "strict", "ignore": ["a", "b"]}
    assert parsed.pinwise_span == spans["w"][0]
    assert parse_pyproject("[project]\n").pinwise_settings is None


# ---- problems found in the tables ------------------------------------------------------------------------

# (document with «p:…» on each expected problem, the expected codes in order)
TABLE_PROBLEM_CASES = [
    pytest.param(
        '[tool.poetry.dependencies]\nlib = {version = "^1", source = «p:1»}\n',
        ["invalid-value"],
        id="poetry-source-not-a-name",
    ),
    pytest.param(
        '[dependency-groups]\ntest = [{include-group = "«p:nope»"}]\n',
        ["unknown-include-group"],
        id="unknown-include",
    ),
    pytest.param(
        '[dependency-groups]\na = [{include-group = "«p:b»"}]\nb = [{include-group = "«p:a»"}]\n',
        ["include-group-cycle", "include-group-cycle"],
        id="include-cycle",
    ),
    pytest.param(
        '[project]\ndependencies = «p:"requests"»\n', ["invalid-value"], id="dependencies-not-array"
    ),
    pytest.param("[project]\ndependencies = [«p:1»]\n", ["invalid-value"], id="item-not-string"),
    pytest.param('[project]\ndependencies = [«p:""»]\n', ["invalid-requirement"], id="empty-requirement"),
    pytest.param('[project]\ndependencies = ["«p:-bad»"]\n', ["invalid-requirement"], id="bad-requirement"),
    pytest.param(
        '[project]\nrequires-python = "«p:>=3.x»"\n', ["invalid-requires-python"], id="bad-requires-python"
    ),
    pytest.param(
        '[tool.poetry.dependencies]\na = "«p:^x»"\n', ["invalid-poetry-constraint"], id="bad-poetry"
    ),
    pytest.param(
        '[tool.poetry.dependencies]\na = "«p:^1 || ^2»"\n', ["poetry-union"], id="poetry-union-information"
    ),
    pytest.param(
        '[tool.poetry.dependencies]\n"«p:bad!name»" = "1"\n', ["invalid-name"], id="poetry-bad-name"
    ),
    pytest.param(
        '[tool.poetry.dependencies]\na = { version = "1", markers = "os_name «p:==»" }\n',
        ["invalid-marker"],
        id="poetry-bad-marker",
    ),
]


def check_table_problems(marked: str, codes: list[str]) -> None:
    text, spans = unmark(marked)
    parsed = parse_pyproject(text)
    assert [problem.code for problem in parsed.problems] == codes
    assert [problem.span for problem in parsed.problems] == spans["p"]


@pytest.mark.parametrize(("marked", "codes"), TABLE_PROBLEM_CASES)
def test_table_problems(marked: str, codes: list[str]) -> None:
    check_table_problems(marked, codes)


# ---- half-typed files: every dependency outside the broken region is still found ------------------------

# (document with «p:…» on the syntax problem, names of the dependencies that must be found)
HALF_TYPED_CASES = [
    pytest.param(
        '[project]\ndependencies = [\n  «p:"requests>=2,»\n  "flask",\n]\n[tool.poetry.dependencies]\nattrs = "^1"\n',
        ["requests", "flask", "attrs"],
        id="unclosed-string",
    ),
    pytest.param(
        '[project]\ndependencies = «p:[»\n  "requests",\n  "flask"\n\n[tool.poetry.dependencies]\nattrs = "^1"\n',
        ["requests", "flask", "attrs"],
        id="unclosed-array",
    ),
    pytest.param(
        '«p:[project»\ndependencies = ["requests"]\n[build-system]\nrequires = ["hatchling"]\n',
        ["requests", "hatchling"],
        id="missing-bracket",
    ),
    pytest.param(
        '[project]\n«p:reque»\ndependencies = ["requests"]\n[dependency-groups]\ndev = ["pytest"]\n',
        ["requests", "pytest"],
        id="stray-key",
    ),
    pytest.param(
        '[tool.poetry.dependencies]\na = «p:{» version = "^1"\nb = "^2"\n[project]\ndependencies = ["c"]\n',
        ["a", "b", "c"],
        id="unclosed-inline-table",
    ),
    pytest.param(
        '[project]\ndependencies = ["a", «p:b»]\noptional-dependencies.x = ["c"]\n',
        ["a", "c"],
        id="unquoted-item",
    ),
]


def check_half_typed(marked: str, names: list[str]) -> None:
    text, spans = unmark(marked)
    parsed = parse_pyproject(text)
    syntax = [problem.span for problem in parsed.problems if problem.code == "toml-syntax"]
    assert syntax == spans["p"]
    assert [dep.name for dep in parsed.dependencies] == names


@pytest.mark.parametrize(("marked", "names"), HALF_TYPED_CASES)
def test_half_typed_files(marked: str, names: list[str]) -> None:
    check_half_typed(marked, names)


def test_internal_errors_become_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    import pinwise.core.pyproject.tables as tables

    def explode(text: str) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(tables, "scan_toml", explode)
    parsed = parse_pyproject("[project]\n", "pyproject.toml")
    assert [problem.code for problem in parsed.problems] == ["internal-error"]
    assert parsed.path == "pyproject.toml"
