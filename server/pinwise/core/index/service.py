"""The index each document is checked against, and one client per distinct configuration.

Documents name their indexes in different places (``--index-url`` in a requirements file or one of its
includes, ``[[tool.uv.index]]`` in pyproject.toml, the environment, pip's configuration files). This
service resolves a document's :class:`ResolvedIndexConfig` with pip's precedence and hands out an
:class:`IndexClient` for it. Documents that resolve to the same configuration (the usual case: a whole
workspace) share one client, and so one ``httpx.AsyncClient``, one in-flight table and one cache.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pinwise.core.index.auth import redact
from pinwise.core.index.client import IndexClient
from pinwise.core.index.config import (
    IndexSettings,
    PipConfig,
    PoetrySource,
    ResolvedIndexConfig,
    UvIndex,
    load_pip_config,
    resolve_index_config,
)
from pinwise.core.index.transport import TransportPool
from pinwise.core.model import ParsedFile
from pinwise.core.pyproject.tables import PyprojectFile
from pinwise.core.requirements.includes import include_target
from pinwise.core.requirements.model import RequirementsFile

logger = logging.getLogger(__name__)

# The requirement-file options that choose indexes; pip reads them from every included file too.
INDEX_OPTIONS = frozenset(
    {"--index-url", "--extra-index-url", "--no-index", "--find-links", "--trusted-host"}
)


def requirements_index_options(
    document: RequirementsFile, includes: Iterable[RequirementsFile] = ()
) -> list[tuple[str, str | None, str]]:
    """The index options pip applies for ``document``, in its order, as ``(option, value, origin)``; the
    origin is ``path:line`` (one-based) for the log.

    pip applies an included file's options where its ``-r``/``-c`` line stands (so a later ``--index-url``
    in the including file replaces one from the included file), reads a file included twice twice, and
    takes only the first ``--find-links`` of a line. ``includes`` are the parsed included files (any order;
    they are found by the path each include line names).
    """
    by_path = {parsed.path: parsed for parsed in includes if parsed.path is not None}
    options: list[tuple[str, str | None, str]] = []

    def visit(parsed: RequirementsFile, stack: tuple[str | None, ...]) -> None:
        find_links_lines: set[int] = set()
        for item in parsed.options:
            name, value = item.option.name, item.option.value
            if not item.effective:
                continue
            if name in ("--requirement", "--constraint"):
                if value is not None and parsed.path is not None:
                    target = include_target(parsed.path, value)
                    included = by_path.get(target)
                    if included is not None and target not in stack:
                        visit(included, (*stack, target))
                continue
            if name not in INDEX_OPTIONS:
                continue
            if name == "--find-links":
                if item.line in find_links_lines:
                    continue
                find_links_lines.add(item.line)
            options.append((name, value, f"{parsed.path or '<buffer>'}:{item.line + 1}"))

    visit(document, (document.path,))
    return options


def pyproject_indexes(parsed: PyprojectFile) -> tuple[list[UvIndex], dict[str, str], list[PoetrySource]]:
    """``[[tool.uv.index]]``, the ``[tool.uv.sources]`` pins to named indexes, and ``[[tool.poetry.source]]``."""
    uv_indexes: list[UvIndex] = []
    poetry_sources: list[PoetrySource] = []
    for index in parsed.indexes:
        url = index.url.value if index.url and isinstance(index.url.value, str) else None
        name = index.name.value if index.name and isinstance(index.name.value, str) else None
        if index.tool == "uv" and url:
            uv_indexes.append(UvIndex(url=url, name=name, default=index.default, explicit=index.explicit))
        elif index.tool == "poetry" and name:
            priority = (
                index.priority.value
                if index.priority and isinstance(index.priority.value, str)
                else "primary"
            )
            poetry_sources.append(PoetrySource(name=name, url=url, priority=priority))
    uv_sources: dict[str, str] = {}
    for source in parsed.sources:
        target = source.target
        if source.kind == "index" and target is not None and isinstance(target.value, str):
            uv_sources[source.name] = target.value
    return uv_indexes, uv_sources, poetry_sources


class IndexService:
    """Resolves index configurations and keeps one :class:`IndexClient` per distinct configuration."""

    def __init__(
        self,
        *,
        settings: IndexSettings | None = None,
        environ: Mapping[str, str] | None = None,
        cache_dir: Path | str | None = None,
        pip_config: PipConfig | None = None,
        timeout: float = 10.0,
        transports: TransportPool | None = None,
    ) -> None:
        """``transports``: the process's shared transports; without it each client opens its own."""
        self._transports = transports
        self._environ = dict(os.environ if environ is None else environ)
        self._settings = settings
        self._cache_dir = cache_dir
        self._timeout = timeout
        # pip's configuration files are read once per service; pip itself reads them once per run.
        self._pip_config = pip_config if pip_config is not None else load_pip_config(self._environ)
        self._clients: dict[ResolvedIndexConfig, IndexClient] = {}
        self._logged: set[ResolvedIndexConfig] = set()

    @property
    def settings(self) -> IndexSettings | None:
        return self._settings

    def config_for(self, document: ParsedFile, includes: Sequence[ParsedFile] = ()) -> ResolvedIndexConfig:
        """The configuration pip (or uv/Poetry, for their tables) would use for ``document``.

        ``includes`` are the files a requirements file pulls in with ``-r``/``-c`` (their options apply
        where the include line stands, as pip reads them).
        """
        file_options: list[tuple[str, str | None, str]] = []
        uv_indexes: list[UvIndex] = []
        uv_sources: dict[str, str] = {}
        poetry_sources: list[PoetrySource] = []
        poetry_pins: dict[str, str] = {}
        if isinstance(document, RequirementsFile):
            from pinwise.core.piptools import compile_index_options

            # A compiled file's header command names the indexes its pins came from; the file's own
            # option lines (pip-compile writes them) come after, as pip reads them.
            header = compile_index_options(document)
            file_options = requirements_index_options(header) if header else []
            file_options += requirements_index_options(
                document, [f for f in includes if isinstance(f, RequirementsFile)]
            )
        elif isinstance(document, PyprojectFile):
            uv_indexes, uv_sources, poetry_sources = pyproject_indexes(document)
            poetry_pins = dict(document.poetry_source_pins)
        config = resolve_index_config(
            settings=self._settings,
            file_options=file_options,
            uv_indexes=uv_indexes,
            uv_sources=uv_sources,
            poetry_sources=poetry_sources,
            poetry_pins=poetry_pins,
            environ=self._environ,
            pip_config=self._pip_config,
        )
        if config not in self._logged:
            self._logged.add(config)
            logger.info("package index for %s: %s", document.path or "<buffer>", describe(config))
        return config

    def client(self, config: ResolvedIndexConfig) -> IndexClient:
        client = self._clients.get(config)
        if client is None:
            shared = (
                self._transports.for_tls(
                    cert=config.cert, client_cert=config.client_cert, trusted_hosts=config.trusted_hosts
                )
                if self._transports is not None
                else None
            )
            client = IndexClient(
                config,
                cache_dir=self._cache_dir,
                environ=self._environ,
                timeout=self._timeout,
                transport=shared,
            )
            self._clients[config] = client
        return client

    def client_for(self, document: ParsedFile, includes: Sequence[ParsedFile] = ()) -> IndexClient:
        return self.client(self.config_for(document, includes))

    def default_client(self) -> IndexClient:
        """The client for a document that names no index itself (used for project-name completion)."""
        return self.client(self.config_for(ParsedFile(path=None, text="")))

    async def aclose(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for client in clients:
            try:
                await client.aclose()
            except Exception:  # closing must never stop the others from closing
                logger.exception("closing an index client failed")


def describe(config: ResolvedIndexConfig) -> str:
    """A one-line, credential-free description of a configuration, for the log."""
    parts: list[str] = []
    if config.no_index:
        parts.append("--no-index")
    elif config.index_url:
        parts.append(f"index {redact(config.index_url)}")
    if config.extra_index_urls and not config.no_index:
        parts.append("extra " + ", ".join(redact(url) for url in config.extra_index_urls))
    if config.find_links:
        parts.append("find-links " + ", ".join(redact(url) for url in config.find_links))
    if config.offline:
        parts.append("offline")
    origins = ", ".join(f"{key} from {origin}" for key, origin in config.origins)
    return "; ".join(parts) + (f" ({origins})" if origins else "")
