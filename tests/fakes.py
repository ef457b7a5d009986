"""An in-memory package index for tests: :class:`FakeIndex` implements ``PackageIndex`` without any network.

Declare projects compactly; a plain string is a release with default files::

    index = FakeIndex(
        {
            "requests": FakeProject(["2.30.0", "2.31.0", rel("2.32.0", yanked="broken wheels", py=">=3.8")],
                                    summary="HTTP for Humans", extras=("socks",)),
            "flask": FakeProject(["3.0.0", rel("2.0.0", vulns=(vuln("PYSEC-1", fixed_in=("2.0.1",)),))]),
        },
        unavailable={"private-pkg"},
    )

Each release gets a wheel and an sdist by default (``files=`` names others); a file's sha256 is the sha256 of
its file name (:func:`fake_sha256`), so tests can compute expected ``--hash`` values. Names are canonicalised
on the way in and on lookup, as the real client does. ``names=None`` gives a name list built from the
projects (plus the unavailable ones); ``names=[]`` an empty list; ``with_names=False`` makes ``names()``
return None (the list is not loaded yet).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pinwise.core.index.client import pick_release
from pinwise.core.index.names import NameList
from pinwise.core.index.types import (
    DetailsLookup,
    DistributionFile,
    LookupStatus,
    NameMatcher,
    Project,
    ProjectLookup,
    Release,
    ReleaseDetails,
    Vulnerability,
)

__all__ = [
    "FakeIndex",
    "FakeNames",
    "FakeProject",
    "FakeRelease",
    "fake_sha256",
    "rel",
    "vuln",
]

UNAVAILABLE_REASON = "connection refused (fake index)"


def fake_sha256(filename: str) -> str:
    """The sha256 a fake distribution file named ``filename`` has."""
    return hashlib.sha256(filename.encode()).hexdigest()


def vuln(
    id: str,
    *,
    fixed_in: Sequence[str] = (),
    aliases: Sequence[str] = (),
    summary: str = "A vulnerability",
    link: str | None = None,
) -> Vulnerability:
    return Vulnerability(id=id, aliases=tuple(aliases), summary=summary, fixed_in=tuple(fixed_in), link=link)


@dataclass(frozen=True)
class FakeRelease:
    version: str
    # True, or the yank reason.
    yanked: bool | str = False
    # "2024-01-02" or a full ISO timestamp; None: the index gives no upload time.
    uploaded: str | None = "2024-01-02T00:00:00Z"
    requires_python: str | None = None
    # File names; None: one pure wheel and one sdist named after the project and version.
    files: tuple[str, ...] | None = None
    # None: this release has no vulnerability data; () : it has and there are none.
    vulns: tuple[Vulnerability, ...] | None = ()
    # None: the project's extras.
    extras: tuple[str, ...] | None = None
    requires_dist: tuple[str, ...] = ()


def rel(
    version: str,
    *,
    yanked: bool | str = False,
    py: str | None = None,
    uploaded: str | None = "2024-01-02T00:00:00Z",
    files: Sequence[str] | None = None,
    vulns: Sequence[Vulnerability] | None = (),
    extras: Sequence[str] | None = None,
    requires_dist: Sequence[str] = (),
) -> FakeRelease:
    """A release, compactly: ``rel("2.0", yanked="broken", py=">=3.9")``."""
    return FakeRelease(
        version=version,
        yanked=yanked,
        uploaded=uploaded,
        requires_python=py,
        files=tuple(files) if files is not None else None,
        vulns=tuple(vulns) if vulns is not None else None,
        extras=tuple(extras) if extras is not None else None,
        requires_dist=tuple(requires_dist),
    )


@dataclass(frozen=True)
class FakeProject:
    releases: Sequence[FakeRelease | str] = ()
    summary: str | None = None
    license: str | None = None
    # The default Requires-Python of every release that does not set its own.
    requires_python: str | None = None
    extras: tuple[str, ...] = ()
    project_urls: Mapping[str, str] = field(default_factory=dict)
    description: str | None = None
    from_stale_cache: bool = False
    # Failures of some indexes while others answered (redacted url -> reason).
    failures: Mapping[str, str] = field(default_factory=dict)

    def release_specs(self) -> list[FakeRelease]:
        return [r if isinstance(r, FakeRelease) else FakeRelease(r) for r in self.releases]


def _normal_version(text: str) -> str:
    try:
        return str(Version(text))
    except InvalidVersion:
        return text


def _timestamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def default_files(name: str, version: str) -> tuple[str, ...]:
    stem = f"{canonicalize_name(name).replace('-', '_')}-{version}"
    return (f"{stem}-py3-none-any.whl", f"{stem}.tar.gz")


class FakeNames:
    """A :class:`NameMatcher` over a fixed list of names (the real ``NameList`` ranks suggestions)."""

    def __init__(self, names: Iterable[str]) -> None:
        self._list = NameList(names)
        self.similar_calls: list[str] = []

    def complete(self, prefix: str, limit: int = 50) -> list[str]:
        return self._list.complete(prefix, limit)

    def similar(self, name: str, limit: int = 5) -> list[str]:
        self.similar_calls.append(name)
        return self._list.similar(name, limit)

    def __contains__(self, name: object) -> bool:
        return name in self._list


class FakeIndex:
    """A ``PackageIndex`` answering from memory.

    ``unavailable`` names answer ``UNAVAILABLE`` (as a network failure would), for both ``project`` and
    ``details``; any other unknown name is ``NOT_FOUND``. ``delay`` seconds are awaited before each answer
    (``delays`` per name override it), so tests can observe progress and cancellation. Every call is
    recorded in ``project_calls`` / ``details_calls``.
    """

    def __init__(
        self,
        projects: Mapping[str, FakeProject] | None = None,
        *,
        unavailable: Iterable[str] = (),
        names: Sequence[str] | None = None,
        with_names: bool = True,
        delay: float = 0.0,
        delays: Mapping[str, float] | None = None,
    ) -> None:
        self.projects: dict[str, FakeProject] = {
            canonicalize_name(name): project for name, project in (projects or {}).items()
        }
        self.display_names: dict[str, str] = {canonicalize_name(name): name for name in projects or {}}
        self.unavailable = {canonicalize_name(name) for name in unavailable}
        listed = list(names) if names is not None else [*self.display_names.values(), *self.unavailable]
        self._names: FakeNames | None = FakeNames(listed) if with_names else None
        self.delay = delay
        self.delays: dict[str, float] = {canonicalize_name(k): v for k, v in (delays or {}).items()}
        self.project_calls: list[str] = []
        self.details_calls: list[tuple[str, str | None]] = []

    async def _wait(self, canonical: str) -> None:
        seconds = self.delays.get(canonical, self.delay)
        if seconds > 0:
            await asyncio.sleep(seconds)
        else:
            # Yield once so that concurrency and cancellation behave as they would with a real client.
            await asyncio.sleep(0)

    async def project(self, name: str) -> ProjectLookup:
        canonical = canonicalize_name(name)
        self.project_calls.append(canonical)
        await self._wait(canonical)
        if canonical in self.unavailable:
            return ProjectLookup(LookupStatus.UNAVAILABLE, reason=UNAVAILABLE_REASON)
        spec = self.projects.get(canonical)
        if spec is None:
            return ProjectLookup(LookupStatus.NOT_FOUND)
        return ProjectLookup(LookupStatus.FOUND, self.build_project(canonical, spec))

    def build_project(self, canonical: str, spec: FakeProject) -> Project:
        releases: dict[str, Release] = {}
        for release in spec.release_specs():
            version = _normal_version(release.version)
            filenames = release.files if release.files is not None else default_files(canonical, version)
            requires_python = release.requires_python or spec.requires_python
            yank_reason = release.yanked if isinstance(release.yanked, str) else None
            files = [
                DistributionFile(
                    filename=filename,
                    url=f"http://127.0.0.1/files/{filename}",
                    hashes={"sha256": fake_sha256(filename)},
                    requires_python=requires_python,
                    yanked=bool(release.yanked),
                    yanked_reason=yank_reason,
                    upload_time=_timestamp(release.uploaded),
                    is_wheel=filename.endswith(".whl"),
                )
                for filename in filenames
            ]
            releases[version] = Release(version=version, files=files)
        return Project(
            name=canonical,
            releases=releases,
            sources=["http://127.0.0.1/simple/"],
            failures=dict(spec.failures),
            from_stale_cache=spec.from_stale_cache,
        )

    async def details(self, name: str, version: str | None = None) -> DetailsLookup:
        canonical = canonicalize_name(name)
        self.details_calls.append((canonical, version))
        await self._wait(canonical)
        if canonical in self.unavailable:
            return DetailsLookup(LookupStatus.UNAVAILABLE, reason=UNAVAILABLE_REASON)
        spec = self.projects.get(canonical)
        if spec is None:
            return DetailsLookup(LookupStatus.NOT_FOUND)
        # The release the real client would describe (the latest final, not yanked, without a version).
        picked = pick_release(self.build_project(canonical, spec), version)
        if picked is None:
            return DetailsLookup(LookupStatus.NOT_FOUND)
        chosen = next(r for r in spec.release_specs() if _normal_version(r.version) == picked.version)
        details = ReleaseDetails(
            name=self.display_names.get(canonical, canonical),
            version=_normal_version(chosen.version),
            summary=spec.summary,
            license=spec.license,
            requires_python=chosen.requires_python or spec.requires_python,
            provides_extra=chosen.extras if chosen.extras is not None else spec.extras,
            requires_dist=chosen.requires_dist,
            project_urls=dict(spec.project_urls),
            description=spec.description,
            vulnerabilities=chosen.vulns,
        )
        return DetailsLookup(LookupStatus.FOUND, details)

    def names(self) -> NameMatcher | None:
        return self._names

    async def names_within(self, seconds: float) -> NameMatcher | None:
        return self._names
