"""The requirements-file parser, line kind by line kind, with exact spans into the original text.

Cases mark the expected span with «…» (removed before parsing); ``↵`` stands for a newline where that reads
better than ``\\n``.
"""

from __future__ import annotations

import pytest

from pinwise.core.model import Dependency, DependencyKind, Severity
from pinwise.core.requirements import (
    ErrorItem,
    OptionItem,
    RequirementItem,
    RequirementsFile,
    parse_requirements,
)
from pinwise.core.text import Span


def unmark(case: str) -> tuple[str, Span]:
    case = case.replace("↵", "\n")
    start = case.index("«")
    end = case.index("»") - 1
    return case.replace("«", "").replace("»", ""), Span(start, end)


def only_requirement(parsed: RequirementsFile) -> RequirementItem:
    requirements = parsed.requirements
    assert len(requirements) == 1, parsed.items
    return requirements[0]


# ---- requirement lines: values --------------------------------------------------------------------------


def check_requirement(text: str, **expected: object) -> None:
    parsed = parse_requirements(text.replace("↵", "\n"))
    assert [p for p in parsed.problems if p.severity is Severity.ERROR] == []
    item = only_requirement(parsed)
    dependency = item.dependency
    assert parsed.dependencies == [dependency]
    actual = {key: getattr(item if key == "editable" else dependency, key) for key in expected}
    assert actual == expected


N, U, V, P = DependencyKind.NAMED, DependencyKind.URL, DependencyKind.VCS, DependencyKind.PATH


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("requests==2.31.0", {"kind": N, "name": "requests", "specifier": "==2.31.0"}),
        ("Django[argon2]>=4.2,<5", {"name": "Django", "specifier": "<5,>=4.2"}),
        ("foo ; python_version < '3.9'", {"kind": N, "marker": 'python_version < "3.9"'}),
        ("foo;", {"name": "foo", "marker": None}),  # pip drops an empty marker
        ("foo @ https://x.org/foo.tar.gz", {"kind": U, "name": "foo", "url": "https://x.org/foo.tar.gz"}),
        ("foo @ git+https://x.org/r.git@v1", {"kind": V, "name": "foo", "url": "git+https://x.org/r.git@v1"}),
        ("foo @ file:///src/foo", {"kind": P, "name": "foo", "url": "file:///src/foo"}),
        ("https://x.org/dl/foo-1.0.tar.gz#egg=foo", {"kind": U, "name": "foo"}),
        (
            "https://x.org/a/Foo_Bar-2.0-py3-none-any.whl",
            {"kind": U, "name": "Foo_Bar", "specifier": "==2.0"},
        ),
        (
            "https://x.org/f-1-py3-none-any.whl#sha256=ab; python_version>'3'",
            {"marker": 'python_version > "3"'},
        ),
        ("https://x.org/f.zip;x=1", {"kind": U, "name": None, "url": "https://x.org/f.zip;x=1"}),
        ("git+https://x.org/r.git@main#egg=thing", {"kind": V, "name": "thing"}),
        ("git+ssh://git@x.org/r.git#egg=thing&subdirectory=sub", {"kind": V, "name": "thing"}),
        ("hg+https://x.org/r#egg=Thing", {"kind": V, "name": "Thing"}),
        (".", {"kind": P, "name": None, "url": "."}),
        ("./pkg[dev, test]", {"kind": P, "url": "./pkg"}),
        ("../lib ; os_name == 'nt'", {"kind": P, "url": "../lib", "marker": 'os_name == "nt"'}),
        ("dist/foo_bar-1.2-py3-none-any.whl", {"kind": P, "name": "foo_bar", "specifier": "==1.2"}),
        ("foo-1.0.tar.gz", {"kind": P, "name": "foo", "specifier": "==1.0"}),
        ("./foo-1.0.zip", {"kind": P, "name": "foo"}),
        ("./archive.tar.bz2", {"kind": P, "name": None}),
        ("-e git+https://x.org/r.git@v1#egg=bpkg", {"kind": V, "name": "bpkg", "editable": True}),
        ("-e .", {"kind": P, "url": ".", "editable": True}),
        ("--editable=../lib[dev]", {"kind": P, "url": "../lib", "editable": True}),
        ("-e 'foo[x] @ git+https://x.org/r.git'", {"kind": V, "name": "foo", "editable": True}),
        ("-e git://x.org/r.git#egg=short", {"kind": V, "name": "short"}),
        ("-e 'git+https://x.org/r.git#egg=quoted'", {"kind": V, "name": "quoted"}),
        ("-egit+https://x.org/r.git#egg=glued", {"kind": V, "name": "glued"}),
        ("-e file:///src/proj#egg=proj", {"kind": P, "name": "proj", "editable": True}),
        ("-e 'C:\\src\\lib'", {"kind": P, "url": "C:\\src\\lib"}),
    ],
)
def test_requirement_values(text: str, expected: dict[str, object]) -> None:
    check_requirement(text, **expected)


