"""Hover: what the package index and pip know about the thing under the cursor, as markdown.

* On a project name: its summary, latest version and date, license, Requires-Python, links (home page,
  source, documentation, changelog, issues) and extras, and the installed version when a venv is known.
* On a version clause or the whole specifier: the release it names (date and age, yank reason,
  vulnerabilities), the newest release the specifier allows, the latest release, the installed version.
* On a pip option in a requirements file: what pip does with it.
* On ``--hash``: the algorithm, and which file of the release has that digest.
* On a marker variable: what it holds.

When the index cannot be reached the hover says so ("could not reach the package index") rather than
showing nothing, and it never claims a project does not exist unless every index said so. Everything taken
from the user or the index is escaped before it becomes markdown. Nothing here raises.
"""

from __future__ import annotations

import asyncio
import logging
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from pinwise.core.analysis.context import InstalledLike
from pinwise.core.document import Document
from pinwise.core.index.auth import redact
from pinwise.core.index.client import pick_release
from pinwise.core.index.types import (
    DetailsLookup,
    LookupStatus,
    PackageIndex,
    Project,
    ProjectLookup,
    Release,
    ReleaseDetails,
)
from pinwise.core.markdown import escape_markdown, inline_code
from pinwise.core.markers import MARKER_VARIABLES
from pinwise.core.model import Clause, Dependency
from pinwise.core.releases import ReleaseFacts, release_facts
from pinwise.core.requirements import HashOption, OptionItem, OptionUse, RequirementItem, RequirementsFile
from pinwise.core.requirements.options import OPTIONS_BY_NAME
from pinwise.core.text import Span

__all__ = [
    "OPTION_HELP",
    "HoverResult",
    "InstalledDistribution",
    "escape_markdown",
    "format_age",
    "hover",
    "option_documentation",
    "project_links",
]

logger = logging.getLogger(__name__)


# What hover and inlay hints need of an installed distribution: what analysis needs (a name and a version).
InstalledDistribution = InstalledLike


@dataclass(frozen=True, slots=True)
class HoverResult:
    markdown: str
    span: Span  # what the hover is about (the name, the clause, the option)


# What pip does with each option it accepts in a requirements file (longer than the option table's summary).
OPTION_HELP: dict[str, str] = {
    "--index-url": "Replaces the package index pip looks projects up in (the default one unless configured). "
    "Applies to the whole install, including included files.",
    "--extra-index-url": "Adds another index that pip searches *as well as* the main one; pip takes the best "
    "version from all of them, so a public project with the same name can shadow a private one.",
    "--no-index": "Makes pip ignore every package index; it only installs what `--find-links` offers.",
    "--constraint": "Reads the file as constraints: versions in it limit what pip may install, but nothing "
    "in it is installed by itself.",
    "--requirement": "Installs everything the given requirements file lists, as if its lines were here. "
    "A relative path is relative to this file.",
    "--editable": "Installs a local project folder (or a VCS checkout) in editable mode: the installed "
    "package points at the source, so edits take effect without reinstalling.",
    "--find-links": "Looks for distribution files in this folder or on this HTML page, besides the indexes.",
    "--no-binary": "Builds these projects from source instead of using wheels (`:all:` for every project, "
    "`:none:` to reset).",
    "--only-binary": "Never builds these projects from source: only wheels are used (`:all:` for every "
    "project, `:none:` to reset).",
    "--prefer-binary": "Prefers an older version with a wheel over a newer one that needs building.",
    "--require-hashes": "Requires a `--hash` for every requirement and pins every requirement with `==`; "
    "pip refuses to install anything else.",
    "--no-require-hashes": "Turns off hash checking even when requirements carry `--hash`.",
    "--pre": "Lets pip choose pre-release and development versions, not only final releases.",
    "--all-releases": "Lets pip choose any release of these projects, pre-releases included.",
    "--only-final": "Keeps pip to final releases of these projects.",
    "--trusted-host": "Trusts this host even though its HTTPS certificate does not verify (or it serves "
    "plain HTTP). Traffic to it can be read and altered.",
    "--use-feature": "Turns on an experimental pip feature.",
    "--hash": "The expected digest of the distribution file pip downloads for this requirement; pip checks "
    "it and refuses a file that does not match. Repeat it for each acceptable file (one per wheel and "
    "sdist).",
    "--config-settings": "Passes a setting to the build backend when this requirement is built from source.",
    "--global-option": "Removed from pip: it passed options to `setup.py`. Use `--config-settings`.",
    "--install-option": "Removed from pip: it passed options to `setup.py install`. Use `--config-settings`.",
}

