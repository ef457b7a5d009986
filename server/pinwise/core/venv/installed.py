"""What is installed in an environment, read from its metadata files without running its interpreter.

Only the header block of each ``METADATA`` / ``PKG-INFO`` file is read (the long description after the
first blank line is skipped), so reading an environment with hundreds of distributions takes milliseconds.
These functions block on the file system; async callers run them with ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

log = logging.getLogger(__name__)

# Header reading stops here even without a blank line, so a malformed file cannot cost much.
_MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class InstalledDistribution:
    name: str  # as the metadata spells it
    version: str
    location: Path  # the .dist-info / .egg-info entry
    requires_python: str | None = None
    # From PEP 610 direct_url.json: the URL it was installed from, and whether it is an editable install.
    direct_url: str | None = None
    editable: bool = False
    installer: str | None = None  # the INSTALLER file: "pip", "uv", ...

    @property
    def canonical_name(self) -> str:
        return canonicalize_name(self.name)


def site_packages_dirs(env_path: Path) -> list[Path]:
    """The site-packages folders of an environment prefix (POSIX ``lib/python*/``, Windows ``Lib/``)."""
    found: list[Path] = []
    for lib in ("lib", "lib64", "Lib"):
        base = env_path / lib
        direct = base / "site-packages"
        if direct.is_dir():
            found.append(direct)
        try:
            children = sorted(entry.name for entry in os.scandir(base) if entry.is_dir())
        except OSError:
            continue
        for child in children:
            candidate = base / child / "site-packages"
            if child.startswith(("python", "pypy")) and candidate.is_dir():
                found.append(candidate)
    # lib64 is often a link to lib; report each folder once.
    unique: dict[Path, Path] = {}
    for folder in found:
        try:
            key = folder.resolve()
        except OSError:
            key = folder
        unique.setdefault(key, folder)
    return list(unique.values())


def read_headers(path: Path) -> dict[str, str]:
    """The first value of each header in an RFC 822 style metadata file (continuation lines joined)."""
    headers: dict[str, str] = {}
    try:
        with path.open("r", encoding="utf-8", errors="replace") as stream:
            key: str | None = None
            read = 0
            for line in stream:
                read += len(line)
                if line in ("\n", "\r\n") or read > _MAX_HEADER_BYTES:
                    break
                if line[:1] in (" ", "\t") and key is not None:
                    headers[key] += " " + line.strip()
                    continue
                name, sep, value = line.partition(":")
                if not sep:
                    key = None
                    continue
                key = name.strip().lower()
                if key in headers:
                    key = None  # keep the first (Classifier, Requires-Dist... repeat; we need none of them)
                    continue
                headers[key] = value.strip()
    except OSError:
        return {}
    return headers


def _direct_url(info_dir: Path) -> tuple[str | None, bool]:
    try:
        data = json.loads((info_dir / "direct_url.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, False
    if not isinstance(data, dict):
        return None, False
    url = data.get("url")
    dir_info = data.get("dir_info")
    editable = isinstance(dir_info, dict) and dir_info.get("editable") is True
    return (url if isinstance(url, str) else None), editable


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip() or None
    except OSError:
        return None


def _read_distribution(entry: Path) -> InstalledDistribution | None:
    if entry.name.endswith(".dist-info"):
        headers = read_headers(entry / "METADATA")
    elif entry.is_dir():
        headers = read_headers(entry / "PKG-INFO")
    else:
        headers = read_headers(entry)  # a single-file .egg-info is the PKG-INFO itself
    name = headers.get("name")
    version = headers.get("version")
    if not name or not version:
        return None
    url, editable = _direct_url(entry) if entry.is_dir() else (None, False)
    installer = _read_text(entry / "INSTALLER") if entry.is_dir() else None
    return InstalledDistribution(
        name=name,
        version=version,
        location=entry,
        requires_python=headers.get("requires-python") or None,
        direct_url=url,
        editable=editable,
        installer=installer,
    )


def _newer(a: InstalledDistribution, b: InstalledDistribution) -> bool:
    try:
        return Version(a.version) > Version(b.version)
    except InvalidVersion:
        return False


def read_installed(env_path: Path) -> dict[str, InstalledDistribution]:
    """Installed distributions by canonical name.

    When a broken environment holds two metadata folders for one project (an interrupted upgrade), the
    higher version is reported, as ``importlib.metadata`` would usually find it first anyway.
    """
    installed: dict[str, InstalledDistribution] = {}
    for site_packages in site_packages_dirs(env_path):
        try:
            names = sorted(os.listdir(site_packages))
        except OSError:
            continue
        for name in names:
            if not name.endswith((".dist-info", ".egg-info")):
                continue
            dist = _read_distribution(site_packages / name)
            if dist is None:
                log.debug("unreadable metadata in %s", site_packages / name)
                continue
            key = dist.canonical_name
            current = installed.get(key)
            if current is None or _newer(dist, current):
                installed[key] = dist
    return installed


Fingerprint = tuple[tuple[str, int, tuple[tuple[str, int], ...]], ...]


def installed_fingerprint(env_path: Path) -> Fingerprint:
    """A cheap value that changes when distributions are installed, removed or upgraded.

    Installing or removing adds or deletes a metadata folder, which changes the site-packages folder's
    modification time; reinstalling the same version in place rewrites its RECORD, which changes the
    metadata folder's time. Only ``stat`` calls are made, no file is read.
    """
    parts: list[tuple[str, int, tuple[tuple[str, int], ...]]] = []
    for site_packages in site_packages_dirs(env_path):
        try:
            folder_mtime = site_packages.stat().st_mtime_ns
            infos: list[tuple[str, int]] = []
            with os.scandir(site_packages) as entries:
                for entry in entries:
                    if entry.name.endswith((".dist-info", ".egg-info")):
                        try:
                            infos.append((entry.name, entry.stat().st_mtime_ns))
                        except OSError:
                            continue
        except OSError:
            continue
        parts.append((str(site_packages), folder_mtime, tuple(sorted(infos))))
    return tuple(parts)
