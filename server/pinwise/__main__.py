"""The one console script: ``pinwise serve`` (LSP over stdio), ``pinwise check`` (the same analysis, once)
and ``pinwise fix`` (its pin and update fixes, from the command line).

Imports stay inside the branches: ``serve`` must answer ``initialize`` quickly, so nothing here loads the
analysis, the index client or the command line's reporting unless that door is used.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from pinwise import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pinwise",
        description="Language server and checker for pip requirements files and pyproject.toml.",
    )
    parser.add_argument("--version", action="version", version=f"pinwise {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the language server over stdio")
    serve.add_argument(
        "--stdio", action="store_true", help="accepted for editors that pass it; stdio is the default"
    )
    serve.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])

    from pinwise.cli import add_check_arguments, add_fix_arguments

    check = commands.add_parser(
        "check",
        help="check dependency files and report findings",
        description="Check requirements files and pyproject.toml with the language server's analysis. "
        "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 a file could not be read or bad usage, "
        "3 internal error.",
    )
    add_check_arguments(check)
    fix = commands.add_parser(
        "fix",
        help="pin or update requirements to their latest releases",
        description="Apply the safe fixes: --pin pins unpinned requirements, --update moves versions up. "
        "Files are rewritten byte for byte except the edited text (line endings and byte-order marks "
        "stay). Exit codes: 0 done, 1 --dry-run found changes, 2 a file could not be read or bad usage, "
        "3 internal error.",
    )
    add_fix_arguments(fix)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from pinwise.lsp.server import run_stdio

        run_stdio(log_level=args.log_level)
        return 0
    if args.command == "check":
        from pinwise.cli import run_check

        return run_check(args)
    if args.command == "fix":
        from pinwise.cli import run_fix

        return run_fix(args)
    build_parser().print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
