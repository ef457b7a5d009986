"""Minimal text edits that change one requirement: pin, relax, bound, update, rename, remove.

Every :class:`~pinwise.core.analysis.findings.TextEdit` replaces exactly the span it means to change and
nothing else: a pin replaces the specifier (or is inserted right after the name and extras), an update
rewrites only the clauses whose versions change, a removal deletes the requirement's whole logical line
(continuations included) or its string in a TOML array with the right comma. Inserted text keeps the
document's conventions: Poetry entries get Poetry syntax (a pin is ``"1.2.3"``), text inside TOML strings is
escaped, and line breaks are copied from the document so CRLF stays CRLF.

In a requirements file that uses hashes, changing a pin also rewrites that requirement's ``--hash`` options
with the new release's sha256 digests (one per file), in the same layout: the separator written before the
existing hashes (a space, or `` \\`` + line break + indentation) is reused.

A function returns None when the change cannot be written (``name @ url`` cannot be pinned, a Poetry
entry without a version, a multi-part Poetry constraint to update).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

from packaging.version import Version

from pinwise.core.analysis.findings import Fix, TextEdit
from pinwise.core.document import Document
from pinwise.core.index.types import Release
from pinwise.core.model import Clause, Dependency, DependencyKind
from pinwise.core.pep440 import parse_version
from pinwise.core.pyproject.scan import TomlArray, TomlNode, TomlString, TomlTable, TomlTableArray
from pinwise.core.requirements import RequirementItem
from pinwise.core.text import Span

__all__ = [
    "apply_edits",
    "compatible_fix",
    "hashes_of",
    "pin_all",
    "pin_edits",
    "pin_fix",
    "relax_pin_fix",
    "remove_fix",
    "rename_fix",
    "toml_escape",
    "update_all",
    "update_edits",
    "update_fix",
    "upper_bound_fix",
]

PIN_ALL_KIND = "source.pinwise.pinAll"
UPDATE_ALL_KIND = "source.pinwise.updateAll"


# --------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------


def apply_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """``text`` with non-overlapping ``edits`` applied (for the command line and tests)."""
    out: list[str] = []
    position = 0
    for edit in sorted(edits, key=lambda e: (e.span.start, e.span.end)):
        out.append(text[position : edit.span.start])
        out.append(edit.new_text)
        position = edit.span.end
    out.append(text[position:])
    return "".join(out)


def hashes_of(release: Release) -> list[str]:
    """The sha256 digests of every file of ``release`` that has one, in file order, without repeats."""
    digests: list[str] = []
    for file in release.files:
        digest = file.hashes.get("sha256")
        if digest and digest not in digests:
            digests.append(digest)
    return digests


def toml_escape(value: str, *, literal: bool = False) -> str | None:
    """``value`` written inside a TOML string (basic by default); None when a literal string cannot hold it."""
    if literal:
        return None if "'" in value or any(ord(c) < 0x20 and c != "\t" for c in value) else value
    out = []
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif (ord(char) < 0x20 and char != "\t") or char == "\x7f":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return "".join(out)


def _truncate(version: Version, parts: int) -> str:
    release = (*version.release, 0, 0, 0)
    return ".".join(str(n) for n in release[: max(parts, 1)])


def _bump(version: Version, parts: int) -> str:
    """``version`` cut to ``parts`` components with the last one incremented: (2.3.1, 1) -> 3."""
    parts = max(parts, 1)
    release = [*version.release, 0, 0, 0][:parts]
    release[-1] += 1
    return ".".join(str(n) for n in release)


def _component_count(version_text: str) -> int:
    version = parse_version(version_text.removesuffix(".*"))
    return len(version.release) if version is not None else 1


def _string_node(document: Document, span: Span) -> tuple[TomlString, TomlArray | None, TomlTable | None]:
    """The TOML string holding ``span``, with the array or table it is an item of (None when not found)."""
    pyproject = document.pyproject
    if pyproject is None or pyproject.document is None:
        raise LookupError("not a pyproject document")
    for node, array, table in _strings(pyproject.document.root, None, None):
        if node.content_span.start <= span.start and span.end <= node.content_span.end:
            return node, array, table
    raise LookupError("no string at span")


def _strings(
    node: TomlNode, array: TomlArray | None, table: TomlTable | None
) -> Iterator[tuple[TomlString, TomlArray | None, TomlTable | None]]:
    if isinstance(node, TomlString):
        yield node, array, table
    elif isinstance(node, TomlArray):
        for item in node.items:
            yield from _strings(item, node, None)
    elif isinstance(node, TomlTable):
        for child in node.entries.values():
            yield from _strings(child, None, node)
    elif isinstance(node, TomlTableArray):
        for child_table in node.tables:
            yield from _strings(child_table, None, None)


def _in_toml_string(document: Document, span: Span) -> TomlString | None:
    if document.pyproject is None:
        return None
    try:
        return _string_node(document, span)[0]
    except LookupError:
        return None


def _text_for(document: Document, span: Span, value: str) -> str | None:
    """``value`` as it must be written at ``span`` (escaped when inside a TOML string)."""
    if document.pyproject is None or (value.isascii() and not any(c in value for c in "\"'\\")):
        return value
    string = _in_toml_string(document, span)
    if string is None:
        return value
    return toml_escape(value, literal=string.literal)


def _edit(document: Document, span: Span, value: str) -> TextEdit | None:
    text = _text_for(document, span, value)
    return TextEdit(span, text) if text is not None else None


def _poetry_version_span(document: Document, dependency: Dependency) -> Span | None:
    """The content of a Poetry entry's version string (``"^1.2"`` or ``{version = "^1.2"}``)."""
    if dependency.specifier_span is not None:
        return dependency.specifier_span
    pyproject = document.pyproject
    if pyproject is None or pyproject.document is None or dependency.name_span is None:
        return None
    node = pyproject.document.root.get(*dependency.section.split("."))
    if not isinstance(node, TomlTable):
        return None
    for _name, key, value in node.items():
        if key.name_span != dependency.name_span:
            continue
        if isinstance(value, TomlString):
            return value.content_span
        if isinstance(value, TomlTable):
            version = value.entries.get("version")
            if isinstance(version, TomlString):
                return version.content_span
    return None


