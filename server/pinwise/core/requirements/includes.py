"""The graph of requirements files joined by ``-r`` / ``-c``, resolved as pip resolves them.

pip joins a relative include path to the directory of the including file (or URL-joins it when the
including file is a URL) and refuses a file that includes itself, directly or through others, while a
file reached twice along different paths is simply read twice. This module does the same without doing
any I/O: the caller passes ``read_text``, which returns a file's text or None when it cannot be read.

Problem codes (each problem lies in the *including* file, on the include's argument):

``include-not-found``
    the included file could not be read.
``include-cycle``
    the file includes itself, directly or through other files.
"""

from __future__ import annotations

import enum
import ntpath
import os
import posixpath
import re
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from pinwise.core.model import Problem
from pinwise.core.requirements.model import OptionItem, RequirementItem, RequirementsFile
from pinwise.core.requirements.parse import expand_env, parse_requirements

__all__ = ["IncludeEdge", "IncludeGraph", "IncludeKind", "include_target", "resolve_includes"]

# pip's SCHEME_RE: the include (or the including file) is fetched rather than opened.
_REMOTE = re.compile(r"^(http|https|file):", re.IGNORECASE)
_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]|^\\\\")


class IncludeKind(enum.Enum):
    REQUIREMENT = "requirement"  # -r / --requirement
    CONSTRAINT = "constraint"  # -c / --constraint


@dataclass(frozen=True, slots=True)
class IncludeEdge:
    source: str  # the including file, as a key of IncludeGraph.files
    target: str  # the included file's resolved path, or its URL
    kind: IncludeKind
    item: OptionItem  # the -r / -c line in the including file
    # False when the target was not read: a URL (left for the caller to fetch), a missing file, a cycle.
    resolved: bool


@dataclass(slots=True)
class IncludeGraph:
    root: str
    files: dict[str, RequirementsFile] = field(default_factory=dict)  # every file read, by resolved path
    edges: list[IncludeEdge] = field(default_factory=list)
    # Include problems by the path of the file they lie in (the including file).
    problems: dict[str, list[Problem]] = field(default_factory=dict)

    def included_files(self) -> list[RequirementsFile]:
        """Every file the root includes (directly or not) that could be read, in pip's reading order;
        their index options apply to the root too."""
        return [parsed for path, parsed in self.files.items() if path != self.root]

    def includes_of(self, path: str) -> list[IncludeEdge]:
        return [edge for edge in self.edges if edge.source == path]

    def requirements(self) -> Iterator[tuple[str, RequirementItem, bool]]:
        """Every requirement pip would read from the root, in pip's order, as ``(file, item, constraint)``.

        A file reached along several paths is visited each time, as pip does; cycles are not followed.
        """
        yield from self._walk(self.root, False, (self.root,))

    def _walk(
        self, path: str, constraint: bool, stack: tuple[str, ...]
    ) -> Iterator[tuple[str, RequirementItem, bool]]:
        parsed = self.files.get(path)
        if parsed is None:
            return
        edges = {id(edge.item): edge for edge in self.includes_of(path)}
        for item in parsed.items:
            if isinstance(item, RequirementItem):
                yield path, item, constraint
            elif isinstance(item, OptionItem) and id(item) in edges:
                edge = edges[id(item)]
                if edge.resolved and edge.target not in stack:
                    yield from self._walk(
                        edge.target, edge.kind is IncludeKind.CONSTRAINT, (*stack, edge.target)
                    )


def include_target(including: str, written: str, environ: Mapping[str, str] | None = None) -> str:
    """Where pip looks for ``written`` when ``including`` includes it (no I/O): ``${VAR}`` expanded from
    ``environ`` (this process's environment by default), then joined to the including file's folder.
    Unlike ``--find-links``, pip does not expand ``~`` here."""
    written = expand_env(written, os.environ if environ is None else environ)
    if _REMOTE.search(including):
        return urllib.parse.urljoin(including, written)
    if _REMOTE.search(written):
        return written
    if _WINDOWS_ABSOLUTE.match(including) or ("\\" in including and "/" not in including):
        return ntpath.normpath(ntpath.join(ntpath.dirname(including), written))
    return posixpath.normpath(posixpath.join(posixpath.dirname(including), written))


def resolve_includes(
    root_path: str,
    read_text: Callable[[str], str | None],
    *,
    parse: Callable[[str, str], RequirementsFile] | None = None,
) -> IncludeGraph:
    """Read ``root_path`` and every file it includes, through ``read_text``.

    Paths are resolved against each including file's directory; give an absolute ``root_path`` to get
    absolute keys. Included URLs (``https:``, ``file:``) are recorded as unresolved edges, for the caller
    to fetch if it wants to. ``parse`` defaults to :func:`parse_requirements` (pass a caching one to reuse
    open documents' parses).
    """
    parse_file = parse or (lambda text, path: parse_requirements(text, path))
    graph = IncludeGraph(root=root_path)
    text = read_text(root_path)
    if text is None:
        return graph
    graph.files[root_path] = parse_file(text, root_path)
    _visit(graph, root_path, (root_path,), read_text, parse_file)
    return graph


def _visit(
    graph: IncludeGraph,
    path: str,
    stack: tuple[str, ...],
    read_text: Callable[[str], str | None],
    parse_file: Callable[[str, str], RequirementsFile],
) -> None:
    parsed = graph.files[path]
    for item in parsed.options:
        option = item.option
        if not item.effective or option.name not in ("--requirement", "--constraint") or option.value is None:
            continue
        kind = IncludeKind.REQUIREMENT if option.name == "--requirement" else IncludeKind.CONSTRAINT
        target = include_target(path, option.value)
        where = option.value_span or option.span
        if _REMOTE.search(target):
            graph.edges.append(IncludeEdge(path, target, kind, item, resolved=False))
            continue
        if target in stack:
            graph.edges.append(IncludeEdge(path, target, kind, item, resolved=False))
            message = f"{target} recursively references itself in {path}"
            graph.problems.setdefault(path, []).append(Problem("include-cycle", message, where))
            continue
        if target not in graph.files:
            text = read_text(target)
            if text is None:
                graph.edges.append(IncludeEdge(path, target, kind, item, resolved=False))
                noun = "requirements" if kind is IncludeKind.REQUIREMENT else "constraint"
                message = f"Could not open {noun} file: {target}"
                graph.problems.setdefault(path, []).append(Problem("include-not-found", message, where))
                continue
            graph.files[target] = parse_file(text, target)
            graph.edges.append(IncludeEdge(path, target, kind, item, resolved=True))
            _visit(graph, target, (*stack, target), read_text, parse_file)
        else:
            graph.edges.append(IncludeEdge(path, target, kind, item, resolved=True))
            # Already read along another path; it may still close a cycle through this one.
            _check_cycles(graph, target, (*stack, target))


def _check_cycles(graph: IncludeGraph, path: str, stack: tuple[str, ...]) -> None:
    for edge in graph.includes_of(path):
        if not edge.resolved:
            continue
        if edge.target in stack:
            where = edge.item.option.value_span or edge.item.option.span
            message = f"{edge.target} recursively references itself in {path}"
            existing = graph.problems.setdefault(path, [])
            if not any(p.code == "include-cycle" and p.span == where for p in existing):
                existing.append(Problem("include-cycle", message, where))
            continue
        _check_cycles(graph, edge.target, (*stack, edge.target))
