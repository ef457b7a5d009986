"""Pinwise side by side with the tools users would pick instead: the same files, the same LSP client, the same
index.

    bash benchmarks/peers/setup.sh                                    # peers into .artifacts/peers-venv
    .venv/bin/python -m benchmarks.peers.run --index fake --rounds 3  # fake index on 127.0.0.1, 50 ms latency
    .venv/bin/python -m benchmarks.peers.run --index real --rounds 3  # the index configured here (by hand only)

Language servers: Pinwise, requirements-language-server, tombi (``tombi lsp``); taplo (``taplo lsp stdio``)
with ``--with-taplo``.
Command-line tools that list outdated pins: pur (``--dry-run --dry-run-changed`` on a copy), pip-check-updates
(``pcu`` without ``-u``, on a copy) and ``pinwise check``. Rounds alternate the tools; medians are reported.

Definitions. *initialize*: process spawn to the ``initialize`` answer. *diagnostics*: didOpen to the last
publishDiagnostics for the file, where "last" means none followed for 500 ms (3 s for Pinwise, which
publishes index findings as they arrive; or 120 s passed); *cold* is the
first open in a fresh process with an empty cache, *warm* is a didClose/didOpen after the server answered a
name completion with items (its name list is loaded; at most 60 s of polling). *completion*/*hover*: request to
answer, 20 requests each after the warm open, p50 and p99 (with 20 samples p99 is the slowest). *memory*: the
sum of VmHWM over the server's process tree just before shutdown. *quality*: planted lines with at least one
diagnostic (LSP, warm open) or whose project is named in the output (CLI), per category, and false positives on
clean lines.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.lsp import percentile  # noqa: E402
from benchmarks.peers.driver import Session, open_session  # noqa: E402
from benchmarks.peers.workload import (  # noqa: E402
    CATEGORIES,
    Universe,
    Workfile,
    fake_universe,
    real_universe,
    workfiles,
)
from tests.index_server import IndexServer  # noqa: E402

log = logging.getLogger("benchmarks.peers")

PEERS_BIN = ROOT / ".artifacts" / "peers-venv" / "bin"
PINWISE = ROOT / ".venv" / "bin" / "pinwise"
SAMPLES = 20
TIMEOUT_S = 10  # per completion or hover request


@dataclass(frozen=True)
class LspTool:
    name: str
    command: Callable[[], list[str]]
    handles: Callable[[Workfile], bool]
    honours_index: bool  # can it be pointed at the fake index?
    initialization_options: Any = None
    # Seconds without a new publishDiagnostics that mean "complete". Pinwise publishes local findings at once
    # and index findings as answers arrive, with pauses longer than 500 ms while a connection opens; 3 s of
    # silence only costs the benchmark time, since the reported time is that of the last publish.
    quiet: float = 0.5


def _is_requirements(work: Workfile) -> bool:
    return work.name.endswith(".txt")


def _is_pyproject(work: Workfile) -> bool:
    return work.name == "pyproject.toml"


LSP_TOOLS = (
    LspTool(
        "pinwise",
        lambda: [str(PINWISE), "serve"],
        lambda work: True,
        True,
        {"settings": {}, "workspaceTrusted": True},
        quiet=3.0,
    ),
    LspTool(
        "requirements-language-server",
        lambda: [str(PEERS_BIN / "requirements-language-server")],
        _is_requirements,
        False,
    ),
    LspTool("tombi", lambda: [str(PEERS_BIN / "tombi"), "lsp"], _is_pyproject, False),
    # taplo 0.9.3 (the package index's build) exits with status 1 at ``taplo lsp stdio`` before answering
    # initialize, so it is installed but not driven: ``--with-taplo`` puts it back to check a newer build.
)
TAPLO = LspTool("taplo", lambda: [str(PEERS_BIN / "taplo"), "lsp", "stdio"], _is_pyproject, False)


@dataclass
class LspRun:
    tool: str
    file: str
    initialize_ms: float
    cold_ms: float | None
    warm_ms: float | None
    names_ready_ms: float | None
    completion_names: list[float] = field(default_factory=list)
    completion_versions: list[float] = field(default_factory=list)
    completion_counts: tuple[int, int] = (0, 0)
    hover: list[float] = field(default_factory=list)
    hover_answered: bool = False
    memory_kib: int = 0
    quality: dict[str, int] = field(default_factory=dict)


@dataclass
class CliRun:
    tool: str
    file: str
    wall_ms: float
    exit_code: int
    quality: dict[str, int] = field(default_factory=dict)


# -- environment ------------------------------------------------------------------------------------------------


def tool_environ(index_url: str | None, cache: Path) -> dict[str, str]:
    """The process environment: the fake index replaces pip's configuration (for every tool that reads it);
    each tool's caches go to a fresh folder so that "cold" is cold."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PINWISE_")}
    env.update(
        PINWISE_CACHE_DIR=str(cache / "pinwise"),
        XDG_CACHE_HOME=str(cache / "xdg"),
        TOMBI_CACHE_DIR=str(cache / "tombi"),
        NO_COLOR="1",
    )
    if index_url is not None:
        env.update(PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=index_url)
        env.pop("PIP_FIND_LINKS", None)
    return env


