"""Which indexes a document is resolved against: the answer pip (or uv, or Poetry) would give.

Layers, highest precedence first: editor settings; options in the requirements file and its includes;
``[[tool.uv.index]]`` and ``[[tool.poetry.source]]`` in pyproject.toml; environment variables; pip's
configuration files; and finally pip's built-in default index, read from the installed pip.
"""

from __future__ import annotations

import configparser
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from pinwise.core.index.auth import redact
from pinwise.core.index.types import IndexConfig
from pinwise.core.requirements.parse import expand_env

logger = logging.getLogger(__name__)

_TRUE = ("1", "true", "yes", "on", "y", "t")
# pip expands only ``${NAME}`` with upper-case letters, digits and underscores, in requirement files.
# The options pip reads from its configuration that decide where packages come from.
_PIP_KEYS = ("index-url", "extra-index-url", "find-links", "no-index", "trusted-host", "cert", "client-cert")


def default_index_url() -> str | None:
    """pip's built-in default index, read from the installed pip; None when pip is not importable."""
    try:
        from pip._internal.models.index import PyPI
    except Exception:  # pip absent or its internals moved: the user must configure an index
        logger.warning("pip is not importable; no default package index is known")
        return None
    url = getattr(PyPI, "simple_url", None)
    return url if isinstance(url, str) else None


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """The editor's ``pinwise.index.*`` settings."""

    url: str | None = None
    extra_urls: tuple[str, ...] = ()
    offline: bool = False


@dataclass(frozen=True, slots=True)
class UvIndex:
    """One ``[[tool.uv.index]]`` table."""

    url: str
    name: str | None = None
    default: bool = False
    explicit: bool = False


@dataclass(frozen=True, slots=True)
class PoetrySource:
    """One ``[[tool.poetry.source]]`` table; ``priority`` is primary, default, supplemental or explicit."""

    name: str
    url: str | None = None
    priority: str = "primary"


@dataclass(frozen=True, slots=True)
class ResolvedIndexConfig(IndexConfig):
    """:class:`IndexConfig` plus the packages pinned to one index (uv ``explicit`` indexes with
    ``tool.uv.sources``, Poetry ``source = ...``): canonical name -> index URL. Such a package is looked up on
    that index only, and the explicit index is not used for anything else."""

    pinned: tuple[tuple[str, str], ...] = ()

    def pinned_index(self, name: str) -> str | None:
        canonical = canonicalize_name(name)
        for package, url in self.pinned:
            if package == canonical:
                return url
        return None


@dataclass(frozen=True, slots=True)
class PipConfig:
    """Values from pip's configuration files, already merged with pip's precedence.

    ``values`` maps an option name (``index-url``) to (value, origin file).
    """

    values: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    files: tuple[str, ...] = ()  # the files that existed and were read, lowest precedence first

    def get(self, key: str) -> tuple[str, str] | None:
        return self.values.get(key)


