"""What the index client answers. Analysis, completion and hover depend on these types only.

The one rule users care about most is encoded in :class:`LookupStatus`: ``NOT_FOUND`` only when every
configured index answered a definitive "no such project"; any failure to get an answer is
``UNAVAILABLE`` ("could not check"), never "does not exist".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class LookupStatus(enum.Enum):
    FOUND = "found"
    NOT_FOUND = "not-found"  # every index answered 404 (or holds no such project, for local indexes)
    UNAVAILABLE = "unavailable"  # at least one index could not answer and none had the project


@dataclass(frozen=True, slots=True)
class DistributionFile:
    filename: str
    url: str  # credentials removed
    hashes: dict[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    upload_time: datetime | None = None
    size: int | None = None
    # PEP 658/714: the METADATA file is served next to the file (with these hashes, possibly empty).
    core_metadata: dict[str, str] | None = None
    is_wheel: bool = False


@dataclass(slots=True)
class Release:
    version: str  # as the index spells it (parse with packaging.version.Version)
    files: list[DistributionFile] = field(default_factory=list)

    @property
    def yanked(self) -> bool:
        """PEP 592: a release is yanked when all of its files are."""
        return bool(self.files) and all(f.yanked for f in self.files)

    @property
    def yanked_reason(self) -> str | None:
        reasons = [f.yanked_reason for f in self.files if f.yanked and f.yanked_reason]
        return reasons[0] if reasons else None

    @property
    def upload_time(self) -> datetime | None:
        times = [f.upload_time for f in self.files if f.upload_time is not None]
        return min(times) if times else None

    @property
    def requires_python(self) -> str | None:
        for f in self.files:
            if f.requires_python:
                return f.requires_python
        return None


@dataclass(slots=True)
class Project:
    """A project as seen across every configured index, merged the way pip merges them."""

    name: str  # canonical name
    releases: dict[str, Release] = field(default_factory=dict)  # keyed by normalised version string
    # Redacted addresses of the indexes that listed the project.
    sources: list[str] = field(default_factory=list)
    # Indexes that could not be asked (redacted address -> reason); the answer may be incomplete.
    failures: dict[str, str] = field(default_factory=dict)
    from_stale_cache: bool = False


@dataclass(slots=True)
class ProjectLookup:
    status: LookupStatus
    project: Project | None = None
    reason: str = ""  # why UNAVAILABLE (redacted), for "could not check" messages


@dataclass(frozen=True, slots=True)
class Vulnerability:
    id: str
    aliases: tuple[str, ...] = ()
    summary: str = ""
    fixed_in: tuple[str, ...] = ()
    link: str | None = None


@dataclass(slots=True)
class ReleaseDetails:
    """Core metadata (PEP 658) of one release, and what an index's JSON API adds where it has one."""

    name: str
    version: str
    summary: str | None = None
    license: str | None = None
    requires_python: str | None = None
    provides_extra: tuple[str, ...] = ()
    requires_dist: tuple[str, ...] = ()
    project_urls: dict[str, str] = field(default_factory=dict)  # label -> url (Home-page included)
    description: str | None = None
    # None: the index offers no vulnerability data; () : it does and there are none.
    vulnerabilities: tuple[Vulnerability, ...] | None = None


@dataclass(slots=True)
class DetailsLookup:
    status: LookupStatus
    details: ReleaseDetails | None = None
    reason: str = ""


class NameMatcher(Protocol):
    """Lookup over every project name the index lists, for completion and did-you-mean."""

    def complete(self, prefix: str, limit: int = 50) -> list[str]: ...

    def similar(self, name: str, limit: int = 5) -> list[str]: ...

    def __contains__(self, name: str) -> bool: ...


class PackageIndex(Protocol):
    """What the rest of the core asks of the index. ``pinwise.core.index.client.IndexClient`` implements it;
    tests may pass a fake."""

    async def project(self, name: str) -> ProjectLookup: ...

    async def details(self, name: str, version: str | None = None) -> DetailsLookup: ...

    def names(self) -> NameMatcher | None: ...

    async def names_within(self, seconds: float) -> NameMatcher | None:
        """The name list, loading it if needed and waiting for that at most ``seconds``."""
        ...


@dataclass(frozen=True, slots=True)
class IndexConfig:
    """The indexes one document is resolved against, as pip would use them.

    URLs keep their credentials here (they are needed to authenticate); anything shown to a user or
    written to a log or cache key goes through ``redact``.
    """

    index_url: str | None  # None when ``--no-index`` is in force
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    no_index: bool = False
    trusted_hosts: tuple[str, ...] = ()
    cert: str | None = None  # a CA bundle (pip's ``cert`` / PIP_CERT)
    client_cert: str | None = None
    offline: bool = False
    # For each setting above, where its value came from ("settings", "requirements.txt:3", "PIP_INDEX_URL",
    # "/etc/pip.conf", "pip default", ...), for the log.
    origins: tuple[tuple[str, str], ...] = ()

    @property
    def index_urls(self) -> tuple[str, ...]:
        """Every index in pip's order: the main index first, then the extra ones."""
        main = () if self.no_index or self.index_url is None else (self.index_url,)
        return main + tuple(u for u in self.extra_index_urls if not self.no_index)