# -- probes: where completion and hover are asked ---------------------------------------------------------------


def completion_probe(work: Workfile, universe: Universe) -> tuple[str, tuple[int, int], tuple[int, int]]:
    """The file with two lines appended (a name prefix and ``name==``); the positions to complete at."""
    name = next(iter(universe.old))
    prefix = name[:3]
    lines = list(work.lines)
    if _is_pyproject(work):
        lines.append(f'probe = ["{prefix}", "{name}=="]')
        row = len(lines) - 1
        return "\n".join(lines) + "\n", (row, 10 + len(prefix)), (row, lines[row].rindex('"'))
    lines += [prefix, f"{name}=="]
    return "\n".join(lines) + "\n", (len(lines) - 2, len(prefix)), (len(lines) - 1, len(name) + 2)


def hover_position(work: Workfile) -> tuple[int, int]:
    line = min(ln for ln, kind in work.truth.items() if kind in ("clean", "outdated"))
    return line, work.lines[line].index(work.names[line]) + 1


def completion_items(result: Any) -> int:
    if isinstance(result, dict):
        return len(result.get("items", []))
    return len(result) if isinstance(result, list) else 0


# -- one language server on one file ----------------------------------------------------------------------------


async def timed(session: Session, method: str, params: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    try:
        result = await session.request(method, params, timeout=TIMEOUT_S)
    except Exception as exc:  # a peer's error answer or a timeout is a data point, not a crash
        log.warning("%s failed: %s", method, exc)
        result = None
    return (time.perf_counter() - started) * 1000, result


async def run_lsp(
    tool: LspTool, work: Workfile, universe: Universe, env: dict[str, str], folder: Path
) -> LspRun:
    path = folder / work.name
    path.write_text(work.text)
    uri = path.as_uri()
    spawned = time.perf_counter()
    session = await open_session(tool.command(), env, folder)
    try:
        await session.initialize(folder, tool.initialization_options)
        initialize_ms = (time.perf_counter() - spawned) * 1000

        opened = time.perf_counter()
        session.did_open(uri, work.language_id, work.text)
        last, _ = await session.settled_diagnostics(uri, opened, tool.quiet)
        cold_ms = None if last is None else (last - opened) * 1000

        # Warm: once the server can complete names (its name list is in), close and reopen the same text.
        probe_text, name_at, version_at = completion_probe(work, universe)
        session.did_change(uri, probe_text, 2)
        ready_since = time.perf_counter()
        names_ready_ms = None
        # A server that asks another index than ours can never complete the fake index's names: ask it once.
        patience = 60 if tool.honours_index or universe.kind == "real" else 0
        while True:
            _, result = await timed(session, "textDocument/completion", _position(uri, name_at))
            if completion_items(result):
                names_ready_ms = (time.perf_counter() - ready_since) * 1000
                break
            if time.perf_counter() - ready_since >= patience:
                break
            await asyncio.sleep(0.5)
        session.did_close(uri)
        await asyncio.sleep(0.2)
        reopened = time.perf_counter()
        session.did_open(uri, work.language_id, work.text, 3)
        last, diagnostics = await session.settled_diagnostics(uri, reopened, tool.quiet)
        warm_ms = None if last is None else (last - reopened) * 1000
        quality = score_lines(work, {d["range"]["start"]["line"] for d in diagnostics})

        session.did_change(uri, probe_text, 4)
        run = LspRun(tool.name, work.name, initialize_ms, cold_ms, warm_ms, names_ready_ms, quality=quality)
        counts = []
        for samples, at in ((run.completion_names, name_at), (run.completion_versions, version_at)):
            counts.append(0)
            for _ in range(SAMPLES):
                ms, result = await timed(session, "textDocument/completion", _position(uri, at))
                if result is None and ms > TIMEOUT_S * 1000:
                    break  # a server that does not answer in time is not asked 19 more times
                samples.append(ms)
                counts[-1] = max(counts[-1], completion_items(result))
        run.completion_counts = (counts[0], counts[1])
        hover_at = hover_position(work)
        for _ in range(SAMPLES):
            ms, result = await timed(session, "textDocument/hover", _position(uri, hover_at))
            if result is None and ms > TIMEOUT_S * 1000:
                break
            run.hover.append(ms)
            run.hover_answered |= bool(result)
        run.memory_kib = session.peak_memory_kib()
        return run
    finally:
        if session.exited:
            log.warning("%s exited early", tool.name)
        await session.stop()


def _position(uri: str, at: tuple[int, int]) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": at[0], "character": at[1]}}


def score_lines(work: Workfile, flagged: set[int]) -> dict[str, int]:
    score = {category: len(work.lines_of(category) & flagged) for category in CATEGORIES}
    score["false"] = len(work.lines_of("clean") & flagged)
    return score


def score_names(work: Workfile, output: str) -> dict[str, int]:
    def named(name: str) -> bool:
        return re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", output, re.IGNORECASE) is not None

    score = {category: sum(named(n) for n in work.names_of(category)) for category in CATEGORIES}
    score["false"] = sum(named(n) for n in work.names_of("clean"))
    return score


# -- command-line tools -----------------------------------------------------------------------------------------


def cli_commands(work: Workfile, path: Path, index_url: str | None) -> dict[str, list[str]]:
    commands: dict[str, list[str]] = {}
    if _is_requirements(work):
        pur = [str(PEERS_BIN / "pur"), "-r", str(path), "--dry-run", "--dry-run-changed"]
        if index_url is not None:
            pur += ["--index-url", index_url]
        commands["pur"] = pur
    if index_url is None:  # pip-check-updates always asks the public index's JSON API
        commands["pip-check-updates"] = [str(PEERS_BIN / "pcu"), str(path), "--no_color", "--ignore_warning"]
    commands["pinwise check"] = [str(PINWISE), "check", "--format", "json", str(path)]
    return commands


async def run_cli(name: str, command: list[str], work: Workfile, env: dict[str, str], folder: Path) -> CliRun:
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, cwd=folder
    )
    stdout, stderr = await process.communicate()
    wall_ms = (time.perf_counter() - started) * 1000
    out = stdout.decode(errors="replace")
    if name == "pinwise check":
        quality = score_pinwise_json(work, out)
    else:
        # pip-check-updates prints its "could not find" warning on stdout; pur's errors go to stderr.
        quality = score_names(work, out + stderr.decode(errors="replace"))
    assert process.returncode is not None
    return CliRun(name, work.name, wall_ms, process.returncode, quality)