def pip_config_files(
    environ: Mapping[str, str], *, platform: str | None = None, prefix: str | None = None
) -> list[str]:
    """pip's configuration files, lowest precedence first, as ``pip config debug`` lists them.

    Re-implemented after ``pip._internal.configuration`` rather than calling its ``Configuration`` class:
    that class reads ``os.environ`` directly (a language server must resolve against the environment it is
    given, and tests against a synthetic one), raises pip-internal exceptions on a bad file, and is not a
    public API. The order is: global (``$XDG_CONFIG_DIRS``/pip/pip.conf, then /etc/pip.conf), user
    (~/.pip/pip.conf, then ``$XDG_CONFIG_HOME``/pip/pip.conf; skipped when PIP_CONFIG_FILE names an existing
    file), site (``sys.prefix``/pip.conf), then the PIP_CONFIG_FILE file.
    """
    plat = sys.platform if platform is None else platform
    site_prefix = sys.prefix if prefix is None else prefix
    home = environ.get("HOME") or os.path.expanduser("~")
    env_file = environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    basename = "pip.ini" if plat == "win32" else "pip.conf"
    files: list[str] = []
    if plat == "win32":
        program_data = environ.get("PROGRAMDATA", r"C:\ProgramData")
        files.append(os.path.join(program_data, "pip", basename))
        appdata = environ.get("APPDATA", os.path.join(home, "AppData", "Roaming"))
        user_files = [os.path.join(home, "pip", basename), os.path.join(appdata, "pip", basename)]
    elif plat == "darwin":
        files.append(os.path.join("/Library/Application Support/pip", basename))
        user_files = [
            os.path.join(home, ".pip", basename),
            os.path.join(home, ".config", "pip", basename)
            if os.path.isdir(os.path.join(home, ".config", "pip"))
            else os.path.join(home, "Library", "Application Support", "pip", basename),
        ]
    else:
        xdg_dirs = environ.get("XDG_CONFIG_DIRS") or "/etc/xdg"
        files += [os.path.join(d, "pip", basename) for d in xdg_dirs.split(os.pathsep) if d]
        files.append(os.path.join("/etc", basename))
        xdg_home = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
        user_files = [os.path.join(home, ".pip", basename), os.path.join(xdg_home, "pip", basename)]
    if not (env_file and os.path.exists(env_file)):
        files += user_files
    files.append(os.path.join(site_prefix, basename))
    if env_file:
        files.append(env_file)
    return files


def load_pip_config(
    environ: Mapping[str, str] | None = None,
    *,
    files: Sequence[str] | None = None,
    command: str = "install",
) -> PipConfig:
    """Read pip's configuration files with pip's rules: a later file overrides an earlier one key by key,
    and the ``[install]`` section overrides ``[global]`` whatever file each came from."""
    env = os.environ if environ is None else environ
    paths = pip_config_files(env) if files is None else list(files)
    merged: dict[str, dict[str, tuple[str, str]]] = {"global": {}, command: {}}
    read: list[str] = []
    for path in paths:
        if not os.path.isfile(path):
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError) as exc:
            # pip refuses to run with a broken file; we only lose what it would have said.
            logger.warning("Ignoring unreadable pip configuration %s: %s", path, exc)
            continue
        read.append(path)
        for section in parser.sections():
            if section not in merged:
                continue
            for key, value in parser.items(section):
                name = key.lower().replace("_", "-").removeprefix("--")
                merged[section][name] = (value, path)
    values: dict[str, tuple[str, str]] = {}
    for section in ("global", command):
        for key, (value, origin) in merged[section].items():
            if value and key in _PIP_KEYS:  # pip ignores empty values
                values[key] = (value, f"{origin} [{section}]")
    return PipConfig(values=values, files=tuple(read))


def _home_find_link(location: str, environ: Mapping[str, str]) -> str:
    """pip expands "~" in a --find-links location from its configuration or environment when the expanded
    path exists (``SearchScope.create``); a requirements file's own ``-f ~/…`` it leaves alone."""
    if not location.startswith("~"):
        return location
    home = environ.get("HOME")
    if home and (location == "~" or location.startswith("~/")):
        expanded = home + location[1:]
    else:
        expanded = os.path.expanduser(location)
    return os.path.abspath(expanded) if os.path.exists(expanded) else location


def _is_true(value: str) -> bool:
    return value.strip().lower() in _TRUE


