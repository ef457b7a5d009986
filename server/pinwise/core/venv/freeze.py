"""What an environment holds, written as ``pip freeze`` writes it, and merged into an existing file.

:func:`freeze` turns :func:`~pinwise.core.venv.installed.read_installed`'s answer into requirement lines:
``name==version`` for an ordinary install, ``-e <path or VCS URL>`` for an editable one and
``name @ <url>`` for a direct URL install (PEP 610 ``direct_url.json``, with the VCS and commit when it
records them). As ``pip freeze`` does, pip's own tooling (pip, setuptools, wheel, distribute) is left
out, and so is the project itself when its name is given.

:func:`merge_freeze` computes the edits that bring a requirements file up to date with such a list while
keeping everything the user wrote: existing lines stay where they are with their comments and options,
a changed pin is replaced in place (only its version clause), and new distributions are appended in
sorted order. All edits go out as one workspace edit, so the editor undoes them in one step.
"""

from __future__ import annotations

import json
import logging
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from pinwise.core.analysis.findings import TextEdit
from pinwise.core.document import Document
from pinwise.core.model import DependencyKind
from pinwise.core.text import Span
from pinwise.core.venv.installed import InstalledDistribution

__all__ = ["FREEZE_EXCLUDED", "FrozenRequirement", "freeze", "freeze_text", "merge_freeze"]

logger = logging.getLogger(__name__)

# pip freeze leaves these out unless ``--all`` is given.
FREEZE_EXCLUDED = frozenset({"pip", "setuptools", "wheel", "distribute"})


@dataclass(frozen=True, slots=True)
class FrozenRequirement:
    name: str  # as the metadata spells it
    canonical_name: str
    version: str
    line: str  # the requirement line, e.g. "flask==3.0.0", "-e /src/lib", "lib @ file:///w/lib.whl"
    editable: bool = False
    direct: bool = False  # installed from a URL or path rather than from an index

    @property
    def pinned(self) -> bool:
        return not self.editable and not self.direct


def _direct_url_data(dist: InstalledDistribution) -> dict[str, object] | None:
    try:
        data = json.loads((dist.location / "direct_url.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _file_path(url: str) -> str | None:
    if not url.startswith("file:"):
        return None
    return urllib.request.url2pathname(urllib.parse.urlsplit(url).path)


def frozen_line(dist: InstalledDistribution) -> FrozenRequirement:
    """The line ``pip freeze`` would write for one distribution."""
    canonical = dist.canonical_name
    data = _direct_url_data(dist) if dist.direct_url else None
    if dist.direct_url is None or data is None:
        return FrozenRequirement(dist.name, canonical, dist.version, f"{dist.name}=={dist.version}")
    url = dist.direct_url
    vcs_info = data.get("vcs_info")
    if isinstance(vcs_info, dict) and isinstance(vcs_info.get("vcs"), str):
        commit = vcs_info.get("commit_id")
        url = f"{vcs_info['vcs']}+{url}" + (f"@{commit}" if isinstance(commit, str) and commit else "")
        subdirectory = data.get("subdirectory")
        fragment = f"#egg={canonical.replace('-', '_')}"
        if isinstance(subdirectory, str) and subdirectory:
            fragment += f"&subdirectory={subdirectory}"
        if dist.editable:
            return FrozenRequirement(
                dist.name, canonical, dist.version, f"-e {url}{fragment}", editable=True, direct=True
            )
        return FrozenRequirement(dist.name, canonical, dist.version, f"{dist.name} @ {url}", direct=True)
    if dist.editable:
        # pip writes a local editable as its path.
        target = _file_path(url) or url
        return FrozenRequirement(
            dist.name, canonical, dist.version, f"-e {target}", editable=True, direct=True
        )
    return FrozenRequirement(dist.name, canonical, dist.version, f"{dist.name} @ {url}", direct=True)


def freeze(
    installed: Mapping[str, InstalledDistribution],
    *,
    exclude: Iterable[str] = (),
    include_tools: bool = False,
) -> list[FrozenRequirement]:
    """The environment as ``pip freeze`` lists it, sorted by name (case-insensitively, as pip does)."""
    skipped: set[str] = {canonicalize_name(name) for name in exclude}
    if not include_tools:
        skipped |= FREEZE_EXCLUDED
    lines = [frozen_line(dist) for key, dist in installed.items() if key not in skipped]
    return sorted(lines, key=lambda frozen: frozen.name.lower())


def freeze_text(frozen: Iterable[FrozenRequirement], newline: str = "\n") -> str:
    return "".join(f"{requirement.line}{newline}" for requirement in frozen)


def merge_freeze(document: Document, frozen: Iterable[FrozenRequirement]) -> list[TextEdit]:
    """Edits that make ``document`` list ``frozen``: in-place version updates and a sorted tail of new lines.

    Lines for distributions that are not installed are kept (a freeze adds and updates, it never deletes
    what a person wrote). A line whose kind changed (a pin that is now an editable install, say) is
    rewritten from its ``-e`` or name to the end of the requirement, keeping its options and comment.
    """
    requirements = document.requirements
    if requirements is None:
        return []
    by_name = {requirement.canonical_name: requirement for requirement in frozen}
    by_line = {requirement.line: requirement.canonical_name for requirement in by_name.values()}
    edits: list[TextEdit] = []
    present: set[str] = set()
    for item in requirements.requirements:
        dependency = item.dependency
        name = dependency.canonical_name
        if name is None:
            # A local path (``-e ./lib``) has no name to match; the same line written is the same install.
            start = (
                item.editable_option.span.start if item.editable_option is not None else dependency.span.start
            )
            written = " ".join(document.text[start : dependency.span.end].split())
            if written in by_line:
                present.add(by_line[written])
            continue
        if name not in by_name:
            continue
        present.add(name)
        wanted = by_name[name]
        if wanted.pinned and dependency.kind is DependencyKind.NAMED and not item.editable:
            if dependency.pinned_version == wanted.version:
                continue
            version_text = f"=={wanted.version}"
            if dependency.specifier_span is not None:
                edits.append(TextEdit(dependency.specifier_span, version_text))
            else:
                after = dependency.extras_span or dependency.name_span or dependency.span
                edits.append(TextEdit(Span(after.end, after.end), version_text))
            continue
        start = item.editable_option.span.start if item.editable_option is not None else dependency.span.start
        written = document.text[start : dependency.span.end]
        if " ".join(written.split()) != wanted.line:
            edits.append(TextEdit(Span(start, dependency.span.end), wanted.line))
    new = [
        requirement.line
        for requirement in sorted(by_name.values(), key=lambda r: r.name.lower())
        if requirement.canonical_name not in present
    ]
    if new:
        newline = document.line_ending
        text = document.text
        prefix = "" if not text or text.endswith(("\n", "\r")) else newline
        addition = prefix + newline.join(new) + newline
        edits.append(TextEdit(Span(len(text), len(text)), addition))
    return edits


def project_name(pyproject_text: str | None) -> str | None:
    """The project name of a ``pyproject.toml`` text (the project freeze leaves out)."""
    if not pyproject_text:
        return None
    from pinwise.core.pyproject import parse_pyproject

    parsed = parse_pyproject(pyproject_text, None)
    return parsed.name.value if parsed.name is not None else None


def read_project_name(folder: Path) -> str | None:
    try:
        return project_name((folder / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
