"""What analysis needs to know beyond the document: the settings and the project the document belongs to.

:class:`AnalysisSettings` are the editor's (or command line's) settings. :class:`ProjectContext` is built
for one document by :func:`build_context` from those settings, the nearest ``pyproject.toml`` (its
``requires-python``, its build backend and its ``[tool.pinwise]`` table) and, when known, the installed
distributions of the selected environment.

How project settings and editor settings merge (``[tool.pinwise]`` keys ``policy``, ``prereleases``,
``python-version`` and the ``severity`` table):

* **policy**: the project file wins. Whether a project is an application (exact pins expected) or a
  library (ranges expected) is the team's decision, so one developer's editor must not contradict it.
  Without a project policy the editor's applies; ``"auto"`` then chooses ``application`` for requirements
  files and for a ``pyproject.toml`` without a ``[build-system]`` backend, and ``library`` for one with a
  backend. A requirements file follows the policy of its project file only when that file sets one
  explicitly.
* **everything else**: the editor overrides the project. Severities merge per code (the project's table
  first, the editor's entries on top); ``prereleases`` and ``python_version`` from the editor win when set.
  ``--pre`` in a requirements file also allows pre-releases.

The Python version used to judge Requires-Python is, in order: the ``python_version`` override, else the
lowest version admitted by the project's ``requires-python`` (the conservative probe: a release must
support the oldest Python the project promises), else none (releases are not filtered by Python).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from pinwise.core.analysis.codes import parse_severity
from pinwise.core.document import Document
from pinwise.core.files import FileKind
from pinwise.core.model import Severity
from pinwise.core.pyproject import PyprojectFile

__all__ = [
    "AnalysisSettings",
    "InstalledLike",
    "Policy",
    "ProjectContext",
    "ResolvedPolicy",
    "build_context",
    "lowest_python",
    "project_settings",
]

logger = logging.getLogger(__name__)

Policy = Literal["auto", "application", "library"]
ResolvedPolicy = Literal["application", "library"]


class InstalledLike(Protocol):
    """What analysis needs of an installed distribution (``pinwise.core.venv``'s type fits)."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AnalysisSettings:
    policy: Policy = "auto"
    # Per-code severity overrides; None switches the code off.
    severities: Mapping[str, Severity | None] = field(default_factory=dict)
    # None: not set here (the project's setting or ``--pre`` decide); True/False: the editor decides.
    prereleases: bool | None = None
    # e.g. "3.11": evaluate markers and Requires-Python for this Python instead of the project's lowest.
    python_version: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectContext:
    requires_python: SpecifierSet | None = None
    # Where requires_python came from, for messages: "pyproject.toml (project.requires-python)".
    requires_python_source: str | None = None
    policy: ResolvedPolicy = "application"
    allow_prereleases: bool = False
    installed: Mapping[str, InstalledLike] | None = None  # by canonical name
    # The Python to judge releases' Requires-Python and markers against (see the module docstring).
    python_version: str | None = None
    pyproject_path: Path | None = None
    build_backend: str | None = None
    # Severities from the project's [tool.pinwise.severity]; the editor's overrides go on top.
    project_severities: Mapping[str, Severity | None] = field(default_factory=dict)
    # True for a constraints file (``constraints.txt``), which is exempt from pinning policy.
    constraints_file: bool = False
    # True for a pip-tools source (``*.in``): its loose requirements are pinned in the compiled file, so it
    # is exempt from pinning policy too.
    compile_source: bool = False

    @property
    def exempt_from_pinning(self) -> bool:
        """The pinning rules, Pin all and ``pinwise fix --pin`` leave this file's requirements as they are."""
        return self.constraints_file or self.compile_source

    def severities(self, settings: AnalysisSettings) -> dict[str, Severity | None]:
        """The effective per-code overrides: the project's, then the editor's on top."""
        return {**self.project_severities, **settings.severities}


def project_settings(pyproject: PyprojectFile | None) -> AnalysisSettings | None:
    """The ``[tool.pinwise]`` settings of a project file, ignoring values it cannot understand (logged)."""
    if pyproject is None or pyproject.pinwise_settings is None:
        return None
    raw = pyproject.pinwise_settings
    policy: Policy = "auto"
    value = raw.get("policy")
    if value in ("auto", "application", "library"):
        policy = value
    elif value is not None:
        logger.info("ignoring [tool.pinwise] policy = %r", value)
    prereleases = raw.get("prereleases")
    python_version = raw.get("python-version", raw.get("python_version"))
    severities: dict[str, Severity | None] = {}
    table = raw.get("severity")
    if isinstance(table, dict):
        for code, setting in table.items():
            understood, severity = parse_severity(setting)
            if understood:
                severities[str(code)] = severity
            else:
                logger.info("ignoring [tool.pinwise.severity] %s = %r", code, setting)
    return AnalysisSettings(
        policy=policy,
        severities=severities,
        prereleases=prereleases if isinstance(prereleases, bool) else None,
        python_version=python_version if isinstance(python_version, str) else None,
    )


# Candidate Python versions for the conservative probe; clause versions of the range are added to these.
_PYTHONS = tuple(f"2.{minor}" for minor in range(8)) + tuple(f"3.{minor}" for minor in range(40))


def lowest_python(requires_python: SpecifierSet | None) -> str | None:
    """The lowest Python version ``requires_python`` admits (probing X.Y releases and its own bounds)."""
    if requires_python is None:
        return None
    candidates: set[Version] = set()
    for text in _PYTHONS:
        candidates.add(Version(text))
    for specifier in requires_python:
        try:
            version = Version(specifier.version.removesuffix(".*"))
        except InvalidVersion:
            continue
        candidates.add(version)
        major, minor, micro = (*version.release, 0, 0)[:3]
        # ``>3.8`` admits 3.8.1 but not 3.8; probe the next micro too.
        candidates.add(Version(f"{major}.{minor}.{micro + 1}"))
    admitted = [v for v in candidates if requires_python.contains(v, prereleases=True)]
    return str(min(admitted)) if admitted else None


def build_context(
    document: Document,
    settings: AnalysisSettings,
    *,
    pyproject: PyprojectFile | None = None,
    pyproject_path: Path | None = None,
    installed: Mapping[str, InstalledLike] | None = None,
) -> ProjectContext:
    """The context of ``document`` given the nearest project file (the document itself for a pyproject)."""
    if pyproject is None and document.pyproject is not None:
        pyproject = document.pyproject
        pyproject_path = document.path
    from_project = project_settings(pyproject)

    requires_python: SpecifierSet | None = None
    requires_python_source: str | None = None
    python_requirement = pyproject.requires_python if pyproject is not None else None
    if python_requirement is not None and python_requirement.specifier:
        try:
            requires_python = SpecifierSet(python_requirement.specifier)
            where = pyproject_path.name if pyproject_path is not None else "pyproject.toml"
            requires_python_source = f"{where} ({python_requirement.section})"
        except InvalidSpecifier:
            requires_python = None

    backend = pyproject.build_backend.value if pyproject is not None and pyproject.build_backend else None
    policy: Policy = settings.policy
    if from_project is not None and from_project.policy != "auto":
        policy = from_project.policy
    resolved: ResolvedPolicy
    if policy == "auto":
        resolved = "library" if document.kind is FileKind.PYPROJECT and backend else "application"
    else:
        resolved = policy

    prereleases = settings.prereleases
    if prereleases is None and from_project is not None:
        prereleases = from_project.prereleases
    allow_pre = bool(prereleases)
    requirements = document.requirements
    if requirements is not None and requirements.options_named("--pre"):
        allow_pre = True

    python_version = settings.python_version or (from_project.python_version if from_project else None)
    if python_version is None:
        python_version = lowest_python(requires_python)

    name = document.path.name.lower() if document.path is not None else ""
    return ProjectContext(
        requires_python=requires_python,
        requires_python_source=requires_python_source,
        policy=resolved,
        allow_prereleases=allow_pre,
        installed=installed,
        python_version=python_version,
        pyproject_path=pyproject_path,
        build_backend=backend,
        project_severities=dict(from_project.severities) if from_project is not None else {},
        constraints_file=document.kind is FileKind.REQUIREMENTS and "constraint" in name,
        compile_source=document.kind is FileKind.REQUIREMENTS and name.endswith(".in"),
    )
