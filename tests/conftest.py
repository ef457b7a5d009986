"""Shared test configuration: the fake package index fixtures, and what the end-to-end tests share."""

from __future__ import annotations

pytest_plugins = ["tests.conftest_index"]