def _requirement_item(document: Document, dependency: Dependency) -> RequirementItem | None:
    return document.requirement_items.get(id(dependency))


_SEPARATOR_BEFORE = re.compile(r"[ \t\\\r\n]*\Z")


def _hash_layout(document: Document, item: RequirementItem) -> tuple[str, str] | None:
    """(separator between hashes, ``--hash=`` prefix) as this file writes them."""
    requirements = document.requirements
    if requirements is None:
        return None
    sources = [item] if item.hashes else [i for i in requirements.requirements if i.hashes]
    if not sources:
        return None
    source = sources[0]
    first = source.hashes[1] if len(source.hashes) > 1 else source.hashes[0]
    before_end = first.option.span.start
    before_start = source.hashes[0].option.span.end if len(source.hashes) > 1 else source.span.start
    match = _SEPARATOR_BEFORE.search(document.text, before_start, before_end)
    separator = match.group() if match is not None and match.group() else " "
    option = first.option
    joiner = document.text[option.name_span.end : option.value_span.start] if option.value_span else "="
    return separator, f"{option.written}{joiner}"


def _hash_edits(document: Document, dependency: Dependency, digests: Sequence[str]) -> list[TextEdit]:
    """Rewrite (or add) the ``--hash`` options of a requirement in a file that uses hashes."""
    item = _requirement_item(document, dependency)
    if item is None or not digests:
        return []
    layout = _hash_layout(document, item)
    if layout is None:
        return []
    separator, prefix = layout
    new = separator.join(f"{prefix}sha256:{digest}" for digest in digests)
    if not item.hashes:
        return [TextEdit(Span(item.span.end, item.span.end), separator + new)]
    first, last = item.hashes[0].option.span, item.hashes[-1].option.span
    region = Span(first.start, last.end)
    if not any(region.start < o.span.start < region.end for o in item.options):
        if document.text[region.start : region.end] == new:
            return []
        return [TextEdit(region, new)]
    # Other options sit between the hashes: rewrite the hash options one by one and keep the others.
    edits = [TextEdit(first, new)]
    edits += [TextEdit(h.option.span, "") for h in item.hashes[1:]]
    return edits


