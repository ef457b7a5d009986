"""Keep a new virtual environment out of version control, as users are taught: a line in ``.gitignore``.

:func:`gitignore_addition` asks git (an argument list, never a shell) whether the environment's folder
lies in a work tree and whether it is already ignored (``git check-ignore``); when it is in a work tree
and not ignored, it answers the text to append to the work tree's top-level ``.gitignore``. The caller
applies it as an edit the user sees (the language server sends ``workspace/applyEdit``). Without git, or
outside a work tree, the answer is None: there is nothing to ignore.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from pinwise.core.text import Span

__all__ = ["GitignoreAddition", "gitignore_addition", "gitignore_entry"]

logger = logging.getLogger(__name__)

GIT_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class GitignoreAddition:
    path: Path  # the .gitignore file
    exists: bool  # False: the file must be created
    span: Span  # where the text goes: the end of the file
    new_text: str
    entry: str  # the pattern, e.g. "/.venv/"


async def _git(git: str, cwd: Path, *args: str) -> tuple[int, str]:
    try:
        process = await asyncio.create_subprocess_exec(
            git, *args,
            cwd=cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
    except OSError as error:
        logger.info("cannot run git: %s", error)
        return -1, ""
    try:
        out, _ = await asyncio.wait_for(process.communicate(), GIT_TIMEOUT)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        return -1, ""
    return process.returncode if process.returncode is not None else -1, out.decode("utf-8", "replace")


def gitignore_entry(top: Path, env_path: Path) -> str | None:
    """The pattern that ignores ``env_path`` from the work tree at ``top`` ("/.venv/"), or None outside."""
    try:
        relative = env_path.relative_to(top)
    except ValueError:
        return None
    if not relative.parts:
        return None
    return "/" + relative.as_posix() + "/"


def addition_for(ignore_file: Path, text: str | None, entry: str) -> GitignoreAddition:
    """The text that appends ``entry`` to ``ignore_file`` whose content is ``text`` (None: no file)."""
    if text is None:
        return GitignoreAddition(ignore_file, False, Span(0, 0), f"{entry}\n", entry)
    newline = "\r\n" if "\r\n" in text else "\n"
    prefix = "" if not text or text.endswith(("\n", "\r")) else newline
    return GitignoreAddition(
        ignore_file, True, Span(len(text), len(text)), f"{prefix}{entry}{newline}", entry
    )


async def gitignore_addition(env_path: Path, *, git: str | None = None) -> GitignoreAddition | None:
    """What to append to ``.gitignore`` so that git ignores ``env_path``; None when nothing is needed."""
    git = git or shutil.which("git")
    if git is None:
        return None
    folder = env_path.parent
    code, out = await _git(git, folder, "rev-parse", "--show-toplevel")
    if code != 0 or not out.strip():
        return None
    top = Path(out.strip())
    entry = gitignore_entry(top, env_path)
    if entry is None:
        try:
            # Resolving follows links on disk: off the event loop, like every other file access here.
            real_top, real_env = await asyncio.to_thread(lambda: (top.resolve(), env_path.resolve()))
            entry = gitignore_entry(real_top, real_env)
        except OSError:
            entry = None
    if entry is None:
        return None
    code, _ = await _git(git, top, "check-ignore", "-q", "--", entry.strip("/") + "/")
    if code == 0:
        return None  # already ignored
    ignore_file = top / ".gitignore"
    try:
        # Bytes, decoded as they are: reading as text would turn \r\n into \n and shift every offset.
        data = await asyncio.to_thread(ignore_file.read_bytes)
        text: str | None = data.decode("utf-8")
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError) as error:
        logger.warning("cannot read %s: %s", ignore_file, error)
        return None
    return addition_for(ignore_file, text, entry)
