"""Index faults under load: a 300-requirement file analysed while the fake index misbehaves in every way it
can (500, 503, garbage, truncated bodies, dropped connections, endless redirects, 401, a 50 MB body, a hang).

The server must stay responsive (a completion answered from the cache while the index hangs), report
could-not-check (never unknown-package) for the projects it could not ask, keep its memory bounded (the 50 MB
body is never held), and recover once the index is back (re-publishing on the next edit).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.fixtures.index.packages import Pkg, Rel
from tests.index_server import IndexServer
from tests.lsp.conftest import start_session
from tests.reliability.lsp_helpers import rss_bytes, settled

PROJECTS = [Pkg(f"load-project-{number:03d}", (Rel("1.0.0"), Rel("2.0.0"))) for number in range(300)]
RESPONSIVE_WITHIN = 5.0
MAX_GROWTH = 60 * 1024 * 1024  # far below the 50 MB body plus its decoding, were it ever held
# With ~50 bodies of 50 MB and no Content-Length, the transport reads at most one body past 2 MB at a time
# (up to the 32 MB cap) while 15 others hold at most 2 MB each: ~64 MB at the peak, plus allocator slack that
# RSS does not give back. Held bodies would cost gigabytes (they did: 800-1,500 MB before the fix).
MAX_GROWTH_HUGE = 128 * 1024 * 1024
Faults = list[tuple[str, dict[str, Any]]]
MIXED: Faults = [
    ("status", {"status": 500}),
    ("status", {"status": 503}),
    ("garbage", {}),
    ("truncate", {}),
    ("close", {}),
    ("redirect", {}),
    ("auth", {}),
    ("huge", {}),  # announces 50 MB in Content-Length: refused before reading
]
# 50 MB bodies without a Content-Length: each download is cut at the client's per-response cap (32 MB).
UNANNOUNCED_HUGE: Faults = [("huge", {"content_length": False}), *[("status", {"status": 503})] * 5]


def requirements() -> str:
    return "".join(f"{project.name}=={project.releases[0].version}\n" for project in PROJECTS)


def codes_by_line(diagnostics: list[types.Diagnostic]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for diagnostic in diagnostics:
        found.setdefault(diagnostic.range.start.line, set()).add(str(diagnostic.code))
    return found


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param(MIXED, id="mixed"),
        pytest.param(UNANNOUNCED_HUGE, id="huge-unannounced"),
    ],
)
async def test_index_faults_under_load(tmp_path: Path, faults: Faults) -> None:
    with IndexServer(PROJECTS) as index:
        # Every project but the first ten fails, each in one of the ways above; project 299 hangs.
        failing = {}
        for number, project in enumerate(PROJECTS[10:], start=10):
            kind, options = faults[number % len(faults)]
            path = f"/simple/{project.canonical}/"
            index.fault(path, kind, **options)
            failing[number] = kind
        index.fault(f"/simple/{PROJECTS[-1].canonical}/", "hang")
        session = await start_session(tmp_path, index)
        try:
            # The name list loads first (completion needs it), then the first ten projects, then the rest.
            text = requirements()
            uri = session.open("requirements.txt", text)
            baseline = rss_bytes(session)

            def has_all_failures(found: list[types.Diagnostic]) -> bool:
                lines = codes_by_line(found)
                return all("could-not-check" in lines.get(n, set()) for n in failing if n != 299)

            diagnostics = await session.diagnostics(uri, has_all_failures, timeout=120)
            by_line = codes_by_line(diagnostics)
            assert not any("unknown-package" in codes for codes in by_line.values()), by_line
            assert all("could-not-check" not in by_line.get(n, set()) for n in range(10))

            # Responsive while project 299 still hangs: a completion answered from the cached name list.
            started = asyncio.get_running_loop().time()
            completion = await asyncio.wait_for(
                session.client.text_document_completion_async(
                    types.CompletionParams(
                        types.TextDocumentIdentifier(uri=uri), types.Position(line=len(PROJECTS), character=0)
                    )
                ),
                RESPONSIVE_WITHIN,
            )
            assert completion is not None
            elapsed = asyncio.get_running_loop().time() - started
            growth = rss_bytes(session) - baseline

            # The index comes back: the next edit re-publishes without could-not-check for the failed ones.
            index.clear_faults()
            version = session.change(uri, "# back\n", types.Range(types.Position(0, 0), types.Position(0, 0)))
            recovered = await settled(session, uri, version, quiet=2.0, timeout=120)
            still_failing = [entry for entry in recovered if entry[0] == "could-not-check"]
            assert len(still_failing) <= 1, still_failing[:5]  # at most the one that was hanging
            assert not [entry for entry in recovered if entry[0] == "unknown-package"]
            limit = MAX_GROWTH_HUGE if faults is UNANNOUNCED_HUGE else MAX_GROWTH
            assert growth < limit, f"the server grew by {growth / 2**20:.0f} MB: a huge body was held"
        finally:
            await session.client.shutdown_session()
            await session.client.stop()
    print(f"\ncompletion while the index hangs: {elapsed * 1000:.0f} ms; RSS growth {growth / 2**20:.1f} MB")
