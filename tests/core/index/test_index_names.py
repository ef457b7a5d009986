"""Project names: completion, did-you-mean, membership, and loading the list from an index."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pinwise.core.index.client import IndexClient
from pinwise.core.index.names import NameList
from pinwise.core.index.types import IndexConfig
from tests.fixtures.index.packages import PACKAGES
from tests.index_server import IndexServer, write_file_index

NAMES = NameList(
    [
        "requests",
        "requests-oauthlib",
        "requests_toolbelt",
        "Flask",
        "flask-login",
        "Django",
        "djangorestframework",
        "django-rest-framework",
        "numpy",
        "pandas",
        "zope.interface",
        "PyYAML",
        "beautifulsoup4",
        "scikit-learn",
        "pytest",
        "pytest-asyncio",
        "typing_extensions",
    ]
)


def check_complete(prefix: str, expected: list[str], limit: int = 50) -> None:
    assert NAMES.complete(prefix, limit) == expected


@pytest.mark.parametrize(
    ("prefix", "expected", "limit"),
    [
        ("req", ["requests", "requests-oauthlib", "requests-toolbelt"], 50),
        ("REQUESTS_", ["requests-oauthlib", "requests-toolbelt"], 50),
        ("requests.t", ["requests-toolbelt"], 50),
        ("zope_", ["zope-interface"], 50),
        ("py", ["pytest", "pytest-asyncio", "pyyaml"], 2 + 1),
        ("py", ["pytest"], 1),
        ("", ["beautifulsoup4"], 1),
        ("zzz", [], 50),
    ],
)
def test_complete(prefix: str, expected: list[str], limit: int) -> None:
    check_complete(prefix, expected, limit)


def check_similar(query: str, first: str | None) -> None:
    found = NAMES.similar(query)
    if first is None:
        assert found == []
    else:
        assert found and found[0] == first, found


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("reqests", "requests"),
        ("requets", "requests"),
        ("rquests", "requests"),
        ("erquests", "requests"),
        ("beautifulsoup", "beautifulsoup4"),
        ("django-restframework", "djangorestframework"),
        ("pytest-asynco", "pytest-asyncio"),
        ("typing-extension", "typing-extensions"),
        ("Numpi", "numpy"),
        ("xqzwv", None),
    ],
)
def test_similar(query: str, first: str | None) -> None:
    check_similar(query, first)


def test_similar_excludes_the_name_itself() -> None:
    assert "requests" not in NAMES.similar("requests")


@pytest.mark.parametrize(("length", "suggests"), [(150, True), (2_000, False)])
def test_similar_stays_small_for_absurdly_long_names(length: int, suggests: bool) -> None:
    """Single edits of a name cost memory in the square of its length; a pasted blob must not (found by
    fuzzing: 50,000 characters asked for gigabytes; 2,000 already take 300 MB without the limit)."""
    import tracemalloc

    name = "requests" + "x" * (length - len("requests"))
    names = NameList([*NAMES.complete("", 10_000), name[:-1]])
    tracemalloc.start()
    try:
        found = names.similar(name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (name[:-1] in found) is suggests
    assert peak < 50_000_000


@pytest.mark.parametrize(
    ("name", "present"),
    [
        ("requests", True),
        ("Requests", True),
        ("zope_interface", True),
        ("ZOPE.INTERFACE", True),
        ("request", False),
        ("", False),
    ],
)
def test_contains(name: str, present: bool) -> None:
    assert (name in NAMES) is present


# -- loading the list -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "html"])
async def test_load_names_from_index(index_server: IndexServer, index_cache: Path, fmt: str) -> None:
    index_server.formats = (fmt,)
    async with IndexClient(IndexConfig(index_url=index_server.url), cache_dir=index_cache, environ={}) as c:
        assert c.names() is None
        matcher = await c.load_names()
    assert matcher is not None
    assert "zope.interface" in matcher and "foo-bar" in matcher and "nope" not in matcher
    assert len(matcher.complete("")) == len(PACKAGES)


async def test_names_are_cached_then_revalidated(index_server: IndexServer, index_cache: Path) -> None:
    config = IndexConfig(index_url=index_server.url)
    async with IndexClient(config, cache_dir=index_cache, environ={}) as c:
        await c.load_names()
    async with IndexClient(config, cache_dir=index_cache, environ={}) as c:
        assert await c.load_names() is not None
    assert index_server.hits("/simple/") == 1
    # Stale: served from disk at once, revalidated in the background with a conditional request.
    async with IndexClient(config, cache_dir=index_cache, environ={}, names_ttl=0) as c:
        matcher = await c.load_names()
        assert matcher is not None and "requests" in matcher
        for _ in range(100):
            if index_server.hits("/simple/") == 2 and not c._background:
                break
            await asyncio.sleep(0.01)
    second = [r for r in index_server.requests if r.path == "/simple/"][1]
    assert second.headers.get("If-None-Match")
    assert index_server.hits("/simple/") == 2


async def test_names_offline_and_failing(index_server: IndexServer, index_cache: Path) -> None:
    config = IndexConfig(index_url=index_server.url)
    async with IndexClient(config, cache_dir=index_cache, environ={}, offline=True) as c:
        assert await c.load_names() is None
    index_server.fault("/simple/", status=500)
    async with IndexClient(config, cache_dir=index_cache, environ={}, timeout=0.25) as c:
        assert await c.load_names() is None
    assert index_server.hits("/simple/") == 1


async def test_names_union_with_file_index(
    index_server: IndexServer, index_cache: Path, tmp_path: Path
) -> None:
    local = [p for p in PACKAGES if p.canonical == "flask"]
    from tests.fixtures.index.packages import Pkg, Rel

    local.append(Pkg(name="internal-only", releases=(Rel("1.0"),)))
    url = write_file_index(tmp_path / "idx", local)
    config = IndexConfig(index_url=index_server.url, extra_index_urls=(url,))
    async with IndexClient(config, cache_dir=index_cache, environ={}) as c:
        matcher = await c.load_names()
    assert matcher is not None and "internal-only" in matcher and "requests" in matcher


# -- names on demand (completion and did-you-mean ask with a bounded wait) ---------------------------------------


async def test_names_within_starts_the_load_and_waits_at_most_that_long(
    index_server: IndexServer, index_cache: Path
) -> None:
    config = IndexConfig(index_url=index_server.url)
    index_server.fault("/simple/", delay=0.6)
    async with IndexClient(config, cache_dir=index_cache, environ={}) as c:
        # Too short a wait: no list yet, but the load goes on in the background and one request serves both.
        assert await c.names_within(0.05) is None
        matcher = await c.names_within(5.0)
        assert matcher is not None and "requests" in matcher
        assert await c.names_within(0) is matcher
    assert index_server.hits("/simple/") == 1


async def test_names_within_does_not_retry_a_failed_load_at_once(
    index_server: IndexServer, index_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pinwise.core.index import client as client_module

    config = IndexConfig(index_url=index_server.url)
    index_server.fault("/simple/", status=503)
    async with IndexClient(config, cache_dir=index_cache, environ={}, timeout=10.0) as c:
        assert await c.names_within(5.0) is None
        assert await c.names_within(5.0) is None  # within the retry pause: no second request
        assert index_server.hits("/simple/") == 1
        index_server.clear_faults()
        monkeypatch.setattr(client_module, "NAMES_RETRY_AFTER", 0.0)
        matcher = await c.names_within(5.0)
    assert matcher is not None and "flask" in matcher
    assert index_server.hits("/simple/") == 2


async def test_closing_ends_a_name_list_still_loading(index_server: IndexServer, index_cache: Path) -> None:
    # pinwise check stops waiting for a slow list and closes the client; nothing may outlive it.
    index_server.fault("/simple/", delay=2.0)
    client = IndexClient(IndexConfig(index_url=index_server.url), cache_dir=index_cache, environ={})
    assert await client.names_within(0.05) is None
    inflight = list(client._inflight.values())
    assert inflight
    await client.aclose()
    assert all(task.done() for task in inflight) and not client._background