# Labels of project URLs, normalised (lower case, letters and digits only), by the link they stand for.
_LINK_LABELS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Homepage", frozenset({"homepage", "home", "website", "homepageurl"})),
    ("Source", frozenset({"source", "sourcecode", "repository", "repo", "code", "github", "gitlab", "git"})),
    ("Documentation", frozenset({"documentation", "docs", "doc", "readthedocs", "manual"})),
    (
        "Changelog",
        frozenset({"changelog", "changes", "releasenotes", "news", "whatsnew", "history", "release"}),
    ),
    ("Issues", frozenset({"issues", "bugtracker", "issuetracker", "tracker", "bugs", "bugreports"})),
)

_LABEL_NOISE = re.compile(r"[^a-z0-9]")
_MARKER_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_UNAVAILABLE = "Could not reach the package index"


async def hover(
    doc: Document,
    offset: int,
    *,
    index: PackageIndex | None,
    installed: Mapping[str, InstalledDistribution] | None = None,
    python_version: str | None = None,
    now: datetime | None = None,
) -> HoverResult | None:
    """The hover at ``offset``, or None when there is nothing to say. Never raises.

    ``installed`` maps canonical names to the distributions of the project's environment;
    ``python_version`` is the Python the project's releases are judged for (the analysis's: its lowest
    supported one), so that "newest allowed" is the release pip would pick there and a latest release that
    Python cannot install is shown beside the one it can; ``now`` fixes the clock for ages such as
    "3 months ago" (tests).
    """
    try:
        asked = _Asked(index, installed, python_version, now or datetime.now(timezone.utc))
        return await _hover(doc, offset, asked)
    except Exception:  # A hover is never worth an error in the editor.
        logger.exception("hover failed at offset %d of %s", offset, doc.path or "<text>")
        return None


@dataclass(frozen=True, slots=True)
class _Asked:
    """What every hover part may need besides the document: where answers come from, and for whom."""

    index: PackageIndex | None
    installed: Mapping[str, InstalledDistribution] | None
    python_version: str | None
    now: datetime


async def _hover(doc: Document, offset: int, asked: _Asked) -> HoverResult | None:
    parsed = doc.parsed
    if isinstance(parsed, RequirementsFile):
        for item in parsed.items:
            if not item.span.contains(offset):
                continue
            if isinstance(item, OptionItem) and item.option.span.contains(offset):
                return _option_hover(item.option)
            if isinstance(item, RequirementItem):
                found = await _requirement_item_hover(item, offset, asked.index, asked.now)
                if found is not None:
                    return found
    for dependency in parsed.dependencies:
        if dependency.span.contains(offset):
            found = await _dependency_hover(doc, dependency, offset, asked)
            if found is not None:
                return found
    return None


async def _requirement_item_hover(
    item: RequirementItem, offset: int, index: PackageIndex | None, now: datetime
) -> HoverResult | None:
    for hash_option in item.hashes:
        if hash_option.option.span.contains(offset):
            if hash_option.option.name_span.contains(offset):
                return _option_hover(hash_option.option)
            return await _hash_hover(item.dependency, hash_option, index)
    for option in item.options:
        if option.span.contains(offset):
            return _option_hover(option)
    if item.editable_option is not None and item.editable_option.name_span.contains(offset):
        return _option_hover(item.editable_option)
    return None


