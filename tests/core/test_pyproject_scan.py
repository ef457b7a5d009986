"""The tolerant TOML scanner: spans of values and keys, escapes, tree shape, and recovery from broken text.

Cases mark expected spans inline: ``«label:text»`` becomes ``text`` in the document and a span under
``label``. Marks nest.
"""

from __future__ import annotations

import sys

import pytest

from pinwise.core.pyproject.scan import (
    TOML_SYNTAX,
    TomlArray,
    TomlScalar,
    TomlString,
    TomlTable,
    TomlTableArray,
    check_toml_syntax,
    scan_toml,
    to_python,
)
from pinwise.core.text import Span
from tests.marks import unmark

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]


# ---- spans of values ---------------------------------------------------------------------------------

# (document with a «v:…» mark on the value and optionally «c:…» on a string's content, path to the value)
VALUE_CASES = [
    ('a = «v:"«c:plain»"»\n', ("a",)),
    ("a = «v:'«c:C:\\path»'»\n", ("a",)),
    ('a = «v:"""\n«c:line one\nline two»"""»\n', ("a",)),
    ("a = «v:'''«c:raw \\n»'''»\n", ("a",)),
    ('a = «v:""»\n', ("a",)),
    ("a = «v:[1, 2, 3]»\n", ("a",)),
    ('a = «v:[\n  "x", # comment\n  "y",\n]»  # after\n', ("a",)),
    ("a = «v:{ b = 1, c.d = 2 }»\n", ("a",)),
    ("a = «v:1_000»\n", ("a",)),
    ("a = «v:-3.5e2»\n", ("a",)),
    ("a = «v:true»\n", ("a",)),
    ("a = «v:1979-05-27 07:32:00Z»\n", ("a",)),
    ("a = «v:07:32:00»\n", ("a",)),
    ('project.dependencies = «v:["x"]»\n', ("project", "dependencies")),
    ('[tool.poetry]\ndependencies.requests = «v:"^2"»\n', ("tool", "poetry", "dependencies", "requests")),
    ('[ tool . "my.tool" ]\nkey = «v:"x"»\n', ("tool", "my.tool", "key")),
    ("[a]\nb = { c = «v:[1, [2]]» }\n", ("a", "b", "c")),
    ("[[a.b]]\nx = 1\n[[a.b]]\nx = «v:2»\n", ("a", "b", "x")),
    ('a = "x"\r\nb = «v:"y"»\r\n', ("b",)),
]


def check_value_span(marked: str, path: tuple[str, ...]) -> None:
    text, spans = unmark(marked)
    document = scan_toml(text)
    assert document.problems == []
    node = document.root.get(*path)
    assert node is not None, f"nothing at {path}"
    assert node.span == spans["v"][0]
    if "c" in spans:
        assert isinstance(node, TomlString)
        assert node.content_span == spans["c"][0]
        assert node.value == tomllib.loads(text)[path[0]]


@pytest.mark.parametrize(("marked", "path"), VALUE_CASES)
def test_value_spans(marked: str, path: tuple[str, ...]) -> None:
    check_value_span(marked, path)


# ---- keys and tables ---------------------------------------------------------------------------------

# (document with «k:…» on the key part and «n:…» on the name inside it, path to the table, key)
KEY_CASES = [
    ("[project]\n«k:«n:name»» = 1\n", ("project",), "name"),
    ('[project]\n«k:"«n:quoted name»"» = 1\n', ("project",), "quoted name"),
    ("[project]\nx.«k:«n:y»» = 1\n", ("project", "x"), "y"),
    ("[tool.«k:«n:poetry»»]\n", ("tool",), "poetry"),
    ("[[tool.uv.«k:«n:index»»]]\nname = 'x'\n", ("tool", "uv"), "index"),
]


def check_key(marked: str, table_path: tuple[str, ...], name: str) -> None:
    text, spans = unmark(marked)
    table = scan_toml(text).root.table(*table_path)
    assert table is not None
    key = table.keys[name]
    assert (key.span, key.name_span) == (spans["k"][0], spans["n"][0])


