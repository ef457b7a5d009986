"""Create a venv and install 20 pinned packages: uv versus ``python -m venv`` + pip, side by side.

The packages are small wheels built by this script and served from a local find-links folder (pip's own
wheel is repacked from the running environment, so upgrading pip needs no index either). Each round starts
cold: a fresh target and, for uv, an empty cache. Run from the repository root::

    .venv/bin/python benchmarks/venv.py [--rounds 3] [--packages 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

# This file is called venv.py: drop its own folder from the import path so the standard library's venv
# module cannot be shadowed, and make the repository importable for the test wheel builder.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import pip  # noqa: E402

from pinwise.core.index.types import IndexConfig  # noqa: E402
from pinwise.core.venv import RequirementStrings, Status, VenvManager, find_uv  # noqa: E402
from tests.core.venvs.wheels import build_wheel, hermetic_environ, wheel_from_installed  # noqa: E402

log = logging.getLogger("benchmarks.venv")


def build_wheelhouse(folder: Path, count: int) -> list[str]:
    """``count`` pinned requirements; every fifth package depends on the next one, as real trees do."""
    requirements = []
    for i in range(count):
        requires = [f"bench-pkg-{i + 1:02}==1.0"] if i % 5 == 0 and i + 1 < count else []
        build_wheel(folder, f"bench-pkg-{i:02}", "1.0", requires=requires)
        requirements.append(f"bench-pkg-{i:02}==1.0")
    site_packages = Path(pip.__file__).parent.parent
    wheel_from_installed(site_packages, f"pip-{pip.__version__}.dist-info", folder)
    return requirements


async def one_round(
    manager: VenvManager, work: Path, tool: str, requirements: list[str], index: IndexConfig
) -> tuple[float, float]:
    target = work / f"env-{tool}"
    use_uv = tool == "uv"
    started = time.perf_counter()
    created = await manager.create(
        target,
        Path(getattr(sys, "_base_executable", sys.executable)),
        use_uv=use_uv,
        with_pip=not use_uv,
        index=index,
    )
    if created.status is not Status.SUCCEEDED or created.environment is None:
        raise RuntimeError(f"{tool}: {created.message}\n" + "\n".join(created.output_tail))
    made = time.perf_counter()
    result = await manager.install(
        created.environment, RequirementStrings(tuple(requirements)), trusted=True, index=index, use_uv=use_uv
    )
    if result.status is not Status.SUCCEEDED:
        raise RuntimeError(f"{tool}: {result.message}\n" + "\n".join(result.output_tail))
    done = time.perf_counter()
    await asyncio.to_thread(shutil.rmtree, target)
    return made - started, done - made


async def main(rounds: int, packages: int) -> int:
    with tempfile.TemporaryDirectory(prefix="pinwise-venv-bench-") as temporary:
        work = Path(temporary)
        wheelhouse = work / "wheelhouse"
        requirements = build_wheelhouse(wheelhouse, packages)
        index = IndexConfig(index_url=None, no_index=True, find_links=(str(wheelhouse),))
        tools = ["venv"] + (["uv"] if find_uv() is not None else [])
        if "uv" not in tools:
            log.warning("uv not found: only the venv + pip path is measured")
        times: dict[str, list[tuple[float, float]]] = {tool: [] for tool in tools}
        for round_number in range(rounds):
            for tool in tools:
                # A fresh uv cache per round, so uv does not win by reusing the previous round's unpacked wheels.
                environ = hermetic_environ(work / f"cache-{round_number}-{tool}")
                manager = VenvManager(environ=environ)
                times[tool].append(await one_round(manager, work, tool, requirements, index))
        log.info("%d packages, median of %d rounds (cold caches)", packages, rounds)
        log.info("%-6s %10s %10s %10s", "tool", "create s", "install s", "total s")
        totals: dict[str, float] = {}
        for tool in tools:
            create = statistics.median(t[0] for t in times[tool])
            install = statistics.median(t[1] for t in times[tool])
            totals[tool] = statistics.median(t[0] + t[1] for t in times[tool])
            log.info("%-6s %10.2f %10.2f %10.2f", tool, create, install, totals[tool])
        if "uv" in totals:
            log.info("venv + pip takes %.1fx as long as uv", totals["venv"] / totals["uv"])
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("pinwise").setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--packages", type=int, default=20)
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.rounds, arguments.packages)))
