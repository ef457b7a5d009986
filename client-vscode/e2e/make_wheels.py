"""Tiny pure-Python wheels for the VS Code end-to-end test's compile step (built with the test suite's writer).

Usage: python make_wheels.py DIRECTORY NAME==VERSION[:REQUIREMENT[,REQUIREMENT...]] ...

For example ``make_wheels.py wheels alpha==1.0:beta beta==2.0`` writes
``wheels/alpha-1.0-py3-none-any.whl`` (``Requires-Dist: beta``) and ``wheels/beta-2.0-py3-none-any.whl``,
each holding ``<name>/__init__.py`` and a dist-info folder, so that
``uv pip compile --no-index --find-links wheels`` can resolve them without any index.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The test suite's wheel writer (tests/core/venvs/wheels.py), so both build wheels the same way.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.core.venvs.wheels import write_wheel


def _metadata(name: str, version: str, requires: list[str]) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", "Summary: an e2e test wheel"]
    return "\n".join(lines + [f"Requires-Dist: {r}" for r in requires]) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write(__doc__ or "")
        return 2
    directory = Path(argv[0])
    for spec in argv[1:]:
        pin, _, requires = spec.partition(":")
        name, sep, version = pin.partition("==")
        if not sep or not name or not version:
            sys.stderr.write(f"not NAME==VERSION: {spec}\n")
            return 2
        package = name.replace("-", "_").lower()
        metadata = _metadata(name, version, [r for r in requires.split(",") if r])
        wheel = write_wheel(directory, name, version, {f"{package}/__init__.py": b""}, metadata)
        sys.stdout.write(f"{wheel}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
