"""Pytest plugin: the fake package index. Wire it in with ``pytest_plugins = ["tests.conftest_index"]`` in
tests/conftest.py (or ``-p tests.conftest_index`` on the command line)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.index_server import IndexServer, running

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture
def index_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[IndexServer]:
    """A fresh fake index on 127.0.0.1 serving tests/fixtures/index/packages.py, faults cleared.

    The client honours proxy variables (like pip); a developer's proxy must not intercept loopback traffic.
    """
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield from running()


@pytest.fixture
def index_cache(tmp_path: Path) -> Path:
    """An empty cache directory for one test (never the user's cache)."""
    path = tmp_path / "cache"
    path.mkdir()
    return path