def test_path_extras() -> None:
    item = only_requirement(parse_requirements("./pkg[dev, test]"))
    assert [e.name for e in item.dependency.extras] == ["dev", "test"]


# ---- requirement lines: spans --------------------------------------------------------------------------


def check_dependency_span(case: str, field: str) -> None:
    text, expected = unmark(case)
    dependency: Dependency = parse_requirements(text).dependencies[-1]
    assert getattr(dependency, field) == expected


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("«requests»==2.0", "name_span"),
        ("# c↵  «requests»==2.0  # pinned", "name_span"),
        ("\ufeff«requests»==2.0", "name_span"),
        ("a==1\r\n«b»==2", "name_span"),
        ("x\u2028«requests»==2.0", "name_span"),
        ("«requests==2.0 ; os_name == 'nt'» --hash=sha256:ab", "span"),
        ("requests«==2.0»", "specifier_span"),
        ("requests \\↵  «>=2»", "specifier_span"),
        ("requests \\↵  «>=2,\\↵<3»", "specifier_span"),
        ("requests>=2 ;\\↵ «os_name == 'nt'»", "marker_span"),
        # pip strips backslashes at both ends of a continued line (not of the last one).
        ("requests\\↵\\\\«>=2»\\↵ ; os_name == 'nt'", "specifier_span"),
        ("https://x.org/a/«Foo_Bar»-2.0-py3-none-any.whl", "name_span"),
        ("https://x.org/a/Foo_Bar-«2.0»-py3-none-any.whl", "specifier_span"),
        ("«https://x.org/f.whl»; python_version>'3'", "url_span"),
        ("git+https://x.org/r.git#egg=«thing»", "name_span"),
        ("-e «../lib»[dev]", "url_span"),
        ("-e ../lib«[dev]»", "extras_span"),
        ('-e "git+https://x.org/r.git#egg=«q»"', "name_span"),
        ("-e 'git+https://x.org/r.git'\\↵'#egg=«q»'", "name_span"),
        ("«./dist/foo-1.0.tar.gz»", "url_span"),
        ("./dist/«foo»-1.0.tar.gz", "name_span"),
        ("\t«naïve»", "span"),
        ("foo==1.0\t# tab comment↵«bar»", "name_span"),
    ],
)
def test_dependency_spans(case: str, field: str) -> None:
    check_dependency_span(case, field)


def test_spans_across_continuations_skip_the_joins() -> None:
    text = "requests[socks,\\\n  security]>=2.0,\\\n<3"
    dependency = only_requirement(parse_requirements(text)).dependency
    assert [e.span.text(text) for e in dependency.extras] == ["socks", "  security"[2:]]
    assert [(c.operator_span.text(text), c.version_span.text(text)) for c in dependency.clauses] == [
        (">=", "2.0"),
        ("<", "3"),
    ]
    assert dependency.span == Span(0, len(text))


