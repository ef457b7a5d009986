"""Index client benchmarks.

    .venv/bin/python -m benchmarks.index            # fake index: 300 packages, 50 ms latency; names matcher
    .venv/bin/python -m benchmarks.index --real     # the index configured on this machine (by hand only)

The first part asks for the latest version of 300 packages with a cold cache, then with a warm one. The second
builds a name matcher over 700,000 generated names and times completion, membership and did-you-mean.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pinwise.core.index.client import IndexClient, pick_release
from pinwise.core.index.config import load_pip_config, resolve_index_config
from pinwise.core.index.names import NameList
from pinwise.core.index.types import IndexConfig, LookupStatus
from tests.fixtures.index.packages import Pkg, Rel
from tests.index_server import IndexServer

REAL_NAMES = [
    "requests",
    "flask",
    "django",
    "numpy",
    "pandas",
    "pytest",
    "click",
    "jinja2",
    "attrs",
    "httpx",
    "pydantic",
    "sqlalchemy",
    "black",
    "ruff",
    "mypy",
    "packaging",
    "setuptools",
    "wheel",
    "urllib3",
    "idna",
]


async def latest_versions(client: IndexClient, names: list[str]) -> tuple[float, int, int]:
    start = time.perf_counter()
    results = await asyncio.gather(*(client.project(n) for n in names))
    elapsed = time.perf_counter() - start
    found = 0
    for r in results:
        if (
            r.status is LookupStatus.FOUND
            and r.project is not None
            and pick_release(r.project, None) is not None
        ):
            found += 1
    unavailable = sum(r.status is LookupStatus.UNAVAILABLE for r in results)
    return elapsed, found, unavailable


async def run_lookups(
    config: IndexConfig, names: list[str], cache: Path, label: str
) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for phase in ("cold", "warm"):
        async with IndexClient(config, cache_dir=cache, concurrency=16) as client:
            elapsed, found, unavailable = await latest_versions(client, names)
        rows.append((label, phase, str(len(names)), f"{elapsed * 1000:.0f}", str(found), str(unavailable)))
    return rows


def fake_packages(count: int) -> list[Pkg]:
    return [
        Pkg(name=f"bench-pkg-{i:03d}", releases=tuple(Rel(f"1.{j}.0") for j in range(10)), summary="bench")
        for i in range(count)
    ]


def generate_names(count: int, seed: int = 7) -> list[str]:
    """Plausible project names: syllables, common prefixes (django-, pytest-, ...) and suffixes (-utils, ...)."""
    rnd = random.Random(seed)
    syllables = (
        "ba co de fi go hu ja ki lo ma ne no pa py qu ra re si so ta te th tr un va we xo yo za ex in on er an "
        "al st pro net log data web api json http sql cli auth test doc lib core kit io"
    ).split()
    prefixes = [
        ""
    ] * 8 + "py django- flask- pytest- sphinx- types- azure- aws- mypy- odoo- jupyter- ckanext-".split()
    suffixes = [""] * 8 + "-utils -client -sdk 2 3 -tools -api -cli -plugin -py -lib -core -ext".split()
    out: set[str] = set()
    while len(out) < count:
        word = "".join(rnd.choice(syllables) for _ in range(rnd.randint(1, 4)))
        if rnd.random() < 0.25:
            word += "-" + "".join(rnd.choice(syllables) for _ in range(rnd.randint(1, 3)))
        out.add(rnd.choice(prefixes) + word + rnd.choice(suffixes))
    return sorted(out)


def bench_names(count: int) -> list[tuple[str, ...]]:
    names = generate_names(count)
    tracemalloc.start()
    start = time.perf_counter()
    matcher = NameList(names, presorted=True)
    build = time.perf_counter() - start
    memory, _peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    strings = sum(sys.getsizeof(n) for n in names) + sys.getsizeof(names)
    rnd = random.Random(1)
    sample = rnd.sample(names, 300)
    typos = []
    for n in sample:
        i = rnd.randrange(len(n))
        typos.append(n[:i] + n[i + 1 :] if rnd.random() < 0.5 else n[:i] + "x" + n[i + 1 :])
    rows: list[tuple[str, ...]] = [
        ("build", f"{build * 1000:.0f}", "", "", f"{memory / 1e6:.1f} (+{strings / 1e6:.1f} list of names)")
    ]
    cases: list[tuple[str, Callable[[str], object], list[str]]] = [
        ("complete", matcher.complete, [n[:3] for n in sample]),
        ("contains", matcher.__contains__, sample),
        ("similar", matcher.similar, typos),
    ]
    for label, fn, queries in cases:
        times = []
        for q in queries:
            t = time.perf_counter()
            fn(q)
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        rows.append(
            (
                label,
                f"{statistics.median(times):.3f}",
                f"{times[int(len(times) * 0.95)]:.3f}",
                f"{times[-1]:.3f}",
                "",
            )
        )
    recall = sum(orig in matcher.similar(t) for orig, t in zip(sample, typos, strict=True))
    rows.append(("similar recall", f"{recall}/{len(sample)}", "", "", ""))
    return rows


def table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--real", action="store_true", help="use the index configured on this machine")
    parser.add_argument("--packages", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.05, help="injected latency per request, seconds")
    parser.add_argument(
        "--names", type=int, default=700_000, help="size of the generated names list (0: skip)"
    )
    args = parser.parse_args()

    headers = ("source", "cache", "packages", "ms", "found", "unavailable")
    with tempfile.TemporaryDirectory() as tmp:
        if args.real:
            config = resolve_index_config(environ=os.environ, pip_config=load_pip_config())
            rows = await run_lookups(config, REAL_NAMES, Path(tmp), "configured index")
        else:
            with IndexServer(fake_packages(args.packages), json_api=False) as server:
                server.fault("*", delay=args.latency)
                names = [f"bench-pkg-{i:03d}" for i in range(args.packages)]
                rows = await run_lookups(
                    IndexConfig(index_url=server.url), names, Path(tmp), f"fake, {args.latency * 1000:.0f} ms"
                )
                rows.append(("", "server hits", str(server.hits("/simple/bench-pkg-000/")), "", "", ""))
    print(table(headers, rows))
    if args.names:
        print()
        print(f"Names matcher over {args.names:,} generated names (ms per query; memory in MB)")
        print(table(("operation", "median", "p95", "max", "memory"), bench_names(args.names)))


if __name__ == "__main__":
    asyncio.run(main())
