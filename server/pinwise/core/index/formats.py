"""Parsers for what package indexes serve: PEP 691 JSON and PEP 503 HTML project pages and project lists,
find-links pages, core metadata (PEP 658) and the JSON API; plus (de)serialisation for the cache.

Every parser raises :class:`FormatError` on a body that is not what it claims to be, so that a garbage answer
is reported as "could not check" rather than read as an empty project.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from email.policy import compat32
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from pinwise.core.index.auth import strip_credentials
from pinwise.core.index.types import DistributionFile, Release, ReleaseDetails, Vulnerability

JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_CONTENT_TYPES = ("application/vnd.pypi.simple.v1+html", "text/html")
ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
_HASH_NAMES = ("sha256", "sha384", "sha512", "sha224", "sha1", "md5")


class FormatError(ValueError):
    """The body is not a valid answer of the kind expected."""


@dataclass(slots=True)
class ProjectPage:
    """One index's answer for one project, before merging with the other indexes."""

    name: str
    files: list[DistributionFile] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)  # PEP 700; may list versions without files


# ---------------------------------------------------------------------------------------------------------
# Project pages


def parse_project_page(body: bytes, content_type: str, url: str, name: str) -> ProjectPage:
    """Parse a project page, choosing the format from the content type (sniffing when it is missing)."""
    kind = _page_kind(body, content_type)
    if kind == "json":
        return parse_project_json(body, url, name)
    return parse_project_html(body, url, name)


def _page_kind(body: bytes, content_type: str) -> str:
    if content_type == JSON_CONTENT_TYPE or content_type == "application/json":
        return "json"
    if content_type in HTML_CONTENT_TYPES:
        return "html"
    if content_type in ("", "application/octet-stream", "text/plain"):
        # file:// pages and bare static servers give no useful type: look at the first character.
        return "json" if body.lstrip()[:1] == b"{" else "html"
    raise FormatError(f"unexpected content type {content_type!r}")