class _Builder:
    """Accumulates the configuration layer by layer, lowest precedence first, recording origins."""

    def __init__(self) -> None:
        self.index_url: str | None = None
        self.extras: list[str] = []
        self.find_links: list[str] = []
        self.trusted: list[str] = []
        self.no_index = False
        self.cert: str | None = None
        self.client_cert: str | None = None
        self.offline = False
        self.pinned: dict[str, str] = {}
        self.origins: dict[str, str] = {}

    def set_index(self, url: str, origin: str) -> None:
        self.index_url = url
        self.origins["index-url"] = origin

    def replace_extras(self, urls: Sequence[str], origin: str) -> None:
        self.extras = []
        self.origins = {k: v for k, v in self.origins.items() if not k.startswith("extra-index-url ")}
        self.add_extras(urls, origin)

    def add_extras(self, urls: Sequence[str], origin: str) -> None:
        for url in urls:
            if url and url not in self.extras and url != self.index_url:
                self.extras.append(url)
                self.origins[f"extra-index-url {redact(url)}"] = origin

    def add_find_links(self, locations: Sequence[str], origin: str) -> None:
        for loc in locations:
            if loc and loc not in self.find_links:
                self.find_links.append(loc)
                self.origins[f"find-links {redact(loc)}"] = origin

    def add_trusted(self, hosts: Sequence[str], origin: str) -> None:
        for host in hosts:
            if host and host not in self.trusted:
                self.trusted.append(host)
                self.origins[f"trusted-host {host}"] = origin

    def build(self) -> ResolvedIndexConfig:
        return ResolvedIndexConfig(
            index_url=None if self.no_index else self.index_url,
            extra_index_urls=() if self.no_index else tuple(self.extras),
            find_links=tuple(self.find_links),
            no_index=self.no_index,
            trusted_hosts=tuple(self.trusted),
            cert=self.cert,
            client_cert=self.client_cert,
            offline=self.offline,
            origins=tuple(self.origins.items()),
            pinned=tuple(sorted(self.pinned.items())),
        )


def _split(value: str) -> list[str]:
    return value.split()


def _uv_url(entry: str) -> str:
    """UV_INDEX entries may be ``name=url``."""
    name, sep, url = entry.partition("=")
    if sep and "://" not in name and "/" not in name:
        return url
    return entry


def _relative_find_link(value: str, origin: str) -> str:
    """pip resolves a ``--find-links`` path in a requirements file against that file's directory."""
    if "://" in value or os.path.isabs(value):
        return value
    path, _, line = origin.rpartition(":")
    source = path if line.isdigit() else origin
    candidate = Path(source).parent / value
    return str(candidate.resolve()) if candidate.exists() else value


