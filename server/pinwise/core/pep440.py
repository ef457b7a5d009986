"""PEP 440 helpers on top of ``packaging.version``: the one lenient version parser the core uses."""

from __future__ import annotations

from packaging.version import InvalidVersion, Version


def parse_version(text: str) -> Version | None:
    """``text`` as a PEP 440 version; None when it is not one (index files and old metadata hold a few
    legacy versions, which pip ignores too)."""
    try:
        return Version(text)
    except InvalidVersion:
        return None