# ---- hashes and per-requirement options ----------------------------------------------------------------------


def check_hash(case: str, index: int, field: str) -> None:
    text, expected = unmark(case)
    item = only_requirement(parse_requirements(text))
    assert getattr(item.hashes[index], field) == expected


HASHED = "foo==1.0 \\↵    --hash=sha256:aaaa \\↵    --hash sha512:bbbb"


@pytest.mark.parametrize(
    ("case", "index", "field"),
    [
        ("foo==1.0 --hash=«sha256»:abc", 0, "algorithm_span"),
        ("foo==1.0 --hash=sha256:«abc»", 0, "digest_span"),
        ("foo==1.0 --hash='sha256:«abc»'", 0, "digest_span"),
        ('foo==1.0 --hash="sha256":«abc»', 0, "digest_span"),
        ("foo==1.0 \\↵    --hash=sha256:«aaaa» \\↵    --hash sha512:bbbb", 0, "digest_span"),
        ("foo==1.0 \\↵    --hash=sha256:aaaa \\↵    --hash «sha512»:bbbb", 1, "algorithm_span"),
    ],
)
def test_hash_spans(case: str, index: int, field: str) -> None:
    check_hash(case, index, field)


def test_hash_values_and_option_spans() -> None:
    text = HASHED.replace("↵", "\n")
    item = only_requirement(parse_requirements(text))
    assert [(h.algorithm, h.digest) for h in item.hashes] == [("sha256", "aaaa"), ("sha512", "bbbb")]
    assert [h.option.span.text(text) for h in item.hashes] == ["--hash=sha256:aaaa", "--hash sha512:bbbb"]
    assert [h.option.value_span.text(text) for h in item.hashes if h.option.value_span] == [
        "sha256:aaaa",
        "sha512:bbbb",
    ]


def test_config_settings_are_scoped_to_the_requirement() -> None:
    text = "-e . -C editable_mode=compat --config-settings=a=b"
    item = only_requirement(parse_requirements(text))
    assert [(o.name, o.written, o.value, o.value_span and o.value_span.text(text)) for o in item.options] == [
        ("--config-settings", "-C", "editable_mode=compat", "editable_mode=compat"),
        ("--config-settings", "--config-settings", "a=b", "a=b"),
    ]
    assert item.editable_option is not None and item.editable_option.name_span.text(text) == "-e"


# ---- option lines --------------------------------------------------------------------------------------------


def check_option(case: str, name: str, value: str | None) -> None:
    """The case marks the span of the option's argument (or of its name, for a flag)."""
    text, expected = unmark(case)
    parsed = parse_requirements(text)
    assert parsed.problems == []
    options = parsed.options
    assert len(options) == 1
    option = options[0].option
    assert (option.name, option.value) == (name, value)
    assert (option.value_span if value is not None else option.name_span) == expected
    assert options[0].effective


@pytest.mark.parametrize(
    ("case", "name", "value"),
    [
        ("-i «https://x.org/simple»", "--index-url", "https://x.org/simple"),
        ("--index-url=«https://x.org/simple»", "--index-url", "https://x.org/simple"),
        ("--pypi-url «https://x.org/simple»", "--index-url", "https://x.org/simple"),
        ("--index «https://x.org/simple»", "--index-url", "https://x.org/simple"),  # optparse abbreviation
        ("-i«https://x.org/simple»", "--index-url", "https://x.org/simple"),
        (
            "--extra-index-url «https://u:${TOKEN}@x.org/simple»",
            "--extra-index-url",
            "https://u:${TOKEN}@x.org/simple",
        ),
        ("«--no-index»", "--no-index", None),
        ("-f «./wheels»", "--find-links", "./wheels"),
        ("--find-links=«'./my wheels'»", "--find-links", "./my wheels"),
        ("--trusted-host «x.org»", "--trusted-host", "x.org"),
        ("«--pre»", "--pre", None),
        ("«--prefer-binary»", "--prefer-binary", None),
        ("--only-binary «:all:»", "--only-binary", ":all:"),
        ("--no-binary=«foo,bar»", "--no-binary", "foo,bar"),
        ("«--require-hashes»", "--require-hashes", None),
        ("«--no-require-hashes»", "--no-require-hashes", None),
        ("--use-feature «fast-deps»", "--use-feature", "fast-deps"),
        ("--all-releases «:all:»", "--all-releases", ":all:"),
        ("--only-final «foo»", "--only-final", "foo"),
        ("-r «base.txt»", "--requirement", "base.txt"),
        ("--requirement=«sub/dev.txt»", "--requirement", "sub/dev.txt"),
        ("-c «constraints.txt»", "--constraint", "constraints.txt"),
        ("-r \\↵  «base.txt»  # why", "--requirement", "base.txt"),
    ],
)
def test_options(case: str, name: str, value: str | None) -> None:
    check_option(case, name, value)


