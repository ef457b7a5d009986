"""The package index of the VS Code end-to-end test: the repository's fake index server on 127.0.0.1.

It serves the test suite's projects (``tests/fixtures/index/packages.py``) plus the projects that
``examples/requirements.txt`` names, each with a newer release than the example pins, so the extension
shows index-backed diagnostics ("... is available"), hovers with the summaries below, and "Pin All" /
"Update All" have something to write. Prints the simple-API URL on the first line of stdout, then serves
until stdin closes or the process is terminated.

Usage: python client-vscode/e2e/serve_index.py   (needs ``packaging``: the repository's .venv, or
PYTHONPATH=client-vscode/bundled/libs)
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.fixtures.index.packages import PACKAGES, Pkg, Rel  # noqa: E402
from tests.index_server import IndexServer  # noqa: E402

# The summaries are what the e2e expects in hovers; the versions decide the diagnostics and fixes.
E2E_PACKAGES: list[Pkg] = [
    Pkg(
        name="gunicorn",
        summary="WSGI HTTP Server for UNIX, from the e2e index",
        releases=(Rel("21.2.0"), Rel("22.0.0"), Rel("23.0.0", requires_python=">=3.7")),
    ),
    Pkg(
        name="sentry-sdk",
        summary="Python client for Sentry, from the e2e index",
        releases=(
            Rel("1.39.0", extras=("django",)),
            Rel("1.45.1", extras=("django",)),
            Rel("2.19.0", extras=("django",)),
        ),
    ),
    Pkg(
        name="whitenoise",
        summary="Static files for WSGI apps, from the e2e index",
        releases=(Rel("6.6.0"), Rel("6.8.2")),
    ),
    Pkg(
        name="uvloop",
        summary="Fast asyncio event loop, from the e2e index",
        releases=(Rel("0.19.0"), Rel("0.21.0")),
    ),
    Pkg(
        name="pillow",
        summary="Python Imaging Library, from the e2e index",
        releases=(Rel("10.2.0"), Rel("11.0.0")),
    ),
]


def main() -> int:
    names = {p.canonical for p in E2E_PACKAGES}
    server = IndexServer([*E2E_PACKAGES, *(p for p in PACKAGES if p.canonical not in names)]).start()
    sys.stdout.write(server.url + "\n")
    sys.stdout.flush()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    if sys.stdin is not None:
        # The parent closing our stdin (or dying) ends the server too.
        threading.Thread(target=_wait_for_eof, args=(done,), daemon=True).start()
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


def _wait_for_eof(done: threading.Event) -> None:
    try:
        sys.stdin.read()
    except (OSError, ValueError):
        pass
    done.set()


if __name__ == "__main__":
    sys.exit(main())