# --------------------------------------------------------------------------------------------------------
# Pin
# --------------------------------------------------------------------------------------------------------


def _pinnable(dependency: Dependency) -> bool:
    return dependency.kind is DependencyKind.NAMED and dependency.name_span is not None


def pin_edits(
    document: Document, dependency: Dependency, version: str, *, hashes: Sequence[str] | None = None
) -> list[TextEdit] | None:
    """Edits that pin ``dependency`` to exactly ``version`` (and rewrite its hashes when given)."""
    if not _pinnable(dependency) or dependency.name_span is None:
        return None
    edits: list[TextEdit] = []
    if dependency.poetry:
        span = _poetry_version_span(document, dependency)
        if span is None:
            return None
        edit = _edit(document, span, version)
    else:
        operator = "==="
        if not (
            dependency.clauses and dependency.clauses[0].operator == "===" and len(dependency.clauses) == 1
        ):
            operator = "=="
        if dependency.specifier_span is not None:
            edit = _edit(document, dependency.specifier_span, f"{operator}{version}")
        else:
            after = dependency.extras_span or dependency.name_span
            edit = _edit(document, Span(after.end, after.end), f"{operator}{version}")
    if edit is None:
        return None
    if document.text[edit.span.start : edit.span.end] != edit.new_text:
        edits.append(edit)
    if hashes:
        edits += _hash_edits(document, dependency, hashes)
    return edits


def pin_fix(
    document: Document,
    dependency: Dependency,
    version: str,
    *,
    title: str | None = None,
    hashes: Sequence[str] | None = None,
    preferred: bool = False,
) -> Fix | None:
    edits = pin_edits(document, dependency, version, hashes=hashes)
    if not edits:
        return None
    return Fix(title or f"Pin {dependency.name} to {version}", tuple(edits), preferred=preferred)


def compatible_fix(
    document: Document, dependency: Dependency, version: str, *, title: str | None = None
) -> Fix | None:
    """``~=x.y`` (Poetry: ``^x.y``): compatible releases from ``version`` on."""
    parsed = parse_version(version)
    if parsed is None or not _pinnable(dependency):
        return None
    short = _truncate(parsed, 2)
    if dependency.poetry:
        span = _poetry_version_span(document, dependency)
        new = f"^{short}"
    else:
        span = dependency.specifier_span
        new = f"~={short}"
        if span is None and dependency.name_span is not None:
            after = dependency.extras_span or dependency.name_span
            span = Span(after.end, after.end)
    if span is None:
        return None
    edit = _edit(document, span, new)
    if edit is None or document.text[span.start : span.end] == new:
        return None
    return Fix(title or f"Allow compatible releases ({new})", (edit,))


def upper_bound_fix(document: Document, dependency: Dependency) -> Fix | None:
    """Add ``<next major`` of the highest lower bound to a specifier with lower bounds only."""
    lowers = [c for c in dependency.clauses if c.operator in (">=", ">")]
    if not lowers or any(c.operator in ("<", "<=", "==", "===", "~=") for c in dependency.clauses):
        return None
    versions = [v for v in (parse_version(c.version) for c in lowers) if v is not None]
    if not versions:
        return None
    bound = f"<{_bump(max(versions), 1)}"
    if dependency.poetry:
        span = _poetry_version_span(document, dependency)
    else:
        span = dependency.specifier_span
    if span is None:
        return None
    edit = _edit(document, Span(span.end, span.end), f",{bound}")
    if edit is None:
        return None
    return Fix(f"Add an upper bound ({bound})", (edit,))


