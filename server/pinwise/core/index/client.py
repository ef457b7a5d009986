"""The index client: answers "what does the index know about this project" across every configured index.

Indexes are asked the way pip asks them (the main index, the extra ones and find-links locations, their files
merged), with a persistent cache in front. The status rule is strict: NOT_FOUND only when every source said
"no such project"; anything that prevented an answer makes the lookup UNAVAILABLE, unless some other index had
the project, in which case the failure is noted on the :class:`Project`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
import zipfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast

from packaging.utils import canonicalize_name

from pinwise.core.files import file_url_to_path
from pinwise.core.index.auth import CredentialStore, redact
from pinwise.core.index.cache import CacheEntry, DiskCache, default_cache_dir
from pinwise.core.index.config import ResolvedIndexConfig
from pinwise.core.index.formats import (
    ACCEPT,
    FormatError,
    JsonApiRelease,
    ProjectPage,
    details_from_json,
    details_from_json_api,
    details_to_json,
    is_pure_wheel,
    name_and_version,
    page_from_json,
    page_to_json,
    parse_json_api,
    parse_links_page,
    parse_metadata,
    parse_project_list,
    parse_project_page,
    releases_from_files,
    vulns_from_json,
    vulns_to_json,
)
from pinwise.core.index.lazywheel import LazyFailure, read_wheel_metadata
from pinwise.core.index.names import NameList
from pinwise.core.index.transport import FetchError, Transport, read_local
from pinwise.core.index.types import (
    DetailsLookup,
    DistributionFile,
    IndexConfig,
    LookupStatus,
    NameMatcher,
    Project,
    ProjectLookup,
    Release,
    ReleaseDetails,
)
from pinwise.core.pep440 import parse_version

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_PROJECT_TTL = 10 * 60.0
DEFAULT_NAMES_TTL = 24 * 60 * 60.0
# After a name-list load that found no list (index down, list refused), callers that only want the list if
# it is there do not start another for this long: otherwise every keystroke would wait for a dead index.
NAMES_RETRY_AFTER = 60.0


@dataclass(slots=True)
class _Found:
    page: ProjectPage
    stale: bool = False


@dataclass(slots=True)
class _Missing:
    pass


@dataclass(slots=True)
class _Failed:
    reason: str


_Answer = _Found | _Missing | _Failed


def _is_local(url: str) -> bool:
    return url.startswith("file:") or "://" not in url


def _http_status_reason(status: int) -> str:
    if status == 401:
        return "authentication required (HTTP 401)"
    if status == 403:
        return "access denied (HTTP 403)"
    return f"HTTP {status}"


def _json_api_base(index_url: str) -> str | None:
    """``https://host/simple/`` -> ``https://host``; None when the index URL does not end in /simple."""
    stripped = index_url.rstrip("/")
    if not stripped.endswith("/simple"):
        return None
    return stripped[: -len("/simple")]


def pick_release(project: Project, version: str | None) -> Release | None:
    """The release asked for, or the latest one pip would pick without a specifier: not yanked, final if any."""
    if version is not None:
        key = parse_version(version)
        return project.releases.get(str(key)) if key is not None else project.releases.get(version)
    parsed = [(v, r) for r in project.releases.values() if (v := parse_version(r.version)) is not None]
    tiers = (
        [(v, r) for v, r in parsed if not r.yanked and not v.is_prerelease],
        [(v, r) for v, r in parsed if not r.yanked],
        parsed,
    )
    for candidates in tiers:
        if candidates:
            return max(candidates, key=lambda item: item[0])[1]
    return None


def metadata_file(release: Release) -> DistributionFile | None:
    """The wheel whose METADATA describes the release best: a pure-Python wheel, else any wheel.

    Wheels whose metadata the index advertises (PEP 658/714) come first. Some mirrors strip that
    attribute although the metadata file is served beside the wheel, so a wheel without it is still
    returned; ``_metadata`` then asks for ``<wheel>.metadata`` and treats a 404 as "no metadata".
    """
    for advertised in (True, False):
        wheels = [
            f
            for f in release.files
            if f.is_wheel and (f.core_metadata is not None) == advertised and not f.yanked
        ]
        wheels = wheels or [
            f for f in release.files if f.is_wheel and (f.core_metadata is not None) == advertised
        ]
        for f in wheels:
            if is_pure_wheel(f.filename):
                return f
        if wheels:
            return wheels[0]
    return None


