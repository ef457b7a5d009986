"""Finding Python environments on disk without running any interpreter.

Discovery reads only the file system: ``pyvenv.cfg`` files, the ``lib/pythonX.Y`` layout, conda's own
``environments.txt`` and ``conda-meta`` records, and the folders where pyenv, virtualenvwrapper and uv keep
their Pythons. Running an interpreter costs tens of milliseconds each and may hang on a broken install, so
it is left to :func:`pinwise.core.venv.interpreters.probe_interpreter`, which callers use only when an
exact version is needed and could not be read.

Every location is derived from the ``environ`` mapping passed in (``HOME``, ``VIRTUAL_ENV``,
``WORKON_HOME``, ``PYENV_ROOT``, ...), so tests can point discovery at synthetic trees.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

EnvironmentKind = Literal[
    "venv", "virtualenvwrapper", "pyenv", "pyenv-virtualenv", "conda", "uv-python", "system"
]

# Folder names never searched for environments: they are large and never hold one a user would select.
SKIPPED_DIRS = frozenset(
    {"node_modules", ".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache",
     "site-packages", "dist", "build", ".cache", ".idea", ".vscode", "target"}
)  # fmt: skip
# How many directory entries one scanned folder may contribute, so a folder with huge flat directories
# (data sets, generated files) cannot make discovery slow.
MAX_ENTRIES_PER_DIR = 2000
# How deep below the workspace folder a ``pyvenv.cfg`` is looked for (1 = direct children).
SEARCH_DEPTH = 2

# Conda installations in the places their installers default to, relative to the home folder.
_CONDA_HOME_ROOTS = (
    "miniconda3",
    "anaconda3",
    "miniforge3",
    "mambaforge",
    "micromamba",
    ".conda",
    "miniconda",
)
_CONDA_SYSTEM_ROOTS = (
    "/opt/conda",
    "/opt/miniconda3",
    "/opt/anaconda3",
    "/opt/miniforge3",
    "/usr/local/miniconda3",
)

_VERSION_RE = re.compile(r"(\d+\.\d+(?:\.\d+)?(?:(?:a|b|rc)\d+)?)")
_LIB_PYTHON_RE = re.compile(r"^(?:python|pypy)(\d+\.\d+)t?$")
_PY_VERSION_RE = re.compile(r'#define\s+PY_VERSION\s+"([^"]+)"')


@dataclass(frozen=True, slots=True)
class Environment:
    """A Python installation or virtual environment found on disk.

    ``version`` is as exact as could be read without running Python: ``"3.11.7"`` from ``pyvenv.cfg``,
    a pyenv folder name or conda's records, or only ``"3.11"`` from the ``lib/python3.11`` folder; None
    when nothing told.
    """

    path: Path  # the environment's prefix: the folder holding bin/ (or Scripts/ on Windows)
    python: Path  # the interpreter executable inside it
    version: str | None
    kind: EnvironmentKind
    is_virtual_env: bool  # a pyvenv.cfg is present, so installing into it cannot touch a base Python
    name: str

    @property
    def version_is_exact(self) -> bool:
        return self.version is not None and self.version.count(".") >= 2


def home_dir(environ: Mapping[str, str]) -> Path:
    home = environ.get("HOME") or environ.get("USERPROFILE")
    return Path(home) if home else Path.home()


def python_executable(prefix: Path) -> Path | None:
    """The interpreter of an environment prefix, or None when there is none."""
    if sys.platform == "win32":
        candidates = [prefix / "Scripts" / "python.exe", prefix / "python.exe"]
    else:
        candidates = [prefix / "bin" / "python3", prefix / "bin" / "python", prefix / "bin" / "pypy3"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def read_pyvenv_cfg(prefix: Path) -> dict[str, str] | None:
    """The ``key = value`` pairs of ``prefix/pyvenv.cfg``, or None when it is missing or unreadable."""
    try:
        text = (prefix / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip().lower()] = value.strip()
    return values


def _normalise_version(text: str) -> str | None:
    match = _VERSION_RE.search(text)
    return match.group(1) if match else None


def _version_from_lib(prefix: Path) -> str | None:
    """``X.Y`` from the ``lib/pythonX.Y`` folder (or ``lib/pypyX.Y``)."""
    lib = prefix / "lib"
    try:
        names = sorted(entry.name for entry in os.scandir(lib) if entry.is_dir())
    except OSError:
        return None
    for name in names:
        match = _LIB_PYTHON_RE.match(name)
        if match:
            return match.group(1)
    return None


def _version_from_headers(prefix: Path, minor: str | None) -> str | None:
    """The exact version from ``include/pythonX.Y/patchlevel.h``, present in most non-distro installs."""
    if minor is None:
        return None
    for folder in (f"python{minor}", f"python{minor}t"):
        try:
            text = (prefix / "include" / folder / "patchlevel.h").read_text(
                encoding="utf-8", errors="replace"
            )
        except OSError:
            continue
        match = _PY_VERSION_RE.search(text)
        if match:
            return match.group(1).rstrip("+")
    return None


def _version_from_conda_meta(prefix: Path) -> str | None:
    """Conda records each installed package as ``conda-meta/<name>-<version>-<build>.json``."""
    try:
        names = [entry.name for entry in os.scandir(prefix / "conda-meta")]
    except OSError:
        return None
    for name in names:
        if name.startswith("python-") and name.endswith(".json"):
            version = name[len("python-") :].split("-", 1)[0]
            if version[:1].isdigit():
                return version
    return None


def read_version(prefix: Path, hint: str | None = None) -> str | None:
    """The best version readable from disk; ``hint`` is a folder name that may carry one (pyenv, uv)."""
    cfg = read_pyvenv_cfg(prefix)
    if cfg is not None:
        for key in ("version", "version_info"):
            if key in cfg:
                version = _normalise_version(cfg[key])
                if version:
                    return version
    version = _version_from_conda_meta(prefix)
    if version:
        return version
    if hint:
        version = _normalise_version(hint)
        if version and version.count(".") >= 2:
            return version
    minor = _version_from_lib(prefix)
    return _version_from_headers(prefix, minor) or minor


def environment_at(
    prefix: Path, kind: EnvironmentKind | None = None, name: str | None = None
) -> Environment | None:
    """Describe the environment whose prefix is ``prefix``, or None when it holds no interpreter.

    ``kind`` is what the caller found it as; a folder with ``conda-meta`` is always reported as conda, and
    one with a ``pyvenv.cfg`` found as a plain installation is reported as a venv.
    """
    python = python_executable(prefix)
    if python is None:
        return None
    is_venv = (prefix / "pyvenv.cfg").is_file()
    if (prefix / "conda-meta").is_dir():
        kind = "conda"
    elif kind is None:
        kind = "venv" if is_venv else "system"
    elif is_venv and kind in ("pyenv", "system", "uv-python"):
        kind = "pyenv-virtualenv" if kind == "pyenv" else "venv"
    hint = prefix.name if kind in ("pyenv", "uv-python") else None
    return Environment(
        path=prefix,
        python=python,
        version=read_version(prefix, hint),
        kind=kind,
        is_virtual_env=is_venv,
        name=name or prefix.name,
    )


def _subdirs(folder: Path) -> list[Path]:
    """Child folders, bounded by :data:`MAX_ENTRIES_PER_DIR`; an unreadable folder has none."""
    found: list[Path] = []
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_ENTRIES_PER_DIR:
                    log.debug("stopped scanning %s after %d entries", folder, count)
                    break
                try:
                    if entry.is_dir():
                        found.append(Path(entry.path))
                except OSError:
                    continue
    except OSError:
        return []
    return sorted(found)


def _workspace_candidates(folder: Path) -> Iterator[Path]:
    """Folders under the workspace folder that may be environments, nearest first."""
    yield folder
    level = [folder]
    for _ in range(SEARCH_DEPTH):
        following: list[Path] = []
        for parent in level:
            for child in _subdirs(parent):
                if child.name in SKIPPED_DIRS:
                    continue
                yield child
                # An environment's own folders hold no further environments worth offering.
                if not (child / "pyvenv.cfg").is_file() and not (child / "conda-meta").is_dir():
                    following.append(child)
        level = following


def _workspace_environments(folder: Path) -> Iterator[Environment]:
    conventional = {".venv", "venv", "env"}
    for candidate in _workspace_candidates(folder):
        is_venv = (candidate / "pyvenv.cfg").is_file()
        # The conventional names are offered even without pyvenv.cfg (a conda env created with -p .venv).
        if is_venv or (candidate.name in conventional and candidate.parent == folder):
            env = environment_at(candidate, "venv")
            if env is not None:
                yield env


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _conda_environments(environ: Mapping[str, str], home: Path) -> Iterator[Environment]:
    prefixes: list[tuple[Path, str | None]] = []
    for line in _lines(home / ".conda" / "environments.txt"):
        if line.strip():
            prefixes.append((Path(line.strip()), None))
    roots = [home / name for name in _CONDA_HOME_ROOTS] + [Path(p) for p in _CONDA_SYSTEM_ROOTS]
    for variable in ("CONDA_ROOT", "MAMBA_ROOT_PREFIX", "CONDA_EXE"):
        value = environ.get(variable)
        if value:
            root = Path(value)
            # CONDA_EXE is <root>/bin/conda (or <root>\Scripts\conda.exe).
            roots.insert(0, root.parent.parent if variable == "CONDA_EXE" else root)
    envs_dirs = [
        Path(p)
        for p in environ.get("CONDA_ENVS_PATH", environ.get("CONDA_ENVS_DIRS", "")).split(os.pathsep)
        if p
    ]
    for root in roots:
        if (root / "conda-meta").is_dir():
            prefixes.append((root, "base"))
        envs_dirs.append(root / "envs")
    for envs_dir in envs_dirs:
        prefixes.extend((child, None) for child in _subdirs(envs_dir))
    if environ.get("CONDA_PREFIX"):
        prefixes.append((Path(environ["CONDA_PREFIX"]), None))
    for prefix, name in prefixes:
        env = environment_at(prefix, "conda", name)
        if env is not None:
            yield env


def _pyenv_environments(environ: Mapping[str, str], home: Path) -> Iterator[Environment]:
    root = Path(environ["PYENV_ROOT"]) if environ.get("PYENV_ROOT") else home / ".pyenv"
    for version_dir in _subdirs(root / "versions"):
        env = environment_at(version_dir, "pyenv")
        if env is not None:
            yield env
        # pyenv-virtualenv keeps its environments inside the version they were made from.
        for venv_dir in _subdirs(version_dir / "envs"):
            env = environment_at(venv_dir, "pyenv-virtualenv")
            if env is not None:
                yield env


def _workon_environments(environ: Mapping[str, str], home: Path) -> Iterator[Environment]:
    root = Path(environ["WORKON_HOME"]).expanduser() if environ.get("WORKON_HOME") else home / ".virtualenvs"
    for child in _subdirs(root):
        env = environment_at(child, "virtualenvwrapper")
        if env is not None:
            yield env


def uv_python_dir(environ: Mapping[str, str], home: Path) -> Path:
    """Where ``uv python install`` puts Pythons (what ``uv python dir`` prints), without running uv."""
    if environ.get("UV_PYTHON_INSTALL_DIR"):
        return Path(environ["UV_PYTHON_INSTALL_DIR"]).expanduser()
    if sys.platform == "win32":
        appdata = environ.get("APPDATA")
        base = Path(appdata) if appdata else home / "AppData" / "Roaming"
        return base / "uv" / "data" / "python"
    data_home = environ.get("XDG_DATA_HOME")
    return (Path(data_home) if data_home else home / ".local" / "share") / "uv" / "python"


def _uv_environments(environ: Mapping[str, str], home: Path) -> Iterator[Environment]:
    for child in _subdirs(uv_python_dir(environ, home)):
        if child.name.startswith("."):
            continue  # uv's own .lock, .cache and .temp folders
        # uv adds minor-version links (cpython-3.12-...) to full installs; name and version come from
        # the folder they point at.
        try:
            target = child.resolve()
        except OSError:
            continue
        env = environment_at(target, "uv-python")
        if env is not None:
            yield env


def _virtual_env(environ: Mapping[str, str]) -> Iterator[Environment]:
    value = environ.get("VIRTUAL_ENV")
    if value:
        env = environment_at(Path(value), "venv")
        if env is not None:
            yield env


def resolved_path(path: Path) -> Path:
    """``path`` with links resolved; absolute as it stands when it cannot be resolved."""
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def dedupe(environments: Iterable[Environment]) -> list[Environment]:
    """Keep the first of environments whose prefixes resolve to the same folder."""
    seen: set[Path] = set()
    unique: list[Environment] = []
    for env in environments:
        key = resolved_path(env.path)
        if key not in seen:
            seen.add(key)
            unique.append(env)
    return unique


def discover_environments_sync(folder: Path, environ: Mapping[str, str] | None = None) -> list[Environment]:
    """Blocking form of :func:`discover_environments`, for worker threads and scripts."""
    environ = os.environ if environ is None else environ
    home = home_dir(environ)
    sources: list[Iterator[Environment]] = [
        _workspace_environments(folder),
        _virtual_env(environ),
        _workon_environments(environ, home),
        _pyenv_environments(environ, home),
        _uv_environments(environ, home),
        _conda_environments(environ, home),
    ]
    found: list[Environment] = []
    for source in sources:
        try:
            found.extend(source)
        except OSError as error:  # a folder vanishing mid-scan must not lose the other sources
            log.debug("environment discovery: %s", error)
    return dedupe(found)


async def discover_environments(folder: Path, environ: Mapping[str, str] | None = None) -> list[Environment]:
    """Every environment a user may want to select for ``folder``, the workspace's own ones first.

    Order: environments under ``folder`` (``.venv``, ``venv``, ``env`` and any ``pyvenv.cfg`` folder up to
    two levels down), ``$VIRTUAL_ENV``, virtualenvwrapper's ``WORKON_HOME``, pyenv versions and
    pyenv-virtualenv environments, uv-managed Pythons, then conda environments. Duplicates (the same
    folder reached through a link) are removed, keeping the first.
    """
    environ = dict(os.environ if environ is None else environ)
    # The scan touches many folders, some possibly on network drives, so it runs off the event loop.
    return await asyncio.to_thread(discover_environments_sync, folder, environ)
