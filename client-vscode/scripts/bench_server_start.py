"""How long the bundled server takes to answer ``initialize``, launched exactly as the extension does.

Runs ``<python> -S -X utf8 -X pycache_prefix=<dir> -m pinwise serve`` from ``bundled/libs`` (with
PYTHONPATH = bundled/libs), sends ``initialize``, waits for the answer, then ``shutdown`` + ``exit``. The first
run uses an empty bytecode cache (a user's first start), the others reuse it. Build the bundle first
(``npm run package`` or ``scripts/bundle-python.sh``).

Usage: python scripts/bench_server_start.py [--python PYTHON] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIBS = Path(__file__).resolve().parents[1] / "bundled" / "libs"
# What the extension removes from the server's environment (DROPPED_FOR_BUNDLED in src/logic/launch.ts).
DROPPED_FOR_BUNDLED = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PYTHONSAFEPATH",
    "PYTHONDONTWRITEBYTECODE",
)


def frame(payload: dict[str, object]) -> bytes:
    body = json.dumps(payload).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream: object) -> dict[str, object]:
    length = 0
    while True:
        line = stream.readline()  # type: ignore[attr-defined]
        if not line:
            raise EOFError("the server closed its output")
        if line in (b"\r\n", b"\n"):
            break
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(stream.read(length))  # type: ignore[attr-defined,no-any-return]


def time_initialize(python: str, prefix: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_FOR_BUNDLED}
    env["PYTHONPATH"] = str(LIBS)
    argv = [python, "-S", "-X", "utf8", "-X", f"pycache_prefix={prefix}", "-m", "pinwise", "serve"]
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=LIBS, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert process.stdin is not None and process.stdout is not None
    init: dict[str, object] = {
        "processId": os.getpid(),
        "rootUri": None,
        "capabilities": {},
        "initializationOptions": {"settings": {}},
    }
    process.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": init}))
    process.stdin.flush()
    while read_message(process.stdout).get("id") != 1:
        pass
    elapsed = time.perf_counter() - started
    process.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
    process.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
    process.stdin.close()
    process.wait(timeout=10)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as prefix:
        times = [time_initialize(args.python, Path(prefix)) for _ in range(args.runs)]
    warm = sorted(times[1:])
    median = warm[len(warm) // 2] if warm else float("nan")
    sys.stdout.write(
        f"{args.python}: initialize answered in {times[0] * 1000:.0f} ms with an empty bytecode cache, "
        f"{median * 1000:.0f} ms median of {len(warm)} later starts\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
