"""Parsers for index answers, on hand-written bodies (the server tests cover the generated ones)."""

from __future__ import annotations

import pytest

from pinwise.core.index.auth import redact, redact_text, strip_credentials
from pinwise.core.index.formats import (
    FormatError,
    name_and_version,
    parse_metadata,
    parse_project_html,
    parse_project_json,
    parse_project_list,
    parse_project_page,
)

BASE = "https://idx.example/simple/demo/"

HTML = b"""<!DOCTYPE html><html><head><base href="https://files.example/base/"></head><body>
<a href="../d/demo-1.0-py3-none-any.whl#sha256=abc" data-requires-python="&gt;=3.8"
   data-dist-info-metadata="sha256=def">demo-1.0-py3-none-any.whl</a>
<a href="https://u:p@files.example/demo-1.1.tar.gz" data-yanked="">demo-1.1.tar.gz</a>
<a href="demo-1.2.tar.gz" data-yanked="bad &amp; broken" data-core-metadata="true">x</a>
<a>no href</a>
</body></html>"""


def check_html_file(index: int, attr: str, expected: object) -> None:
    page = parse_project_html(HTML, BASE, "Demo")
    assert getattr(page.files[index], attr) == expected


@pytest.mark.parametrize(
    ("index", "attr", "expected"),
    [
        (0, "url", "https://files.example/d/demo-1.0-py3-none-any.whl"),
        (0, "hashes", {"sha256": "abc"}),
        (0, "requires_python", ">=3.8"),
        (0, "core_metadata", {"sha256": "def"}),
        (0, "is_wheel", True),
        (0, "yanked", False),
        (1, "url", "https://files.example/demo-1.1.tar.gz"),
        (1, "yanked", True),
        (1, "yanked_reason", None),
        (2, "yanked_reason", "bad & broken"),
        (2, "core_metadata", {}),
        (2, "filename", "demo-1.2.tar.gz"),
    ],
)
def test_html_files(index: int, attr: str, expected: object) -> None:
    check_html_file(index, attr, expected)


def test_html_skips_anchors_without_href() -> None:
    assert len(parse_project_html(HTML, BASE, "demo").files) == 3


JSON = b"""{"meta": {"api-version": "1.1"}, "name": "Demo", "versions": ["1.0", "2.0"],
"files": [
 {"filename": "demo-1.0.tar.gz", "url": "../../f/demo-1.0.tar.gz", "hashes": {"sha256": "a"},
  "yanked": "oops", "upload-time": "2024-05-01T10:00:00.123456Z", "size": 12, "dist-info-metadata": true},
 {"filename": "demo-1.0-py3-none-any.whl", "url": "https://f.example/w.whl", "hashes": {},
  "requires-python": ">=3.9", "yanked": false, "core-metadata": {"sha256": "m"}}
]}"""


def test_json_page() -> None:
    page = parse_project_json(JSON, BASE, "demo")
    sdist, wheel = page.files
    assert page.name == "demo" and page.versions == ["1.0", "2.0"]
    assert sdist.url == "https://idx.example/f/demo-1.0.tar.gz"
    assert (sdist.yanked, sdist.yanked_reason, sdist.size, sdist.core_metadata) == (True, "oops", 12, {})
    assert sdist.upload_time is not None and sdist.upload_time.microsecond == 123456
    assert (wheel.requires_python, wheel.core_metadata, wheel.is_wheel) == (">=3.9", {"sha256": "m"}, True)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/vnd.pypi.simple.v1+json"),
        (b'{"meta": {"api-version": "2.0"}, "files": []}', "application/vnd.pypi.simple.v1+json"),
        (b'{"meta": {"api-version": "1.0"}}', "application/vnd.pypi.simple.v1+json"),
        (b"[1, 2]", "application/vnd.pypi.simple.v1+json"),
        (b"just some text", "text/html"),
        (b"\xff\xfe\x00", "text/html"),
        (b"<html></html>", "application/pdf"),
    ],
)
def test_garbage_pages_raise(body: bytes, content_type: str) -> None:
    with pytest.raises(FormatError):
        parse_project_page(body, content_type, BASE, "demo")


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            b'{"meta": {"api-version": "1.0"}, "projects": [{"name": "B_b"}, {"name": "a"}, {"name": "b.B"}]}',
            "application/vnd.pypi.simple.v1+json",
            ["a", "b-b"],
        ),
        (
            b'<html><body><a href="/simple/x/">X.Y</a>\n<a href="/simple/z/">Zed&#95;Z </a></body></html>',
            "text/html",
            ["x-y", "zed-z"],
        ),
        (b"<html><body></body></html>", "text/html", []),
    ],
)
def test_project_list(body: bytes, content_type: str, expected: list[str]) -> None:
    assert parse_project_list(body, content_type) == expected


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("requests-2.32.3-py3-none-any.whl", ("requests", "2.32.3")),
        ("zope.interface-6.4.tar.gz", ("zope-interface", "6.4")),
        ("Foo_Bar-1.0.zip", ("foo-bar", "1.0")),
        ("torch-2.0.0+cpu-cp311-cp311-linux_x86_64.whl", ("torch", "2.0.0+cpu")),
        ("old-style-name-1.0.tar.bz2", ("old-style-name", "1.0")),
        ("readme.txt", None),
        ("bad-wheel.whl", None),
    ],
)
def test_name_and_version(filename: str, expected: tuple[str, str] | None) -> None:
    parsed = name_and_version(filename)
    assert (None if parsed is None else (parsed[0], str(parsed[1]))) == expected


METADATA = b"""Metadata-Version: 2.1
Name: Demo
Version: 1.0
Summary: A demo
License: UNKNOWN
Home-page: https://home.example/
Project-URL: Source, https://src.example/
Requires-Python: >=3.8
Provides-Extra: cli
Requires-Dist: click; extra == "cli"
Requires-Dist: attrs

Long description.
"""


def test_metadata() -> None:
    d = parse_metadata(METADATA, "demo", "1.0")
    assert (d.name, d.version, d.summary, d.license, d.requires_python) == (
        "Demo",
        "1.0",
        "A demo",
        None,
        ">=3.8",
    )
    assert d.provides_extra == ("cli",)
    assert d.requires_dist == ('click; extra == "cli"', "attrs")
    assert d.project_urls == {"Source": "https://src.example/", "Homepage": "https://home.example/"}
    assert d.description == "Long description.\n"


def test_metadata_prefers_license_expression() -> None:
    d = parse_metadata(b"Name: x\nVersion: 1\nLicense: long text\nLicense-Expression: MIT\n", "x", "1")
    assert d.license == "MIT"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://u:p@h.example/simple/", "https://***@h.example/simple/"),
        ("https://__token__@h.example:8443/x", "https://***@h.example:8443/x"),
        ("https://h.example/simple/", "https://h.example/simple/"),
        ("file:///opt/pypi/simple", "file:///opt/pypi/simple"),
    ],
)
def test_redact(url: str, expected: str) -> None:
    assert redact(url) == expected


def test_redact_text_and_strip() -> None:
    assert (
        redact_text("failed GET https://a:b@h/x and http://tok@i/y")
        == "failed GET https://***@h/x and http://***@i/y"
    )
    assert strip_credentials("https://a%40b:p%3Aw@h/x") == ("https://h/x", ("a@b", "p:w"))