class IndexClient:
    """Implements :class:`~pinwise.core.index.types.PackageIndex` over the indexes of an :class:`IndexConfig`."""

    def __init__(
        self,
        config: IndexConfig,
        *,
        cache_dir: Path | str | None = None,
        timeout: float = 10.0,
        concurrency: int = 16,
        max_response_bytes: int = 32 * 1024 * 1024,
        names_max_bytes: int = 256 * 1024 * 1024,
        project_ttl: float = DEFAULT_PROJECT_TTL,
        names_ttl: float = DEFAULT_NAMES_TTL,
        offline: bool | None = None,
        environ: Mapping[str, str] | None = None,
        transport: Transport | None = None,
    ) -> None:
        """``transport``: a shared transport (see ``TransportPool``) with this configuration's TLS
        settings; this client then authenticates through a view of it and never closes it."""
        env = os.environ if environ is None else environ
        self.config = config
        self.offline = config.offline if offline is None else offline
        self._timeout = timeout
        self._max_bytes = max_response_bytes
        self._names_max_bytes = names_max_bytes
        self._project_ttl = project_ttl
        self._names_ttl = names_ttl
        self.cache = DiskCache(Path(cache_dir) if cache_dir is not None else default_cache_dir(env))
        pinned = config.pinned if isinstance(config, ResolvedIndexConfig) else ()
        self._credentials = CredentialStore(
            [*config.index_urls, *(url for _, url in pinned), *config.find_links], environ=env
        )
        self._transport = (
            transport.with_credentials(self._credentials)
            if transport
            else Transport(
                credentials=self._credentials,
                timeout=timeout,
                concurrency=concurrency,
                max_bytes=max_response_bytes,
                cert=config.cert,
                client_cert=config.client_cert,
                trusted_hosts=config.trusted_hosts,
                environ=env,
            )
        )
        self._memo: dict[tuple[str, str], tuple[CacheEntry, ProjectPage | None]] = {}
        # Successful details by (project, version) with the time they were made: every analysis pass asks
        # for the same releases again, and re-reading them from the disk cache cost hundreds of file opens.
        self._details_memo: dict[tuple[str, str], tuple[float, DetailsLookup]] = {}
        self._project_memo: dict[str, tuple[float, ProjectLookup]] = {}
        self._inflight: dict[tuple[str, ...], asyncio.Task[object]] = {}
        self._stale_logged: set[str] = set()
        self._no_json_api: set[str] = set()
        self._find_links: dict[str, tuple[float, dict[str, list[DistributionFile]]]] = {}
        self._names: NameList | None = None
        self._names_attempt: tuple[float, asyncio.Task[None]] | None = None
        self._background: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> IndexClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        # Shared requests still running (a name list that outlived the command line's wait, say) end here
        # too: left alone they would fail on the closed transport with nobody to hear it.
        pending = [*self._background, *self._inflight.values()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        await self._transport.aclose()

    # -- coalescing --------------------------------------------------------------------------------------

    async def _once(self, key: tuple[str, ...], make: Callable[[], Awaitable[T]]) -> T:
        """Run ``make`` once for concurrent callers with the same key; each caller may be cancelled alone."""
        task = cast("asyncio.Task[T] | None", self._inflight.get(key))
        if task is None:
            task = asyncio.ensure_future(make())
            self._inflight[key] = cast("asyncio.Task[object]", task)
            task.add_done_callback(lambda _t: self._inflight.pop(key, None))
        return await asyncio.shield(task)

    # -- projects ----------------------------------------------------------------------------------------

    def _pinned(self, canonical: str) -> str | None:
        if isinstance(self.config, ResolvedIndexConfig):
            return self.config.pinned_index(canonical)
        return None

    def _indexes_for(self, canonical: str) -> tuple[str, ...]:
        pinned = self._pinned(canonical)
        return (pinned,) if pinned is not None else self.config.index_urls

    async def project(self, name: str) -> ProjectLookup:
        canonical = canonicalize_name(name)
        remembered = self._project_memo.get(canonical)
        if remembered is not None and time.monotonic() - remembered[0] < self._project_ttl:
            return remembered[1]
        answer = await self._once(("project", canonical), lambda: self._lookup(canonical))
        # Definitive, fresh answers are kept in memory for as long as the pages behind them are fresh:
        # every keystroke's analysis asks for all of a file's projects again, and merging the cached pages
        # into releases each time cost most of a warm pass.
        if answer.status is not LookupStatus.UNAVAILABLE and not (
            answer.project is not None and (answer.project.from_stale_cache or answer.project.failures)
        ):
            self._project_memo[canonical] = (time.monotonic(), answer)
        return answer

    async def _lookup(self, canonical: str) -> ProjectLookup:
        indexes = self._indexes_for(canonical)
        # A package pinned to one index (uv, Poetry) is looked up there only, as those tools do.
        find_links = () if self._pinned(canonical) is not None else self.config.find_links
        if not indexes and not find_links:
            return ProjectLookup(
                LookupStatus.UNAVAILABLE,
                reason="no package index is configured (--no-index without --find-links)",
            )
        index_answers = await asyncio.gather(*(self._index_page(url, canonical) for url in indexes))
        link_answers = await asyncio.gather(*(self._find_links_files(loc) for loc in find_links))

        project = Project(name=canonical)
        files: list[DistributionFile] = []
        versions: list[str] = []
        for url, answer in zip(indexes, index_answers, strict=True):
            if isinstance(answer, _Found):
                project.sources.append(redact(url))
                files.extend(answer.page.files)
                versions.extend(answer.page.versions)
                project.from_stale_cache = project.from_stale_cache or answer.stale
            elif isinstance(answer, _Failed):
                project.failures[redact(url)] = answer.reason
        for loc, links in zip(find_links, link_answers, strict=True):
            if isinstance(links, _Failed):
                project.failures[redact(loc)] = links.reason
            elif canonical in links:
                project.sources.append(redact(loc))
                files.extend(links[canonical])

        if project.sources:
            project.releases = releases_from_files(canonical, files, versions)
            if project.failures:
                logger.debug("%s found, but some indexes failed: %s", canonical, project.failures)
            return ProjectLookup(LookupStatus.FOUND, project=project)
        if project.failures:
            reason = "; ".join(f"{url}: {why}" for url, why in project.failures.items())
            return ProjectLookup(LookupStatus.UNAVAILABLE, reason=reason)
        return ProjectLookup(LookupStatus.NOT_FOUND)

    def _stale_or_failed(
        self, index_url: str, cached: tuple[CacheEntry, ProjectPage | None] | None, reason: str
    ) -> _Answer:
        if cached is None:
            return _Failed(reason)
        if index_url not in self._stale_logged:
            self._stale_logged.add(index_url)
            logger.warning("%s could not be reached (%s); using cached answers", redact(index_url), reason)
        page = cached[1]
        return _Missing() if page is None else _Found(page, stale=True)

    def _cached_project(self, index_url: str, name: str) -> tuple[CacheEntry, ProjectPage | None] | None:
        memo = self._memo.get((index_url, name))
        if memo is not None:
            return memo
        entry = self.cache.get("project", index_url, name)
        if entry is None:
            return None
        try:
            page = None if entry.data is None else page_from_json(entry.data)
        except (KeyError, TypeError, ValueError):
            return None  # a cache file from a different layout: as if absent
        self._memo[(index_url, name)] = (entry, page)
        return entry, page

    async def _store_project(
        self, index_url: str, name: str, entry: CacheEntry, page: ProjectPage | None
    ) -> None:
        self._memo[(index_url, name)] = (entry, page)
        # Creating, writing and renaming a file costs a millisecond or more on some file systems; 300 lookups
        # at once would stall the loop for that long each, so writes go to a worker thread.
        await asyncio.to_thread(self.cache.put, "project", index_url, name, entry)

    async def _index_page(self, index_url: str, name: str) -> _Answer:
        page_url = index_url.rstrip("/") + "/" + name + "/"
        if _is_local(index_url):
            return await self._local_page(index_url, page_url, name)
        cached = self._cached_project(index_url, name)
        if cached is not None and cached[0].age() < self._project_ttl:
            return _Missing() if cached[1] is None else _Found(cached[1])
        if self.offline:
            if cached is None:
                return _Failed("offline, and not in the cache")
            return _Missing() if cached[1] is None else _Found(cached[1], stale=True)
        headers = {"Accept": ACCEPT, **(cached[0].conditional_headers() if cached else {})}
        try:
            response = await self._transport.get(page_url, headers=headers)
        except FetchError as exc:
            return self._stale_or_failed(index_url, cached, exc.reason)
        if response.status == 304 and cached is not None:
            await asyncio.to_thread(self.cache.touch, "project", index_url, name, cached[0])
            return _Missing() if cached[1] is None else _Found(cached[1])
        if response.status in (404, 410):
            await self._store_project(index_url, name, CacheEntry(data=None, fetched=time.time()), None)
            return _Missing()
        if response.status != 200:
            return self._stale_or_failed(index_url, cached, _http_status_reason(response.status))
        try:
            page = parse_project_page(response.content, response.content_type, response.url, name)
        except FormatError as exc:
            return self._stale_or_failed(index_url, cached, f"invalid answer from the index: {exc}")
        entry = CacheEntry(
            data=page_to_json(page),
            fetched=time.time(),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )
        await self._store_project(index_url, name, entry, page)
        return _Found(page)

    async def _local_page(self, index_url: str, page_url: str, name: str) -> _Answer:
        """A ``file://`` index as pip reads it: a directory per project holding index.html."""
        root = file_url_to_path(index_url)
        if not root.is_dir():
            return _Failed(f"index directory {root} does not exist")
        project_dir = file_url_to_path(page_url)
        try:
            body = await read_local(project_dir / "index.html", self._max_bytes)
        except FetchError as exc:
            return _Failed(exc.reason)
        if body is None:
            return _Missing()
        try:
            return _Found(parse_project_page(body, "", project_dir.as_uri() + "/", name))
        except FormatError as exc:
            return _Failed(f"invalid project page: {exc}")

    # -- find-links ----------------------------------------------------------------------------------------

    async def _find_links_files(self, location: str) -> dict[str, list[DistributionFile]] | _Failed:
        memo = self._find_links.get(location)
        if memo is not None and time.monotonic() - memo[0] < self._project_ttl:
            return memo[1]
        try:
            result = await self._once(("find-links", location), lambda: self._read_find_links(location))
        except FetchError as exc:
            return _Failed(exc.reason)
        except FormatError as exc:
            return _Failed(f"invalid find-links page: {exc}")
        self._find_links[location] = (time.monotonic(), result)
        return result

    async def _read_find_links(self, location: str) -> dict[str, list[DistributionFile]]:
        if _is_local(location):
            path = file_url_to_path(location) if location.startswith("file:") else Path(location)
            if path.is_dir():
                files = await asyncio.to_thread(_scan_directory, path)
            else:
                body = await read_local(path, self._max_bytes)
                if body is None:
                    raise FetchError(f"find-links location {path} does not exist")
                files = parse_links_page(body, path.as_uri())
        else:
            if self.offline:
                raise FetchError("offline")
            response = await self._transport.get(location, headers={"Accept": "text/html"})
            if response.status != 200:
                raise FetchError(_http_status_reason(response.status))
            files = parse_links_page(response.content, response.url)
        by_project: dict[str, list[DistributionFile]] = {}
        for f in files:
            parsed = name_and_version(f.filename)
            if parsed is not None:
                by_project.setdefault(parsed[0], []).append(f)
        return by_project

    # -- release details -----------------------------------------------------------------------------------

    async def details(self, name: str, version: str | None = None) -> DetailsLookup:
        lookup = await self.project(name)
        if lookup.status is not LookupStatus.FOUND or lookup.project is None:
            return DetailsLookup(lookup.status, reason=lookup.reason)
        project = lookup.project
        release = pick_release(project, version)
        if release is None:
            what = f"no release {version}" if version else "no releases"
            return DetailsLookup(LookupStatus.NOT_FOUND, reason=f"{project.name} has {what}")
        key = (project.name, release.version)
        remembered = self._details_memo.get(key)
        if remembered is not None and time.monotonic() - remembered[0] < self._project_ttl:
            return remembered[1]
        answer = await self._once(("details", *key), lambda: self._details(project, release))
        if answer.status is LookupStatus.FOUND and not project.from_stale_cache:
            self._details_memo[key] = (time.monotonic(), answer)
        return answer

    async def _details(self, project: Project, release: Release) -> DetailsLookup:
        meta_file = metadata_file(release)
        api_index = self._json_api_index(project)
        meta_result, api_result = await asyncio.gather(
            self._metadata(meta_file) if meta_file is not None else _none(),
            self._json_api(api_index, project.name, release.version) if api_index is not None else _none(),
        )
        reasons: list[str] = []
        details: ReleaseDetails | None = None
        if isinstance(meta_result, ReleaseDetails):
            details = meta_result
        elif isinstance(meta_result, _Failed):
            reasons.append(meta_result.reason)
        api = api_result if isinstance(api_result, JsonApiRelease) else None
        if details is None and api is not None:
            details = details_from_json_api(project.name, release.version, api)
        if details is None:
            details = ReleaseDetails(
                name=project.name, version=release.version, requires_python=release.requires_python
            )
            if reasons:
                return DetailsLookup(LookupStatus.UNAVAILABLE, details=details, reason="; ".join(reasons))
        if api is not None:
            details.vulnerabilities = api.vulnerabilities
            if details.description is None:
                details.description = details_from_json_api(project.name, release.version, api).description
        return DetailsLookup(LookupStatus.FOUND, details=details, reason="; ".join(reasons))

    async def _metadata(self, file: DistributionFile) -> ReleaseDetails | _Failed | None:
        url = file.url + ".metadata"
        cached = self.cache.get("metadata", "", redact(url))
        if cached is not None and isinstance(cached.data, dict):
            try:
                return details_from_json(cached.data)
            except (KeyError, TypeError):
                pass
        parsed = name_and_version(file.filename)
        name, version = (parsed[0], str(parsed[1])) if parsed else (file.filename, "")
        if _is_local(url):
            try:
                body = await read_local(file_url_to_path(url), self._max_bytes)
                if body is None:
                    # A local mirror without .metadata files: the wheel is on disk, so read its METADATA
                    # member directly (a zip directory lookup, not a download).
                    body = await asyncio.to_thread(_wheel_metadata_from_disk, file_url_to_path(file.url))
            except FetchError as exc:
                return _Failed(exc.reason)
            if body is None:
                return None
        else:
            if self.offline:
                return _Failed("offline, and not in the cache")
            try:
                response = await self._transport.get(url)
            except FetchError as exc:
                return _Failed(f"metadata: {exc.reason}")
            if response.status in (404, 410):
                # An index that advertised the metadata file and then lacks it is not worth a second try;
                # one that never mentioned it (a mirror) still serves the wheel, whose METADATA can be
                # read with range requests without downloading it.
                if file.core_metadata is not None or not file.is_wheel:
                    return None
                if not file.url.startswith(("http://", "https://")):
                    return None
                lazy = await read_wheel_metadata(self._transport, file.url)
                if isinstance(lazy, LazyFailure):
                    return _Failed(f"metadata: {lazy.reason}")
                if lazy is None:
                    return None
                body = lazy
            elif response.status != 200:
                return _Failed(f"metadata: {_http_status_reason(response.status)}")
            else:
                body = response.content
        # Metadata read from the wheel itself has no published hash (core_metadata is None), so none is checked.
        expected = (file.core_metadata or {}).get("sha256")
        if expected and hashlib.sha256(body).hexdigest() != expected.lower():
            return _Failed("metadata does not match its published hash")
        try:
            details = parse_metadata(body, name, version)
        except FormatError as exc:
            return _Failed(f"invalid metadata: {exc}")
        # A release's metadata never changes, so it is cached without expiry.
        entry = CacheEntry(data=details_to_json(details), fetched=time.time())
        await asyncio.to_thread(self.cache.put, "metadata", "", redact(url), entry)
        return details

    def _json_api_index(self, project: Project) -> str | None:
        for url in self._indexes_for(project.name):
            if redact(url) in project.sources and not _is_local(url) and url not in self._no_json_api:
                if _json_api_base(url) is not None:
                    return url
        return None

    async def _json_api(self, index_url: str, name: str, version: str) -> JsonApiRelease | None:
        """The JSON API answer for one release, or None when the index has none (or cannot be asked)."""
        key = f"{name}/{version}"
        entry = self.cache.get("json", index_url, key)
        if entry is not None and (entry.age() < self._project_ttl or self.offline):
            return _api_from_cache(entry)
        if self.offline:
            return None
        base = _json_api_base(index_url)
        assert base is not None
        headers = {"Accept": "application/json", **(entry.conditional_headers() if entry else {})}
        try:
            response = await self._transport.get(f"{base}/pypi/{name}/{version}/json", headers=headers)
        except FetchError as exc:
            logger.debug("JSON API of %s unavailable: %s", redact(index_url), exc.reason)
            return _api_from_cache(entry) if entry is not None else None
        if response.status == 304 and entry is not None:
            await asyncio.to_thread(self.cache.touch, "json", index_url, key, entry)
            return _api_from_cache(entry)
        if response.status == 404:
            # The project page exists on this index, so a 404 here means the index has no JSON API.
            self._no_json_api.add(index_url)
            return None
        if response.status != 200:
            return _api_from_cache(entry) if entry is not None else None
        try:
            api = parse_json_api(response.content)
        except FormatError as exc:
            logger.debug("Ignoring invalid JSON API answer from %s: %s", redact(index_url), exc)
            return None
        await asyncio.to_thread(
            self.cache.put,
            "json",
            index_url,
            key,
            CacheEntry(
                data={"info": api.info, "vulnerabilities": vulns_to_json(api.vulnerabilities)},
                fetched=time.time(),
                etag=response.headers.get("etag"),
                last_modified=response.headers.get("last-modified"),
            ),
        )
        return api

    # -- names -------------------------------------------------------------------------------------------

    def names(self) -> NameMatcher | None:
        return self._names

    async def load_names(self) -> NameMatcher | None:
        """Load the project lists from the cache (fetching those never fetched), then refresh stale ones in
        the background. Returns the matcher, or None when no list could be had."""
        return await self._once(("names", "load"), lambda: self._load_names(refresh=False))

    async def names_within(self, seconds: float) -> NameMatcher | None:
        """The name matcher, starting its load if none was started (or the last one found no list over
        a minute ago) and waiting for it at most ``seconds``; the load goes on after the wait, so a later
        call finds it. Every client loads its own indexes' lists: a document naming another index gets
        names from that index too."""
        if self._names is not None:
            return self._names
        attempt = self._names_attempt
        if attempt is None or (attempt[1].done() and time.monotonic() - attempt[0] >= NAMES_RETRY_AFTER):
            task = self._in_background(self.load_names, "Loading the project names")
            attempt = self._names_attempt = (time.monotonic(), task)
        if not attempt[1].done() and seconds > 0:
            await asyncio.wait({attempt[1]}, timeout=seconds)
        return self._names

    def _in_background(self, work: Callable[[], Awaitable[object]], what: str) -> asyncio.Task[None]:
        """Run ``work()`` as a task this client keeps (``aclose`` ends it) and whose failure is logged."""

        async def run() -> None:
            try:
                await work()
            except Exception:  # background work must never surface as an unhandled task error
                logger.exception("%s failed", what)

        task = asyncio.ensure_future(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def refresh_names(self) -> NameMatcher | None:
        """Revalidate every project list now (conditional requests) and rebuild the matcher."""
        return await self._once(("names", "refresh"), lambda: self._load_names(refresh=True))

    async def _load_names(self, *, refresh: bool) -> NameMatcher | None:
        lists: list[list[str]] = []
        stale: list[str] = []
        for index_url in self.config.index_urls:
            if _is_local(index_url):
                local = await self._local_names(index_url)
                if local is not None:
                    lists.append(local)
                continue
            cached = await asyncio.to_thread(self.cache.get_names, index_url)
            if cached is not None and not refresh:
                lists.append(cached[0])
                if cached[1].age() >= self._names_ttl and not self.offline:
                    stale.append(index_url)
                continue
            fetched = await self._fetch_names(index_url, cached)
            if fetched is not None:
                lists.append(fetched)
        if stale:
            self._in_background(self.refresh_names, "Refreshing the project names")
        if not lists:
            return self._names
        self._names = await asyncio.to_thread(_build_names, lists)
        return self._names

    async def _local_names(self, index_url: str) -> list[str] | None:
        path = file_url_to_path(index_url) / "index.html"
        try:
            body = await read_local(path, self._names_max_bytes)
            return None if body is None else await asyncio.to_thread(parse_project_list, body, "")
        except (FetchError, FormatError) as exc:
            logger.warning("Cannot read the project list of %s: %s", redact(index_url), exc)
            return None

    async def _fetch_names(
        self, index_url: str, cached: tuple[list[str], CacheEntry] | None
    ) -> list[str] | None:
        if self.offline:
            return cached[0] if cached else None
        headers = {"Accept": ACCEPT, **(cached[1].conditional_headers() if cached else {})}
        try:
            response = await self._transport.get(
                index_url,
                headers=headers,
                max_bytes=self._names_max_bytes,
                deadline=max(120.0, self._timeout * 6),
            )
        except FetchError as exc:
            logger.warning("Cannot fetch the project list of %s: %s", redact(index_url), exc.reason)
            return cached[0] if cached else None
        if response.status == 304 and cached is not None:
            await asyncio.to_thread(self.cache.touch, "names", index_url, "", cached[1])
            return cached[0]
        if response.status != 200:
            logger.warning(
                "Cannot fetch the project list of %s: %s",
                redact(index_url),
                _http_status_reason(response.status),
            )
            return cached[0] if cached else None
        try:
            names = await asyncio.to_thread(parse_project_list, response.content, response.content_type)
        except FormatError as exc:
            logger.warning("Invalid project list from %s: %s", redact(index_url), exc)
            return cached[0] if cached else None
        entry = CacheEntry(
            data=len(names),
            fetched=time.time(),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )
        await asyncio.to_thread(self.cache.put_names, index_url, names, entry)
        return names


async def _none() -> None:
    return None


def _api_from_cache(entry: CacheEntry) -> JsonApiRelease | None:
    data = entry.data
    if not isinstance(data, dict) or not isinstance(data.get("info"), dict):
        return None
    try:
        return JsonApiRelease(
            info=data["info"], vulnerabilities=vulns_from_json(data.get("vulnerabilities") or [])
        )
    except (KeyError, TypeError):
        return None


def _scan_directory(path: Path) -> list[DistributionFile]:
    files: list[DistributionFile] = []
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_file():
                files.append(
                    DistributionFile(
                        filename=entry.name,
                        url=Path(entry.path).resolve().as_uri(),
                        is_wheel=entry.name.endswith(".whl"),
                    )
                )
    return files


def _build_names(lists: list[list[str]]) -> NameList:
    if len(lists) == 1:
        return NameList(lists[0], presorted=True)
    merged: set[str] = set()
    for names in lists:
        merged.update(names)
    return NameList(sorted(merged), presorted=True)


def _wheel_metadata_from_disk(path: Path | str) -> bytes | None:
    """The ``*.dist-info/METADATA`` member of a wheel file on disk, or None when it cannot be read."""

    try:
        with zipfile.ZipFile(path) as wheel:
            for member in wheel.namelist():
                parts = member.split("/")
                if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                    return wheel.read(member)
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    return None
