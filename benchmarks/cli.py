"""`pinwise check` end to end (in process, one event loop), against the fake index with latency.

    .venv/bin/python -m benchmarks.cli                 # 10 files x 60 requirements, 300 projects, 20 ms latency

Times a cold run (empty cache), a warm run (cache fresh) and an --offline run, as the command line does them
(discovery, reading, parsing, local and index findings, JSON rendering), best of three each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pinwise.batch import check_files
from pinwise.core.index.config import IndexSettings
from pinwise.report import format_json
from tests.fixtures.index.packages import Pkg, Rel
from tests.index_server import IndexServer


def projects(count: int) -> list[Pkg]:
    return [
        Pkg(name=f"bench-{i}", releases=tuple(Rel(f"1.{minor}.0") for minor in range(12)))
        for i in range(count)
    ]


def write_tree(root: Path, files: int, per_file: int, count: int) -> None:
    for f in range(files):
        lines = [f"bench-{(f * per_file + i) % count}==1.{i % 12}.0" for i in range(per_file)]
        (root / f"requirements-{f}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed(root: Path, settings: IndexSettings, cache: Path) -> tuple[float, int]:
    started = time.perf_counter()
    run = asyncio.run(check_files([str(root)], index_settings=settings, cache_dir=cache))
    format_json(run.reports, run.not_checked)
    findings = sum(len(report.findings) for report in run.reports)
    return time.perf_counter() - started, findings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--per-file", type=int, default=60)
    parser.add_argument("--projects", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    os.environ["PIP_CONFIG_FILE"] = os.devnull
    with IndexServer(projects(args.projects)) as server, tempfile.TemporaryDirectory() as tmp:
        server.fault("*", delay=args.latency)
        root = Path(tmp) / "tree"
        root.mkdir()
        write_tree(root, args.files, args.per_file, args.projects)
        online = IndexSettings(url=server.url)
        colds = []
        for attempt in range(3):
            cache = Path(tmp) / f"cold-{attempt}"
            colds.append(timed(root, online, cache))
        warm_cache = Path(tmp) / "cold-0"
        warms = [timed(root, online, warm_cache) for _ in range(3)]
        offline = [timed(root, IndexSettings(url=server.url, offline=True), warm_cache) for _ in range(3)]
        total = args.files * args.per_file
        print(
            f"{args.files} files x {args.per_file} requirements ({total}), {args.projects} projects, "
            f"{args.latency * 1000:.0f} ms latency"
        )
        for label, runs in (("cold", colds), ("warm", warms), ("offline", offline)):
            best = min(runs)
            print(f"{label:8} best {best[0]:.2f} s  ({best[1]} findings)")


if __name__ == "__main__":
    main()
