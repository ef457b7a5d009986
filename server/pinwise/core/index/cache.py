"""The persistent cache of index answers: one JSON file per (index, key), written atomically.

Keys are built from the *redacted* index URL, and file names are hashes of the key, so no credential and no
project name is ever visible in the cache directory. A file that cannot be read or parsed is treated as
absent; the cache never makes a lookup fail.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from pinwise.core.index.auth import redact

logger = logging.getLogger(__name__)

CACHE_VERSION = 1


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    override = env.get("PINWISE_CACHE_DIR")
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("pinwise", appauthor=False))


@dataclass(slots=True)
class CacheEntry:
    data: Any  # the parsed answer (JSON-compatible); None records a definitive "not found"
    fetched: float  # time.time() of the last successful exchange (200 or 304)
    etag: str | None = None
    last_modified: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.fetched

    def conditional_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


def _atomic_write(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class DiskCache:
    """Entries by kind ("project", "metadata", "json", "names") under one root directory.

    Entries are small (a parsed project page); reads and writes are done synchronously, except the names
    list which the callers read in a worker thread.
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._writable = True

    def path_for(self, kind: str, index_url: str, key: str, suffix: str = ".json") -> Path:
        digest = hashlib.sha256(f"{CACHE_VERSION}\0{redact(index_url)}\0{key}".encode()).hexdigest()
        return self.root / kind / digest[:2] / (digest + suffix)

    def get(self, kind: str, index_url: str, key: str) -> CacheEntry | None:
        path = self.path_for(kind, index_url, key)
        try:
            raw = json.loads(path.read_bytes())
            if not isinstance(raw, dict) or raw.get("v") != CACHE_VERSION:
                return None
            return CacheEntry(
                data=raw.get("data"),
                fetched=float(raw["fetched"]),
                etag=raw.get("etag"),
                last_modified=raw.get("last_modified"),
                extra=dict(raw.get("extra") or {}),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            logger.debug("Ignoring unreadable cache file %s: %s", path.name, exc)
            return None

    def put(self, kind: str, index_url: str, key: str, entry: CacheEntry) -> None:
        payload = {
            "v": CACHE_VERSION,
            "index": redact(index_url),
            "data": entry.data,
            "fetched": entry.fetched,
            "etag": entry.etag,
            "last_modified": entry.last_modified,
            "extra": entry.extra,
        }
        self._write(self.path_for(kind, index_url, key), json.dumps(payload, separators=(",", ":")).encode())

    def _write(self, path: Path, payload: bytes) -> None:
        if not self._writable:
            return
        try:
            _atomic_write(path, payload)
        except OSError as exc:
            # A read-only or full disk degrades to "no cache"; warn once rather than per write.
            logger.warning(
                "Cache directory %s is not writable (%s); continuing without a cache", self.root, exc
            )
            self._writable = False

    # The names list is large, so it is stored as gzip'd text (one canonical name per line) next to a small
    # JSON entry holding its validators.

    def get_names(self, index_url: str) -> tuple[list[str], CacheEntry] | None:
        entry = self.get("names", index_url, "")
        if entry is None:
            return None
        path = self.path_for("names", index_url, "", ".txt.gz")
        try:
            text = gzip.decompress(path.read_bytes()).decode("utf-8")
        except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as exc:
            logger.debug("Ignoring unreadable names cache %s: %s", path.name, exc)
            return None
        names = text.split("\n") if text else []
        return names, entry

    def put_names(self, index_url: str, names: list[str], entry: CacheEntry) -> None:
        blob = gzip.compress("\n".join(names).encode("utf-8"), compresslevel=6)
        self._write(self.path_for("names", index_url, "", ".txt.gz"), blob)
        self.put("names", index_url, "", entry)

    def touch(self, kind: str, index_url: str, key: str, entry: CacheEntry) -> None:
        """Record a successful revalidation (304) by rewriting the entry with a new fetch time."""
        entry.fetched = time.time()
        self.put(kind, index_url, key, entry)