def test_several_options_on_one_line() -> None:
    text = "--pre --extra-index-url https://x.org/simple --no-index"
    parsed = parse_requirements(text)
    assert [(o.name, o.value, o.option.span.text(text)) for o in parsed.options] == [
        ("--pre", None, "--pre"),
        ("--extra-index-url", "https://x.org/simple", "--extra-index-url https://x.org/simple"),
        ("--no-index", None, "--no-index"),
    ]
    assert parsed.options_named("--no-index")[0].option.written == "--no-index"


# ---- problems --------------------------------------------------------------------------------------------------


def check_problem(case: str, code: str, severity: Severity = Severity.ERROR) -> None:
    text, expected = unmark(case)
    parsed = parse_requirements(text)
    assert [(p.code, p.span, p.severity) for p in parsed.problems] == [(code, expected, severity)], [
        (p.code, p.span.text(text), p.message) for p in parsed.problems
    ]


W = Severity.WARNING


@pytest.mark.parametrize(
    ("case", "code", "severity"),
    [
        ("«--unknown»", "unknown-option", Severity.ERROR),
        ("foo «--unknown» value", "unknown-option", Severity.ERROR),
        ("«-x»foo", "unknown-option", Severity.ERROR),
        ("«--no»", "ambiguous-option", Severity.ERROR),
        ("«-r»", "missing-option-value", Severity.ERROR),
        ("«--index-url»", "missing-option-value", Severity.ERROR),
        ("--pre«=yes»", "unexpected-option-value", Severity.ERROR),
        ("foo==1 --hash=«md5»:abc", "invalid-option-value", Severity.ERROR),
        ("foo==1 --hash=«abc»", "invalid-option-value", Severity.ERROR),
        ("-e . -C «novalue»", "invalid-option-value", Severity.ERROR),
        ("--use-feature «time-travel»", "unknown-feature", Severity.ERROR),
        ("--use-feature=«2020-resolver»", "unknown-feature", Severity.ERROR),
        ("foo==1 «--global-option»=x", "removed-option", Severity.ERROR),
        ("foo==1 --install-option «'--prefix=/x»", "invalid-quoting", Severity.ERROR),
        ("foo==1 --hash=sha256:a«\\» # c", "invalid-quoting", Severity.ERROR),
        ("«--hash=sha256:abc»", "hash-without-requirement", W),
        ("foo==1 «-i https://x.org»", "ignored-option", W),
        ("-r a.txt «--pre»", "ignored-option", W),
        ("--pre «stray»", "ignored-argument", W),
        ("foo«==1.0.*».dev", "invalid-requirement", Severity.ERROR),
        ("foo==1 ; python_version «<»", "invalid-marker", Severity.ERROR),
        ("bad «name»", "invalid-requirement", Severity.ERROR),
        ("https://x.org/«nope.whl»", "invalid-wheel-filename", Severity.ERROR),
        ("git+https://x.org/r.git#egg=«a b»", "invalid-egg-fragment", Severity.ERROR),
        # Option values pip's parser refuses wherever the option stands (the whole file fails).
        ("«--global-option»=--no-user-cfg", "removed-option", Severity.ERROR),
        ("-r other.txt «--global-option»=x", "removed-option", Severity.ERROR),
        ("--hash=«md5»:0123", "invalid-option-value", Severity.ERROR),
        ("-e ./pkg --hash=«md5»:0123", "invalid-option-value", Severity.ERROR),
        ("-r other.txt --hash=«0123»", "invalid-option-value", Severity.ERROR),
        ("-r other.txt -C «novalue»", "invalid-option-value", Severity.ERROR),
        ("foo==1.0 --use-feature=«2020-resolver»", "unknown-feature", Severity.ERROR),
        # Lines pip reads as paths although they are no such thing.
        ("-e «git+git@github.com:org/repo.git@v1.0#egg=repo»", "invalid-editable", Severity.ERROR),
        ("«>>>>>>> origin/main»", "invalid-requirement", Severity.ERROR),
        ("«<<<<<<< HEAD»", "invalid-requirement", Severity.ERROR),
        # pip 25+ reads the fragment of "name @ URL" too, and rejects extras in it.
        ("a @ git+https://x.org/r.git@main#egg=«a[x,y]»", "invalid-egg-fragment", Severity.ERROR),
        ("a @ https://x.org/a-1.0.tar.gz#egg=«» ; os_name == 'nt'", "invalid-egg-fragment", Severity.ERROR),
        ('-e "a @ git+https://x.org/r.git#egg=«a[x]»"', "invalid-egg-fragment", Severity.ERROR),
        ("-e «https://x.org/f.tar.gz»", "invalid-editable", Severity.ERROR),
        ("-e «git+https://x.org/r.git»", "missing-name", Severity.ERROR),
        ("foo==1 «# note \\↵bar==2»", "comment-continuation", W),
    ],
)
def test_problems(case: str, code: str, severity: Severity) -> None:
    check_problem(case, code, severity)


