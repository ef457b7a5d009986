"""The environment selected for each workspace folder, remembered across restarts.

The selections live in one small JSON file, ``selections.json``, in the first of:

1. the ``directory`` passed to :class:`SelectionStore`;
2. ``$PINWISE_STATE_DIR``;
3. ``platformdirs.user_state_dir("pinwise")``: ``~/.local/state/pinwise`` on Linux (or
   ``$XDG_STATE_HOME/pinwise``), ``~/Library/Application Support/pinwise`` on macOS, and
   ``%LOCALAPPDATA%\\pinwise`` on Windows.

The file maps each workspace folder's resolved path to the selected environment's path::

    {"version": 1, "selections": {"/home/me/project": "/home/me/project/.venv"}}

Writes go to a temporary file in the same folder that is then renamed over the old one, so a crash never
leaves a half-written file. A file that cannot be read or parsed is treated as empty (and replaced on the
next write): losing a remembered selection costs the user one click, refusing to start would cost more.
The file is a few hundred bytes, so reading it on the event loop is acceptable; every read goes to disk so
that two language-server processes see each other's selections.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from pinwise.core.venv.discover import resolved_path

log = logging.getLogger(__name__)

FILE_NAME = "selections.json"
FORMAT_VERSION = 1
STATE_DIR_VARIABLE = "PINWISE_STATE_DIR"


def default_state_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    override = environ.get(STATE_DIR_VARIABLE)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_state_dir("pinwise", appauthor=False))


def _key(folder: Path) -> str:
    return str(resolved_path(folder))


class SelectionStore:
    """Remembered venv selections keyed by workspace folder."""

    def __init__(self, directory: Path | None = None, environ: Mapping[str, str] | None = None) -> None:
        self.directory = directory if directory is not None else default_state_dir(environ)
        self.path = self.directory / FILE_NAME
        # Serialises read-modify-write within this process; across processes the last writer wins.
        self._lock = threading.Lock()

    def _load(self) -> dict[str, str]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            log.warning("cannot read the remembered environments in %s: %s", self.path, error)
            return {}
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:  # also covers bytes that are not UTF-8 (UnicodeDecodeError)
            log.warning("ignoring the unreadable remembered-environments file %s", self.path)
            return {}
        selections = data.get("selections") if isinstance(data, dict) else None
        if not isinstance(selections, dict):
            log.warning("ignoring the remembered-environments file %s: unexpected content", self.path)
            return {}
        return {k: v for k, v in selections.items() if isinstance(k, str) and isinstance(v, str)}

    def _save(self, selections: dict[str, str]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        payload = json.dumps({"version": FORMAT_VERSION, "selections": selections}, indent=2, sort_keys=True)
        fd, temporary = tempfile.mkstemp(prefix=".selections-", suffix=".tmp", dir=self.directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as stream:
                stream.write(payload + "\n")
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def get(self, folder: Path) -> Path | None:
        """The environment remembered for ``folder``, or None."""
        with self._lock:
            value = self._load().get(_key(folder))
        return Path(value) if value else None

    def set(self, folder: Path, environment: Path | None) -> None:
        """Remember ``environment`` for ``folder``; None forgets the folder's selection."""
        with self._lock:
            selections = self._load()
            key = _key(folder)
            if environment is None:
                if selections.pop(key, None) is None:
                    return
            else:
                selections[key] = str(environment.absolute())
            self._save(selections)

    def all(self) -> dict[Path, Path]:
        with self._lock:
            return {Path(k): Path(v) for k, v in self._load().items()}