async def _dependency_hover(
    doc: Document, dependency: Dependency, offset: int, asked: _Asked
) -> HoverResult | None:
    name = dependency.name
    if dependency.marker_span is not None and dependency.marker_span.contains(offset):
        return _marker_hover(doc.text, dependency.marker_span, offset)
    if name is None:
        return None
    installed_version = _installed_version(asked.installed, name)
    if dependency.name_span is not None and dependency.name_span.contains(offset):
        markdown = await _name_markdown(name, asked, installed_version)
        return HoverResult(markdown, dependency.name_span)
    for extra in dependency.extras:
        if extra.span.contains(offset):
            markdown = await _name_markdown(name, asked, installed_version)
            return HoverResult(markdown, extra.span)
    clause = next((c for c in dependency.clauses if c.span.contains(offset)), None)
    on_specifier = dependency.specifier_span is not None and dependency.specifier_span.contains(offset)
    if clause is None and not on_specifier:
        return None
    span = clause.span if clause is not None else dependency.specifier_span
    assert span is not None
    markdown = await _specifier_markdown(dependency, clause, asked, installed_version)
    return HoverResult(markdown, span)


# --------------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------------


async def _name_markdown(name: str, asked: _Asked, installed_version: str | None) -> str:
    index = asked.index
    title = f"**{escape_markdown(name)}**"
    if index is None:
        return _with_installed(f"{title}\n\n{_UNAVAILABLE} (no index is configured).", installed_version)
    lookup, details_lookup = await asyncio.gather(index.project(name), index.details(name))
    if lookup.status is LookupStatus.UNAVAILABLE or lookup.project is None:
        return _with_installed(f"{title}\n\n{_lookup_failure(lookup, name)}", installed_version)
    project = lookup.project
    details = details_lookup.details if details_lookup.status is LookupStatus.FOUND else None
    latest = pick_release(project, None)
    heading = title + (f" {inline_code(latest.version)}" if latest is not None else "")
    lines = [heading]
    if details is not None and details.summary:
        lines.append(escape_markdown(details.summary.strip()))
    facts: list[str] = []
    facts.extend(_latest_facts(project, latest, asked))
    if installed_version is not None:
        facts.append(f"Installed: {inline_code(installed_version)}")
    if details is not None:
        if details.license:
            facts.append(f"License: {escape_markdown(_short_license(details.license))}")
        requires_python = details.requires_python or (latest.requires_python if latest else None)
        if requires_python:
            facts.append(f"Requires-Python: {inline_code(requires_python)}")
        if details.provides_extra:
            facts.append("Extras: " + ", ".join(inline_code(extra) for extra in details.provides_extra))
    elif details_lookup.status is LookupStatus.UNAVAILABLE:
        facts.append(f"{_UNAVAILABLE} for this project's metadata.")
    if facts:
        lines.append(_bullets(facts))
    if details is not None:
        links = project_links(details.project_urls)
        if links:
            lines.append(" · ".join(f"[{label}]({_safe_url(url)})" for label, url in links))
    lines.extend(_partial_answer_notes(project))
    return "\n\n".join(lines)


def project_links(project_urls: Mapping[str, str]) -> list[tuple[str, str]]:
    """The well-known links among a project's URLs, in a fixed order: ``[(label, url)]``.

    Labels are matched case-insensitively and ignoring punctuation, as the package index does
    (``"Bug Tracker"`` is an issues link). Only http(s) URLs are kept.
    """
    found: dict[str, str] = {}
    for label, url in project_urls.items():
        normalised = _LABEL_NOISE.sub("", label.lower())
        if not url.lower().startswith(("https://", "http://")):
            continue
        for link, labels in _LINK_LABELS:
            if normalised in labels and link not in found:
                found[link] = url
    return [(link, found[link]) for link, _ in _LINK_LABELS if link in found]


