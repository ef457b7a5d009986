"""-r / -c include graphs, resolved without I/O through an in-memory loader."""

from __future__ import annotations

import pytest

from pinwise.core.requirements.includes import IncludeKind, include_target, resolve_includes


def loader(files: dict[str, str]):  # type: ignore[no-untyped-def]
    return files.get


def check_graph(
    files: dict[str, str], edges: list[tuple[str, str, str, bool]], problems: dict[str, list[tuple[str, str]]]
) -> None:
    """``edges``: (source, target, kind, resolved); ``problems``: file -> [(code, text under the span)]."""
    graph = resolve_includes("/p/requirements.txt", loader(files))
    assert [(e.source, e.target, e.kind.value, e.resolved) for e in graph.edges] == edges
    found = {
        path: [(p.code, p.span.text(files[path])) for p in found_problems]
        for path, found_problems in graph.problems.items()
    }
    assert found == problems


@pytest.mark.parametrize(
    ("files", "edges", "problems"),
    [
        (
            {
                "/p/requirements.txt": "-r base.txt\n-c sub/c.txt\n",
                "/p/base.txt": "a\n",
                "/p/sub/c.txt": "a<2\n",
            },
            [
                ("/p/requirements.txt", "/p/base.txt", "requirement", True),
                ("/p/requirements.txt", "/p/sub/c.txt", "constraint", True),
            ],
            {},
        ),
        (
            {"/p/requirements.txt": "-r sub/a.txt\n", "/p/sub/a.txt": "-r ../b.txt\n", "/p/b.txt": "b\n"},
            [
                ("/p/requirements.txt", "/p/sub/a.txt", "requirement", True),
                ("/p/sub/a.txt", "/p/b.txt", "requirement", True),
            ],
            {},
        ),
        (
            {"/p/requirements.txt": "x\n--requirement=missing.txt\n"},
            [("/p/requirements.txt", "/p/missing.txt", "requirement", False)],
            {"/p/requirements.txt": [("include-not-found", "missing.txt")]},
        ),
        (
            {"/p/requirements.txt": "-r a.txt\n", "/p/a.txt": "-r ./requirements.txt\n"},
            [
                ("/p/requirements.txt", "/p/a.txt", "requirement", True),
                ("/p/a.txt", "/p/requirements.txt", "requirement", False),
            ],
            {"/p/a.txt": [("include-cycle", "./requirements.txt")]},
        ),
        (
            {"/p/requirements.txt": "-r requirements.txt\n"},
            [("/p/requirements.txt", "/p/requirements.txt", "requirement", False)],
            {"/p/requirements.txt": [("include-cycle", "requirements.txt")]},
        ),
        (
            # A diamond is fine: pip reads d.txt twice.
            {
                "/p/requirements.txt": "-r b.txt\n-r c.txt\n",
                "/p/b.txt": "-r d.txt",
                "/p/c.txt": "-r d.txt",
                "/p/d.txt": "d",
            },
            [
                ("/p/requirements.txt", "/p/b.txt", "requirement", True),
                ("/p/b.txt", "/p/d.txt", "requirement", True),
                ("/p/requirements.txt", "/p/c.txt", "requirement", True),
                ("/p/c.txt", "/p/d.txt", "requirement", True),
            ],
            {},
        ),
        (
            {"/p/requirements.txt": "-r https://x.org/reqs.txt\n-c file:///etc/c.txt\n"},
            [
                ("/p/requirements.txt", "https://x.org/reqs.txt", "requirement", False),
                ("/p/requirements.txt", "file:///etc/c.txt", "constraint", False),
            ],
            {},
        ),
        (
            # Only the first include of a line counts, as in pip; the rest is ignored (and reported by the parser).
            {"/p/requirements.txt": "-r a.txt -r b.txt\n", "/p/a.txt": ""},
            [("/p/requirements.txt", "/p/a.txt", "requirement", True)],
            {},
        ),
    ],
)
def test_include_graph(
    files: dict[str, str], edges: list[tuple[str, str, str, bool]], problems: dict[str, list[tuple[str, str]]]
) -> None:
    check_graph(files, edges, problems)


def test_requirements_walk_in_pip_order_with_constraint_flags() -> None:
    files = {
        "/p/requirements.txt": "first\n-r b.txt\n-c c.txt\nlast\n",
        "/p/b.txt": "from-b\n",
        "/p/c.txt": "pinned<2\n-r d.txt\n",
        "/p/d.txt": "from-d\n",
    }
    graph = resolve_includes("/p/requirements.txt", loader(files))
    walked = [(path, item.dependency.name, constraint) for path, item, constraint in graph.requirements()]
    assert walked == [
        ("/p/requirements.txt", "first", False),
        ("/p/b.txt", "from-b", False),
        ("/p/c.txt", "pinned", True),
        ("/p/d.txt", "from-d", False),  # pip: -r inside a constraints file reads requirements
        ("/p/requirements.txt", "last", False),
    ]
    assert [e.kind for e in graph.includes_of("/p/c.txt")] == [IncludeKind.REQUIREMENT]
    assert set(graph.files) == set(files)


def test_missing_root_gives_an_empty_graph() -> None:
    graph = resolve_includes("/nowhere.txt", loader({}))
    assert (graph.files, graph.edges) == ({}, [])


@pytest.mark.parametrize(
    ("including", "written", "target"),
    [
        ("/p/requirements.txt", "base.txt", "/p/base.txt"),
        ("/p/sub/r.txt", "../x/./y.txt", "/p/x/y.txt"),
        ("/p/r.txt", "/abs/y.txt", "/abs/y.txt"),
        ("C:\\p\\r.txt", "sub\\y.txt", "C:\\p\\sub\\y.txt"),
        ("https://x.org/a/r.txt", "b.txt", "https://x.org/a/b.txt"),
        ("/p/r.txt", "HTTPS://x.org/b.txt", "HTTPS://x.org/b.txt"),
        ("r.txt", "b.txt", "b.txt"),
        # pip expands ${VAR} (upper case, digits, "_") on the line first; an unset one stays; "~" is not expanded.
        ("/p/r.txt", "${SUB_1}/b.txt", "/p/reqs/b.txt"),
        ("/p/r.txt", "${HOME}/b.txt", "/home/me/b.txt"),
        ("/p/r.txt", "${UNSET}/b.txt", "/p/${UNSET}/b.txt"),
        ("/p/r.txt", "${sub_1}/b.txt", "/p/${sub_1}/b.txt"),
        ("/p/r.txt", "~/b.txt", "/p/~/b.txt"),
    ],
)
def test_include_target(including: str, written: str, target: str) -> None:
    assert include_target(including, written, {"SUB_1": "reqs", "HOME": "/home/me"}) == target
