"""The dependency model of a ``pyproject.toml``: every dependency, Python requirement, index and source.

:func:`parse_pyproject` reads the tables that tools put dependencies in:

* ``[project]``: ``dependencies``, ``optional-dependencies.<extra>``, ``requires-python``, ``name``,
  ``version``;
* ``[dependency-groups]`` (PEP 735), with ``{include-group = "…"}`` entries;
* ``[build-system]``: ``requires`` and ``build-backend``;
* Poetry: ``[tool.poetry.dependencies]``, ``[tool.poetry.group.<g>.dependencies]``,
  ``[tool.poetry.dev-dependencies]`` and ``[[tool.poetry.source]]``;
* uv: ``[tool.uv]`` dependency lists, ``[tool.uv.sources]`` and ``[[tool.uv.index]]``;
* PDM: ``[tool.pdm.dev-dependencies]``;
* ``[tool.pinwise]``, kept as a plain table for project-level settings.

Every span is a code-point offset into the document. A PEP 508 string is parsed by
:func:`pinwise.core.pep508.parse_pep508` on its decoded value, and the spans are mapped back through the
string's offset map, so they stay exact inside strings with escapes. Parsing never raises and does no I/O.

Problem codes produced here (besides those of :mod:`~pinwise.core.pyproject.scan`,
:mod:`~pinwise.core.pep508` and :mod:`~pinwise.core.pyproject.poetry`):

``invalid-value``
    a value has the wrong TOML type (a number where a list of requirement strings belongs, …).
``invalid-name``
    a Poetry dependency's key is not a valid project name.
``invalid-requires-python``
    ``requires-python`` (or Poetry's ``python``) is not a valid version specifier.
``unknown-include-group``
    ``{include-group = "x"}`` names a group that ``[dependency-groups]`` does not define.
``include-group-cycle``
    a dependency group includes itself, directly or through other groups.
``internal-error``
    a bug in Pinwise; the message says so (never expected).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass, field

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from pinwise.core.model import Clause, Dependency, DependencyKind, Extra, ParsedFile, Problem
from pinwise.core.pep508 import (
    map_clause,
    map_problem,
    map_spans,
    parse_marker_text,
    parse_pep508,
    parse_pep508_within,
    parse_specifier_clauses,
)
from pinwise.core.pyproject.poetry import (
    POETRY_UNION,
    platform_marker,
    python_marker,
    translate_poetry_constraint,
)
from pinwise.core.pyproject.scan import (
    KeyPart,
    TomlArray,
    TomlDocument,
    TomlNode,
    TomlScalar,
    TomlString,
    TomlTable,
    TomlTableArray,
    scan_toml,
    to_python,
)
from pinwise.core.text import Span

__all__ = [
    "GroupInclude",
    "PackageIndex",
    "PyprojectFile",
    "PythonRequirement",
    "Setting",
    "SourceEntry",
    "StringValue",
    "parse_pyproject",
]

logger = logging.getLogger(__name__)

INVALID_VALUE = "invalid-value"
INVALID_NAME = "invalid-name"
INVALID_REQUIRES_PYTHON = "invalid-requires-python"
UNKNOWN_INCLUDE_GROUP = "unknown-include-group"
INCLUDE_GROUP_CYCLE = "include-group-cycle"
INTERNAL_ERROR = "internal-error"

# PEP 508's project name rule.
_PROJECT_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_UV_DEPENDENCY_LISTS = (
    "dev-dependencies",
    "constraint-dependencies",
    "override-dependencies",
    "build-constraint-dependencies",
)
# The keys of a ``[tool.uv.sources]`` entry that say where the package comes from, in uv's order.
_UV_SOURCE_KINDS = ("index", "git", "path", "url", "workspace")


@dataclass(frozen=True, slots=True)
class StringValue:
    """A string setting: its decoded value and the span of its content (between the quotes)."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class PythonRequirement:
    """The Python versions a project supports, from ``requires-python`` or Poetry's ``python`` entry.

    ``specifier`` is PEP 440 text (Poetry's constraint translated); ``raw`` is what was written; ``span``
    is the string's content; ``clauses`` point at what was written.
    """

    specifier: str
    raw: str
    span: Span
    section: str  # "project.requires-python" or "tool.poetry.dependencies.python"
    clauses: tuple[Clause, ...] = ()