def test_parsing_continues_after_a_bad_line() -> None:
    parsed = parse_requirements("good==1\nbad==\n--nope\nalso-good>=2\n")
    assert [d.name for d in parsed.dependencies] == ["good", "bad", "also-good"]
    assert [p.code for p in parsed.problems] == ["invalid-requirement", "unknown-option"]


def test_unsplittable_options_make_an_error_item() -> None:
    parsed = parse_requirements("foo==1 --hash 'sha256:abc\nbar==2")
    assert isinstance(parsed.items[0], ErrorItem)
    assert parsed.items[0].problem.code == "invalid-quoting"
    assert [d.name for d in parsed.dependencies] == ["bar"]


# ---- continuations, comments, line numbers, env vars ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("a==1 \\\nb==2", ["a"]),  # joined: "a==1 b==2" is one (invalid) requirement
        ("a==1 \\\n# comment \\\nb==2", ["a", "b"]),  # a comment line ends the continuation
        ("a==1 # comment \\\nb==2", ["a"]),  # a trailing comment swallows the next line
        ("a==1\\", ["a"]),  # trailing backslash at the end of the file
        ("\\\\a==1\\\\", ["a"]),  # pip strips every backslash at both ends of a continued line
        ("a==1#not-a-comment", ["a"]),
        ("a==1\r\nb==2\rc==3\x0cd==4\x85e==5", ["a", "b", "c", "d", "e"]),
        ("\ufeff  # only a comment\n\n\t\n", []),
    ],
)
def test_line_joining(text: str, names: list[str]) -> None:
    assert [d.name for d in parse_requirements(text).dependencies] == names


def test_comments_are_recorded_with_spans() -> None:
    text = "# full\nfoo==1  # trailing\nbar \\\n  # joined comment line\n"
    comments = parse_requirements(text).comments
    assert [(c.span.text(text), c.text, c.full_line) for c in comments] == [
        ("# full", "# full", True),
        ("# trailing", "# trailing", False),
        ("# joined comment line", "# joined comment line", False),
    ]


