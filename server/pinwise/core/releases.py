"""What a project's releases mean for one project's Python: the latest usable release and the release pip
would pick for a specifier. The analysis rules and the hover share these answers, so that a hover never
names a "newest allowed" release that the ``outdated`` finding would not."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from pinwise.core.index.types import Project, Release
from pinwise.core.pep440 import parse_version


@dataclass(frozen=True, slots=True)
class ReleaseFacts:
    """What the index says about one project, digested for a Python version (None: any Python)."""

    project: Project
    versions: dict[Version, Release]  # every listed release with a valid version
    python_probe: str | None

    def fits_python(self, release: Release) -> bool:
        if self.python_probe is None or not release.requires_python:
            return True
        return python_fits(release.requires_python, self.python_probe)

    def latest(self, *, prereleases: bool) -> Version | None:
        """The newest release that is not yanked, fits the project's Python and (unless allowed) is final."""
        best: Version | None = None
        for version, release in self.versions.items():
            if release.yanked or (version.is_prerelease and not prereleases):
                continue
            if not self.fits_python(release):
                continue
            if best is None or version > best:
                best = version
        return best

    def allowed(self, specifier: SpecifierSet) -> list[Version]:
        return sorted(v for v in self.versions if specifier.contains(v, prereleases=True))

    def selected(self, specifier: SpecifierSet, *, prereleases: bool) -> Version | None:
        """The release pip would pick for ``specifier``: the newest one it admits that is not yanked and fits
        the project's Python; pre-releases only when allowed, when the specifier names one, or when no final
        release matches (PEP 440's rule)."""
        candidates = [
            v
            for v in self.allowed(specifier)
            if not self.versions[v].yanked and self.fits_python(self.versions[v])
        ]
        finals = [v for v in candidates if not v.is_prerelease]
        if finals and not (prereleases or specifier.prereleases):
            return finals[-1]
        return candidates[-1] if candidates else None


@functools.lru_cache(maxsize=4096)
def python_fits(requires_python: str, python_version: str) -> bool:
    """True when a release with this Requires-Python installs on ``python_version``. Cached: a project's
    releases repeat a handful of values, and every keystroke's analysis and completion asks again."""
    try:
        return SpecifierSet(requires_python).contains(python_version, prereleases=True)
    except InvalidSpecifier:
        return True  # pip ignores a malformed Requires-Python, so the release stays installable


def release_facts(project: Project, python_version: str | None) -> ReleaseFacts:
    """The facts of ``project`` judged for ``python_version`` (the project's lowest supported Python)."""
    versions: dict[Version, Release] = {}
    for text, release in project.releases.items():
        version = parse_version(release.version or text)
        if version is not None:
            versions[version] = release
    return ReleaseFacts(project, versions, python_version)