@dataclass(frozen=True, slots=True)
class GroupInclude:
    """``{include-group = "name"}`` inside dependency group ``group``; ``span`` is the name's content."""

    group: str
    name: str
    span: Span
    table_span: Span


@dataclass(frozen=True, slots=True)
class Setting:
    """One ``key = value`` of a small settings table, with plain Python value and spans.

    ``span`` is the value's content for a string, the whole value otherwise.
    """

    key: str
    key_span: Span
    value: object
    span: Span


@dataclass(frozen=True, slots=True)
class PackageIndex:
    """A package index declared in the file: ``[[tool.uv.index]]`` or ``[[tool.poetry.source]]``."""

    tool: str  # "uv" or "poetry"
    span: Span  # the table: the ``[[…]]`` header and its entries, or the inline table
    settings: dict[str, Setting]

    def _setting(self, key: str) -> Setting | None:
        return self.settings.get(key)

    @property
    def name(self) -> Setting | None:
        return self._setting("name")

    @property
    def url(self) -> Setting | None:
        return self._setting("url")

    @property
    def default(self) -> bool:
        setting = self._setting("default")
        return setting is not None and setting.value is True

    @property
    def explicit(self) -> bool:
        setting = self._setting("explicit")
        return setting is not None and setting.value is True

    @property
    def priority(self) -> Setting | None:
        return self._setting("priority")


@dataclass(frozen=True, slots=True)
class SourceEntry:
    """One entry of ``[tool.uv.sources]``: where package ``name`` comes from.

    ``kind`` is the first of ``index``, ``git``, ``path``, ``url``, ``workspace`` that is set (None when
    none is). A package with several sources (an array of tables, one per marker) gives one entry each.
    """

    name: str
    name_span: Span
    span: Span
    kind: str | None
    settings: dict[str, Setting]

    @property
    def target(self) -> Setting | None:
        return self.settings.get(self.kind) if self.kind else None


@dataclass(slots=True)
class PyprojectFile(ParsedFile):
    """A parsed ``pyproject.toml``. ``dependencies`` holds every dependency of every table, in file order."""

    document: TomlDocument | None = None
    name: StringValue | None = None
    version: StringValue | None = None
    python_requirements: list[PythonRequirement] = field(default_factory=list)
    build_backend: StringValue | None = None
    # Extra and group names as written, with the span of their key.
    extras: dict[str, Span] = field(default_factory=dict)
    dependency_groups: dict[str, Span] = field(default_factory=dict)
    group_includes: list[GroupInclude] = field(default_factory=list)
    poetry_groups: dict[str, Span] = field(default_factory=dict)
    indexes: list[PackageIndex] = field(default_factory=list)
    sources: list[SourceEntry] = field(default_factory=list)
    # Poetry's per-dependency ``source = "name"``: the package is looked up in that [[tool.poetry.source]].
    poetry_source_pins: dict[str, str] = field(default_factory=dict)
    pinwise_settings: dict[str, object] | None = None
    pinwise_span: Span | None = None  # the table's header (or dotted key) and everything in it

    @property
    def requires_python(self) -> PythonRequirement | None:
        """``project.requires-python`` when set, else Poetry's ``python`` dependency, else None."""
        for requirement in self.python_requirements:
            if requirement.section == "project.requires-python":
                return requirement
        return self.python_requirements[0] if self.python_requirements else None


def parse_pyproject(text: str, path: str | None = None) -> PyprojectFile:
    """Parse a ``pyproject.toml``'s text; never raises and never reads files."""
    try:
        document = scan_toml(text)
        result = PyprojectFile(path=path, text=text, document=document, problems=list(document.problems))
        _Extractor(result, document).run()
    except Exception:  # A bug must not take the language server down; it is logged and shown as a problem.
        logger.exception("parsing pyproject.toml failed")
        problem = Problem(INTERNAL_ERROR, "Pinwise failed to read this file (a bug in Pinwise)", Span(0, 0))
        return PyprojectFile(path=path, text=text, problems=[problem])
    result.dependencies.sort(key=lambda dependency: dependency.span.start)
    result.problems.sort(key=lambda problem: problem.span)
    return result


