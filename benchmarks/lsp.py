"""Language-server benchmarks: the real ``pinwise serve`` over stdio, driven by ``benchmarks/lspclient.py``.

    .venv/bin/python benchmarks/lsp.py [--rounds 7] [--requests 200] [--edits 100]

1. start-up: spawn -> ``initialize`` answered, for Pinwise and for a bare pygls server (medians);
2. a 300-dependency requirements file against the fake index on 127.0.0.1 (300 generated projects, 50 ms
   injected latency on every request): didOpen -> diagnostics complete, with a cold cache, then warm
   (the file closed and opened again in the same server);
3. completion latency for project names and for versions (p50/p99 over ``--requests`` each, warm);
4. a one-character edit -> diagnostics for the new version published (p50/p99 over ``--edits``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.lspclient import LspClient, Publication
from tests.fixtures.index.packages import Pkg, Rel
from tests.index_server import IndexServer

PINWISE = [sys.executable, "-m", "pinwise", "serve", "--log-level", "WARNING"]
BARE_PYGLS = [
    sys.executable,
    "-c",
    "from pygls.lsp.server import LanguageServer; LanguageServer('bare', '1').start_io()",
]
PROJECTS = [f"bench-{number:03d}" for number in range(300)]


def environment(home: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_")) and "proxy" not in k.lower()
    }
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PINWISE_CACHE_DIR"] = str(home / "cache")
    env["PINWISE_STATE_DIR"] = str(home / "state")
    env["NO_PROXY"] = "*"
    return env


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def startup(command: list[str], rounds: int, home: Path) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        client = await LspClient.start(command, env=environment(home))
        await client.initialize(home)
        times.append(time.perf_counter() - started)
        await client.stop()
    return times


def replace_line(client: LspClient, uri: str, version: int, lines: list[str], line: int, text: str) -> None:
    """One didChange that replaces the whole of ``lines[line]`` with ``text``, which ``lines`` then holds."""
    end = {"line": line, "character": len(lines[line])}
    client.did_change(
        uri, version, [{"range": {"start": {"line": line, "character": 0}, "end": end}, "text": text}]
    )
    lines[line] = text


def _of_version(version: int) -> Callable[[Publication], bool]:
    return lambda publication: publication.version == version


def complete(publication: Publication) -> bool:
    """Every dependency has its index finding (each generated project has a newer release than the pin)."""
    return sum(d.get("code") == "outdated" for d in publication.diagnostics) == len(PROJECTS)  # type: ignore[no-any-return]


async def server_benchmarks(index: IndexServer, home: Path, requests: int, edits: int) -> dict[str, str]:
    results: dict[str, str] = {}
    settings = {"index": {"url": index.url}}
    client = await LspClient.start(PINWISE, env=environment(home))
    root = home / "project"
    root.mkdir()
    await client.initialize(
        root,
        initialization_options={"settings": settings, "workspaceTrusted": True},
        configuration={"pinwise": settings},
    )
    text = "".join(f"{name}==1.0\n" for name in PROJECTS) + "# the end\n"
    uri = (root / "requirements.txt").as_uri()

    index.fault("*", delay=0.05)
    sent = time.perf_counter()
    client.did_open(uri, "pip-requirements", text)
    first = await client.wait_for_diagnostics(uri, lambda p: True)
    done = await client.wait_for_diagnostics(uri, complete, timeout=120)
    results["diagnostics, cold cache, 50 ms latency: first publication"] = ms(first.at - sent)
    results["diagnostics, cold cache, 50 ms latency: complete"] = ms(done.at - sent)

    warm = []
    for _ in range(5):
        client.did_close(uri)
        since = len(client.publications[uri])
        sent = time.perf_counter()
        client.did_open(uri, "pip-requirements", text, version=1)
        done = await client.wait_for_diagnostics(uri, complete, since=since + 1)
        warm.append(done.at - sent)
    results["diagnostics, warm cache (median of 5)"] = ms(statistics.median(warm))

    # Completion: names after a prefix, versions after "==" (the index data is warm).
    lines = text.split("\n")
    name_line = len(PROJECTS)  # the comment line: rewrite it into a partial name for the name requests
    version = 1
    for label, new_line in (("names", "bench-1"), ("versions", "bench-123==")):
        version += 1
        replace_line(client, uri, version, lines, name_line, new_line)
        position = {"line": name_line, "character": len(new_line)}
        params = {"textDocument": {"uri": uri}, "position": position}
        answer = await client.request("textDocument/completion", params)  # the first may load names
        latencies = []
        for _ in range(requests):
            started = time.perf_counter()
            answer = await client.request("textDocument/completion", params)
            latencies.append(time.perf_counter() - started)
        count = len(answer["items"]) if isinstance(answer, dict) else len(answer or [])
        results[f"completion of {label} ({count} items), p50"] = ms(percentile(latencies, 0.5))
        results[f"completion of {label}, p99"] = ms(percentile(latencies, 0.99))

    # A keystroke on a comment line: time until diagnostics for that version are published.
    keystrokes = []
    for number in range(edits):
        version += 1
        character = "a" if number % 2 == 0 else "b"
        since = len(client.publications[uri])
        sent = time.perf_counter()
        replace_line(client, uri, version, lines, name_line, f"# {character}")
        published = await client.wait_for_diagnostics(uri, _of_version(version), since=since)
        keystrokes.append(published.at - sent)
        await asyncio.sleep(0.01)  # a fast typist, not a flood
    results["re-publish after a one-character edit, p50"] = ms(percentile(keystrokes, 0.5))
    results["re-publish after a one-character edit, p99"] = ms(percentile(keystrokes, 0.99))
    index.clear_faults()
    await client.stop()
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--edits", type=int, default=100)
    args = parser.parse_args()
    # Bytecode for Pinwise's own modules, as a pip install and the .vsix provide: an editable install on a
    # machine with PYTHONDONTWRITEBYTECODE set would otherwise compile every module on every start (about
    # +45 ms here), while pygls and lsprotocol come from site-packages with theirs.
    import compileall

    import pinwise

    compileall.compile_dir(str(Path(pinwise.__file__).parent), quiet=1)
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch)
        pinwise_times = await startup(PINWISE, args.rounds, home)
        bare = await startup(BARE_PYGLS, args.rounds, home)
        print(f"start-up (spawn -> initialize answered), median of {args.rounds}:")
        print(f"  pinwise     {ms(statistics.median(pinwise_times))}  (min {ms(min(pinwise_times))})")
        print(f"  bare pygls  {ms(statistics.median(bare))}  (min {ms(min(bare))})")
        packages = [Pkg(name=name, releases=(Rel("1.0"), Rel("1.1"))) for name in PROJECTS]
        with IndexServer(packages) as index:
            results = await server_benchmarks(index, home, args.requests, args.edits)
        for label, value in results.items():
            print(f"{label}: {value}")


if __name__ == "__main__":
    asyncio.run(main())
