"""Which files are dependency files, finding them under a folder, and reading them with clear errors.

This module is the core's only place that reads dependency files from disk for the command line;
parsers themselves never do I/O.
"""

from __future__ import annotations

import enum
import fnmatch
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePath
from urllib.parse import unquote, urlsplit


class FileKind(enum.Enum):
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"


# Folders never worth descending into when looking for dependency files.
SKIPPED_FOLDERS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "build",
        "dist",
        "site-packages",
        ".eggs",
    }
)

# Requirements files go by many names; these are the conventions of pip, pip-tools and common templates.
_REQUIREMENTS_PATTERNS = (
    "*requirements*.txt",
    "*requirements*.in",
    "*constraints*.txt",
    "*constraints*.in",
    "requires*.txt",
)


def classify(path: str | PurePath) -> FileKind | None:
    """The kind of dependency file ``path`` names, or None when it is not one."""
    pure = PurePath(path)
    name = pure.name.lower()
    if name == "pyproject.toml":
        return FileKind.PYPROJECT
    if any(fnmatch.fnmatchcase(name, pattern) for pattern in _REQUIREMENTS_PATTERNS):
        return FileKind.REQUIREMENTS
    # requirements/base.txt, requirements/dev.in: every .txt/.in inside a folder named requirements*.
    if pure.parent.name.lower().startswith("requirements") and pure.suffix.lower() in (".txt", ".in"):
        return FileKind.REQUIREMENTS
    return None


def discover(paths: Iterable[str | Path]) -> Iterator[tuple[Path, FileKind | None]]:
    """Yield each dependency file named by ``paths`` or found below the folders among them.

    A file named explicitly is yielded even when its name is unusual (its kind is then guessed from
    the suffix: ``.toml`` is pyproject, anything else is a requirements file), so that
    ``pinwise check deps/prod.pip`` works. A missing path is yielded with kind None so the caller
    reports it.
    """
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for found, found_kind in _walk(path):
                if found not in seen:
                    seen.add(found)
                    yield found, found_kind
        elif path not in seen:
            seen.add(path)
            kind = classify(path)
            if kind is None and path.exists():
                kind = FileKind.PYPROJECT if path.suffix.lower() == ".toml" else FileKind.REQUIREMENTS
            yield path, kind


def _walk(root: Path) -> Iterator[tuple[Path, FileKind]]:
    """Every dependency file below ``root`` with its kind, in a stable order."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(
            d for d in subfolders if d not in SKIPPED_FOLDERS and not d.endswith(".egg-info")
        )
        for name in sorted(files):
            candidate = Path(folder, name)
            kind = classify(candidate)
            if kind is not None:
                yield candidate, kind


@dataclass(frozen=True, slots=True)
class ReadResult:
    """The text (None with ``error`` saying why), and how it was stored: ``bom + text.encode(encoding)``
    is the file's bytes, so a fixed text can be written back in the file's own encoding. A UTF-8
    byte-order mark stays in the text (as U+FEFF, one code point, like every span of the core); UTF-16
    and UTF-32 marks are kept aside."""

    text: str | None
    error: str | None = None
    bom: bytes = b""
    encoding: str = "utf-8"


# A dependency file larger than this is refused rather than read, to keep time and memory bounded; up to it,
# a text longer than document.MAX_DOCUMENT_CHARS is read but not parsed ("file-too-large").
MAX_FILE_BYTES = 64 * 1024 * 1024


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def read_dependency_file(path: Path) -> ReadResult:
    """Read a file as text the way pip does (UTF-8, BOM allowed), or say in one line why it cannot be."""
    try:
        if path.is_dir():
            return ReadResult(None, "it is a directory, not a file")
        if not path.exists():
            return ReadResult(None, "there is no such file")
        if not path.is_file():
            return ReadResult(None, "it is not a regular file")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return ReadResult(None, f"it is too large to check ({size // (1024 * 1024)} MB)")
        data = path.read_bytes()
    except OSError as error:
        return ReadResult(None, f"it cannot be read: {error.strerror or error}")
    # pip honours UTF-16 and UTF-32 byte-order marks (pip._internal.utils.encoding.auto_decode); so do we.
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return ReadResult(data[len(bom) :].decode(encoding), bom=bom, encoding=encoding)
            except UnicodeDecodeError:
                return ReadResult(
                    None, f"it starts with a {encoding} byte-order mark but is not valid {encoding}"
                )
    if b"\x00" in data[:8192]:
        return ReadResult(None, "it looks like a binary file, not text")
    try:
        return ReadResult(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return ReadResult(None, f"it is not valid UTF-8 (byte {error.start}, line {line})")


def read_dependency_text(path: Path) -> str | None:
    """The text of a dependency file the editor does not hold; None when :func:`read_dependency_file`
    refuses it (FIFOs, devices such as /dev/stdin — the server's protocol stream — and huge files)."""
    return read_dependency_file(path).text


@dataclass(frozen=True, slots=True)
class FileSnapshot:
    """A file's bytes before a tool runs (None: it did not exist), to put it back when the tool fails or
    is cancelled half-way through writing it."""

    path: Path
    data: bytes | None

    @classmethod
    def take(cls, path: Path) -> FileSnapshot:
        try:
            return cls(path, path.read_bytes() if path.is_file() else None)
        except OSError:
            return cls(path, None)

    def restore(self) -> bool:
        """Put the file back as it was; True when it had changed."""
        try:
            current = self.path.read_bytes() if self.path.is_file() else None
        except OSError:
            current = None
        if current == self.data:
            return False
        if self.data is None:
            self.path.unlink(missing_ok=True)
            return True
        temporary = self.path.with_name(f".{self.path.name}.pinwise-restore")
        temporary.write_bytes(self.data)
        os.replace(temporary, self.path)
        return True


def file_url_to_path(url: str) -> Path:
    """The local path a ``file:`` URL names (anything else is taken as a path already)."""
    # urllib.request pulls in http.client and email; most runs never see a file: URL.
    from urllib.request import url2pathname

    parts = urlsplit(url)
    path = url2pathname(unquote(parts.path)) if parts.scheme == "file" else url
    if parts.scheme == "file" and parts.netloc not in ("", "localhost"):
        # A UNC path such as file://server/share on Windows.
        path = "//" + parts.netloc + path
    return Path(path)