class _Extractor:
    def __init__(self, result: PyprojectFile, document: TomlDocument) -> None:
        self.result = result
        self.root = document.root

    def run(self) -> None:
        self.project()
        self.dependency_groups()
        self.build_system()
        self.poetry()
        self.uv()
        self.pdm()
        self.pinwise()

    # ---- helpers ------------------------------------------------------------------------------------

    def problem(self, code: str, message: str, span: Span) -> None:
        self.result.problems.append(Problem(code, message, span))

    def string(self, table: TomlTable, key: str, where: str) -> StringValue | None:
        node = table.entries.get(key)
        if node is None:
            return None
        if not isinstance(node, TomlString):
            self.problem(INVALID_VALUE, f"{where} must be a string", node.span)
            return None
        return StringValue(node.value, node.content_span)

    def table(self, node: TomlNode | None, where: str) -> TomlTable | None:
        if node is None:
            return None
        if not isinstance(node, TomlTable):
            self.problem(INVALID_VALUE, f"[{where}] must be a table", node.span)
            return None
        return node

    def requirement_strings(self, node: TomlNode | None, section: str, group: str | None) -> None:
        """Every PEP 508 string of the array ``node`` becomes a dependency of ``section``."""
        if node is None:
            return
        if not isinstance(node, TomlArray):
            self.problem(INVALID_VALUE, f"{section} must be an array of requirement strings", node.span)
            return
        for item in node.items:
            if isinstance(item, TomlString):
                self.pep508(item, section, group)
            else:
                self.problem(INVALID_VALUE, 'Expected a requirement string such as "name>=1.0"', item.span)

    def pep508(self, string: TomlString, section: str, group: str | None) -> None:
        dependency, problems = _pep508_dependency(string, self.result.text)
        for problem in problems:
            self.result.problems.append(problem)
        if dependency is not None:
            dependency.section = section
            dependency.group = group
            self.result.dependencies.append(dependency)

    # ---- [project] ----------------------------------------------------------------------------------

    def project(self) -> None:
        project = self.table(self.root.entries.get("project"), "project")
        if project is None:
            return
        self.result.name = self.string(project, "name", "project.name")
        self.result.version = self.string(project, "version", "project.version")
        requires_python = project.entries.get("requires-python")
        if isinstance(requires_python, TomlString):
            self.requires_python(requires_python)
        elif requires_python is not None:
            self.problem(INVALID_VALUE, "requires-python must be a string", requires_python.span)
        self.requirement_strings(project.entries.get("dependencies"), "project.dependencies", None)
        optional = self.table(project.entries.get("optional-dependencies"), "project.optional-dependencies")
        if optional is not None:
            for extra, key, node in optional.items():
                self.result.extras[extra] = key.name_span
                self.requirement_strings(node, f"project.optional-dependencies.{extra}", extra)

    def requires_python(self, string: TomlString) -> None:
        clauses, problems = parse_specifier_clauses(string.value)
        mapped = tuple(map_clause(clause, string.source_offset) for clause in clauses)
        for problem in problems:
            self.result.problems.append(
                dataclasses.replace(map_problem(problem, string.source_offset), code=INVALID_REQUIRES_PYTHON)
            )
        specifier = ""
        if not problems:
            try:
                specifier = str(SpecifierSet(string.value))
            except InvalidSpecifier as error:
                self.problem(INVALID_REQUIRES_PYTHON, str(error), string.content_span)
        requirement = PythonRequirement(
            specifier, string.value, string.content_span, "project.requires-python", mapped
        )
        self.result.python_requirements.append(requirement)

    # ---- [dependency-groups] ------------------------------------------------------------------------

    def dependency_groups(self) -> None:
        groups = self.table(self.root.entries.get("dependency-groups"), "dependency-groups")
        if groups is None:
            return
        for group, key, node in groups.items():
            self.result.dependency_groups[group] = key.name_span
            section = f"dependency-groups.{group}"
            if not isinstance(node, TomlArray):
                self.problem(INVALID_VALUE, f"{section} must be an array", node.span)
                continue
            for item in node.items:
                if isinstance(item, TomlString):
                    self.pep508(item, section, group)
                elif isinstance(item, TomlTable) and isinstance(
                    item.entries.get("include-group"), TomlString
                ):
                    target = item.entries["include-group"]
                    assert isinstance(target, TomlString)
                    include = GroupInclude(group, target.value, target.content_span, item.span)
                    self.result.group_includes.append(include)
                else:
                    self.problem(
                        INVALID_VALUE,
                        'Expected a requirement string or {include-group = "name"}',
                        item.span,
                    )
        self.check_includes()

    def check_includes(self) -> None:
        """PEP 735: an included group must exist, and groups must not include themselves."""
        known = {canonicalize_name(group) for group in self.result.dependency_groups}
        edges: dict[str, list[GroupInclude]] = {}
        for include in self.result.group_includes:
            if canonicalize_name(include.name) not in known:
                self.problem(
                    UNKNOWN_INCLUDE_GROUP,
                    f"There is no dependency group named {include.name!r} in [dependency-groups]",
                    include.span,
                )
            else:
                edges.setdefault(canonicalize_name(include.group), []).append(include)
        for include in self.result.group_includes:
            start = canonicalize_name(include.group)
            if _reaches(edges, canonicalize_name(include.name), start):
                self.problem(
                    INCLUDE_GROUP_CYCLE,
                    f"Including {include.name!r} makes group {include.group!r} include itself",
                    include.span,
                )

    # ---- [build-system] -----------------------------------------------------------------------------

    def build_system(self) -> None:
        build = self.table(self.root.entries.get("build-system"), "build-system")
        if build is None:
            return
        self.requirement_strings(build.entries.get("requires"), "build-system.requires", None)
        self.result.build_backend = self.string(build, "build-backend", "build-system.build-backend")

    # ---- Poetry -------------------------------------------------------------------------------------

    def poetry(self) -> None:
        poetry = self.table(self.root.get("tool", "poetry"), "tool.poetry")
        if poetry is None:
            return
        self.poetry_dependencies(poetry.entries.get("dependencies"), "tool.poetry.dependencies", None)
        self.poetry_dependencies(
            poetry.entries.get("dev-dependencies"), "tool.poetry.dev-dependencies", "dev"
        )
        groups = self.table(poetry.entries.get("group"), "tool.poetry.group")
        if groups is not None:
            for group, key, node in groups.items():
                self.result.poetry_groups[group] = key.name_span
                group_table = self.table(node, f"tool.poetry.group.{group}")
                if group_table is not None:
                    section = f"tool.poetry.group.{group}.dependencies"
                    self.poetry_dependencies(group_table.entries.get("dependencies"), section, group)
        self.indexes(poetry.entries.get("source"), "poetry", "tool.poetry.source")

    def poetry_dependencies(self, node: TomlNode | None, section: str, group: str | None) -> None:
        table = self.table(node, section)
        if table is None:
            return
        for name, key, value in table.items():
            if name.lower() == "python":
                # poetry-core skips "python" in every group, in any case; only the main group's is the
                # project's Python requirement.
                if section == "tool.poetry.dependencies":
                    self.poetry_python(value)
                continue
            if not _PROJECT_NAME.fullmatch(name):
                self.problem(INVALID_NAME, f"{name!r} is not a valid project name", key.name_span)
            entry_span = table.entry_span(name) or key.span
            if isinstance(value, TomlString):
                self.poetry_dependency(name, key, entry_span, value, None, section, group)
            elif isinstance(value, TomlTable):
                self.poetry_dependency(name, key, entry_span, None, value, section, group)
            elif isinstance(value, TomlArray) and all(isinstance(item, TomlTable) for item in value.items):
                # Several constraints for one package (usually one per Python version or platform).
                for item in value.items:
                    assert isinstance(item, TomlTable)
                    self.poetry_dependency(name, key, item.span, None, item, section, group)
            else:
                self.problem(
                    INVALID_VALUE,
                    f"{name} must be a version constraint string, a table, or an array of tables",
                    value.span,
                )

    def poetry_python(self, value: TomlNode) -> None:
        if not isinstance(value, TomlString):
            self.problem(INVALID_VALUE, "python must be a version constraint string", value.span)
            return
        constraint = translate_poetry_constraint(value.value)
        for problem in constraint.problems:
            code = INVALID_REQUIRES_PYTHON if problem.code != POETRY_UNION else problem.code
            mapped = map_problem(problem, value.source_offset)
            self.result.problems.append(dataclasses.replace(mapped, code=code))
        clauses = tuple(map_clause(clause, value.source_offset) for clause in constraint.clauses)
        self.result.python_requirements.append(
            PythonRequirement(
                constraint.specifier,
                value.value,
                value.content_span,
                "tool.poetry.dependencies.python",
                clauses,
            )
        )

    def poetry_dependency(
        self,
        name: str,
        key: KeyPart,
        span: Span,
        version: TomlString | None,
        table: TomlTable | None,
        section: str,
        group: str | None,
    ) -> None:
        dependency = Dependency(
            span=span, name=name, name_span=key.name_span, section=section, group=group, poetry=True
        )
        if table is not None:
            version_node = table.entries.get("version")
            if isinstance(version_node, TomlString):
                version = version_node
            elif version_node is not None:
                self.problem(INVALID_VALUE, "version must be a string", version_node.span)
            self.poetry_table_fields(dependency, table)
        if version is not None:
            constraint = translate_poetry_constraint(version.value)
            dependency.raw_constraint = version.value
            dependency.specifier = constraint.specifier
            dependency.clauses = tuple(
                map_clause(clause, version.source_offset) for clause in constraint.clauses
            )
            content = version.value.strip()
            if content and content != "*":
                lead = len(version.value) - len(version.value.lstrip())
                dependency.specifier_span = version.source_span(lead, lead + len(content))
            for problem in constraint.problems:
                self.result.problems.append(map_problem(problem, version.source_offset))
        self.result.dependencies.append(dependency)

    def poetry_table_fields(self, dependency: Dependency, table: TomlTable) -> None:
        source = table.entries.get("source")
        if isinstance(source, TomlString) and dependency.name:
            self.result.poetry_source_pins[dependency.name] = source.value
        elif source is not None:
            self.problem(INVALID_VALUE, "source must be the name of a [[tool.poetry.source]]", source.span)
        extras = table.entries.get("extras")
        if isinstance(extras, TomlArray):
            names: list[Extra] = []
            for item in extras.items:
                if isinstance(item, TomlString):
                    names.append(Extra(item.value, item.content_span))
                else:
                    self.problem(INVALID_VALUE, "Expected an extra's name", item.span)
            dependency.extras = tuple(names)
            dependency.extras_span = extras.span
        elif extras is not None:
            self.problem(INVALID_VALUE, "extras must be an array of names", extras.span)
        markers: list[str] = []
        marker_spans: list[Span] = []
        marker_node = table.entries.get("markers")
        if isinstance(marker_node, TomlString):
            normalised, _, problem = parse_marker_text(marker_node.value)
            if problem is not None:
                self.result.problems.append(map_problem(problem, marker_node.source_offset))
            elif normalised is not None:
                markers.append(normalised)
                marker_spans.append(marker_node.content_span)
        elif marker_node is not None:
            self.problem(INVALID_VALUE, "markers must be a string", marker_node.span)
        python = table.entries.get("python")
        if isinstance(python, TomlString):
            constraint = translate_poetry_constraint(python.value)
            for problem in constraint.problems:
                self.result.problems.append(map_problem(problem, python.source_offset))
            python_text = python_marker(constraint)
            if python_text is not None:
                markers.append(python_text)
                marker_spans.append(python.content_span)
        elif python is not None:
            self.problem(INVALID_VALUE, "python must be a version constraint string", python.span)
        platform = table.entries.get("platform")
        if isinstance(platform, TomlString):
            platform_text = platform_marker(platform.value)
            if platform_text is not None:
                markers.append(platform_text)
                marker_spans.append(platform.content_span)
            elif platform.value.strip() not in ("", "*"):
                self.problem(
                    INVALID_VALUE,
                    "platform must be a platform name such as linux, darwin or win32",
                    platform.content_span,
                )
        elif platform is not None:
            self.problem(INVALID_VALUE, "platform must be a string", platform.span)
        if markers:
            dependency.marker = _join_markers(markers)
            dependency.marker_span = marker_spans[0]
        # poetry-core's order: git, then file (a local archive), path, url.
        for kind_key, kind in (
            ("git", DependencyKind.VCS),
            ("file", DependencyKind.PATH),
            ("path", DependencyKind.PATH),
            ("url", DependencyKind.URL),
        ):
            location = table.entries.get(kind_key)
            if isinstance(location, TomlString):
                dependency.kind = kind
                dependency.url = location.value
                dependency.url_span = location.content_span
                break
            if location is not None:
                self.problem(INVALID_VALUE, f"{kind_key} must be a string", location.span)
        dependency.optional = _boolean(table.entries.get("optional"))
        dependency.editable = _boolean(table.entries.get("develop"))

    # ---- uv and PDM ---------------------------------------------------------------------------------

    def uv(self) -> None:
        uv = self.table(self.root.get("tool", "uv"), "tool.uv")
        if uv is None:
            return
        for list_name in _UV_DEPENDENCY_LISTS:
            group = "dev" if list_name == "dev-dependencies" else None
            self.requirement_strings(uv.entries.get(list_name), f"tool.uv.{list_name}", group)
        sources = self.table(uv.entries.get("sources"), "tool.uv.sources")
        if sources is not None:
            for name, key, node in sources.items():
                self.uv_source(name, key, node, sources.entry_span(name) or key.span)
        self.indexes(uv.entries.get("index"), "uv", "tool.uv.index")

    def uv_source(self, name: str, key: KeyPart, node: TomlNode, span: Span) -> None:
        tables: list[tuple[TomlTable, Span]]
        if isinstance(node, TomlTable):
            tables = [(node, span)]
        elif isinstance(node, TomlArray) and all(isinstance(item, TomlTable) for item in node.items):
            tables = [(item, item.span) for item in node.items if isinstance(item, TomlTable)]
        else:
            self.problem(INVALID_VALUE, f"The source of {name} must be a table", node.span)
            return
        for table, table_span in tables:
            settings = _settings(table)
            kind = next((kind for kind in _UV_SOURCE_KINDS if kind in settings), None)
            self.result.sources.append(SourceEntry(name, key.name_span, table_span, kind, settings))

    def indexes(self, node: TomlNode | None, tool: str, where: str) -> None:
        if node is None:
            return
        tables: list[TomlTable]
        if isinstance(node, TomlTableArray):
            tables = node.tables
        elif isinstance(node, TomlArray) and all(isinstance(item, TomlTable) for item in node.items):
            tables = [item for item in node.items if isinstance(item, TomlTable)]
        else:
            self.problem(INVALID_VALUE, f"{where} must be an array of tables ([[{where}]])", node.span)
            return
        for table in tables:
            self.result.indexes.append(PackageIndex(tool, table.extent or table.span, _settings(table)))

    def pdm(self) -> None:
        groups = self.table(self.root.get("tool", "pdm", "dev-dependencies"), "tool.pdm.dev-dependencies")
        if groups is None:
            return
        for group, _key, node in groups.items():
            section = f"tool.pdm.dev-dependencies.{group}"
            if not isinstance(node, TomlArray):
                self.problem(INVALID_VALUE, f"{section} must be an array of requirement strings", node.span)
                continue
            for item in node.items:
                if isinstance(item, TomlString) and item.value.lstrip().startswith("-e"):
                    self.pdm_editable(item, section, group)
                elif isinstance(item, TomlString):
                    self.pep508(item, section, group)
                else:
                    self.problem(INVALID_VALUE, "Expected a requirement string", item.span)

    def pdm_editable(self, string: TomlString, section: str, group: str) -> None:
        """PDM's ``"-e <path or url>"`` entries name an editable local project, not a PEP 508 string."""
        value = string.value
        start = len(value) - len(value.lstrip()) + 2
        while start < len(value) and value[start] in " \t":
            start += 1
        end = len(value.rstrip())
        location = value[start:end]
        if not location:
            self.problem(INVALID_VALUE, "Expected a path or URL after -e", string.content_span)
            return
        dependency = Dependency(
            span=string.content_span,
            kind=_location_kind(location),
            url=location,
            url_span=string.source_span(start, end),
            section=section,
            group=group,
            editable=True,
        )
        egg = location.rfind("#egg=")
        if egg >= 0:
            name_start = start + egg + len("#egg=")
            name_end = name_start
            while name_end < end and value[name_end] not in "&[ ":
                name_end += 1
            if name_end > name_start:
                dependency.name = value[name_start:name_end]
                dependency.name_span = string.source_span(name_start, name_end)
        self.result.dependencies.append(dependency)

    # ---- [tool.pinwise] -----------------------------------------------------------------------------

    def pinwise(self) -> None:
        pinwise = self.table(self.root.get("tool", "pinwise"), "tool.pinwise")
        if pinwise is None:
            return
        settings = to_python(pinwise)
        assert isinstance(settings, dict)
        self.result.pinwise_settings = settings
        self.result.pinwise_span = pinwise.extent or pinwise.span


