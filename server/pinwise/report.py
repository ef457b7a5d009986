"""Turning check results into text, JSON, SARIF 2.1.0 and GitHub workflow commands for the command line.

Pure functions over core types.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pinwise.core.analysis.codes import CODES
from pinwise.core.analysis.findings import Finding
from pinwise.core.files import FileKind
from pinwise.core.index.auth import redact_text
from pinwise.core.model import Dependency, ParsedFile, Severity
from pinwise.core.pyproject.tables import PyprojectFile
from pinwise.core.requirements.model import (
    ErrorItem,
    OptionItem,
    OptionUse,
    RequirementItem,
    RequirementsFile,
)
from pinwise.core.text import LineIndex, Span

JSON_FORMAT_VERSION = 1

SEVERITY_NAMES = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "info",
    Severity.HINT: "hint",
}


@dataclass(slots=True)
class FileReport:
    path: str
    kind: FileKind | None
    text: str | None = None
    parsed: ParsedFile | None = None
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # the file could not be read

    def lines(self) -> LineIndex:
        return LineIndex(self.text or "")


def format_text(reports: Iterable[FileReport]) -> str:
    """One line per finding: ``path:line:col: severity code message`` (line and column 1-based)."""
    out: list[str] = []
    for report in reports:
        if report.error is not None:
            out.append(f"{report.path}: error unreadable-file cannot check this file: {report.error}")
            continue
        lines = report.lines()
        for finding in report.findings:
            position = lines.position(finding.span.start)
            severity = SEVERITY_NAMES[finding.severity]
            out.append(
                f"{report.path}:{position.line + 1}:{position.column + 1}: {severity} {finding.code} {finding.message}"
            )
    return "".join(line + "\n" for line in out)


def summary_counts(reports: Iterable[FileReport], not_checked: int = 0) -> dict[str, int]:
    """Files, unreadable files and findings per severity; ``not_checked``: requirements an offline run
    could not check because the cache had no answer for them."""
    counts = {"files": 0, "unreadable": 0, "error": 0, "warning": 0, "info": 0, "hint": 0}
    for report in reports:
        counts["files"] += 1
        if report.error is not None:
            counts["unreadable"] += 1
        for finding in report.findings:
            counts[SEVERITY_NAMES[finding.severity]] += 1
    counts["not_checked"] = not_checked
    return counts


def format_summary(counts: dict[str, int]) -> str:
    parts = [f"{counts['files']} file{'s' if counts['files'] != 1 else ''} checked"]
    for key, label in (("error", "error"), ("warning", "warning"), ("info", "info"), ("hint", "hint")):
        if counts[key]:
            parts.append(f"{counts[key]} {label}{'s' if counts[key] != 1 and key != 'info' else ''}")
    if counts["unreadable"]:
        parts.append(f"{counts['unreadable']} unreadable")
    if counts.get("not_checked"):
        parts.append(f"{counts['not_checked']} not checked against the index (offline, not in the cache)")
    return ", ".join(parts)


def format_json(reports: list[FileReport], not_checked: int = 0) -> str:
    """The document described in docs/json-format.md."""
    payload = {
        "version": JSON_FORMAT_VERSION,
        "files": [_file_json(report) for report in reports],
        "summary": summary_counts(reports, not_checked),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _span_json(lines: LineIndex, span: Span | None) -> dict[str, Any] | None:
    if span is None:
        return None
    start, end = lines.span_positions(span)
    return {
        "start": {"line": start.line, "column": start.column},
        "end": {"line": end.line, "column": end.column},
        "offsets": [span.start, span.end],
    }


def _file_json(report: FileReport) -> dict[str, Any]:
    result: dict[str, Any] = {
        "path": report.path,
        "kind": report.kind.value if report.kind else None,
        "error": report.error,
    }
    if report.error is not None or report.parsed is None:
        result.update(items=[], findings=[])
        return result
    lines = report.lines()
    result["items"] = list(_items_json(report.parsed, lines))
    result["findings"] = [
        {
            "code": finding.code,
            "severity": SEVERITY_NAMES[finding.severity],
            "message": finding.message,
            "span": _span_json(lines, finding.span),
            "fixes": [fix.title for fix in finding.fixes],
        }
        for finding in report.findings
    ]
    return result


def _items_json(parsed: ParsedFile, lines: LineIndex) -> Iterable[dict[str, Any]]:
    if isinstance(parsed, RequirementsFile):
        for item in parsed.items:
            if isinstance(item, RequirementItem):
                entry = _dependency_json(item.dependency, lines)
                entry.update(
                    kind="requirement",
                    line=item.line,
                    editable=item.editable,
                    hashes=[
                        {
                            "algorithm": h.algorithm,
                            "digest": h.digest,
                            "span": _span_json(lines, h.option.span),
                        }
                        for h in item.hashes
                    ],
                    options=[_option_json(option, lines) for option in item.options],
                )
                yield entry
            elif isinstance(item, OptionItem):
                entry = _option_json(item.option, lines)
                entry.update(kind="option", line=item.line, effective=item.effective)
                yield entry
            elif isinstance(item, ErrorItem):
                yield {
                    "kind": "error",
                    "line": item.line,
                    "message": item.problem.message,
                    "span": _span_json(lines, item.problem.span),
                }
    elif isinstance(parsed, PyprojectFile):
        for dependency in parsed.dependencies:
            entry = _dependency_json(dependency, lines)
            entry.update(kind="dependency", line=lines.position(dependency.span.start).line)
            yield entry


def _option_json(option: OptionUse, lines: LineIndex) -> dict[str, Any]:
    return {
        "option": option.name,
        "written": option.written,
        "argument": _redacted(option.value),
        "span": _span_json(lines, option.span),
        "spans": {
            "option": _span_json(lines, option.name_span),
            "argument": _span_json(lines, option.value_span),
        },
    }


def _dependency_json(dependency: Dependency, lines: LineIndex) -> dict[str, Any]:
    return {
        "requirement_kind": dependency.kind.value,
        "section": dependency.section,
        "group": dependency.group,
        "name": dependency.name,
        "canonical_name": dependency.canonical_name,
        "extras": [extra.name for extra in dependency.extras],
        "specifier": dependency.specifier,
        "marker": dependency.marker,
        "url": _redacted(dependency.url),
        "poetry_constraint": dependency.raw_constraint if dependency.poetry else None,
        "span": _span_json(lines, dependency.span),
        "spans": {
            "name": _span_json(lines, dependency.name_span),
            "extras": _span_json(lines, dependency.extras_span),
            "specifier": _span_json(lines, dependency.specifier_span),
            "clauses": [
                {"text": clause.text, "span": _span_json(lines, clause.span)} for clause in dependency.clauses
            ],
            "marker": _span_json(lines, dependency.marker_span),
            "url": _span_json(lines, dependency.url_span),
        },
    }


def _redacted(value: str | None) -> str | None:
    """Index URLs and requirement URLs may carry tokens; CI logs must never show them."""
    return None if value is None else redact_text(value)


# --------------------------------------------------------------------------------------------------------
# SARIF 2.1.0 (code scanning services) and GitHub Actions workflow commands
# --------------------------------------------------------------------------------------------------------

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "note",
    Severity.HINT: "note",
}
# Findings reported outside the code registry (the file itself could not be read).
UNREADABLE_CODE = "unreadable-file"


def _artifact_location(path: str, root: Path) -> dict[str, Any]:
    """A path relative to the run's root (``%SRCROOT%``) when it is inside it, else an absolute file URI."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": "%SRCROOT%"}