def resolve_index_config(
    *,
    settings: IndexSettings | None = None,
    file_options: Sequence[tuple[str, str | None, str]] = (),
    uv_indexes: Sequence[UvIndex] = (),
    uv_sources: Mapping[str, str] = {},
    poetry_sources: Sequence[PoetrySource] = (),
    poetry_pins: Mapping[str, str] = {},
    environ: Mapping[str, str],
    pip_config: PipConfig,
) -> ResolvedIndexConfig:
    """Resolve the index configuration for one document.

    ``file_options`` are the requirement-file options in file order (includes expanded in place), each
    (long option name such as ``--index-url``, value or None for a flag, origin like ``requirements.txt:3``).
    ``uv_sources`` and ``poetry_pins`` map a package to the *name* of the index it is pinned to.
    """
    b = _Builder()

    # pip's configuration files, then pip's environment variables (each PIP_ variable replaces the file value).
    def pip_value(key: str) -> tuple[str, str] | None:
        env_key = "PIP_" + key.upper().replace("-", "_")
        if environ.get(env_key):
            return environ[env_key], env_key
        return pip_config.get(key)

    if (v := pip_value("index-url")) is not None:
        b.set_index(v[0].strip(), v[1])
    if (v := pip_value("extra-index-url")) is not None:
        b.replace_extras(_split(v[0]), v[1])
    if (v := pip_value("find-links")) is not None:
        b.add_find_links([_home_find_link(loc, environ) for loc in _split(v[0])], v[1])
    if (v := pip_value("trusted-host")) is not None:
        b.add_trusted(_split(v[0]), v[1])
    if (v := pip_value("no-index")) is not None and _is_true(v[0]):
        b.no_index = True
        b.origins["no-index"] = v[1]
    if (v := pip_value("cert")) is not None:
        b.cert = v[0].strip()
        b.origins["cert"] = v[1]
    if (v := pip_value("client-cert")) is not None:
        b.client_cert = v[0].strip()
        b.origins["client-cert"] = v[1]

    # uv's variables sit with pip's in the environment layer; pip's own take precedence for the main index.
    if "index-url" not in b.origins or b.origins["index-url"] not in ("PIP_INDEX_URL",):
        for key in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
            if environ.get(key, "").strip():
                b.set_index(environ[key].strip(), key)
                break
    for key in ("UV_INDEX", "UV_EXTRA_INDEX_URL"):
        if environ.get(key, "").strip():
            b.add_extras([_uv_url(e) for e in _split(environ[key])], key)

    if b.index_url is None:
        default = default_index_url()
        if default is not None:
            b.set_index(default, "pip default")

    # pyproject.toml: uv indexes, then Poetry sources.
    uv_by_name: dict[str, str] = {}
    for idx in uv_indexes:
        if idx.name:
            uv_by_name[idx.name] = idx.url
        if idx.explicit:
            continue
        if idx.default:
            b.set_index(idx.url, f"tool.uv.index {idx.name or redact(idx.url)}")
        else:
            b.add_extras([idx.url], f"tool.uv.index {idx.name or ''}".strip())
    for package, index_name in uv_sources.items():
        if index_name in uv_by_name:
            b.pinned[canonicalize_name(package)] = uv_by_name[index_name]

    poetry_by_name: dict[str, str] = {}
    primaries = [s for s in poetry_sources if s.url and s.priority in ("primary", "default")]
    for source in poetry_sources:
        if source.url:
            poetry_by_name[source.name] = source.url
    if primaries:
        # Poetry uses its primary sources instead of the default index (unless one of them is it).
        first, *rest = sorted(primaries, key=lambda s: s.priority != "default")
        assert first.url is not None
        b.set_index(first.url, f"tool.poetry.source {first.name}")
        b.add_extras([s.url for s in rest if s.url], "tool.poetry.source")
    for source in poetry_sources:
        if source.url and source.priority == "supplemental":
            b.add_extras([source.url], f"tool.poetry.source {source.name}")
    for package, source_name in poetry_pins.items():
        if source_name in poetry_by_name:
            b.pinned[canonicalize_name(package)] = poetry_by_name[source_name]

    # The requirements file, line by line with pip's semantics: --index-url replaces every index chosen so far
    # (extra ones included), --extra-index-url and --find-links add, --no-index turns indexes off.
    for option, raw_value, origin in file_options:
        opt = option.lstrip("-").lower().replace("_", "-")
        value = expand_env(raw_value, environ).strip() if raw_value is not None else None
        if opt in ("no-index",):
            b.no_index = True
            b.origins["no-index"] = origin
        elif opt in ("index-url", "i") and value:
            b.set_index(value, origin)
            b.replace_extras([], origin)
        elif opt == "extra-index-url" and value:
            b.add_extras([value], origin)
        elif opt in ("find-links", "f") and value:
            b.add_find_links([_relative_find_link(value, origin)], origin)
        elif opt == "trusted-host" and value:
            b.add_trusted([value], origin)

    if settings is not None:
        if settings.url:
            b.set_index(expand_env(settings.url, environ), "settings")
            b.no_index = False
        b.add_extras([expand_env(u, environ) for u in settings.extra_urls], "settings")
        if settings.offline:
            b.offline = True
            b.origins["offline"] = "settings"

    config = b.build()
    # Resolution runs on every analysis, hover and completion; IndexService logs each distinct result once
    # at INFO, so the full detail is for debugging only.
    logger.debug(
        "Index configuration: index=%s extra=%s find-links=%s no-index=%s trusted=%s cert=%s offline=%s "
        "pinned=%s origins=%s",
        redact(config.index_url) if config.index_url else None,
        [redact(u) for u in config.extra_index_urls],
        [redact(u) for u in config.find_links],
        config.no_index,
        list(config.trusted_hosts),
        config.cert,
        config.offline,
        {k: redact(v) for k, v in config.pinned},
        dict(config.origins),
    )
    return config
