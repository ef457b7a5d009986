"""``pinwise check`` and ``pinwise fix``: the server's analysis and fixes, run once over files and folders,
for CI, pre-commit and scripts.

Module-level imports stay light: ``pinwise serve`` imports this module to build its argument parser, so the
analysis, the index client and the reporting are imported only when a command runs.

Exit codes (docs/cli.md): 0 nothing at or above ``--fail-on``; 1 findings at or above it (for ``fix
--dry-run``: files would change); 2 a file could not be read, or bad usage; 3 an internal error (a bug in
Pinwise; the traceback goes to stderr).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from pinwise.core.index.config import IndexSettings
    from pinwise.report import FileReport

EXIT_OK = 0
EXIT_FINDINGS = 1  # at least one finding at or above --fail-on; for fix --dry-run, files would change
EXIT_UNREADABLE = 2  # a named file could not be read (other files are still checked), or bad usage
EXIT_USAGE = 2
EXIT_INTERNAL = 3  # a bug in Pinwise

FORMATS = ("text", "json", "sarif", "github")
FAIL_ON = ("error", "warning", "info", "hint", "never")

logger = logging.getLogger("pinwise.cli")


# ------------------------------------------------------------------------------------------------------
# Arguments
# ------------------------------------------------------------------------------------------------------


def _add_paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "paths",
        nargs="*",
        default=["."],
        metavar="PATH",
        help="files to check, or folders to search for requirements files and pyproject.toml (default: .)",
    )


def _add_index_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("package index (by default, the one pip is configured to use)")
    group.add_argument(
        "--offline",
        action="store_true",
        help="never contact a package index: index findings come from the cache only",
    )
    group.add_argument(
        "--index-url",
        metavar="URL",
        help="use this index instead of the configured one (overrides pip's configuration and the files)",
    )
    group.add_argument(
        "--extra-index-url",
        metavar="URL",
        action="append",
        default=[],
        help="also use this index (repeatable)",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log what Pinwise does to stderr (-vv: more)"
    )


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    _add_paths(parser)
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument(
        "--select",
        metavar="CODES",
        action="append",
        help="report only these codes; comma-separated, each a code or a prefix of codes (e.g. unknown-,outdated)",
    )
    parser.add_argument(
        "--ignore",
        metavar="CODES",
        action="append",
        help="do not report these codes (comma-separated codes or prefixes); applied after --select",
    )
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        default="error",
        help="exit with 1 when a finding is at least this severe (default: error; never: only unreadable files fail)",
    )
    parser.add_argument(
        "--no-progress", action="store_true", help="no progress bar, even when stderr is a terminal"
    )
    _add_index_arguments(parser)


def add_fix_arguments(parser: argparse.ArgumentParser) -> None:
    _add_paths(parser)
    parser.add_argument(
        "--pin", action="store_true", help="pin each requirement without an exact pin to its latest release"
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help="move the versions of the other requirements up to their latest release, keeping operators",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="write nothing; print a unified diff of the changes instead"
    )
    _add_index_arguments(parser)


# ------------------------------------------------------------------------------------------------------
# Shared plumbing
# ------------------------------------------------------------------------------------------------------


def split_codes(values: Sequence[str] | None) -> list[str]:
    """``["a,b", "c"]`` -> ``["a", "b", "c"]`` (blank entries dropped)."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def code_filter(select: Sequence[str], ignore: Sequence[str]) -> tuple[frozenset[str] | None, str | None]:
    """The codes to report (None: all) and an error message when a selector matches no known code.

    Like ruff, a selector is a code or a prefix of codes (``unknown-`` selects unknown-option,
    unknown-package, ...); ``--ignore`` is applied after ``--select``.
    """
    from pinwise.core.analysis.codes import CODES

    known = set(CODES)

    def matching(selector: str) -> set[str]:
        return {code for code in known if code.startswith(selector.lower())}

    for selector in (*select, *ignore):
        if not matching(selector):
            return None, f"{selector!r} matches no Pinwise code (see docs/diagnostics.md)"
    if not select and not ignore:
        return None, None
    chosen = set().union(*(matching(s) for s in select)) if select else set(known)
    for selector in ignore:
        chosen -= matching(selector)
    return frozenset(chosen), None


def index_settings(args: argparse.Namespace) -> IndexSettings:
    from pinwise.core.index.config import IndexSettings

    return IndexSettings(
        url=args.index_url or None, extra_urls=tuple(args.extra_index_url or ()), offline=bool(args.offline)
    )


class _StderrHandler(logging.Handler):
    """Writes records to whatever ``sys.stderr`` is now (tests and the progress bar swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


@contextmanager
def _logging(verbosity: int) -> Iterator[None]:
    """Pinwise's log on stderr for this command: warnings by default, more with -v."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    handler = _StderrHandler(level)
    handler.setFormatter(logging.Formatter("pinwise: %(levelname)s: %(message)s"))
    root = logging.getLogger("pinwise")
    previous = root.level
    root.addHandler(handler)
    root.setLevel(min(previous, level) if previous else level)
    try:
        yield
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