def relax_pin_fix(document: Document, dependency: Dependency) -> Fix | None:
    """``==1.2.3`` -> ``~=1.2.3`` (Poetry: ``1.2.3`` -> ``~1.2.3``)."""
    pinned = dependency.pinned_version
    if pinned is None or not dependency.clauses:
        return None
    clause = dependency.clauses[0]
    if clause.operator != "==":
        return None
    parsed = parse_version(pinned)
    if parsed is None:
        return None
    version = pinned if len(parsed.release) >= 2 else _truncate(parsed, 2)
    if dependency.poetry:
        span = _poetry_version_span(document, dependency)
        new = f"~{version}"
        if span is None:
            return None
        edit = _edit(document, span, new)
    else:
        new = f"~={version}"
        edit = _edit(document, clause.span, new)
    if edit is None:
        return None
    return Fix(f"Allow compatible releases ({new})", (edit,))


# --------------------------------------------------------------------------------------------------------
# Update keeping the operator
# --------------------------------------------------------------------------------------------------------


def _updated_clause(clause: Clause, latest: Version, latest_text: str) -> str:
    operator, version = clause.operator, clause.version
    current = parse_version(version.removesuffix(".*"))
    if operator in (">=", ">"):
        return f">={latest_text}"
    if operator == "~=":
        return f"~={_truncate(latest, max(_component_count(version), 2))}"
    if operator == "==" and version.endswith(".*"):
        return f"=={_truncate(latest, max(_component_count(version), 1))}.*"
    if operator in ("==", "==="):
        return f"{operator}{latest_text}"
    if operator == "<" and current is not None and latest >= current:
        return f"<{_bump(latest, _component_count(version))}"
    if operator == "<=" and current is not None and latest > current:
        return f"<={latest_text}"
    return clause.text


_POETRY_SINGLE = re.compile(r"\s*(?P<op>\^|~=|~|==|=|>=)?\s*(?P<version>[0-9][^\s,|]*)\s*")


def update_edits(
    document: Document, dependency: Dependency, latest: str, *, hashes: Sequence[str] | None = None
) -> list[TextEdit] | None:
    """Edits that move ``dependency``'s bounds up to ``latest`` keeping its operators (None: cannot)."""
    parsed = parse_version(latest)
    if parsed is None or not _pinnable(dependency):
        return None
    edits: list[TextEdit] = []
    if dependency.poetry:
        span = _poetry_version_span(document, dependency)
        match = _POETRY_SINGLE.fullmatch(dependency.raw_constraint) if dependency.raw_constraint else None
        if span is None or match is None:
            return None
        operator = match.group("op") or ""
        if operator in ("^", "~"):
            new = f"{operator}{_truncate(parsed, _component_count(match.group('version')))}"
        elif operator == "~=":
            new = f"~={_truncate(parsed, max(_component_count(match.group('version')), 2))}"
        else:
            new = f"{operator}{latest}"
        edit = _edit(document, span, new)
        if edit is None:
            return None
        if document.text[span.start : span.end] != new:
            edits.append(edit)
    else:
        if not dependency.clauses:
            return None
        for clause in dependency.clauses:
            new = _updated_clause(clause, parsed, latest)
            if new == clause.text:
                continue
            # Keep the operator as written when it stays: only the version changes.
            if new.startswith(clause.operator) and not new.startswith(clause.operator + "="):
                edit = _edit(document, clause.version_span, new[len(clause.operator) :])
            else:
                edit = _edit(document, clause.span, new)
            if edit is None:
                return None
            edits.append(edit)
    if hashes and edits:
        edits += _hash_edits(document, dependency, hashes)
    return edits