def test_items_know_their_first_physical_line() -> None:
    text = "# c\nfoo==1 \\\n  --hash=sha256:ab\n\n-r x.txt\r\nbar\n"
    parsed = parse_requirements(text)
    assert [(type(i).__name__, i.line) for i in parsed.items] == [
        ("RequirementItem", 1),
        ("OptionItem", 4),
        ("RequirementItem", 5),
    ]
    assert isinstance(parsed.items[1], OptionItem)


def test_env_var_references() -> None:
    text = "--extra-index-url https://${USER}:${TOKEN_1}@x.org/simple\nfoo @ ${base}/x.whl\n"
    refs = parse_requirements(text).env_vars
    assert [(r.name, r.span.text(text)) for r in refs] == [("USER", "${USER}"), ("TOKEN_1", "${TOKEN_1}")]


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "\\", "-", "--", "#", "-e", "'", "foo @", "[", "\ufeff", "-r '", "a\\\n\\\n\\"],
)
def test_odd_input_never_raises_and_keeps_spans_inside(text: str) -> None:
    parsed = parse_requirements(text)
    for problem in parsed.problems:
        assert 0 <= problem.span.start <= problem.span.end <= len(text)
    assert all(p.code != "internal-error" for p in parsed.problems)


def test_an_archive_name_is_read_from_its_own_line() -> None:
    # The file name starts after the last "/" of the line itself, not of the text before it.
    text = "# built from a/b\nsetuptools-2.2.tar.gz\nC:\\dist\\c-3.0.zip\n"
    parsed = parse_requirements(text, "/p/requirements.txt")
    assert [
        (d.name, d.specifier, d.name_span.text(text) if d.name_span else None) for d in parsed.dependencies
    ] == [
        ("setuptools", "==2.2", "setuptools"),
        ("c", "==3.0", "c"),
    ]


@pytest.mark.parametrize(
    ("line", "name", "specifier", "name_text"),
    [
        # pip percent-decodes a URL's file name (Link.filename); spans stay on the text as written.
        (
            "https://127.0.0.1/whl/torch-2.0.1%2Bcu118-cp310-cp310-linux_x86_64.whl",
            "torch",
            "==2.0.1+cu118",
            "torch",
        ),
        ("https://127.0.0.1/foo%5Fbar-1.0-py3-none-any.whl", "foo_bar", "==1.0", "foo%5Fbar"),
        ("file:foo-1.0-py3-none-any.whl", "foo", "==1.0", "foo"),
        # pip's wheel test is case-sensitive: this is an unnamed URL requirement.
        ("https://127.0.0.1/FOO-1.0-py3-none-any.WHL", None, "", None),
    ],
)
def test_wheel_names_in_urls(line: str, name: str | None, specifier: str, name_text: str | None) -> None:
    parsed = parse_requirements(line + "\n", "/p/requirements.txt")
    assert parsed.problems == []
    (dependency,) = parsed.dependencies
    shown = dependency.name_span.text(line) if dependency.name_span is not None else None
    assert (dependency.name, dependency.specifier, shown) == (name, specifier, name_text)


@pytest.mark.parametrize(
    ("line", "url"),
    [
        (
            "-e git+git@github.com:org/repo.git@v1.0#egg=repo",
            "git+ssh://git@github.com/org/repo.git@v1.0#egg=repo",
        ),
        ("git+git@gitlab.example:grp/sub/r.git#egg=r", "git+ssh://git@gitlab.example/grp/sub/r.git#egg=r"),
        ("-e hg+hg@host.example:r#egg=r", "hg+ssh://hg@host.example/r#egg=r"),
    ],
)
def test_scp_like_addresses_come_with_the_url_pip_reads(line: str, url: str) -> None:
    (problem,) = parse_requirements(line + "\n", "/p/requirements.txt").problems
    assert problem.replacement == url
    assert problem.span.text(line) == line.removeprefix("-e ")