class TerminalProgress:
    """A one-line progress bar on a terminal: files done and projects answered. Drawn only after the run
    has taken a moment, at most ten times a second, and erased at the end."""

    WIDTH = 24
    DELAY = 0.3

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._files = 0
        self._files_done = 0
        self._projects: dict[str, tuple[int, int]] = {}
        self._visible = False

    def files_found(self, total: int) -> None:
        self._files = total

    def file_done(self, path: str) -> None:
        self._files_done += 1
        self._draw()

    def projects(self, path: str, done: int, total: int) -> None:
        self._projects[path] = (done, total)
        self._draw()

    def _draw(self) -> None:
        now = time.monotonic()
        if now - self._started < self.DELAY or now - self._drawn_at < 0.1:
            return
        self._drawn_at = now
        answered = sum(done for done, _ in self._projects.values())
        asked = sum(total for _, total in self._projects.values())
        fraction = self._files_done / self._files if self._files else 1.0
        filled = int(fraction * self.WIDTH)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self._stream.write(
            f"\r\x1b[Kpinwise [{bar}] {self._files_done}/{self._files} files, "
            f"{answered}/{asked} projects looked up"
        )
        self._stream.flush()
        self._visible = True

    def close(self) -> None:
        if self._visible:
            self._stream.write("\r\x1b[K")
            self._stream.flush()


# ------------------------------------------------------------------------------------------------------
# check
# ------------------------------------------------------------------------------------------------------


def _filtered(reports: list[FileReport], allowed: frozenset[str] | None) -> list[FileReport]:
    if allowed is None:
        return reports
    for report in reports:
        report.findings = [finding for finding in report.findings if finding.code in allowed]
    return reports


def _fails(reports: Sequence[FileReport], fail_on: str) -> bool:
    from pinwise.core.analysis.codes import parse_severity

    if fail_on == "never":
        return False
    _, threshold = parse_severity(fail_on)
    assert threshold is not None
    return any(finding.severity >= threshold for report in reports for finding in report.findings)


def run_check(args: argparse.Namespace) -> int:
    allowed, problem = code_filter(split_codes(args.select), split_codes(args.ignore))
    if problem is not None:
        sys.stderr.write(f"pinwise check: {problem}\n")
        return EXIT_USAGE
    progress = (
        TerminalProgress(sys.stderr)
        if not args.no_progress and args.format != "github" and sys.stderr.isatty()
        else None
    )
    started = time.perf_counter()
    with _logging(args.verbose):
        try:
            from pinwise.batch import check_files

            run = asyncio.run(
                check_files(
                    args.paths,
                    index_settings=index_settings(args),
                    progress=progress,
                )
            )
        except Exception:  # A bug: say so, with the traceback, and use the exit code reserved for it.
            logger.exception("internal error")
            return EXIT_INTERNAL
        finally:
            if progress is not None:
                progress.close()
    reports = _filtered(run.reports, allowed)
    _write_check_output(args.format, reports, run.not_checked)
    from pinwise.report import format_summary, summary_counts

    elapsed = time.perf_counter() - started
    sys.stderr.write(f"{format_summary(summary_counts(reports, run.not_checked))} in {elapsed:.1f} s\n")
    if any(report.error is not None for report in reports):
        return EXIT_UNREADABLE
    return EXIT_FINDINGS if _fails(reports, args.fail_on) else EXIT_OK


def _write_check_output(output_format: str, reports: list[FileReport], not_checked: int) -> None:
    from pinwise import __version__
    from pinwise.report import format_github, format_json, format_sarif, format_text

    if output_format == "json":
        text = format_json(reports, not_checked)
    elif output_format == "sarif":
        text = format_sarif(reports, version=__version__, not_checked=not_checked)
    elif output_format == "github":
        text = format_github(reports)
    else:
        text = format_text(reports)
    sys.stdout.write(text)
    sys.stdout.flush()  # the summary goes to stderr; keep it after the findings on a terminal


# ------------------------------------------------------------------------------------------------------
# fix
# ------------------------------------------------------------------------------------------------------


def run_fix(args: argparse.Namespace) -> int:
    if not args.pin and not args.update:
        sys.stderr.write("pinwise fix: say what to fix: --pin, --update or both\n")
        return EXIT_USAGE
    with _logging(args.verbose):
        try:
            from pinwise.batch import fix_files, write_back

            fixes = asyncio.run(
                fix_files(
                    args.paths,
                    pin=args.pin,
                    update=args.update,
                    index_settings=index_settings(args),
                )
            )
            from pinwise.report import format_diff

            changed = 0
            edits = 0
            for fix in fixes:
                if fix.error is not None:
                    sys.stderr.write(f"{fix.path}: cannot fix this file: {fix.error}\n")
                    continue
                if fix.refused is not None:
                    sys.stderr.write(f"{fix.path}: left as it is: {fix.refused}\n")
                for line in fix.skipped:
                    sys.stderr.write(f"{fix.path}: skipped {line}\n")
                if not fix.changed:
                    continue
                changed += 1
                edits += fix.edits
                if args.dry_run:
                    sys.stdout.write(format_diff(fix.path, fix.before, fix.after))
                else:
                    write_back(Path(fix.path), fix)
        except Exception:
            logger.exception("internal error")
            return EXIT_INTERNAL
    sys.stdout.flush()
    verb = "would change" if args.dry_run else "changed"
    sys.stderr.write(
        f"{len(fixes)} file{'s' if len(fixes) != 1 else ''} checked, {verb} {changed} "
        f"({edits} edit{'s' if edits != 1 else ''})\n"
    )
    if any(fix.error is not None for fix in fixes):
        return EXIT_UNREADABLE
    return EXIT_FINDINGS if args.dry_run and changed else EXIT_OK