def _short_license(license_text: str) -> str:
    """The first line of a license field (some projects paste the whole license text into it)."""
    first = license_text.strip().splitlines()[0] if license_text.strip() else ""
    return first if len(first) <= 80 else first[:77] + "…"


# --------------------------------------------------------------------------------------------------------
# Specifiers and releases
# --------------------------------------------------------------------------------------------------------


async def _specifier_markdown(
    dependency: Dependency, clause: Clause | None, asked: _Asked, installed_version: str | None
) -> str:
    index, now = asked.index, asked.now
    name = dependency.name or ""
    written = clause.text if clause is not None else (dependency.raw_constraint or dependency.specifier)
    title = f"**{escape_markdown(name)}** {inline_code(written)}"
    if index is None:
        return _with_installed(f"{title}\n\n{_UNAVAILABLE} (no index is configured).", installed_version)
    lookup = await index.project(name)
    if lookup.status is not LookupStatus.FOUND or lookup.project is None:
        return _with_installed(f"{title}\n\n{_lookup_failure(lookup, name)}", installed_version)
    project = lookup.project
    version_text = clause.version if clause is not None else dependency.pinned_version
    lines = [title]
    facts: list[str] = []
    if version_text is not None and not version_text.endswith(".*"):
        release = pick_release(project, version_text)
        if release is None:
            facts.append(
                f"{inline_code(version_text)} is not a release the package index lists for this project."
            )
        else:
            facts.extend(await _release_facts(name, release, index, now))
    latest = pick_release(project, None)
    if dependency.specifier and dependency.pinned_version is None:
        facts.extend(_allowed_facts(project, dependency.specifier, latest, asked.python_version))
    facts.extend(_latest_facts(project, latest, asked))
    if installed_version is not None:
        facts.append(f"Installed: {inline_code(installed_version)}")
    lines.append(_bullets(facts))
    lines.extend(_partial_answer_notes(project))
    return "\n\n".join(lines)


async def _release_facts(name: str, release: Release, index: PackageIndex, now: datetime) -> list[str]:
    facts = [f"Version {inline_code(release.version)}{_released(release, now) or ' (upload date unknown)'}"]
    if release.yanked:
        reason = release.yanked_reason
        facts.append("**Yanked**" + (f": {escape_markdown(reason)}" if reason else " (no reason given)"))
    details_lookup = await index.details(name, release.version)
    details = details_lookup.details if details_lookup.status is LookupStatus.FOUND else None
    if details is not None:
        facts.extend(_vulnerability_facts(details))
    elif details_lookup.status is LookupStatus.UNAVAILABLE:
        facts.append(f"{_UNAVAILABLE} for vulnerability data.")
    return facts


def _vulnerability_facts(details: ReleaseDetails) -> list[str]:
    vulnerabilities = details.vulnerabilities
    if vulnerabilities is None:
        return []
    if not vulnerabilities:
        return ["No known vulnerabilities"]
    facts = [f"**{len(vulnerabilities)} known vulnerabilit{'y' if len(vulnerabilities) == 1 else 'ies'}**"]
    for vulnerability in vulnerabilities:
        label = escape_markdown(vulnerability.id)
        if vulnerability.link and vulnerability.link.lower().startswith(("https://", "http://")):
            label = f"[{label}]({_safe_url(vulnerability.link)})"
        aliases = f" ({', '.join(escape_markdown(a) for a in vulnerability.aliases)})"
        fixed = (
            "fixed in " + ", ".join(inline_code(v) for v in vulnerability.fixed_in)
            if vulnerability.fixed_in
            else "no fixed version yet"
        )
        facts.append(f"  - {label}{aliases if vulnerability.aliases else ''}: {fixed}")
    return facts