def _pep508_dependency(string: TomlString, text: str) -> tuple[Dependency | None, list[Problem]]:
    """A PEP 508 string's dependency with spans in the document; its span is the string's content."""
    if not string.value.strip():
        return None, [
            Problem("invalid-requirement", 'Expected a requirement such as "name>=1.0"', string.span)
        ]
    if string.starts is None:
        # No escapes: the value is the document's own text, so it is parsed in place (no spans to move).
        content = string.content_span
        dependency, problems = parse_pep508_within(text, content.start, content.end)
    else:
        dependency, problems = parse_pep508(string.value)
        problems = [map_problem(problem, string.source_offset) for problem in problems]
        if dependency is not None:
            dependency = map_spans(dependency, string.source_offset)
    if dependency is None:
        return None, problems
    dependency.span = string.content_span
    if dependency.url is not None:
        dependency.kind = _location_kind(dependency.url)
    return dependency, problems


def _location_kind(location: str) -> DependencyKind:
    lowered = location.lower()
    if lowered.startswith(_VCS_PREFIXES):
        return DependencyKind.VCS
    if "://" in lowered and not lowered.startswith("file:"):
        return DependencyKind.URL
    return DependencyKind.PATH


def _join_markers(markers: list[str]) -> str:
    """Join markers with ``and`` the way packaging prints them (falling back to plain text)."""
    text = " and ".join(f"({marker})" if " or " in marker else marker for marker in markers)
    try:
        return str(Marker(text))
    except InvalidMarker:
        return text


def _reaches(edges: dict[str, list[GroupInclude]], start: str, goal: str) -> bool:
    """True when group ``start`` includes ``goal``, itself or through other groups."""
    seen: set[str] = set()
    pending = [start]
    while pending:
        group = pending.pop()
        if group == goal:
            return True
        if group in seen:
            continue
        seen.add(group)
        pending.extend(canonicalize_name(include.name) for include in edges.get(group, ()))
    return False


def _boolean(node: TomlNode | None) -> bool:
    return isinstance(node, TomlScalar) and node.text == "true"


def _settings(table: TomlTable) -> dict[str, Setting]:
    settings: dict[str, Setting] = {}
    for name, key, node in table.items():
        span = node.content_span if isinstance(node, TomlString) else node.span
        settings[name] = Setting(name, key.span, to_python(node), span)
    return settings