def score_pinwise_json(work: Workfile, output: str) -> dict[str, int]:
    try:
        document = json.loads(output)
    except ValueError:
        return {}
    flagged = {
        finding["span"]["start"]["line"]
        for report in document.get("files", [])
        for finding in report.get("findings", [])
        if finding.get("span")
    }
    return score_lines(work, flagged)


# -- rounds -----------------------------------------------------------------------------------------------------


async def one_round(
    round_no: int, universe: Universe, index_url: str | None, work_root: Path, with_taplo: bool = False
) -> tuple[list[LspRun], list[CliRun]]:
    lsp_runs: list[LspRun] = []
    cli_runs: list[CliRun] = []
    files = workfiles(universe)
    # Alternate the order of the tools from round to round, so no tool always runs first on a cold network.
    tools = [*LSP_TOOLS, TAPLO] if with_taplo else list(LSP_TOOLS)
    if round_no % 2:
        tools.reverse()
    for work in files:
        for tool in tools:
            if not tool.handles(work):
                continue
            folder = Path(tempfile.mkdtemp(dir=work_root, prefix=f"{tool.name}-"))
            env = tool_environ(index_url, folder / ".cache")
            try:
                run = await run_lsp(tool, work, universe, env, folder)
            except Exception:
                log.exception("%s on %s failed", tool.name, work.name)
                continue
            log.info(
                "round %d %-30s %-22s init %6.0f  cold %s  warm %s  quality %s",
                round_no,
                tool.name,
                work.name,
                run.initialize_ms,
                _ms(run.cold_ms),
                _ms(run.warm_ms),
                run.quality,
            )
            lsp_runs.append(run)
        for variant in (work, work.only_valid()):
            for name, command in _alternate(cli_commands(variant, Path(variant.name), index_url), round_no):
                folder = Path(tempfile.mkdtemp(dir=work_root, prefix="cli-"))
                (folder / variant.name).write_text(variant.text)  # a copy: no tool may change the input
                env = tool_environ(index_url, folder / ".cache")
                run_c = await run_cli(name, command, variant, env, folder)
                log.info(
                    "round %d %-30s %-22s wall %6.0f  quality %s",
                    round_no,
                    name,
                    variant.name,
                    run_c.wall_ms,
                    run_c.quality,
                )
                cli_runs.append(run_c)
    return lsp_runs, cli_runs