def _allowed_facts(
    project: Project, specifier: str, latest: Release | None, python_version: str | None
) -> list[str]:
    """The release pip would pick for ``specifier`` (for the project's Python, the analysis's rule), unless
    that is the latest anyway; "for Python X" is said when that Python is what makes the difference."""
    try:
        wanted = SpecifierSet(specifier)
    except InvalidSpecifier:
        return []
    any_python = release_facts(project, None)
    anywhere = _picked(any_python, wanted)
    picked = _picked(replace(any_python, python_probe=python_version), wanted) if python_version else anywhere
    # "for Python X" only when that Python is what makes the answer differ.
    for_python = _for_python(python_version) if picked is not anywhere else ""
    if picked is None:
        return [f"No release satisfies {inline_code(specifier)}{for_python}."]
    if latest is not None and picked is latest:
        return []
    return [f"Newest allowed by {inline_code(specifier)}{for_python}: {inline_code(picked.version)}"]


def _latest_facts(project: Project, latest: Release | None, asked: _Asked) -> list[str]:
    """The index's latest release, and the latest one the project's Python can install when that differs."""
    if latest is None:
        return []
    facts = [f"Latest: {inline_code(latest.version)}{_released(latest, asked.now)}"]
    if asked.python_version is not None:
        judged = release_facts(project, asked.python_version)
        usable = judged.latest(prereleases=False)
        if usable is not None and judged.versions[usable] is not latest:
            release = judged.versions[usable]
            facts.append(
                f"Latest{_for_python(asked.python_version)}: {inline_code(release.version)}"
                f"{_released(release, asked.now)}"
            )
    return facts


def _picked(facts: ReleaseFacts, specifier: SpecifierSet) -> Release | None:
    version = facts.selected(specifier, prereleases=False)
    return facts.versions[version] if version is not None else None


def _for_python(python_version: str | None) -> str:
    return f" for Python {python_version}" if python_version else ""


def _released(release: Release, now: datetime) -> str:
    uploaded = release.upload_time
    if uploaded is None:
        return ""
    return f", released {uploaded.date().isoformat()} ({format_age(uploaded, now)})"


def format_age(then: datetime, now: datetime) -> str:
    """A rough age such as "today", "5 days ago", "3 months ago", "2 years ago"."""
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    days = (now - then).days
    if days < 1:
        return "today"
    if days < 2:
        return "yesterday"
    if days < 31:
        return f"{days} days ago"
    if days < 365:
        months = max(1, round(days / 30.44))
        return "1 month ago" if months == 1 else f"{months} months ago"
    years = days // 365
    return "1 year ago" if years == 1 else f"{years} years ago"


# --------------------------------------------------------------------------------------------------------
# Options, hashes, markers
# --------------------------------------------------------------------------------------------------------


def option_documentation(name: str) -> str | None:
    """Markdown help for a pip option (its canonical long name), or None for an unknown one."""
    spec = OPTIONS_BY_NAME.get(name)
    if spec is None:
        return None
    usage = f"{spec.name} {spec.metavar}".strip()
    if spec.short:
        usage += f"  (or {spec.short})"
    return f"{inline_code(usage)}\n\n{OPTION_HELP.get(spec.name, spec.summary)}"


def _option_hover(option: OptionUse) -> HoverResult | None:
    documentation = option_documentation(option.name)
    if documentation is None:
        return None
    if option.value is not None and option.name not in ("--hash",):
        shown = redact(option.value) if "://" in option.value else option.value
        documentation += f"\n\nValue: {inline_code(shown)}"
    return HoverResult(documentation, option.span)