def update_fix(
    document: Document,
    dependency: Dependency,
    latest: str,
    *,
    hashes: Sequence[str] | None = None,
    preferred: bool = False,
) -> Fix | None:
    edits = update_edits(document, dependency, latest, hashes=hashes)
    if not edits:
        return None
    return Fix(f"Update {dependency.name} to {latest}", tuple(edits), preferred=preferred)


# --------------------------------------------------------------------------------------------------------
# Rename, remove
# --------------------------------------------------------------------------------------------------------


def rename_fix(document: Document, dependency: Dependency, name: str) -> Fix | None:
    """Replace the project name (a did-you-mean suggestion)."""
    span = dependency.name_span
    if span is None:
        return None
    new = name
    if dependency.poetry and document.pyproject is not None:
        quoted = span.start > 0 and document.text[span.start - 1] in "\"'"
        if not quoted and not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            new = f'"{toml_escape(name)}"'
        edit: TextEdit | None = TextEdit(span, new)
    else:
        edit = _edit(document, span, new)
    if edit is None:
        return None
    return Fix(f"Change to {name}", (edit,), preferred=False)


def _logical_line_span(document: Document, item: RequirementItem) -> Span:
    """The physical lines of a requirement's logical line, with the line break that ends them."""
    lines = document.lines
    end = item.span.end
    requirements = document.requirements
    if requirements is not None:
        for comment in requirements.comments:
            if (
                not comment.full_line
                and item.span.end <= comment.span.start
                and (lines.position(comment.span.start).line <= lines.position(end).line + 1)
            ):
                # A trailing comment belongs to the line when nothing but whitespace separates them.
                between = document.text[end : comment.span.start]
                if not between.strip(" \t"):
                    end = comment.span.end
                    break
    first_line = item.line
    last_line = lines.position(end).line
    if last_line + 1 < lines.line_count:
        return Span(lines.line_start(first_line), lines.line_start(last_line + 1))
    if first_line > 0:
        # The last line of the file: take the line break before it instead.
        return Span(lines.line_end(first_line - 1), lines.line_end(last_line))
    return Span(0, lines.line_end(last_line))


def _array_item_removal(document: Document, string: TomlString, array: TomlArray) -> Span:
    text = document.text
    lines = document.lines
    index = next(i for i, item in enumerate(array.items) if item is string)
    # Alone on its line (``    "x",  # comment``): delete the whole line.
    line = lines.position(string.span.start).line
    line_start, line_end = lines.line_start(line), lines.line_end(line)
    before = text[line_start : string.span.start]
    after = text[string.span.end : line_end]
    if (
        not before.strip(" \t")
        and re.fullmatch(r"[ \t]*,?[ \t]*(#.*)?", after)
        and line + 1 < lines.line_count
    ):
        return Span(line_start, lines.line_start(line + 1))
    if index + 1 < len(array.items):
        return Span(string.span.start, array.items[index + 1].span.start)
    if index > 0:
        # The last item: take the comma before it (``["a", "b"]`` -> ``["a"]``).
        return Span(array.items[index - 1].span.end, string.span.end)
    comma = re.match(r"[ \t]*,", text[string.span.end : array.span.end])
    return Span(string.span.start, string.span.end + (comma.end() if comma else 0))


def remove_fix(document: Document, dependency: Dependency, *, title: str | None = None) -> Fix | None:
    """Delete the requirement: its whole logical line, or its string (and comma) in a TOML array."""
    label = title or f"Remove this {dependency.name or 'requirement'}"
    item = _requirement_item(document, dependency)
    if item is not None:
        return Fix(label, (TextEdit(_logical_line_span(document, item), ""),))
    if document.pyproject is not None:
        try:
            string, array, _table = _string_node(document, dependency.span)
        except LookupError:
            return None
        if array is None:
            return None
        return Fix(label, (TextEdit(_array_item_removal(document, string, array), ""),))
    return None


# --------------------------------------------------------------------------------------------------------
# Whole-document actions
# --------------------------------------------------------------------------------------------------------