@pytest.mark.parametrize(("marked", "table_path", "name"), KEY_CASES)
def test_key_spans(marked: str, table_path: tuple[str, ...], name: str) -> None:
    check_key(marked, table_path, name)


def test_node_kinds_and_header_tables() -> None:
    document = scan_toml('[a]\nx = [1]\ny = {z = "s"}\nw = 1.5\n[[a.t]]\n[[a.t]]\n')
    a = document.root.table("a")
    assert a is not None
    assert isinstance(a.entries["x"], TomlArray)
    assert isinstance(a.entries["y"], TomlTable) and a.entries["y"].kind == "inline"
    assert isinstance(a.entries["w"], TomlScalar) and a.entries["w"].value == 1.5
    tables = a.entries["t"]
    assert isinstance(tables, TomlTableArray) and len(tables.tables) == 2
    assert [header.span for header in document.headers] == [Span(0, 3), Span(34, 41), Span(42, 49)]


# ---- escapes: decoded characters map back to exact source offsets -----------------------------------

# (document with one «s:…» mark around the source of the decoded characters value[start:end])
ESCAPE_CASES = [
    (r'a = "x«s:\u00e9»y"', 1, 2),
    (r'a = "«s:\t»"', 0, 1),
    (r'a = "ab«s:\"c\\»d"', 2, 5),
    (r'a = "«s:\U0001F600»!"', 0, 1),
    (r'a = "a«s:\u003e=»2"', 1, 3),
    ('a = """\\\n    «s:x»\\n"""', 0, 1),
    ('a = """a\r\n«s:b»"""', 2, 3),
    ("a = '''\nx\r\n«s:y»'''", 2, 3),
]


def check_escape(marked: str, start: int, end: int) -> None:
    text, spans = unmark(marked)
    node = scan_toml(text).root.get("a")
    assert isinstance(node, TomlString)
    assert node.value == tomllib.loads(text)["a"]
    assert node.source_span(start, end) == spans["s"][0]


@pytest.mark.parametrize(("marked", "start", "end"), ESCAPE_CASES)
def test_escape_offsets(marked: str, start: int, end: int) -> None:
    check_escape(marked, start, end)


# ---- the tree agrees with tomllib on valid documents ---------------------------------------------------

VALID_DOCUMENTS = [
    'a = 1\nb = "two"\nc = [1, 2.5, true]\n',
    '[project]\nname = "x"\ndependencies = [\n  "a", # one\n  "b",\n]\n',
    "[a.b]\nc = 1\n[a]\nd = 2\n",
    "x.y.z = 1\nx.y.w = 2\n",
    '[[fruit]]\nname = "apple"\n[fruit.physical]\ncolor = "red"\n[[fruit]]\nname = "banana"\n',
    "a = { b = { c = [1, { d = 'e' }] } }\n",
    "a = \"\"\"\nroses\\\n  are red\"\"\"\nb = '''\n'''\n",
    "a = [[1, 2], [3]]\nb = [\n  [1],\n  ['x']\n]\n",
    "n = 0x1F\no = 0o17\nb = 0b101\nf = inf\ng = -inf\nd = 1979-05-27\n",
    '"quoted key" = 1\n\'lit\' = 2\n"a.b".c = 3\n',
    "# only a comment\n\n",
    "",
]


@pytest.mark.parametrize("text", VALID_DOCUMENTS)
def test_tree_matches_tomllib(text: str) -> None:
    document = scan_toml(text)
    assert document.problems == [] and document.valid
    assert to_python(document.root) == tomllib.loads(text)


# ---- broken documents: a problem with its span, and everything else still found -----------------------