def _load_json(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise FormatError("invalid JSON: not an object")
    return data


def _check_api_version(data: dict[str, Any]) -> None:
    meta = data.get("meta")
    version = meta.get("api-version") if isinstance(meta, dict) else None
    if not isinstance(version, str) or not version.startswith("1."):
        raise FormatError(f"unsupported simple API version {version!r}")


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _core_metadata(value: object) -> dict[str, str] | None:
    if value is True:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return None


def _clean_url(url: str) -> tuple[str, dict[str, str]]:
    """The URL without credentials and fragment, and the hash the fragment carried (PEP 503)."""
    hashes: dict[str, str] = {}
    if "#" in url:
        url, fragment = urldefrag(url)
        algo, _, value = fragment.partition("=")
        if algo in _HASH_NAMES and value:
            hashes[algo] = value
    # URL parsing dominates pages with thousands of files, so it is skipped when there is nothing to strip.
    return (strip_credentials(url)[0] if "@" in url else url), hashes


def _join(base: str, href: str) -> str:
    if href.startswith(("https://", "http://", "file://")):
        return href
    return urljoin(base, href)


def parse_project_json(body: bytes, url: str, name: str) -> ProjectPage:
    data = _load_json(body)
    _check_api_version(data)
    files_data = data.get("files")
    if not isinstance(files_data, list):
        raise FormatError("project page has no files list")
    page = ProjectPage(name=canonicalize_name(str(data.get("name") or name)))
    for item in files_data:
        if not isinstance(item, dict) or not isinstance(item.get("filename"), str):
            continue
        href = item.get("url")
        file_url, _ = _clean_url(_join(url, href if isinstance(href, str) else item["filename"]))
        hashes = item.get("hashes")
        yanked = item.get("yanked", False)
        meta = item.get("core-metadata", item.get("dist-info-metadata"))
        size = item.get("size")
        rp = item.get("requires-python")
        filename = item["filename"]
        page.files.append(
            DistributionFile(
                filename=filename,
                url=file_url,
                hashes={str(k): str(v) for k, v in hashes.items()} if isinstance(hashes, dict) else {},
                requires_python=rp if isinstance(rp, str) and rp.strip() else None,
                yanked=bool(yanked) or isinstance(yanked, str),
                yanked_reason=yanked if isinstance(yanked, str) and yanked else None,
                upload_time=_parse_time(item.get("upload-time")),
                size=size if isinstance(size, int) else None,
                core_metadata=_core_metadata(meta),
                is_wheel=filename.endswith(".whl"),
            )
        )
    versions = data.get("versions")
    if isinstance(versions, list):
        page.versions = [v for v in versions if isinstance(v, str)]
    return page


class _AnchorParser(HTMLParser):
    """Collects the attributes of ``<a>`` elements, and ``<base href>``.

    Written by hand because PEP 503 pages are simple but not always well-formed, and no maintained library
    parses them without pulling in a full HTML tree builder; html.parser is lenient and in the standard
    library. It unescapes entities in attribute values, which PEP 503 requires.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: list[dict[str, str | None]] = []
        self.base: str | None = None
        self.saw_tag = False
        self._current: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.saw_tag = True
        if tag == "a":
            self._current = dict(attrs)
        elif tag == "base" and self.base is None:
            self.base = dict(attrs).get("href")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append(self._current)
            self._current = None


def _parse_anchors(body: bytes, url: str) -> tuple[list[dict[str, str | None]], str]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError("page is not UTF-8 text") from None
    parser = _AnchorParser()
    parser.feed(text)
    parser.close()
    if not parser.saw_tag:
        raise FormatError("page is not HTML")
    base = urljoin(url, parser.base) if parser.base else url
    return parser.anchors, base


def _html_metadata(attrs: dict[str, str | None]) -> dict[str, str] | None:
    for key in ("data-core-metadata", "data-dist-info-metadata"):
        if key in attrs:
            value = attrs[key]
            if value is None or value.strip().lower() == "true":
                return {}
            algo, sep, digest = value.partition("=")
            if sep and algo in _HASH_NAMES:
                return {algo: digest}
            return None
    return None


def _files_from_anchors(anchors: Iterable[dict[str, str | None]], base: str) -> list[DistributionFile]:
    files: list[DistributionFile] = []
    for attrs in anchors:
        href = attrs.get("href")
        if not href:
            continue
        file_url, hashes = _clean_url(_join(base, href))
        # pip names a file by its URL's last path segment, not by the anchor text.
        filename = unquote(urlsplit(file_url).path.rsplit("/", 1)[-1])
        if not filename:
            continue
        yanked_attr = "data-yanked" in attrs
        reason = attrs.get("data-yanked") or None
        rp = attrs.get("data-requires-python")
        files.append(
            DistributionFile(
                filename=filename,
                url=file_url,
                hashes=hashes,
                requires_python=rp if rp and rp.strip() else None,
                yanked=yanked_attr,
                yanked_reason=reason if yanked_attr else None,
                core_metadata=_html_metadata(attrs),
                is_wheel=filename.endswith(".whl"),
            )
        )
    return files


def parse_links_page(body: bytes, url: str) -> list[DistributionFile]:
    """The distribution files an HTML page links to: a PEP 503 project page or a find-links page."""
    anchors, base = _parse_anchors(body, url)
    return _files_from_anchors(anchors, base)


def parse_project_html(body: bytes, url: str, name: str) -> ProjectPage:
    return ProjectPage(name=canonicalize_name(name), files=parse_links_page(body, url))


# ---------------------------------------------------------------------------------------------------------
# Project lists (/simple/)

# The full list holds ~700,000 anchors; html.parser takes seconds over it, while this pattern finds the anchor
# texts (which are all a project list needs) in a fraction of that. Project pages still use html.parser.
_LIST_ANCHOR = re.compile(rb"<a\b[^>]*>([^<]*)</a\s*>", re.IGNORECASE)


# A whole index lists ~700,000 projects; json.loads would build a dict per project (hundreds of MB at the
# peak) only to read one key, so the names are picked out of the bytes. Each match is a complete JSON string
# literal, decoded with json.loads only when it holds an escape.
_JSON_PROJECT_NAME = re.compile(rb'"name"\s*:\s*"([^"\\]*(?:\\.[^"\\]*)*)"')
_JSON_PROJECTS_KEY = re.compile(rb'"projects"\s*:\s*\[')


def _json_project_names(body: bytes) -> list[str]:
    head = body[:4096]
    if not body.lstrip().startswith(b"{") or not body.rstrip().endswith(b"}"):
        raise FormatError("project list is not a complete JSON object")
    if _JSON_PROJECTS_KEY.search(body) is None:
        raise FormatError("project list has no projects")
    version = re.search(rb'"api-version"\s*:\s*"([^"]*)"', head) or re.search(
        rb'"api-version"\s*:\s*"([^"]*)"', body[-4096:]
    )
    if version is not None:
        _check_api_version({"meta": {"api-version": version.group(1).decode("ascii", "replace")}})
    names: list[str] = []
    for match in _JSON_PROJECT_NAME.finditer(body):
        literal = match.group(1)
        if b"\\" in literal:
            try:
                names.append(json.loads(b'"' + literal + b'"'))
            except ValueError:
                continue
        else:
            names.append(literal.decode("utf-8", "replace"))
    return names


def parse_project_list(body: bytes, content_type: str) -> list[str]:
    """Canonical names of every project an index lists, sorted and without duplicates."""
    if _page_kind(body, content_type) == "json":
        raw = _json_project_names(body)
    else:
        if b"<" not in body[:4096] and body.strip():
            raise FormatError("page is not HTML")
        import html

        # A generator into the set: no list of 700,000 intermediate strings at the peak.
        return sorted(
            {
                canonicalize_name(name)
                for match in _LIST_ANCHOR.finditer(body)
                if (name := html.unescape(match.group(1).decode("utf-8", "replace")).strip())
            }
        )
    return sorted({canonicalize_name(n) for n in raw if n})


# ---------------------------------------------------------------------------------------------------------
# File names

_ARCHIVE_SUFFIXES = (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tbz", ".txz", ".tar", ".zip")


def name_and_version(filename: str) -> tuple[str, Version] | None:
    """The canonical project name and version a distribution file name encodes, or None."""
    try:
        if filename.endswith(".whl"):
            # Only name and version are needed: splitting by hand skips packaging's tag parsing, which
            # dominated the time to group a project's thousands of files.
            parts = filename[:-4].split("-")
            if len(parts) not in (5, 6) or not parts[0]:
                return None
            return str(canonicalize_name(parts[0])), Version(parts[1])
        if filename.endswith((".tar.gz", ".zip")):
            sname, sversion = parse_sdist_filename(filename)
            return str(sname), sversion
    except (InvalidSdistFilename, InvalidVersion):
        pass
    # Legacy archives (and sdists whose names the strict parser rejects): "name-version" with the name's own
    # dashes, so split at the last dash that is followed by a digit, as pip's fragment parsing does.
    for suffix in _ARCHIVE_SUFFIXES:
        if filename.lower().endswith(suffix):
            stem = filename[: -len(suffix)]
            match = re.match(r"^(.+?)-(\d[^-]*)$", stem)
            if match:
                try:
                    return str(canonicalize_name(match.group(1))), Version(match.group(2))
                except InvalidVersion:
                    return None
    return None


def releases_from_files(
    name: str, files: Iterable[DistributionFile], versions: Sequence[str] = ()
) -> dict[str, Release]:
    """Group files by normalised version, keeping only files that belong to project ``name``."""
    releases: dict[str, Release] = {}
    for v in versions:
        try:
            releases.setdefault(str(Version(v)), Release(version=v))
        except InvalidVersion:
            continue
    for f in files:
        parsed = name_and_version(f.filename)
        if parsed is None or parsed[0] != name:
            continue
        key = str(parsed[1])
        release = releases.setdefault(key, Release(version=key))
        if all(existing.filename != f.filename for existing in release.files):
            release.files.append(f)
    return releases


def is_pure_wheel(filename: str) -> bool:
    try:
        _n, _v, _b, tags = parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidVersion):
        return False
    return any(t.abi == "none" and t.platform == "any" and t.interpreter.startswith("py3") for t in tags)


# ---------------------------------------------------------------------------------------------------------
# Core metadata and the JSON API


def parse_metadata(body: bytes, name: str, version: str) -> ReleaseDetails:
    """Read a METADATA file (email header format) into :class:`ReleaseDetails`."""
    msg = BytesParser(policy=compat32).parsebytes(body)
    if not msg.keys():
        raise FormatError("metadata has no fields")

    def one(key: str) -> str | None:
        value = msg.get(key)
        if value is None:
            return None
        text = str(value).strip()
        return text if text and text != "UNKNOWN" else None

    urls: dict[str, str] = {}
    for entry in msg.get_all("Project-URL") or []:
        label, sep, link = str(entry).partition(",")
        if sep and link.strip():
            urls[label.strip()] = link.strip()
    home = one("Home-page")
    if home and home not in urls.values():
        urls.setdefault("Homepage", home)
    payload = msg.get_payload()
    description = payload if isinstance(payload, str) and payload.strip() else one("Description")
    return ReleaseDetails(
        name=one("Name") or name,
        version=one("Version") or version,
        summary=one("Summary"),
        license=one("License-Expression") or one("License"),
        requires_python=one("Requires-Python"),
        provides_extra=tuple(str(e).strip() for e in msg.get_all("Provides-Extra") or []),
        requires_dist=tuple(str(r).strip() for r in msg.get_all("Requires-Dist") or []),
        project_urls=urls,
        description=description,
    )


@dataclass(slots=True)
class JsonApiRelease:
    info: dict[str, Any]
    vulnerabilities: tuple[Vulnerability, ...]


def parse_json_api(body: bytes) -> JsonApiRelease:
    data = _load_json(body)
    info = data.get("info")
    if not isinstance(info, dict):
        raise FormatError("JSON API answer has no info")
    vulns: list[Vulnerability] = []
    for item in data.get("vulnerabilities") or []:
        if not isinstance(item, dict) or item.get("withdrawn") or not isinstance(item.get("id"), str):
            continue
        vulns.append(
            Vulnerability(
                id=item["id"],
                aliases=tuple(str(a) for a in item.get("aliases") or ()),
                summary=str(item.get("summary") or item.get("details") or ""),
                fixed_in=tuple(str(v) for v in item.get("fixed_in") or ()),
                link=str(item["link"]) if item.get("link") else None,
            )
        )
    return JsonApiRelease(info=info, vulnerabilities=tuple(vulns))


def details_from_json_api(name: str, version: str, api: JsonApiRelease) -> ReleaseDetails:
    """Fill :class:`ReleaseDetails` from a JSON API answer, for releases without PEP 658 metadata."""
    info = api.info

    def text(key: str) -> str | None:
        value = info.get(key)
        return value.strip() if isinstance(value, str) and value.strip() and value != "UNKNOWN" else None

    urls = {str(k): str(v) for k, v in (info.get("project_urls") or {}).items()}
    home = text("home_page")
    if home and home not in urls.values():
        urls.setdefault("Homepage", home)
    return ReleaseDetails(
        name=name,
        version=version,
        summary=text("summary"),
        license=text("license_expression") or text("license"),
        requires_python=text("requires_python"),
        provides_extra=tuple(str(e) for e in info.get("provides_extra") or ()),
        requires_dist=tuple(str(r) for r in info.get("requires_dist") or ()),
        project_urls=urls,
        description=text("description"),
    )


# ---------------------------------------------------------------------------------------------------------
# Cache (de)serialisation


def file_to_json(f: DistributionFile) -> dict[str, Any]:
    return {
        "filename": f.filename,
        "url": f.url,
        "hashes": f.hashes,
        "requires_python": f.requires_python,
        "yanked": f.yanked,
        "yanked_reason": f.yanked_reason,
        "upload_time": f.upload_time.isoformat() if f.upload_time else None,
        "size": f.size,
        "core_metadata": f.core_metadata,
        "is_wheel": f.is_wheel,
    }


def file_from_json(d: dict[str, Any]) -> DistributionFile:
    return DistributionFile(
        filename=str(d["filename"]),
        url=str(d["url"]),
        hashes=dict(d.get("hashes") or {}),
        requires_python=d.get("requires_python"),
        yanked=bool(d.get("yanked")),
        yanked_reason=d.get("yanked_reason"),
        upload_time=_parse_time(d.get("upload_time")),
        size=d.get("size"),
        core_metadata=d.get("core_metadata"),
        is_wheel=bool(d.get("is_wheel")),
    )


def page_to_json(page: ProjectPage) -> dict[str, Any]:
    return {"name": page.name, "files": [file_to_json(f) for f in page.files], "versions": page.versions}


def page_from_json(d: dict[str, Any]) -> ProjectPage:
    return ProjectPage(
        name=str(d["name"]),
        files=[file_from_json(f) for f in d.get("files") or []],
        versions=[str(v) for v in d.get("versions") or []],
    )


def details_to_json(d: ReleaseDetails) -> dict[str, Any]:
    return {
        "name": d.name,
        "version": d.version,
        "summary": d.summary,
        "license": d.license,
        "requires_python": d.requires_python,
        "provides_extra": list(d.provides_extra),
        "requires_dist": list(d.requires_dist),
        "project_urls": d.project_urls,
        "description": d.description,
    }


def details_from_json(d: dict[str, Any]) -> ReleaseDetails:
    return ReleaseDetails(
        name=str(d["name"]),
        version=str(d["version"]),
        summary=d.get("summary"),
        license=d.get("license"),
        requires_python=d.get("requires_python"),
        provides_extra=tuple(d.get("provides_extra") or ()),
        requires_dist=tuple(d.get("requires_dist") or ()),
        project_urls=dict(d.get("project_urls") or {}),
        description=d.get("description"),
    )


def vulns_to_json(vulns: tuple[Vulnerability, ...]) -> list[dict[str, Any]]:
    return [
        {
            "id": v.id,
            "aliases": list(v.aliases),
            "summary": v.summary,
            "fixed_in": list(v.fixed_in),
            "link": v.link,
        }
        for v in vulns
    ]


def vulns_from_json(items: list[dict[str, Any]]) -> tuple[Vulnerability, ...]:
    return tuple(
        Vulnerability(
            id=str(i["id"]),
            aliases=tuple(i.get("aliases") or ()),
            summary=str(i.get("summary") or ""),
            fixed_in=tuple(i.get("fixed_in") or ()),
            link=i.get("link"),
        )
        for i in items
    )
