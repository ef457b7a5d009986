"""Base interpreters a virtual environment can be created from, and the choice of a default.

Interpreters come from the same places as :mod:`pinwise.core.venv.discover` (pyenv versions, uv-managed
Pythons, conda installations) plus ``python3.X``, ``python3`` and ``python`` on ``PATH``. Virtual
environments are not offered as bases: a venv made from a venv only adds a layer of indirection. Shim
folders (pyenv's, asdf's) are skipped on ``PATH`` because a shim picks its Python from the current
directory at run time, and the Pythons behind pyenv's shims are listed from pyenv itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from pinwise.core.pep440 import parse_version
from pinwise.core.venv.discover import (
    Environment,
    EnvironmentKind,
    discover_environments_sync,
    read_version,
    resolved_path,
)

log = logging.getLogger(__name__)

PROBE_TIMEOUT = 5.0
_PATH_NAME_RE = re.compile(r"^python(3(?:\.\d+)?)?(?:\.exe)?$", re.IGNORECASE)
_NAME_VERSION_RE = re.compile(r"^python(\d+\.\d+)t?$")

_SOURCE_LABELS: dict[EnvironmentKind, str] = {
    "pyenv": "pyenv",
    "uv-python": "uv-managed Pythons",
    "conda": "conda",
    "system": "PATH",
    "venv": "a virtual environment",
    "virtualenvwrapper": "virtualenvwrapper",
    "pyenv-virtualenv": "pyenv-virtualenv",
}


@dataclass(frozen=True, slots=True)
class Interpreter:
    """A Python that can be given to ``python -m venv`` or ``uv venv --python``."""

    path: Path  # the executable, resolved through links
    version: str | None  # "3.11.7" when known exactly, "3.11" when only the minor version is known
    kind: EnvironmentKind  # "system" for one found on PATH
    name: str  # a pyenv version name, a conda environment name, or the executable's file name

    @property
    def source(self) -> str:
        """Where it was found, for messages: "PATH", "pyenv", "conda", "uv-managed Pythons"."""
        return _SOURCE_LABELS[self.kind]

    @property
    def version_is_exact(self) -> bool:
        return self.version is not None and self.version.count(".") >= 2


def _is_shim_dir(directory: Path) -> bool:
    return directory.name == "shims"


def _path_interpreters(environ: Mapping[str, str]) -> list[Interpreter]:
    found: list[Interpreter] = []
    for entry in environ.get("PATH", "").split(os.pathsep):
        if not entry:
            continue
        directory = Path(entry)
        if _is_shim_dir(directory):
            continue
        try:
            names = sorted(os.listdir(directory), reverse=True)  # python3.12 before python3.11 before python3
        except OSError:
            continue
        for name in names:
            if not _PATH_NAME_RE.match(name):
                continue
            candidate = directory / name
            if not (candidate.is_file() and os.access(candidate, os.X_OK)):
                continue
            resolved = resolved_path(candidate)
            prefix = resolved.parent.parent
            if (prefix / "pyvenv.cfg").is_file() or (resolved.parent / "pyvenv.cfg").is_file():
                continue
            version = read_version(prefix)
            match = _NAME_VERSION_RE.match(resolved.name)
            if match and (version is None or not version.startswith(match.group(1))):
                # The prefix may belong to another Python (/usr/bin holds several): trust the file name.
                version = match.group(1)
            found.append(Interpreter(path=resolved, version=version, kind="system", name=name))
    return found


def _from_environment(env: Environment) -> Interpreter:
    return Interpreter(path=resolved_path(env.python), version=env.version, kind=env.kind, name=env.name)


def find_interpreters_sync(folder: Path, environ: Mapping[str, str] | None = None) -> list[Interpreter]:
    """Blocking form of :func:`find_interpreters` without probing."""
    environ = os.environ if environ is None else environ
    candidates = _path_interpreters(environ)
    candidates.extend(
        _from_environment(env)
        for env in discover_environments_sync(folder, environ)
        if not env.is_virtual_env
    )
    seen: set[Path] = set()
    unique: list[Interpreter] = []
    for interpreter in candidates:
        if interpreter.path not in seen:
            seen.add(interpreter.path)
            unique.append(interpreter)
    return unique


async def find_interpreters(
    folder: Path, environ: Mapping[str, str] | None = None, *, probe_unknown: bool = True
) -> list[Interpreter]:
    """Base interpreters available for creating a venv for ``folder``, PATH ones first.

    Versions are read from disk; an interpreter whose version could not be read at all is asked with
    :func:`probe_interpreter` when ``probe_unknown`` is true, and dropped if it does not answer.
    """
    snapshot = dict(os.environ if environ is None else environ)
    found = await asyncio.to_thread(find_interpreters_sync, folder, snapshot)
    if not probe_unknown:
        return found
    unknown = [i for i in found if i.version is None]
    probed = await asyncio.gather(*(probe_interpreter(i.path) for i in unknown))
    answers = {i.path: p for i, p in zip(unknown, probed, strict=True)}
    result: list[Interpreter] = []
    for interpreter in found:
        if interpreter.version is not None:
            result.append(interpreter)
        elif (answer := answers.get(interpreter.path)) is not None:
            result.append(replace(interpreter, version=answer.version))
    return result


_PROBE_CODE = "import sys; print('.'.join(map(str, sys.version_info[:3])), sys.prefix != sys.base_prefix)"


async def probe_interpreter(path: Path, timeout: float = PROBE_TIMEOUT) -> Interpreter | None:
    """Run the interpreter to learn its exact version; None when it cannot run or is a venv's Python."""
    try:
        process = await asyncio.create_subprocess_exec(
            str(path),
            "-I",  # isolated: no user site-packages and no PYTHON* variables can change the answer
            "-c",
            _PROBE_CODE,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError as error:
        log.debug("cannot run %s: %s", path, error)
        return None
    try:
        stdout, _ = await asyncio.wait_for(process.communicate(), timeout)
    except asyncio.TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        log.debug("%s did not answer within %.1f s", path, timeout)
        return None
    words = stdout.decode("utf-8", errors="replace").split()
    if process.returncode != 0 or len(words) != 2:
        return None
    version, in_venv = words
    if in_venv == "True":
        return None
    return Interpreter(path=resolved_path(path), version=version, kind="system", name=path.name)


# ---------------------------------------------------------------------------------------------------------
# Choosing a default


def _parse(version: str | None) -> Version | None:
    return parse_version(version) if version is not None else None


def python_version_entries(text: str) -> list[str]:
    """The versions named by a ``.python-version`` file, in pyenv's order (comments ignored)."""
    entries: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        entries.extend(line.split())
    return entries


def _matches_entry(interpreter: Interpreter, entry: str) -> bool:
    """pyenv semantics: ``3.11`` means the newest installed 3.11.x, ``3.11.7`` exactly that one; an entry
    may also name a pyenv version or environment (``pypy3.10-7.3.12``, ``myproject``)."""
    if entry == interpreter.name:
        return True
    if entry == "system":
        return interpreter.kind == "system"
    wanted = entry.split(".")
    if not all(part.isdigit() for part in wanted) or interpreter.version is None:
        return False
    have = interpreter.version.split(".")
    return len(have) >= len(wanted) and have[: len(wanted)] == wanted


def _sort_key(item: tuple[int, Interpreter]) -> tuple[bool, Version, int]:
    index, interpreter = item
    version = _parse(interpreter.version) or Version("0")
    # Newest final release first; among equals, the earlier source (PATH) wins.
    return (not version.is_prerelease, version, -index)


def _best(candidates: list[tuple[int, Interpreter]]) -> Interpreter | None:
    return max(candidates, key=_sort_key)[1] if candidates else None


def _describe(interpreter: Interpreter) -> str:
    version = interpreter.version or "of unknown version"
    return f"Python {version} from {interpreter.source}"


def choose_default(
    interpreters: Sequence[Interpreter],
    python_version_file: str | None,
    requires_python: str | None,
) -> tuple[Interpreter | None, str]:
    """Propose the interpreter to create a project's venv from, and say why in a sentence.

    ``python_version_file`` is the text of the project's ``.python-version`` (pyenv semantics: the first
    entry with an installed match wins, ``3.11`` picks the newest 3.11.x); ``requires_python`` is the
    project's ``requires-python``. Among interpreters that fit both, the newest final release wins. An
    interpreter whose patch version is unknown is compared as ``X.Y.0``, so it may be passed over for a
    ``>=X.Y.N`` bound it actually meets; callers can probe such interpreters first.
    """
    if not interpreters:
        return None, "No Python interpreter was found on PATH or in pyenv, uv, or conda."
    spec: SpecifierSet | None = None
    if requires_python and requires_python.strip():
        try:
            spec = SpecifierSet(requires_python)
        except InvalidSpecifier:
            spec = None
    indexed = list(enumerate(interpreters))

    def fits(interpreter: Interpreter) -> bool:
        if spec is None:
            return True
        version = _parse(interpreter.version)
        return version is not None and spec.contains(version, prereleases=True)

    fitting = [(i, interp) for i, interp in indexed if fits(interp)]
    requirement = (
        f"requires-python {requires_python.strip()}" if spec is not None and requires_python else None
    )
    entries = python_version_entries(python_version_file) if python_version_file else []

    if not fitting:
        versions = ", ".join(sorted({i.version or "unknown" for i in interpreters}))
        return None, f"No interpreter found satisfies {requirement} (found {versions})."

    for entry in entries:
        matching = [(i, interp) for i, interp in fitting if _matches_entry(interp, entry)]
        if matching:
            chosen = _best(matching)
            assert chosen is not None
            reasons = f"matches .python-version {entry}"
            if requirement:
                reasons += f" and {requirement}"
            return chosen, f"{_describe(chosen)}: {reasons}."

    chosen = _best(fitting)
    assert chosen is not None
    if entries:
        pinned = " ".join(entries)
        unmet = [e for e in entries if any(_matches_entry(interp, e) for interp in interpreters)]
        why = (
            f"the Python named by .python-version ({pinned}) does not satisfy {requirement}"
            if unmet and requirement
            else f"no installed interpreter matches .python-version {pinned}"
        )
        tail = f"; it satisfies {requirement}" if requirement else ""
        return chosen, f"{_describe(chosen)}: {why}, so the newest available one was chosen{tail}."
    if requirement:
        return chosen, f"{_describe(chosen)}: the newest interpreter that satisfies {requirement}."
    return chosen, f"{_describe(chosen)}: the newest interpreter found."


def current_interpreter() -> Interpreter | None:
    """The base interpreter behind the running Python (useful as a last resort)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    if not base:
        return None
    version = ".".join(map(str, sys.version_info[:3]))
    return Interpreter(path=resolved_path(Path(base)), version=version, kind="system", name=Path(base).name)