def _sarif_region(lines: LineIndex, span: Span) -> dict[str, int]:
    """A region in one-based lines and columns; ``endColumn`` is the column just past the end, as SARIF
    says, and columns count code points (the run declares ``columnKind``)."""
    start, end = lines.span_positions(span)
    return {
        "startLine": start.line + 1,
        "startColumn": start.column + 1,
        "endLine": end.line + 1,
        "endColumn": end.column + 1,
    }


def format_sarif(
    reports: list[FileReport], *, version: str, root: Path | None = None, not_checked: int = 0
) -> str:
    """One SARIF 2.1.0 log with one run: every registered code as a rule, every finding as a result (with
    its fixes as replacements), unreadable files as tool notifications."""
    base = Path(os.path.abspath(root if root is not None else os.getcwd()))
    rule_ids = list(CODES)
    rule_index = {code: index for index, code in enumerate(rule_ids)}
    rules = [
        {
            "id": info.code,
            "name": "".join(part.capitalize() for part in info.code.split("-")),
            "shortDescription": {"text": info.description},
            "defaultConfiguration": {"level": SARIF_LEVELS[info.severity]},
            "properties": {"category": info.category.value, "needsIndex": info.needs_index},
        }
        for info in CODES.values()
    ]
    results: list[dict[str, Any]] = []
    notifications: list[dict[str, Any]] = []
    for report in reports:
        location = _artifact_location(report.path, base)
        if report.error is not None:
            notifications.append(
                {
                    "level": "error",
                    "descriptor": {"id": UNREADABLE_CODE},
                    "message": {"text": f"cannot check this file: {report.error}"},
                    "locations": [{"physicalLocation": {"artifactLocation": location}}],
                }
            )
            continue
        lines = report.lines()
        for finding in report.findings:
            result: dict[str, Any] = {
                "ruleId": finding.code,
                "level": SARIF_LEVELS[finding.severity],
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": location,
                            "region": _sarif_region(lines, finding.span),
                        }
                    }
                ],
            }
            if finding.code in rule_index:
                result["ruleIndex"] = rule_index[finding.code]
            fixes = [
                {
                    "description": {"text": fix.title},
                    "artifactChanges": [
                        {
                            "artifactLocation": location,
                            "replacements": [
                                {
                                    "deletedRegion": _sarif_region(lines, edit.span),
                                    "insertedContent": {"text": edit.new_text},
                                }
                                for edit in fix.edits
                            ],
                        }
                    ],
                }
                for fix in finding.fixes
                if fix.edits
            ]
            if fixes:
                result["fixes"] = fixes
            results.append(result)
    invocation: dict[str, Any] = {"executionSuccessful": not notifications}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    if not_checked:
        invocation["properties"] = {"notChecked": not_checked}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pinwise",
                        "version": version,
                        "semanticVersion": version,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri().rstrip("/") + "/"}},
                "columnKind": "unicodeCodePoints",
                "invocations": [invocation],
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