# (document with «p:…» on each expected problem, keys that must still be found as (path...), message part)
BROKEN_CASES = [
    pytest.param(
        '[project]\ndependencies = [\n  «p:"requests>=2,»\n  "flask",\n]\n[tool]\nafter = 1\n',
        [("tool", "after")],
        "not closed",
        id="unclosed-string",
    ),
    pytest.param(
        '[project]\ndependencies = «p:[»\n  "a",\n  "b"\n\n[tool]\nafter = 1\n',
        [("tool", "after")],
        "array is not closed",
        id="unclosed-array-before-header",
    ),
    pytest.param(
        '[project]\ndependencies = «p:[»\n  "a"\nname = "x"\n',
        [("project", "name")],
        "array is not closed",
        id="unclosed-array-before-key",
    ),
    pytest.param("«p:[project»\nname = 'x'\n", [("project", "name")], "']'", id="missing-bracket"),
    pytest.param("[project]\n«p:stray»\nname = 'x'\n", [("project", "name")], "'='", id="stray-key"),
    pytest.param(
        "[project]\n«p:!!! garbage»\nname = 'x'\n", [("project", "name")], "Expected a key", id="garbage"
    ),
    pytest.param("a = «p:{» b = 1\nc = 2\n", [("c",)], "inline table", id="unclosed-inline-table"),
    pytest.param('a = ["x" «p:"»y"]\nc = 2\n', [("c",)], "','", id="missing-comma"),
    pytest.param("a = [«p:requests>=2»]\nc = 2\n", [("c",)], "quotes", id="bare-word"),
    pytest.param("a «p:=»\nc = 2\n", [("c",)], "value", id="missing-value"),
    pytest.param(r'a = "«p:\q»"' + "\nc = 2\n", [("c",)], "escape", id="invalid-escape"),
    pytest.param(
        "[a]\nx = 1\n[b] «p:junk»\nc = 2\n", [("b", "c")], "end of the line", id="junk-after-header"
    ),
    pytest.param("a = 1\n«p:a = 2»\nc = 3\n", [("c",)], "overwrite", id="duplicate-key-tomllib-only"),
    pytest.param('a = «p:"""»\nnever closed', [], "multi-line string", id="unclosed-multiline"),
]


def check_broken(marked: str, still_found: list[tuple[str, ...]], message_part: str) -> None:
    text, spans = unmark(marked)
    document = scan_toml(text)
    assert not document.valid
    assert [problem.span for problem in document.problems] == spans["p"]
    assert all(problem.code == TOML_SYNTAX for problem in document.problems)
    assert message_part in document.problems[0].message
    for path in still_found:
        assert document.root.get(*path) is not None, f"{path} was lost"


@pytest.mark.parametrize(("marked", "still_found", "message_part"), BROKEN_CASES)
def test_broken_documents(marked: str, still_found: list[tuple[str, ...]], message_part: str) -> None:
    check_broken(marked, still_found, message_part)


# ---- tomllib's verdict as a span ------------------------------------------------------------------------

# (document with «p:…» on the span tomllib's position becomes, part of the message), None: valid
SYNTAX_CASES = [
    ("a = 1\n«p:b = 1 1»\n", "Expected newline"),
    ("x = 1\r\n«p:x = 2»\r\n", "overwrite"),
    ("«p:a = [1,»", "Invalid value"),
    ("a = 1\n", None),
]


@pytest.mark.parametrize(("marked", "message_part"), SYNTAX_CASES)
def test_tomllib_verdict(marked: str, message_part: str | None) -> None:
    text, spans = unmark(marked)
    problem = check_toml_syntax(text)
    if message_part is None:
        assert problem is None
        return
    assert problem is not None and message_part in problem.message
    assert "(at line" not in problem.message
    assert problem.span == spans["p"][0]


def test_scanner_problems_are_dropped_when_tomllib_accepts() -> None:
    # ``[inf]`` alone on a line inside an array looks like a table header to the recovery heuristic, so
    # the scanner complains; the text is valid TOML, so no problem may be reported.
    text = "a = [\n  [1],\n  [inf]\n]\n"
    scanner_only = scan_toml(text.replace("inf]\n]", "inf]\n]\nbroken"))
    assert len(scanner_only.problems) >= 2  # the heuristic fires, and tomllib objects to "broken"
    assert scan_toml(text).problems == []