async def _hash_hover(
    dependency: Dependency, hash_option: HashOption, index: PackageIndex | None
) -> HoverResult:
    algorithm, digest = hash_option.algorithm, hash_option.digest.lower()
    lines = [
        f"**--hash** {inline_code(algorithm)} digest {inline_code(digest[:16] + '…' if len(digest) > 16 else digest)}"
    ]
    name = dependency.name
    if name is None or index is None:
        lines.append("pip checks the downloaded file against this digest.")
        return HoverResult("\n\n".join(lines), hash_option.option.span)
    lookup = await index.project(name)
    if lookup.status is not LookupStatus.FOUND or lookup.project is None:
        lines.append(_lookup_failure(lookup, name))
        return HoverResult("\n\n".join(lines), hash_option.option.span)
    pinned = dependency.pinned_version
    release = pick_release(lookup.project, pinned) if pinned else None
    matches = _files_with_digest(lookup.project, algorithm, digest, release)
    if matches:
        file_name, version = matches[0]
        lines.append(f"Matches {inline_code(file_name)} of {escape_markdown(name)} {inline_code(version)}.")
        if pinned is not None and (release is None or version != release.version):
            lines.append(f"That file is not from the pinned version {inline_code(pinned)}.")
    elif release is not None:
        listed = [f for f in release.files if algorithm in f.hashes]
        lines.append(
            f"Matches none of the {len(listed)} files the package index lists with a {algorithm} digest "
            f"for {escape_markdown(name)} {inline_code(release.version)}."
        )
    else:
        lines.append(f"Matches no file the package index lists for {escape_markdown(name)}.")
    return HoverResult("\n\n".join(lines), hash_option.option.span)


def _files_with_digest(
    project: Project, algorithm: str, digest: str, preferred: Release | None
) -> list[tuple[str, str]]:
    """``(file name, version)`` of every file with this digest, the preferred release's files first."""
    releases = ([preferred] if preferred is not None else []) + [
        r for r in project.releases.values() if r is not preferred
    ]
    return [
        (file.filename, release.version)
        for release in releases
        for file in release.files
        if file.hashes.get(algorithm, "").lower() == digest
    ]


def _marker_hover(text: str, marker_span: Span, offset: int) -> HoverResult | None:
    for match in _MARKER_WORD.finditer(text, marker_span.start, marker_span.end):
        if match.start() <= offset <= match.end():
            variable = MARKER_VARIABLES.get(match.group())
            if variable is None:
                return None
            markdown = (
                f"**{escape_markdown(variable.name)}** (environment marker)\n\n{variable.description}\n\n"
                f"In Python: {inline_code(variable.python_equivalent)}"
            )
            if variable.examples:
                markdown += "\n\nExamples: " + ", ".join(
                    inline_code(example) for example in variable.examples
                )
            return HoverResult(markdown, Span(match.start(), match.end()))
    return None


# --------------------------------------------------------------------------------------------------------
# Markdown helpers
# --------------------------------------------------------------------------------------------------------


def _safe_url(url: str) -> str:
    """A URL that cannot break out of a markdown link: spaces, parentheses and angle brackets encoded."""
    return (
        urllib.parse.quote(url.strip(), safe=":/?#[]@!$&'*+,;=%~-._").replace("(", "%28").replace(")", "%29")
    )


def _lookup_failure(lookup: ProjectLookup | DetailsLookup, name: str) -> str:
    if lookup.status is LookupStatus.NOT_FOUND:
        return f"No project named {inline_code(name)} on the configured package indexes."
    reason = f": {escape_markdown(lookup.reason)}" if lookup.reason else ""
    return f"{_UNAVAILABLE}{reason}. The information will show once it can be reached."


def _partial_answer_notes(project: Project) -> list[str]:
    notes = []
    if project.failures:
        notes.append(
            f"_Some indexes could not be reached ({len(project.failures)}); this may be incomplete._"
        )
    if project.from_stale_cache:
        notes.append("_From the cache: could not reach the package index to refresh it._")
    return notes


def _bullets(facts: list[str]) -> str:
    """A markdown list; a fact that starts with spaces is already a nested item of the one before."""
    return "\n".join(fact if fact.startswith("  ") else f"- {fact}" for fact in facts)


def _installed_version(installed: Mapping[str, InstalledDistribution] | None, name: str) -> str | None:
    if not installed:
        return None
    distribution = installed.get(canonicalize_name(name))
    return distribution.version if distribution is not None else None


def _with_installed(markdown: str, installed_version: str | None) -> str:
    if installed_version is None:
        return markdown
    return f"{markdown}\n\n- Installed: {inline_code(installed_version)}"
