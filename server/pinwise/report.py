"""Turning check results into text and JSON for the command line. Pure functions over core types."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

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


def summary_counts(reports: Iterable[FileReport]) -> dict[str, int]:
    counts = {"files": 0, "unreadable": 0, "error": 0, "warning": 0, "info": 0, "hint": 0}
    for report in reports:
        counts["files"] += 1
        if report.error is not None:
            counts["unreadable"] += 1
        for finding in report.findings:
            counts[SEVERITY_NAMES[finding.severity]] += 1
    return counts


def format_summary(counts: dict[str, int]) -> str:
    parts = [f"{counts['files']} file{'s' if counts['files'] != 1 else ''} checked"]
    for key, label in (("error", "error"), ("warning", "warning"), ("info", "info"), ("hint", "hint")):
        if counts[key]:
            parts.append(f"{counts[key]} {label}{'s' if counts[key] != 1 and key != 'info' else ''}")
    if counts["unreadable"]:
        parts.append(f"{counts['unreadable']} unreadable")
    return ", ".join(parts)


def format_json(reports: list[FileReport]) -> str:
    """The document described in docs/json-format.md."""
    payload = {
        "version": JSON_FORMAT_VERSION,
        "files": [_file_json(report) for report in reports],
        "summary": summary_counts(reports),
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