def whole_file_edits(
    document: Document,
    versions: Mapping[str, str],
    hashes: Mapping[str, Sequence[str]] | None = None,
    *,
    pin: bool,
    update: bool,
    policy: str = "application",
    exempt_from_pinning: bool = False,
    pin_versions: Mapping[int, str] | None = None,
    pin_hashes: Mapping[int, Sequence[str]] | None = None,
) -> list[TextEdit]:
    """The edits of "pin all" (``pin``) and "update all" (``update``), under the project's pinning policy.

    ``pin_versions`` (keyed by ``id()`` of a dependency) is the release to pin a requirement that already
    has a range to: the newest one its range allows, so pinning never breaks a declared bound.

    ``versions`` maps canonical names to the release to move to (the newest one that fits the project);
    ``hashes`` to that release's digests when the file uses hash-checking mode. Pin: in an application each
    requirement without an exact pin gets ``==version``; in a library each requirement with no version
    constraint at all gets ``~=`` it; files exempt from pinning (constraints files, pip-tools sources) are
    never pinned. Update: every requirement that has
    versions (and is not already at ``version``) moves up to it keeping its operators. The editor's source
    actions and ``pinwise fix`` both come here, so they always agree.
    """
    edits: list[TextEdit] = []
    for dependency in document.dependencies:
        canonical = dependency.canonical_name
        if canonical is None or canonical not in versions or not _pinnable(dependency):
            continue
        version = versions[canonical]
        digests = hashes.get(canonical) if hashes else None
        found: list[TextEdit] | None = None
        wants_pin = dependency.pinned_version is None if policy == "application" else not dependency.clauses
        if pin and wants_pin and not exempt_from_pinning:
            if policy == "application":
                within = pin_versions.get(id(dependency)) if pin_versions is not None else None
                if dependency.clauses and pin_versions is not None and within is None:
                    continue  # no release satisfies its range: "no-matching-release" says so
                target = within or version
                if within is not None and digests is not None:
                    # Hash-checking mode: the hashes of the release actually pinned, not the latest one's.
                    digests = (pin_hashes or {}).get(id(dependency))
                found = pin_edits(document, dependency, target, hashes=digests)
            else:
                compatible = compatible_fix(document, dependency, version)
                found = list(compatible.edits) if compatible is not None else None
        elif update and dependency.clauses and dependency.pinned_version != version:
            found = update_edits(document, dependency, version, hashes=digests)
        if found:
            edits += found
    edits.sort(key=lambda edit: (edit.span.start, edit.span.end))
    kept: list[TextEdit] = []
    for edit in edits:
        # Two requirements never share text; an overlap would mean a bug, and a partial edit is worse.
        if kept and edit.span.start < kept[-1].span.end:
            continue
        kept.append(edit)
    return kept


def pin_all(
    document: Document,
    versions: Mapping[str, str],
    *,
    hashes: Mapping[str, Sequence[str]] | None = None,
    policy: str = "application",
    exempt_from_pinning: bool = False,
    title: str = "Pin every requirement",
) -> Fix | None:
    """One fix pinning every requirement the policy wants pinned (see :func:`whole_file_edits`)."""
    edits = whole_file_edits(
        document,
        versions,
        hashes,
        pin=True,
        update=False,
        policy=policy,
        exempt_from_pinning=exempt_from_pinning,
    )
    return Fix(title, tuple(edits), kind=PIN_ALL_KIND) if edits else None


def update_all(
    document: Document,
    versions: Mapping[str, str],
    *,
    hashes: Mapping[str, Sequence[str]] | None = None,
    title: str = "Update every requirement to its latest release",
) -> Fix | None:
    """One fix moving every requirement with versions up to the given release, keeping operators."""
    edits = whole_file_edits(document, versions, hashes, pin=False, update=True)
    return Fix(title, tuple(edits), kind=UPDATE_ALL_KIND) if edits else None
