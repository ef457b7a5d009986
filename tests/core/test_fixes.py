"""Every fix, applied to a document: «…» marks where the edits may touch; nothing outside may change."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from pinwise.core import fixes
from pinwise.core.analysis.findings import Fix
from pinwise.core.document import Document, parse_document
from pinwise.core.model import Dependency
from tests.core.analysis.helpers import strip_markers

Maker = Callable[[Document, Dependency], "Fix | None"]


def check_fix(
    before: str, after: str, make: Maker, *, path: str = "requirements.txt", index: int = -1
) -> None:
    """Apply the fix ``make`` builds for dependency ``index`` of ``before`` and compare with ``after``.

    Every edit must lie inside a «…» region of ``before`` (an empty «» is an insertion point), so the text
    outside the marked regions is byte-identical after the fix.
    """
    text, regions = strip_markers(before)
    document = parse_document(text, path)
    fix = make(document, document.dependencies[index])
    assert fix is not None, "no fix was offered"
    for edit in fix.edits:
        assert any(r.start <= edit.span.start and edit.span.end <= r.end for r in regions), (
            f"edit {edit} touches text outside the marked regions"
        )
    spans = sorted(edit.span for edit in fix.edits)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans)), "edits overlap"
    assert fixes.apply_edits(text, fix.edits) == after


def check_no_fix(text: str, make: Maker, *, path: str = "requirements.txt", index: int = -1) -> None:
    document = parse_document(text, path)
    assert make(document, document.dependencies[index]) is None


def pin(version: str, hashes: tuple[str, ...] = ()) -> Maker:
    return lambda d, dep: fixes.pin_fix(d, dep, version, hashes=list(hashes) or None)


PIN_CASES = [
    ("requests«>=2.0»\n", "requests==2.32.3\n", "requirements.txt"),
    ("requests«»\n", "requests==2.32.3\n", "requirements.txt"),
    (
        "requests[socks]«» ; python_version < '3.11'\n",
        "requests[socks]==2.32.3 ; python_version < '3.11'\n",
        "requirements.txt",
    ),
    (
        "requests«»; sys_platform == 'win32'\r\n",
        "requests==2.32.3; sys_platform == 'win32'\r\n",
        "requirements.txt",
    ),
    ("requests ( «>=2.0» )\n", "requests ( ==2.32.3 )\n", "requirements.txt"),
    ("requests«===2.0»", "requests===2.32.3", "requirements.txt"),
    (
        '[project]\ndependencies = ["requests«>=2»", "b"]\n',
        '[project]\ndependencies = ["requests==2.32.3", "b"]\n',
        "pyproject.toml",
    ),
    (
        "[project]\ndependencies = ['requests«»']\n",
        "[project]\ndependencies = ['requests==2.32.3']\n",
        "pyproject.toml",
    ),
    (
        '[tool.poetry.dependencies]\nrequests = "«^2.0»"\n',
        '[tool.poetry.dependencies]\nrequests = "2.32.3"\n',
        "pyproject.toml",
    ),
    (
        '[tool.poetry.dependencies]\nrequests = "«*»"\n',
        '[tool.poetry.dependencies]\nrequests = "2.32.3"\n',
        "pyproject.toml",
    ),
    (
        '[tool.poetry.dependencies]\nrequests = { version = "«~2.1»", extras = ["socks"] }\n',
        '[tool.poetry.dependencies]\nrequests = { version = "2.32.3", extras = ["socks"] }\n',
        "pyproject.toml",
    ),
]


@pytest.mark.parametrize(("before", "after", "path"), PIN_CASES)
def test_pin(before: str, after: str, path: str) -> None:
    check_fix(before, after, pin("2.32.3"), path=path, index=0 if path == "pyproject.toml" else -1)


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("requests @ https://127.0.0.1/requests-2.0.tar.gz\n", "requirements.txt"),
        ("-e ./local\n", "requirements.txt"),
        ('[tool.poetry.dependencies]\nx = { git = "https://127.0.0.1/x.git" }\n', "pyproject.toml"),
    ],
)
def test_unpinnable(text: str, path: str) -> None:
    check_no_fix(text, pin("1.0"), path=path)


HASH_CASES = [
    # Continuation layout with indentation and CRLF, kept.
    (
        "a==1.0 \\\r\n    --hash=sha256:aaa\r\nb«==1.0» \\\r\n    «--hash=sha256:old1 \\\r\n    --hash=sha256:old2»\r\nc==1\r\n",
        "a==1.0 \\\r\n    --hash=sha256:aaa\r\nb==2.0 \\\r\n    --hash=sha256:n1 \\\r\n    --hash=sha256:n2 \\\r\n    --hash=sha256:n3\r\nc==1\r\n",
        ("n1", "n2", "n3"),
        1,
    ),
    # One line, space separated, ``--hash x`` form.
    ("b«==1.0» «--hash sha256:old»\n", "b==2.0 --hash sha256:n1 --hash sha256:n2\n", ("n1", "n2"), 0),
    # A requirement without hashes in a file that uses them gets them, in the file's layout.
    (
        "a==1.0 \\\n  --hash=sha256:aaa\nb«==1.0»«»\n",
        "a==1.0 \\\n  --hash=sha256:aaa\nb==2.0 \\\n  --hash=sha256:n1\n",
        ("n1",),
        1,
    ),
]


@pytest.mark.parametrize(("before", "after", "hashes", "index"), HASH_CASES)
def test_pin_rewrites_hashes(before: str, after: str, hashes: tuple[str, ...], index: int) -> None:
    check_fix(before, after, pin("2.0", hashes), index=index)


UPDATE_CASES = [
    ("requests>=«1.0»\n", "requests>=2.3.1\n", "2.3.1", "requirements.txt"),
    ("requests«>1.0»\n", "requests>=2.3.1\n", "2.3.1", "requirements.txt"),
    ("requests>=«1.0»,<«2»\n", "requests>=2.3.1,<3\n", "2.3.1", "requirements.txt"),
    ("requests>=«1.0», <1.5 , !=1.2\n", "requests>=1.4.2, <1.5 , !=1.2\n", "1.4.2", "requirements.txt"),
    ("requests>=«1.0»,<«1.5»\n", "requests>=1.7.2,<1.8\n", "1.7.2", "requirements.txt"),
    ("requests~=«1.2»\n", "requests~=2.3\n", "2.3.1", "requirements.txt"),
    ("requests==«1.*»\n", "requests==2.*\n", "2.3.1", "requirements.txt"),
    (
        '[tool.poetry.dependencies]\nrequests = "«^1.2»"\n',
        '[tool.poetry.dependencies]\nrequests = "^2.3"\n',
        "2.3.1",
        "pyproject.toml",
    ),
    (
        '[tool.poetry.dependencies]\nrequests = "«~1.2.0»"\n',
        '[tool.poetry.dependencies]\nrequests = "~2.3.1"\n',
        "2.3.1",
        "pyproject.toml",
    ),
    (
        '[project]\ndependencies = ["requests>=«1.0»"]\n',
        '[project]\ndependencies = ["requests>=2.3.1"]\n',
        "2.3.1",
        "pyproject.toml",
    ),
]


@pytest.mark.parametrize(("before", "after", "latest", "path"), UPDATE_CASES)
def test_update_keeps_operators(before: str, after: str, latest: str, path: str) -> None:
    check_fix(before, after, lambda d, dep: fixes.update_fix(d, dep, latest), path=path)


OTHER_CASES = [
    # ~= compatible release
    (
        "requests«»\n",
        "requests~=2.3\n",
        lambda d, dep: fixes.compatible_fix(d, dep, "2.3.1"),
        "requirements.txt",
    ),
    (
        '[tool.poetry.dependencies]\nrequests = "«*»"\n',
        '[tool.poetry.dependencies]\nrequests = "^2.3"\n',
        lambda d, dep: fixes.compatible_fix(d, dep, "2.3.1"),
        "pyproject.toml",
    ),
    # upper bound
    ("requests>=1.4«»\n", "requests>=1.4,<2\n", fixes.upper_bound_fix, "requirements.txt"),
    (
        "requests>=1.4, >0.9«» ; os_name == 'nt'\n",
        "requests>=1.4, >0.9,<2 ; os_name == 'nt'\n",
        fixes.upper_bound_fix,
        "requirements.txt",
    ),
    (
        '[tool.poetry.dependencies]\nrequests = ">=1.4«»"\n',
        '[tool.poetry.dependencies]\nrequests = ">=1.4,<2"\n',
        fixes.upper_bound_fix,
        "pyproject.toml",
    ),
    # == -> ~=
    ("requests«==2.3.1»\n", "requests~=2.3.1\n", fixes.relax_pin_fix, "requirements.txt"),
    ("requests«==2»\n", "requests~=2.0\n", fixes.relax_pin_fix, "requirements.txt"),
    (
        '[tool.poetry.dependencies]\nrequests = "«2.3.1»"\n',
        '[tool.poetry.dependencies]\nrequests = "~2.3.1"\n',
        fixes.relax_pin_fix,
        "pyproject.toml",
    ),
    # did-you-mean rename
    (
        "«reqests»[socks]==2.0\n",
        "requests[socks]==2.0\n",
        lambda d, dep: fixes.rename_fix(d, dep, "requests"),
        "requirements.txt",
    ),
    (
        '[tool.poetry.dependencies]\n«zope-interfac» = "1"\n',
        '[tool.poetry.dependencies]\n"zope.interface" = "1"\n',
        lambda d, dep: fixes.rename_fix(d, dep, "zope.interface"),
        "pyproject.toml",
    ),
]


@pytest.mark.parametrize(("before", "after", "make", "path"), OTHER_CASES)
def test_other_fixes(before: str, after: str, make: Maker, path: str) -> None:
    check_fix(before, after, make, path=path)


REMOVE_CASES = [
    ("a==1\n«b==1\n»c==1\n", "a==1\nc==1\n", "requirements.txt", 1),
    (
        "a==1\r\n«b==1 \\\r\n    --hash=sha256:x  # why\r\n»c==1\r\n",
        "a==1\r\nc==1\r\n",
        "requirements.txt",
        1,
    ),
    ("a==1«\nb==1»", "a==1", "requirements.txt", 1),
    ("a==1\n«b==1\n»", "a==1\n", "requirements.txt", -1),
    ('[project]\ndependencies = [«"a", »"b"]\n', '[project]\ndependencies = ["b"]\n', "pyproject.toml", 0),
    ('[project]\ndependencies = ["a"«, "b"»]\n', '[project]\ndependencies = ["a"]\n', "pyproject.toml", 1),
    ('[project]\ndependencies = [«"a",»]\n', "[project]\ndependencies = []\n", "pyproject.toml", 0),
    (
        '[project]\ndependencies = [\n    "a",\n«    "b",  # dup\n»    "c",\n]\n',
        '[project]\ndependencies = [\n    "a",\n    "c",\n]\n',
        "pyproject.toml",
        1,
    ),
]


@pytest.mark.parametrize(("before", "after", "path", "index"), REMOVE_CASES)
def test_remove(before: str, after: str, path: str, index: int) -> None:
    check_fix(before, after, fixes.remove_fix, path=path, index=index)


def check_document_fix(before: str, after: str, make: Callable[[Document], Fix | None], path: str) -> None:
    text, regions = strip_markers(before)
    document = parse_document(text, path)
    fix = make(document)
    assert fix is not None
    for edit in fix.edits:
        assert any(r.start <= edit.span.start and edit.span.end <= r.end for r in regions), edit
    assert fixes.apply_edits(text, fix.edits) == after


@pytest.mark.parametrize(
    ("before", "after", "make", "path"),
    [
        (
            "a«»\nb«>=1»\nc==3\nd @ https://127.0.0.1/d.whl\n",
            "a==1.1\nb==2.0\nc==3\nd @ https://127.0.0.1/d.whl\n",
            lambda d: fixes.pin_all(d, {"a": "1.1", "b": "2.0", "c": "3", "d": "4"}),
            "requirements.txt",
        ),
        (
            '[project]\ndependencies = ["a>=«1»", "b~=«1.0»"]\n',
            '[project]\ndependencies = ["a>=2", "b~=1.4"]\n',
            lambda d: fixes.update_all(d, {"a": "2", "b": "1.4.1"}),
            "pyproject.toml",
        ),
    ],
)
def test_whole_document_actions(
    before: str, after: str, make: Callable[[Document], Fix | None], path: str
) -> None:
    check_document_fix(before, after, make, path)


@pytest.mark.parametrize(
    ("value", "literal", "expected"),
    [('a"b\\', False, 'a\\"b\\\\'), ("it's", True, None), ("x\n", False, "x\\u000a")],
)
def test_toml_escape(value: str, literal: bool, expected: str | None) -> None:
    assert fixes.toml_escape(value, literal=literal) == expected
