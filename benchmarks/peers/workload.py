"""The benchmark's input files, generated deterministically, with the ground truth of every planted entry.

Each file is a list of lines; every dependency line is tagged with what it is: ``clean`` (pinned to the
latest release), ``outdated`` (pinned to an older release), ``unknown`` (no such project on the index) or
``invalid`` (pip would reject the line). Tools are scored on the lines they flag.

Two universes: ``fake`` (generated projects served by the fake index on 127.0.0.1) and ``real`` (old releases
of popular projects on the real index, plus names that do not exist).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from tests.fixtures.index.packages import Pkg, Rel

CATEGORIES = ("outdated", "unknown", "invalid")

# Old releases of well-known projects: each is years behind the project's latest release.
REAL_OUTDATED: tuple[tuple[str, str], ...] = (
    ("requests", "2.20.0"),
    ("flask", "1.0.2"),
    ("django", "2.2"),
    ("numpy", "1.16.0"),
    ("click", "7.0"),
    ("jinja2", "2.10"),
    ("attrs", "19.1.0"),
    ("pytest", "4.6.0"),
    ("six", "1.12.0"),
    ("urllib3", "1.24.1"),
    ("idna", "2.8"),
    ("certifi", "2019.3.9"),
    ("pyyaml", "5.1"),
    ("packaging", "19.0"),
    ("markupsafe", "1.1.1"),
    ("itsdangerous", "1.1.0"),
    ("werkzeug", "0.15.2"),
    ("sqlalchemy", "1.3.3"),
    ("redis", "3.2.1"),
    ("python-dateutil", "2.8.0"),
    ("pytz", "2019.1"),
    ("toml", "0.10.0"),
    ("coverage", "4.5.3"),
    ("docutils", "0.14"),
    ("pygments", "2.4.0"),
    ("tqdm", "4.31.1"),
    ("gunicorn", "19.9.0"),
    ("aiohttp", "3.5.4"),
    ("cryptography", "2.6.1"),
    ("pyjwt", "1.7.1"),
    ("alembic", "1.0.10"),
    ("mock", "3.0.5"),
    ("isort", "4.3.17"),
    ("flake8", "3.7.7"),
    ("markdown", "3.1"),
    ("beautifulsoup4", "4.7.1"),
    ("decorator", "4.4.0"),
    ("pandas", "0.24.2"),
    ("scipy", "1.2.1"),
    ("pillow", "6.0.0"),
    ("lxml", "4.3.3"),
    ("sphinx", "2.0.1"),
    ("wheel", "0.33.1"),
    ("setuptools", "41.0.0"),
    ("celery", "4.3.0"),
    ("simplejson", "3.16.0"),
    ("paramiko", "2.4.2"),
    ("tox", "3.9.0"),
    ("mypy", "0.701"),
    ("pylint", "2.3.1"),
    ("pytest-cov", "2.7.1"),
    ("marshmallow", "2.19.2"),
    ("psutil", "5.6.2"),
    ("chardet", "3.0.4"),
    ("pyparsing", "2.4.0"),
    ("colorama", "0.4.1"),
    ("wrapt", "1.11.1"),
    ("filelock", "3.0.10"),
    ("babel", "2.6.0"),
    ("greenlet", "0.4.15"),
)
REAL_UNKNOWN = ("pinwise-benchmark-no-such-project", "pinwise-benchmark-missing-too")

# Lines pip rejects, one shape each: empty specifier, doubled marker separator, unclosed extras, bad marker,
# unknown option. ``{name}`` is a project that exists.
INVALID_REQUIREMENTS = (
    "{name}===",
    "{name} >= 1.0 ;; python_version >= '3.8'",
    "{name}[security==1.0",
    "{name}==1.0 ; os_name = 'nt'",
    "--no-such-option {name}",
)
INVALID_PYPROJECT = ("{name} >= ", "{name}[security", "{name}==1.0 ; os_name = 'nt'")


@dataclass
class Workfile:
    name: str  # file name inside the workspace folder
    language_id: str
    lines: list[str]
    truth: dict[int, str] = field(default_factory=dict)  # 0-based line -> category or "clean"
    names: dict[int, str] = field(default_factory=dict)  # 0-based line -> project name on it

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def only_valid(self) -> Workfile:
        """The same file without its invalid and unknown entries: what a tool that stops at the first bad
        line can get through."""
        out = Workfile(self.name.replace(".", "-valid.", 1), self.language_id, [])
        for line, text in enumerate(self.lines):
            if self.truth.get(line) in ("invalid", "unknown"):
                continue
            if line in self.truth:
                out.truth[len(out.lines)], out.names[len(out.lines)] = self.truth[line], self.names[line]
            out.lines.append(text)
        return out

    def lines_of(self, category: str) -> set[int]:
        return {line for line, kind in self.truth.items() if kind == category}

    def names_of(self, category: str) -> set[str]:
        return {self.names[line] for line in self.lines_of(category)}


@dataclass
class Universe:
    kind: str  # "fake" or "real"
    packages: list[Pkg]  # served by the fake index (empty for "real")
    latest: dict[str, str]  # project -> a release to pin as "clean" (fake: latest; real: unused)
    old: dict[str, str]  # project -> an older release
    unknown: list[str]


_SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "zu", "pe", "ho", "ba", "di", "fo", "gu", "ja")


def fake_universe(count: int = 600, seed: int = 20240) -> Universe:
    rng = random.Random(seed)
    names: list[str] = []
    while len(names) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        name = f"{word}-{rng.choice(('lib', 'tools', 'io', 'core', 'py'))}"
        if name not in names:
            names.append(name)
    packages, latest, old = [], {}, {}
    for name in names:
        releases = tuple(
            Rel(f"{major}.{minor}.0") for major in range(1, rng.randint(2, 4)) for minor in range(4)
        )
        packages.append(Pkg(name, releases, summary=f"The {name} project."))
        latest[name], old[name] = releases[-1].version, releases[0].version
    unknown = [f"nosuch-{i:02}-project" for i in range(20)]
    return Universe("fake", packages, latest, old, unknown)


def real_universe() -> Universe:
    old = dict(REAL_OUTDATED)
    return Universe("real", [], {}, old, list(REAL_UNKNOWN))


def requirements_file(universe: Universe, lines: int, seed: int = 7) -> Workfile:
    """``lines`` lines: a comment header, then requirements. In the fake universe about 10 % are outdated, 3 %
    unknown and 3 % invalid (at least one of each); in the real one every known project is an outdated pin."""
    rng = random.Random(seed + lines)
    out = Workfile(f"requirements-{lines}.txt", "pip-requirements", ["# generated by benchmarks/peers"])
    if universe.kind == "real":
        planted = 1 if lines < 20 else 2
        plan = ["unknown"] * planted + ["invalid"] * (planted + 1)
        plan += ["outdated"] * min(lines - 1 - len(plan), len(universe.old) - planted - 1)
    else:
        body = lines - 1
        planted = max(1, body // 33)
        plan = ["outdated"] * max(1, body // 10) + ["unknown"] * planted + ["invalid"] * planted
        plan += ["clean"] * (body - len(plan))
    rng.shuffle(plan)
    projects = list(universe.old)
    rng.shuffle(projects)
    unknown = iter(universe.unknown)
    invalid_shapes = iter(INVALID_REQUIREMENTS * 100)
    for kind in plan:
        line = len(out.lines)
        name, text = _entry(kind, universe, projects, unknown, invalid_shapes)
        out.lines.append(text)
        out.truth[line], out.names[line] = kind, name
    return out


def _entry(
    kind: str, universe: Universe, projects: list[str], unknown: Iterator[str], invalid_shapes: Iterator[str]
) -> tuple[str, str]:
    """The project name and the requirement of one planted entry; known projects are taken from ``projects``."""
    if kind == "unknown":
        name = next(unknown)
        return name, f"{name}==1.0.0"
    name = projects.pop()
    if kind == "invalid":
        return name, next(invalid_shapes).format(name=name)
    return name, f"{name}=={universe.old[name] if kind == 'outdated' else universe.latest[name]}"


def pyproject_file(universe: Universe, count: int = 100, seed: int = 11) -> Workfile:
    """~``count`` dependencies across [project], two optional-dependency groups and two dependency groups."""
    rng = random.Random(seed)
    projects = list(universe.old)
    rng.shuffle(projects)
    if universe.kind == "real":
        # Sixty real projects: the optional and group tables reuse names, as real projects do.
        projects = projects + projects[:count]
    unknown = iter(universe.unknown)
    invalid_shapes = iter(INVALID_PYPROJECT * 100)
    sections = (
        ("[project]", "dependencies", 40),
        ("[project.optional-dependencies]", "docs", 15),
        (None, "test", 15),
        ("[dependency-groups]", "dev", 15),
        (None, "lint", 15),
    )
    out = Workfile("pyproject.toml", "toml", [])
    plan_all = ["outdated"] * 12 + ["unknown"] * 3 + ["invalid"] * 3
    if universe.kind == "real":
        plan_all = ["outdated"] * (count - 5) + ["unknown"] * 2 + ["invalid"] * 3
    plan_all += ["clean"] * (count - len(plan_all))
    rng.shuffle(plan_all)
    plan = iter(plan_all)
    for header, key, size in sections:
        if header is not None:
            if out.lines:
                out.lines.append("")
            out.lines.append(header)
            if header == "[project]":
                out.lines += ['name = "peers-benchmark"', 'version = "0.1.0"', 'requires-python = ">=3.10"']
        out.lines.append(f"{key} = [")
        for _ in range(size):
            kind = next(plan)
            line = len(out.lines)
            name, text = _entry(kind, universe, projects, unknown, invalid_shapes)
            out.lines.append(f'    "{text}",')
            out.truth[line], out.names[line] = kind, name
        out.lines.append("]")
    return out


def workfiles(universe: Universe) -> list[Workfile]:
    if universe.kind == "real":
        return [requirements_file(universe, 10), requirements_file(universe, 64), pyproject_file(universe)]
    return [requirements_file(universe, 10), requirements_file(universe, 300), pyproject_file(universe)]
