"""Hover content, case by case: ``|`` is the cursor and «…» the span the hover must be about.

Each case lists fragments the markdown must contain (and, optionally, fragments it must not contain).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from pinwise.core.document import parse_document
from pinwise.core.hover import format_age, hover, project_links
from pinwise.core.markdown import escape_markdown
from pinwise.core.text import Span
from tests.fakes import FakeIndex, FakeProject, fake_sha256, rel, vuln

NOW = datetime(2024, 8, 29, tzinfo=timezone.utc)

INDEX = FakeIndex(
    {
        "requests": FakeProject(
            [
                rel("2.30.0", uploaded="2023-05-03"),
                rel(
                    "2.31.0",
                    uploaded="2023-05-22",
                    vulns=(vuln("PYSEC-2024-1", fixed_in=("2.32.0",), aliases=("CVE-2024-35195",)),),
                ),
                rel("2.32.0", yanked="broken wheels", uploaded="2024-05-20"),
                rel("2.32.3", py=">=3.8", uploaded="2024-05-29"),
            ],
            summary="Python HTTP for *Humans*.",
            license="Apache-2.0",
            extras=("socks", "use-chardet-on-py3"),
            project_urls={
                "Documentation": "https://docs.example.invalid/requests",
                "Source Code": "https://code.example.invalid/psf/requests",
                "Bug Tracker": "https://code.example.invalid/psf/requests/issues",
                "Funding": "https://fund.example.invalid",
                "Changelog": "javascript:alert(1)",
            },
        ),
    },
    unavailable={"private-pkg"},
)


@dataclass(frozen=True)
class Installed:
    name: str
    version: str


INSTALLED = {"requests": Installed("requests", "2.31.0")}
WHEEL_DIGEST = fake_sha256("requests-2.32.3-py3-none-any.whl")


def parse_case(case: str) -> tuple[str, int, Span | None]:
    case = case.replace("↵", "\n")
    span: Span | None = None
    if "«" in case:
        plain = case.replace("|", "")
        span = Span(plain.index("«"), plain.index("»") - 1)
        case = case.replace("«", "").replace("»", "")
    cursor = case.index("|")
    return case.replace("|", "", 1), cursor, span


async def check_hover(
    file_name: str,
    case: str,
    contains: tuple[str, ...],
    absent: tuple[str, ...] = (),
    *,
    index: FakeIndex | None = INDEX,
    python_version: str | None = None,
) -> None:
    text, cursor, span = parse_case(case)
    doc = parse_document(text, f"/work/{file_name}")
    result = await hover(
        doc, cursor, index=index, installed=INSTALLED, python_version=python_version, now=NOW
    )
    if not contains:
        assert result is None
        return
    assert result is not None
    for fragment in contains:
        assert fragment in result.markdown, result.markdown
    for fragment in absent:
        assert fragment not in result.markdown, result.markdown
    if span is not None:
        assert result.span == span


HOVER_CASES = [
    # a project name
    (
        "requirements.txt",
        "«req|uests»==2.31.0",
        (
            "**requests** `2.32.3`",
            r"Python HTTP for \*Humans\*.",
            "Latest: `2.32.3`, released 2024-05-29 (3 months ago)",
            "Installed: `2.31.0`",
            "License: Apache-2.0",
            "Requires-Python: `>=3.8`",
            "Extras: `socks`, `use-chardet-on-py3`",
            "[Source](https://code.example.invalid/psf/requests)",
            "[Documentation](https://docs.example.invalid/requests)",
            "[Issues](https://code.example.invalid/psf/requests/issues)",
        ),
        ("javascript", "Funding"),
    ),
    ("requirements.txt", "requests[«soc|ks»]", ("**requests**", "Extras: `socks`"), ()),
    # a pin, a clause, a specifier
    (
        "requirements.txt",
        "requests«==2.31|.0»",
        (
            "**requests** `==2.31.0`",
            "Version `2.31.0`, released 2023-05-22 (1 year ago)",
            "**1 known vulnerability**",
            "vulnerability**\n  - PYSEC-2024-1 (CVE-2024-35195): fixed in `2.32.0`",
            "Latest: `2.32.3`",
            "Installed: `2.31.0`",
        ),
        ("Yanked", "Newest allowed"),
    ),
    ("requirements.txt", "requests«==2.32|.0»", ("**Yanked**: broken wheels",), ()),
    ("requirements.txt", "requests«==2.32|.3»", ("No known vulnerabilities",), ("Yanked",)),
    ("requirements.txt", "requests«==9.|9»", ("`9.9` is not a release",), ()),
    (
        "requirements.txt",
        "requests>=2.30.0,«<2.32|.0»",
        ("Version `2.32.0`", "Newest allowed by `<2.32.0,>=2.30.0`: `2.31.0`"),
        (),
    ),
    ("requirements.txt", "requests«>=3|»", ("No release satisfies `>=3`",), ()),
    # pyproject strings and Poetry constraints
    ("pyproject.toml", '[project]↵dependencies = ["«reque|sts»>=2"]', ("**requests** `2.32.3`",), ()),
    ("pyproject.toml", '[tool.poetry.dependencies]↵requests = "«^2.31|.0»"', ("Version `2.31.0`",), ()),
    # pip options
    (
        "requirements.txt",
        "«--index-url| https://user:secret@127.0.0.1/simple/»",
        ("Replaces the package index", "https://***@127.0.0.1/simple/"),
        ("secret",),
    ),
    ("requirements.txt", "«-|r base.txt»", ("Installs everything the given requirements file lists",), ()),
    ("requirements.txt", "requests «--con|fig-settings=a=b»", ("build backend",), ()),
    ("requirements.txt", "requests==1 «--inst|all-option=x»", ("Removed from pip", "--config-settings"), ()),
    # --hash
    (
        "requirements.txt",
        f"requests==2.32.3 «--hash=sha256:{WHEEL_DIGEST[:4]}|{WHEEL_DIGEST[4:]}»",
        ("`sha256` digest", "Matches `requests-2.32.3-py3-none-any.whl` of requests `2.32.3`."),
        (),
    ),
    (
        "requirements.txt",
        f"requests==2.31.0 «--hash=sha256:|{WHEEL_DIGEST}»",
        ("Matches `requests-2.32.3-py3-none-any.whl`", "not from the pinned version `2.31.0`"),
        (),
    ),
    (
        "requirements.txt",
        f"requests==2.32.3 «--hash=sha256:|{'0' * 64}»",
        ("Matches none of the 2 files",),
        (),
    ),
    ("requirements.txt", f"requests==2.32.3 «--ha|sh=sha256:{'0' * 64}»", ("expected digest",), ()),
    # markers
    (
        "requirements.txt",
        "requests; «sys_plat|form» == 'linux'",
        ("**sys\\_platform**", "`sys.platform`"),
        (),
    ),
    ("pyproject.toml", "[project]↵dependencies = [\"a; «python_ver|sion» < '3.9'\"]", ("major.minor",), ()),
    # failures of the index are said, never taken for "does not exist"
    (
        "requirements.txt",
        "«private-p|kg»>=1",
        ("Could not reach the package index: connection refused",),
        ("No project",),
    ),
    ("requirements.txt", "private-pkg«>=|1»", ("Could not reach the package index",), ()),
    ("requirements.txt", "«nonexis|tent»", ("No project named `nonexistent`",), ()),
    # nothing to say
    ("requirements.txt", "# comm|ent", (), ()),
    ("requirements.txt", "requests @ https://127.0.0.1/r|.whl", (), ()),
    ("pyproject.toml", '[project]↵name = "reque|sts"', (), ()),
]


@pytest.mark.parametrize(("file_name", "case", "contains", "absent"), HOVER_CASES)
async def test_hover(file_name: str, case: str, contains: tuple[str, ...], absent: tuple[str, ...]) -> None:
    await check_hover(file_name, case, contains, absent)


# The project's Python (the analysis's: its lowest supported one) decides "newest allowed", as it does for
# pip; the index's latest is always shown, and the latest that Python can install beside it when they differ.
PYTHON_CASES = [
    (
        "3.7",
        "«req|uests»==2.31.0",
        ("Latest: `2.32.3`", "Latest for Python 3.7: `2.31.0`, released 2023-05-22"),
        (),
    ),
    ("3.12", "«req|uests»==2.31.0", ("Latest: `2.32.3`",), ("for Python",)),
    ("3.7", "requests«>=2.3|0»", ("Newest allowed by `>=2.30` for Python 3.7: `2.31.0`",), ()),
    ("3.8", "requests«>=2.3|0»", ("Latest: `2.32.3`",), ("Newest allowed", "for Python")),
    ("3.7", "requests«>=2.32.1|»", ("No release satisfies `>=2.32.1` for Python 3.7.",), ()),
    (
        "3.8",
        "requests>=2.30.0,«<2.32|.0»",
        ("Newest allowed by `<2.32.0,>=2.30.0`: `2.31.0`",),
        ("for Python",),
    ),
]


@pytest.mark.parametrize(("python_version", "case", "contains", "absent"), PYTHON_CASES)
async def test_hover_for_the_projects_python(
    python_version: str, case: str, contains: tuple[str, ...], absent: tuple[str, ...]
) -> None:
    await check_hover("requirements.txt", case, contains, absent, python_version=python_version)


@pytest.mark.parametrize("case", ["«reque|sts»", "requests«==2.3|1.0»"])
async def test_no_index_says_it_could_not_check(case: str) -> None:
    await check_hover("requirements.txt", case, ("Could not reach the package index",), index=None)


async def test_every_offset_of_a_busy_file_is_safe() -> None:
    text = (
        "-i https://127.0.0.1/simple/\nrequests[socks]>=2.30,<3 ; python_version >= '3.8' --hash=sha256:00\n"
        "private-pkg==1\n-e ./pkg\n-r base.txt\n# done\nbroken[=\n"
    )
    doc = parse_document(text, "/work/requirements.txt")
    for offset in range(len(text) + 1):
        await hover(doc, offset, index=INDEX, now=NOW)


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (0, "today"),
        (1, "yesterday"),
        (12, "12 days ago"),
        (45, "1 month ago"),
        (92, "3 months ago"),
        (400, "1 year ago"),
        (1000, "2 years ago"),
    ],
)
def test_format_age(days: int, expected: str) -> None:
    then = datetime.fromtimestamp(NOW.timestamp() - days * 86400 - 60, tz=timezone.utc)
    assert format_age(then, NOW) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*bold* _x_", r"\*bold\* \_x\_"),
        ("[a](b)", r"\[a\]\(b\)"),
        ("<script>", r"\<script\>"),
        ("a`b", r"a\`b"),
    ],
)
def test_escape_markdown(text: str, expected: str) -> None:
    assert escape_markdown(text) == expected


@pytest.mark.parametrize(
    ("urls", "expected"),
    [
        (
            {"Homepage": "https://h", "Repository": "https://r"},
            [("Homepage", "https://h"), ("Source", "https://r")],
        ),
        ({"CHANGES": "https://c", "Release Notes": "https://n"}, [("Changelog", "https://c")]),
        ({"Home-page": "https://h", "docs": "ftp://d"}, [("Homepage", "https://h")]),
    ],
)
def test_project_links(urls: dict[str, str], expected: list[tuple[str, str]]) -> None:
    assert project_links(urls) == expected
