"""Parse speed: a generated 10,000-line requirements file and a 1,000-dependency pyproject.toml.

Targets on the project's 2-core machine: <= 0.3 s and <= 0.1 s. Run: ``python benchmarks/parse.py``.
The files are generated with a fixed seed so runs are comparable; each is parsed several times and the
best and median times are printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from pinwise.core.pyproject.tables import parse_pyproject
from pinwise.core.requirements.parse import parse_requirements

OPERATORS = ["==", ">=", "~=", "<", "!=", ">"]
MARKERS = ['python_version >= "3.9"', 'sys_platform == "linux"', 'platform_machine != "arm64"']


def _name(rng: random.Random, i: int) -> str:
    stem = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 10)))
    return f"{stem}{rng.choice(['', '-', '_', '.'])}{i}"


def _requirement(rng: random.Random, i: int) -> str:
    text = _name(rng, i)
    if rng.random() < 0.15:
        text += "[" + ",".join(f"x{j}" for j in range(rng.randint(1, 3))) + "]"
    text += f"{rng.choice(OPERATORS)}{rng.randint(0, 30)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
    if rng.random() < 0.3:
        text += f",<{rng.randint(31, 40)}"
    if rng.random() < 0.2:
        text += f" ; {rng.choice(MARKERS)}"
    return text


def requirements_text(lines: int, seed: int = 7) -> str:
    """A realistic mix: pins, ranges, extras, markers, comments, options, hashes on continuation lines."""
    rng = random.Random(seed)
    out: list[str] = ["# generated", "--index-url https://example.com/simple/", "-c constraints.txt"]
    i = 0
    while len(out) < lines:
        roll = rng.random()
        i += 1
        if roll < 0.05:
            out.append(f"# section {i}")
        elif roll < 0.08:
            out.append("")
        elif roll < 0.25:
            out.append(_requirement(rng, i).split(";")[0].replace(">=", "==") + " \\")
            out.append(f"    --hash=sha256:{rng.getrandbits(256):064x} \\")
            out.append(f"    --hash=sha256:{rng.getrandbits(256):064x}")
        else:
            trailing = "  # pinned for a reason" if rng.random() < 0.1 else ""
            out.append(_requirement(rng, i) + trailing)
    return "\n".join(out[:lines]) + "\n"


def pyproject_text(dependencies: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    per_table = dependencies // 4
    strings = [f'    "{_requirement(rng, i)}",' for i in range(dependencies)]
    parts = [
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n',
        '[project]\nname = "bench"\nversion = "1.0"\nrequires-python = ">=3.10"\ndependencies = [',
        *strings[:per_table],
        "]\n\n[project.optional-dependencies]\nextra = [",
        *strings[per_table : 2 * per_table],
        "]\n\n[dependency-groups]\ndev = [",
        *strings[2 * per_table : 3 * per_table],
        "]\n\n[tool.poetry.dependencies]",
    ]
    for i in range(3 * per_table, dependencies):
        parts.append(f'poetry-dep-{i} = "^{rng.randint(0, 9)}.{rng.randint(0, 20)}"')
    return "\n".join(parts) + "\n"


def measure(label: str, parse: Callable[[str], object], text: str, rounds: int) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        parse(text)
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    print(f"{label:<46} best {best * 1000:7.1f} ms   median {median * 1000:7.1f} ms")
    return best, median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    requirements = requirements_text(10_000)
    pyproject = pyproject_text(1_000)
    measure("requirements.txt, 10,000 lines (target 300 ms)", parse_requirements, requirements, args.rounds)
    measure("pyproject.toml, 1,000 dependencies (target 100 ms)", parse_pyproject, pyproject, args.rounds)


if __name__ == "__main__":
    main()