def _alternate(commands: dict[str, list[str]], round_no: int) -> list[tuple[str, list[str]]]:
    items = list(commands.items())
    return items if round_no % 2 == 0 else items[::-1]


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def summarize(lsp_runs: list[LspRun], cli_runs: list[CliRun], universe: Universe) -> str:
    files = {v.name: v for w in workfiles(universe) for v in (w, w.only_valid())}
    out = [
        "| file | tool | initialize | diagnostics cold | warm | names ready | completion names p50/p99 (items)"
        " | versions p50/p99 (items) | hover p50/p99 | peak memory | outdated | unknown | invalid | false |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    groups: dict[tuple[str, str], list[LspRun]] = {}
    for run in lsp_runs:
        groups.setdefault((run.file, run.tool), []).append(run)
    for (file, tool), runs in groups.items():
        work = files[file]
        names = [ms for r in runs for ms in r.completion_names]
        versions = [ms for r in runs for ms in r.completion_versions]
        hovers = [ms for r in runs for ms in r.hover]
        last = runs[-1]
        out.append(
            f"| {file} | {tool} | {_ms(_median([r.initialize_ms for r in runs]))} ms"
            f" | {_ms(_median([r.cold_ms for r in runs]))} ms | {_ms(_median([r.warm_ms for r in runs]))} ms"
            f" | {_ms(_median([r.names_ready_ms for r in runs]))} ms"
            f" | {_p(names)} ({last.completion_counts[0]}) | {_p(versions)} ({last.completion_counts[1]})"
            f" | {_p(hovers) if last.hover_answered else 'no answer'}"
            f" | {statistics.median(r.memory_kib for r in runs) / 1024:.0f} MiB"
            + "".join(f" | {last.quality.get(c, 0)}/{len(work.lines_of(c))}" for c in CATEGORIES)
            + f" | {last.quality.get('false', 0)}/{len(work.lines_of('clean'))} |"
        )
    out += [
        "",
        "| file | tool | wall time (median) | exit | outdated | unknown | invalid | false |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    cli_groups: dict[tuple[str, str], list[CliRun]] = {}
    for run_c in cli_runs:
        cli_groups.setdefault((run_c.file, run_c.tool), []).append(run_c)
    for (file, tool), runs_c in cli_groups.items():
        work = files[file]
        last_c = runs_c[-1]
        out.append(
            f"| {file} | {tool} | {_ms(_median([r.wall_ms for r in runs_c]))} ms | {last_c.exit_code}"
            + "".join(f" | {last_c.quality.get(c, 0)}/{len(work.lines_of(c))}" for c in CATEGORIES)
            + f" | {last_c.quality.get('false', 0)}/{len(work.lines_of('clean'))} |"
        )
    return "\n".join(out) + "\n"


def _p(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{percentile(values, 0.5):.1f}/{percentile(values, 0.99):.1f} ms"


async def main_async(args: argparse.Namespace) -> None:
    universe = fake_universe() if args.index == "fake" else real_universe()
    results = ROOT / ".artifacts" / "peers"
    results.mkdir(parents=True, exist_ok=True)
    work_root = Path(tempfile.mkdtemp(prefix="pinwise-peers-"))
    server: IndexServer | None = None
    index_url = None
    if args.index == "fake":
        server = IndexServer(universe.packages).start()
        server.fault("*", delay=args.latency)
        index_url = server.url
    lsp_runs: list[LspRun] = []
    cli_runs: list[CliRun] = []
    try:
        for round_no in range(args.rounds):
            lsp, cli = await one_round(round_no, universe, index_url, work_root, args.with_taplo)
            lsp_runs += lsp
            cli_runs += cli
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work_root, ignore_errors=True)
    table = summarize(lsp_runs, cli_runs, universe)
    raw = {
        "index": args.index,
        "latency": args.latency,
        "lsp": [r.__dict__ for r in lsp_runs],
        "cli": [r.__dict__ for r in cli_runs],
    }
    (results / f"{args.index}.json").write_text(json.dumps(raw, indent=1))
    (results / f"{args.index}.md").write_text(table)
    sys.stdout.write(table)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--index", choices=["fake", "real"], default="fake")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds added to every fake-index answer"
    )
    parser.add_argument("--with-taplo", action="store_true", help="also drive taplo's language server")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    if not PEERS_BIN.is_dir():
        sys.stderr.write("run benchmarks/peers/setup.sh first\n")
        raise SystemExit(2)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
