"""``pinwise check``: the server's analysis, run once over files and folders, for CI and pre-commit.

Module-level imports stay light: ``pinwise serve`` imports this module to build its argument parser.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pinwise.report import FileReport

EXIT_OK = 0
EXIT_FINDINGS = 1  # at least one finding at or above the failing severity
EXIT_UNREADABLE = 2  # a named file could not be read (other files are still checked)


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="files to check, or folders to search for requirements files and pyproject.toml (default: .)",
    )
    parser.add_argument("--format", choices=["text", "json"], default="text", help="output format")
    parser.add_argument(
        "--offline",
        action="store_true",
        help="do not contact any package index; report only what the files themselves show",
    )


def run_check(args: argparse.Namespace) -> int:
    from pinwise.report import format_json, format_summary, format_text, summary_counts

    reports = check_paths(args.paths)
    if args.format == "json":
        sys.stdout.write(format_json(reports))
    else:
        sys.stdout.write(format_text(reports))
        sys.stdout.flush()  # the summary goes to stderr; keep it after the findings on a terminal
        sys.stderr.write(format_summary(summary_counts(reports)) + "\n")
    if any(report.error is not None for report in reports):
        return EXIT_UNREADABLE
    from pinwise.core.model import Severity

    if any(f.severity >= Severity.ERROR for report in reports for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def check_paths(paths: list[str]) -> list[FileReport]:
    from pinwise.core.analysis.findings import Finding
    from pinwise.core.files import FileKind, discover, read_dependency_file
    from pinwise.core.pyproject.tables import parse_pyproject
    from pinwise.core.requirements.parse import parse_requirements
    from pinwise.report import FileReport

    reports: list[FileReport] = []
    for path, kind in discover(paths):
        shown = str(path)
        read = read_dependency_file(path)
        if read.text is None:
            reports.append(FileReport(shown, kind, error=read.error))
            continue
        parsed = (
            parse_pyproject(read.text, shown)
            if kind is FileKind.PYPROJECT
            else parse_requirements(read.text, shown)
        )
        findings = [Finding(p.code, p.message, p.span, p.severity) for p in parsed.problems]
        findings.sort(key=lambda f: (f.span.start, f.span.end, f.code))
        reports.append(FileReport(shown, kind, read.text, parsed, findings))
    return reports
