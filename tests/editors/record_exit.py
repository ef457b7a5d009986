"""Run a command with this process's stdio and write its exit status to a file when it ends.

The Neovim test starts the language server through this, because Neovim quits without waiting for its
client's exit callbacks: the file is how the test learns that ``:qa`` let the server exit on its own, and how.
Usage: ``python record_exit.py STATUS_FILE COMMAND...``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    status_file, *command = sys.argv[1:]
    status = subprocess.call(command)
    Path(status_file).write_text(str(status), encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
