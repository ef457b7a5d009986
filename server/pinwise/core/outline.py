"""Navigation content: the outline of a dependency file, its links, go-to-definition and inlay hints.

* :func:`document_symbols`: requirements and options of a requirements file; tables, groups and their
  dependencies in a ``pyproject.toml``.
* :func:`document_links`: included files (``-r``, ``-c``), editable and local paths, URL requirements and
  index URLs. A link's target keeps what was written (credentials included, since opening the link needs
  them); only its tooltip is shown to the user, so only the tooltip is redacted.
* :func:`definition`: the file ``-r file`` / ``-c file`` names; in a ``pyproject.toml``, the group an
  ``{include-group = "…"}`` names.
* :func:`inlay_hints`: "latest X" after a specifier that excludes the latest release, "installed Y" when
  the project's environment is known.

All results are protocol-free and use code-point spans; nothing here raises or does I/O (inlay hints only
ask the index).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pinwise.core.document import Document
from pinwise.core.hover import InstalledDistribution
from pinwise.core.index.auth import redact
from pinwise.core.index.client import pick_release
from pinwise.core.index.types import LookupStatus, PackageIndex
from pinwise.core.model import Dependency, DependencyKind
from pinwise.core.pyproject import PyprojectFile
from pinwise.core.pyproject.scan import TomlNode, TomlTable
from pinwise.core.requirements import OptionItem, RequirementItem, RequirementsFile
from pinwise.core.requirements.includes import include_target
from pinwise.core.requirements.parse import expand_env
from pinwise.core.text import Span

__all__ = ["InlayHint", "Link", "Symbol", "definition", "document_links", "document_symbols", "inlay_hints"]

logger = logging.getLogger(__name__)

_INCLUDE_OPTIONS = ("--requirement", "--constraint")
_URL_OPTIONS = ("--index-url", "--extra-index-url", "--find-links")
_WEB_URL = re.compile(r"^(https?|file)://", re.IGNORECASE)
_VCS_URL = re.compile(r"^(git|hg|svn|bzr)\+(https?://.*)$", re.IGNORECASE)


@dataclass(slots=True)
class Symbol:
    name: str
    kind: str  # "package" | "option" | "table" | "group" | "include"
    detail: str | None
    span: Span  # everything the symbol covers
    selection_span: Span  # what to highlight: the name
    children: list[Symbol] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Link:
    span: Span
    target: str  # an absolute file path or a URL
    tooltip: str | None = None


@dataclass(frozen=True, slots=True)
class InlayHint:
    offset: int  # where the hint is shown (after the specifier)
    label: str
    tooltip: str | None = None


# --------------------------------------------------------------------------------------------------------
# Symbols
# --------------------------------------------------------------------------------------------------------


def document_symbols(doc: Document) -> list[Symbol]:
    """The outline of ``doc``."""
    try:
        if isinstance(doc.parsed, PyprojectFile):
            return _pyproject_symbols(doc.parsed)
        return _requirements_symbols(doc.parsed)
    except Exception:  # An outline is never worth an error in the editor.
        logger.exception("outline failed for %s", doc.path or "<text>")
        return []


def _requirements_symbols(parsed: RequirementsFile) -> list[Symbol]:
    symbols: list[Symbol] = []
    for item in parsed.items:
        if isinstance(item, RequirementItem):
            symbols.append(_dependency_symbol(item.dependency, item.span))
        elif isinstance(item, OptionItem):
            option = item.option
            kind = "include" if option.name in _INCLUDE_OPTIONS else "option"
            value = option.value
            detail = (redact(value) if "://" in value else value) if value is not None else None
            symbols.append(Symbol(option.name, kind, detail, option.span, option.name_span))
    return symbols


def _dependency_symbol(dependency: Dependency, span: Span | None = None) -> Symbol:
    name = dependency.name or (redact(dependency.url) if dependency.url else "?")
    detail_parts = [dependency.raw_constraint or dependency.specifier]
    if dependency.kind is not DependencyKind.NAMED and dependency.url and dependency.name:
        detail_parts.append(redact(dependency.url))
    if dependency.marker:
        detail_parts.append(f"; {dependency.marker}")
    detail = " ".join(part for part in detail_parts if part) or None
    whole = span or dependency.span
    selection = dependency.name_span or dependency.url_span or dependency.span
    if not (whole.start <= selection.start and selection.end <= whole.end):
        whole = whole.cover(selection)
    return Symbol(name, "package", detail, whole, selection)


def _pyproject_symbols(parsed: PyprojectFile) -> list[Symbol]:
    """Tables, then groups (extras, dependency groups, Poetry groups), then dependencies, in file order."""
    root = parsed.document.root if parsed.document is not None else None
    tables: dict[str, Symbol] = {}
    groups: dict[tuple[str, str], Symbol] = {}

    def table_symbol(section: str) -> Symbol:
        symbol = tables.get(section)
        if symbol is None:
            key = _key_span(root, section.split("."))
            anchor = key or Span(0, 0)
            symbol = Symbol(section, "table", None, anchor, anchor)
            tables[section] = symbol
        return symbol

    def group_symbol(section: str, group: str, key: Span | None) -> Symbol:
        symbol = groups.get((section, group))
        if symbol is None:
            parent = table_symbol(section)
            anchor = key or parent.selection_span
            symbol = Symbol(group, "group", None, anchor, anchor)
            groups[(section, group)] = symbol
            parent.children.append(symbol)
        return symbol

    # Declared groups come first so that empty ones are listed too.
    for extra, key in parsed.extras.items():
        group_symbol("project.optional-dependencies", extra, key)
    for group, key in parsed.dependency_groups.items():
        group_symbol("dependency-groups", group, key)
    for group, key in parsed.poetry_groups.items():
        group_symbol("tool.poetry.group", group, key)

    for dependency in parsed.dependencies:
        section, group_name = _section_parts(dependency)
        symbol = _dependency_symbol(dependency)
        if group_name is None:
            table_symbol(section).children.append(symbol)
        else:
            group_symbol(section, group_name, None).children.append(symbol)

    for symbol in [*groups.values(), *tables.values()]:
        _cover_children(symbol)
    ordered = sorted(tables.values(), key=lambda symbol: symbol.span.start)
    for symbol in ordered:
        symbol.children.sort(key=lambda child: child.span.start)
    return ordered


def _section_parts(dependency: Dependency) -> tuple[str, str | None]:
    """The table and the group a dependency is listed under in the outline."""
    section, group = dependency.section, dependency.group
    if group is not None and section.endswith(f".{group}"):
        return section[: -len(group) - 1], group
    if group is not None and section == f"tool.poetry.group.{group}.dependencies":
        return "tool.poetry.group", group
    return section, None


def _key_span(root: TomlTable | None, path: list[str]) -> Span | None:
    """The name span of the last key of ``path`` (None when the path is not in the tree as written)."""
    node: TomlNode | None = root
    key = None
    for part in path:
        if not isinstance(node, TomlTable):
            return None
        key = node.keys.get(part)
        node = node.entries.get(part)
    return key.name_span if key is not None else None


def _cover_children(symbol: Symbol) -> None:
    for child in symbol.children:
        symbol.span = symbol.span.cover(child.span)


# --------------------------------------------------------------------------------------------------------
# Links and definitions
# --------------------------------------------------------------------------------------------------------


def document_links(doc: Document, base: Path | None) -> list[Link]:
    """Links to included files, local paths and URLs; relative paths resolve against ``base`` (the
    document's folder by default)."""
    folder = base if base is not None else (doc.path.parent if doc.path is not None else None)
    try:
        if isinstance(doc.parsed, PyprojectFile):
            return _pyproject_links(doc.parsed, folder)
        return _requirements_links(doc.parsed, folder)
    except Exception:
        logger.exception("document links failed for %s", doc.path or "<text>")
        return []


def _requirements_links(parsed: RequirementsFile, folder: Path | None) -> list[Link]:
    links: list[Link] = []
    for item in parsed.items:
        if isinstance(item, OptionItem):
            option = item.option
            if option.value is None or option.value_span is None:
                continue
            # pip expands ${VAR} on every line before reading its options; a variable not set is left as is,
            # and then the value names nothing worth linking to.
            value = expand_env(option.value, os.environ)
            if "${" in value:
                continue
            if option.name in _INCLUDE_OPTIONS:
                link = _include_link(value, option.value_span, folder)
            elif option.name in _URL_OPTIONS:
                # Only --find-links paths are relative to the file's folder (and pip expands "~" in them).
                link = _location_link(
                    value, option.value_span, folder if option.name == "--find-links" else None
                )
            else:
                link = None
            if link is not None:
                links.append(link)
        elif isinstance(item, RequirementItem):
            link = _dependency_link(item.dependency, folder)
            if link is not None:
                links.append(link)
    return links


def _pyproject_links(parsed: PyprojectFile, folder: Path | None) -> list[Link]:
    links = [link for d in parsed.dependencies if (link := _dependency_link(d, folder)) is not None]
    for package_index in parsed.indexes:
        url = package_index.url
        if url is not None and isinstance(url.value, str):
            link = _location_link(url.value, url.span, None)
            if link is not None:
                links.append(link)
    for source in parsed.sources:
        target = source.target
        if target is not None and source.kind in ("path", "url", "git") and isinstance(target.value, str):
            link = _location_link(target.value, target.span, folder)
            if link is not None:
                links.append(link)
    return sorted(links, key=lambda link: link.span)


def _dependency_link(dependency: Dependency, folder: Path | None) -> Link | None:
    if dependency.url is None or dependency.url_span is None or "${" in dependency.url:
        return None
    return _location_link(dependency.url, dependency.url_span, folder)


def _location_link(written: str, span: Span, folder: Path | None) -> Link | None:
    """A link for a URL or a path as written; a relative path needs ``folder``."""
    value = written.strip().strip("'\"")
    if not value:
        return None
    vcs = _VCS_URL.match(value)
    if vcs is not None:
        # A VCS URL opens best as its web page: without the "git+" scheme, the "@ref" and the "#egg=".
        url = vcs.group(2).split("#", 1)[0]
        scheme, _, rest = url.partition("://")
        host, slash, path = rest.partition("/")
        if "@" in path:
            path = path[: path.rfind("@")]
        return Link(span, f"{scheme}://{host}{slash}{path}", redact(value))
    if _WEB_URL.match(value):
        return Link(span, value, redact(value))
    if "://" in value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute():
        if folder is None:
            return None
        path = folder / path
    resolved = os.path.normpath(path)  # without "." and ".." parts, without touching the file system
    return Link(span, resolved, resolved)


def _include_link(written: str, span: Span, folder: Path | None) -> Link | None:
    """A link to the file pip reads for ``-r``/``-c written`` in a file in ``folder``: the include graph's
    own rule (``include_target``: no "~" expansion, unlike ``--find-links``)."""
    if folder is None:
        return None
    # include_target joins to the including file's folder; a trailing separator makes ``folder`` that.
    target = include_target(os.path.join(folder, ""), written)
    if "://" in target:
        return _location_link(target, span, None)
    return Link(span, target, target)


def definition(doc: Document, offset: int, base: Path | None) -> tuple[Path, Span | None] | None:
    """Where the thing at ``offset`` is defined: the file of ``-r file`` / ``-c file`` (span None: the
    whole file), or, in a ``pyproject.toml``, the dependency group an ``include-group`` names."""
    folder = base if base is not None else (doc.path.parent if doc.path is not None else None)
    parsed = doc.parsed
    if isinstance(parsed, RequirementsFile):
        for item in parsed.options:
            option = item.option
            if option.name not in _INCLUDE_OPTIONS or option.value is None or option.value_span is None:
                continue
            if not option.span.contains(offset):
                continue
            link = _include_link(option.value, option.value_span, folder)  # expands ${VAR}
            if link is None or _WEB_URL.match(link.target) or "${" in link.target:
                return None
            return Path(link.target), None
        return None
    if doc.path is None:
        return None
    for include in parsed.group_includes:
        if include.span.contains(offset):
            wanted = canonicalize_name(include.name)
            for group, key in parsed.dependency_groups.items():
                if canonicalize_name(group) == wanted:
                    return doc.path, key
    return None


# --------------------------------------------------------------------------------------------------------
# Inlay hints
# --------------------------------------------------------------------------------------------------------


async def inlay_hints(
    doc: Document,
    *,
    index: PackageIndex | None,
    installed: Mapping[str, InstalledDistribution] | None = None,
    show_latest: bool = True,
) -> list[InlayHint]:
    """ "latest X" (when the specifier excludes the latest release) and "installed Y" after each dependency.

    Each project is asked of the index once, all at the same time; a project the index cannot answer for
    gets no "latest" hint.
    """
    named = [d for d in doc.parsed.dependencies if d.name is not None and d.kind is DependencyKind.NAMED]
    latest: dict[str, str] = {}
    if show_latest and index is not None:
        names = sorted({canonicalize_name(d.name) for d in named if d.name is not None})
        answers = await asyncio.gather(*(_latest_version(index, name) for name in names))
        latest = {name: version for name, version in zip(names, answers, strict=True) if version is not None}
    hints: list[InlayHint] = []
    for dependency in named:
        canonical = dependency.canonical_name
        assert canonical is not None
        parts: list[str] = []
        tooltip: list[str] = []
        newest = latest.get(canonical)
        if newest is not None and not _allows(dependency.specifier, newest):
            parts.append(f"latest {newest}")
            tooltip.append(f"The newest release of {dependency.name} is {newest}; the specifier excludes it.")
        if installed:
            distribution = installed.get(canonical)
            if distribution is not None:
                parts.append(f"installed {distribution.version}")
                tooltip.append(f"The project's environment has {distribution.name} {distribution.version}.")
        if parts:
            hints.append(InlayHint(_hint_offset(doc, dependency), " · ".join(parts), " ".join(tooltip)))
    return hints


async def _latest_version(index: PackageIndex, name: str) -> str | None:
    try:
        lookup = await index.project(name)
    except Exception:  # One failing lookup must not cost the other hints.
        logger.exception("inlay hint lookup failed for %s", name)
        return None
    if lookup.status is not LookupStatus.FOUND or lookup.project is None:
        return None
    release = pick_release(lookup.project, None)
    return release.version if release is not None else None


def _allows(specifier: str, version: str) -> bool:
    if not specifier:
        return True
    try:
        return SpecifierSet(specifier).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True  # nothing sensible to say about a malformed specifier


def _hint_offset(doc: Document, dependency: Dependency) -> int:
    """After the specifier (or the name and extras), before any marker; after the closing quote of a
    pyproject string so the hint does not sit inside it."""
    if dependency.poetry:
        return dependency.span.end
    if isinstance(doc.parsed, PyprojectFile):
        end = dependency.span.end
        return end + 1 if doc.text[end : end + 1] in ("'", '"') else end
    for part in (dependency.specifier_span, dependency.extras_span, dependency.name_span):
        if part is not None:
            return part.end
    return dependency.span.end