GITHUB_LEVELS = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFORMATION: "notice",
    Severity.HINT: "notice",
}


def _github_data(value: str) -> str:
    """Escape a workflow command's message (the runner decodes these three)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(value: str) -> str:
    """Escape a workflow command's property value (``:`` and ``,`` separate properties)."""
    return _github_data(value).replace(":", "%3A").replace(",", "%2C")


def format_github(reports: Iterable[FileReport]) -> str:
    """GitHub Actions workflow commands, one per finding, so findings show as annotations on the diff:
    ``::error file=…,line=…,col=…,endLine=…,endColumn=…,title=code::message`` (one-based; ``endColumn``
    is the last column of the span, inclusive, as annotations show it)."""
    out: list[str] = []
    for report in reports:
        path = _github_property(report.path)
        if report.error is not None:
            message = _github_data(f"cannot check this file: {report.error}")
            out.append(f"::error file={path},title={UNREADABLE_CODE}::{message}")
            continue
        lines = report.lines()
        for finding in report.findings:
            start, end = lines.span_positions(finding.span)
            end_column = end.column if end.line != start.line else max(end.column, start.column + 1)
            properties = (
                f"file={path},line={start.line + 1},col={start.column + 1},"
                f"endLine={end.line + 1},endColumn={end_column},title={_github_property(finding.code)}"
            )
            out.append(f"::{GITHUB_LEVELS[finding.severity]} {properties}::{_github_data(finding.message)}")
    return "".join(line + "\n" for line in out)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _lines_with_ends(text: str) -> list[str]:
    """Lines with their own line breaks, split only at ``\\n``, ``\\r\\n`` and ``\\r`` (as pip and LSP do)."""
    return _LINE.findall(text)


def format_diff(path: str, before: str, after: str) -> str:
    """A unified diff (``a/path`` -> ``b/path``, three lines of context) that ``patch -p1`` and ``git apply``
    read; a last line without a line break gets git's "No newline at end of file" marker."""
    out: list[str] = []
    diff = difflib.unified_diff(
        _lines_with_ends(before), _lines_with_ends(after), fromfile=f"a/{path}", tofile=f"b/{path}"
    )
    for line in diff:
        if line.startswith(("---", "+++", "@@")):
            out.append(line if line.endswith("\n") else line + "\n")
        elif line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
