"""Our parser against pip's own (``pip._internal.req.req_file``), on realistic files and on tricky lines.

For every logical line pip yields we must have an item on the same line with the same requirement text,
editable flag, options and (where pip can tell without the file system) the same name, specifier, marker
and URL; and every item of ours that pip acts on must be one pip yields. Options are compared by feeding
the names and values we read back through pip's own option parser and comparing the resulting values.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

pip_req_file = pytest.importorskip("pip._internal.req.req_file")
from pip._internal.exceptions import (  # noqa: E402
    InstallationError,
    InvalidEggFragment,
    InvalidWheelFilename,
    RequirementsFileParseError,
)
from pip._internal.network.session import PipSession  # noqa: E402
from pip._internal.req.constructors import (  # noqa: E402
    install_req_from_parsed_requirement,
    parse_editable,
    parse_req_from_line,
)

from pinwise.core.model import DependencyKind, Severity  # noqa: E402
from pinwise.core.requirements import OptionItem, OptionUse, RequirementItem, parse_requirements  # noqa: E402
from pinwise.core.requirements.includes import resolve_includes  # noqa: E402
from pinwise.core.requirements.options import (  # noqa: E402
    FILE_OPTIONS,
    KNOWN_FEATURES,
    RETIRED_FEATURES,
    OptionScope,
)

DATA = Path(__file__).parent / "data" / "requirements"


@pytest.fixture(scope="module")
def session() -> PipSession:
    return PipSession()  # constructing it touches no network; local files are read directly


def pip_lines(path: Path, session: PipSession) -> list[Any]:
    parser = pip_req_file.RequirementsFileParser(session, pip_req_file.get_line_parser(None))
    return list(parser.parse(str(path), False))


def pip_values(argv: list[str]) -> dict[str, Any]:
    parser = pip_req_file.build_parser()
    defaults = parser.get_default_values()
    defaults.index_url = None
    values, _ = parser.parse_args(argv, defaults)
    return {key: repr(value) for key, value in values.__dict__.items()}


def argv_of(uses: list[OptionUse]) -> list[str]:
    return [use.name if use.value is None else f"{use.name}={use.value}" for use in uses]


def without_joins(text: str) -> str:
    return re.sub(r"[\s\\]+", "", text)


def specifier_set(text: str) -> set[str]:
    return {clause for clause in text.split(",") if clause}


def check_requirement_agrees(item: RequirementItem, pip_line: Any) -> None:
    dependency = item.dependency
    requirement = pip_line.requirement
    assert item.editable == pip_line.is_editable
    written = (
        item.editable_option.value if item.editable_option else dependency.span.text(pip_line_text(item))
    )
    # The span covers the continuations pip removed; compare without them.
    assert without_joins(written or "") == without_joins(requirement)
    if dependency.kind is DependencyKind.PATH and not (dependency.url or "").startswith("file:"):
        return  # pip decides these by looking at the file system
    if item.editable:
        name, url, _ = parse_editable(requirement)
        assert (dependency.name, dependency.url) == (name, url)
        return
    parts = parse_req_from_line(requirement, None)
    if parts.requirement is not None:
        assert dependency.canonical_name == parts.requirement.name.lower().replace("_", "-").replace(".", "-")
        assert specifier_set(dependency.specifier) == specifier_set(str(parts.requirement.specifier))
    else:
        assert dependency.name is None
    pip_url = parts.requirement.url if parts.requirement is not None and parts.requirement.url else None
    if parts.link is not None and pip_url is None:
        pip_url = parts.link.url
    assert dependency.url == pip_url
    pip_marker = parts.markers or (parts.requirement.marker if parts.requirement is not None else None)
    assert dependency.marker == (str(pip_marker) if pip_marker else None)


_TEXTS: dict[int, str] = {}


def pip_line_text(item: RequirementItem) -> str:
    return _TEXTS[id(item)]


def test_pip_agrees_on_realistic_files(session: PipSession) -> None:
    root = (DATA / "main.txt").resolve()
    graph = resolve_includes(str(root), lambda p: Path(p).read_text("utf-8") if Path(p).is_file() else None)
    assert all(not problems for problems in graph.problems.values())
    ours: dict[tuple[str, int], list[RequirementItem | OptionItem]] = {}
    for path, parsed in graph.files.items():
        assert [p for p in parsed.problems if p.severity is Severity.ERROR] == [], path
        for item in parsed.items:
            if isinstance(item, RequirementItem):
                _TEXTS[id(item)] = parsed.text
            if isinstance(item, OptionItem) and item.option.name in ("--requirement", "--constraint"):
                continue  # pip follows these instead of yielding them
            if isinstance(item, RequirementItem | OptionItem):
                ours.setdefault((os.path.abspath(path), item.line + 1), []).append(item)

    theirs = pip_lines(root, session)
    assert len(theirs) > 500
    seen: set[tuple[str, int]] = set()
    for pip_line in theirs:
        key = (os.path.abspath(pip_line.filename), pip_line.lineno)
        seen.add(key)
        items = ours.get(key)
        assert items, f"we have nothing at {key}"
        requirements = [i for i in items if isinstance(i, RequirementItem)]
        if pip_line.requirement is not None:
            assert len(requirements) == 1, key
            item = requirements[0]
            check_requirement_agrees(item, pip_line)
            uses = [h.option for h in item.hashes] + list(item.options)
            if item.editable_option is not None and pip_line.args == "":
                uses.append(item.editable_option)
            assert pip_values(argv_of(uses)) == pip_values_of(pip_line), key
        else:
            assert requirements == []
            uses = [i.option for i in items if isinstance(i, OptionItem) and i.effective]
            assert pip_values(argv_of(uses)) == pip_values_of(pip_line), key
    # Every file pip reads, and only those, is in our graph; every line we act on, pip yields.
    assert {key[0] for key in seen} == {os.path.abspath(p) for p in graph.files}
    assert set(ours) - seen == set()


def pip_values_of(pip_line: Any) -> dict[str, Any]:
    return {key: repr(value) for key, value in pip_line.opts.__dict__.items()}


def test_option_table_matches_pip() -> None:
    parser = pip_req_file.build_parser()
    pip_options = {
        option.get_opt_string(): (
            tuple(option._short_opts),
            tuple(option._long_opts[1:]),
            option.takes_value(),
        )
        for option in parser.option_list
    }
    ours = {
        spec.name: ((spec.short,) if spec.short else (), spec.aliases, spec.takes_value)
        for spec in FILE_OPTIONS
        if not spec.removed
    }
    assert ours == pip_options
    scoped = {
        spec.name for spec in FILE_OPTIONS if spec.scope is OptionScope.REQUIREMENT and not spec.removed
    }
    assert scoped == {"--hash", "--config-settings"}


def test_features_match_pip() -> None:
    # pip refuses the file for a --use-feature it does not have, so the list must be the installed pip's.
    from pip._internal.cli import cmdoptions

    assert set(KNOWN_FEATURES) == set(cmdoptions.use_new_feature().choices or ())
    assert not set(RETIRED_FEATURES) & set(KNOWN_FEATURES)


# ---- tricky lines, one at a time ---------------------------------------------------------------------------

TRICKY_LINES = [
    "foo==1.0 --hash=sha256:abc --hash sha256:def",
    "foo==1.0  --hash=sha256:abc",
    "foo==1.0\t--hash=sha256:abc",
    "foo==1.0 \\\n  --hash=sha256:abc \\\n  --hash=sha512:def",
    "foo==1.0 \\\n# comment \\\n--pre",
    "foo==1.0 # comment \\\nbar==2.0",
    "\\\\foo==1.0\\\\",
    "foo==1.0\\",
    "foo ; python_version < '3.9'",
    "foo;",
    "foo @ https://x.org/f-1.0.tar.gz ; os_name == 'nt'",
    "https://x.org/f-1.0-py3-none-any.whl; python_version > '3'",
    "https://x.org/f-1.0-py3-none-any.whl;python_version > '3'",
    "git+https://x.org/r.git@v1#egg=thing&subdirectory=sub",
    "-e git+https://x.org/r.git#egg=thing",
    "-egit+https://x.org/r.git#egg=thing",
    "--editable='git+https://x.org/r.git#egg=thing' -C a=b --config-settings c=d",
    "-e 'x @ git+https://x.org/r.git'",
    "--index https://x.org/simple",
    "--extra-index-url=https://x.org/simple --pre --no-index",
    "-i'https://x.org/with space/simple'",
    '-f "./my wheels"',
    "--trusted-host x.org --trusted-host y.org",
    "--only-binary :all: --no-binary foo",
    "--use-feature fast-deps",
    "--pre -- stray",
    "--hash=sha256:abc",
    "foo==1 --index-url https://x.org/simple",
    "-e git+https://x.org/a.git#egg=a -e git+https://x.org/b.git#egg=b",
    "foo==1 -e git+https://x.org/b.git#egg=b",
    "foo[bar, baz] (>=1.0, <2) ; extra == 'x'",
    "foo===1.0-weird",
    "requests>=2.0,",
    "\ufeffrequests",
    "a==1\r\nb==2\x0cc==3",
    "--unknown-option",
    "--no",
    "-r",
    "--pre=1",
    "foo==1 --hash=md5:abc",
    "foo==1 --hash abc",
    "foo==1 --hash 'sha256:abc",
    "-e . -C novalue",
    "--use-feature time-travel",
    "--use-feature=2020-resolver",
    "--global-option=--no-user-cfg",
    "--hash=md5:0123",
    "-r other.txt -C novalue",
    "foo==1.0 --use-feature=2020-resolver",
    "foo @ git+https://x.org/foo.git@main#egg=foo[bar]",
    "https://x.org/torch-2.0.1%2Bcu118-cp310-cp310-linux_x86_64.whl",
    "https://x.org/FOO-1.0-py3-none-any.WHL",
    "foo==1 --install-option=--x",
    "foo==1 --global-option=--x",
    "-e https://x.org/f.tar.gz",
    "-e git+https://x.org/r.git",
    "git+https://x.org/r.git#egg=a b",
    "https://x.org/nope.whl",
]


@pytest.mark.parametrize("text", TRICKY_LINES)
def test_pip_agrees_on_tricky_lines(text: str, tmp_path: Path, session: PipSession) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(text.encode("utf-8"))
    parsed = parse_requirements(path.read_bytes().decode("utf-8-sig"))
    errors = [p for p in parsed.problems if p.severity is Severity.ERROR]
    try:
        theirs = pip_lines(path, session)
        for pip_line in theirs:
            if pip_line.requirement is not None:
                if pip_line.is_editable:
                    parse_editable(pip_line.requirement)
                elif os.path.sep not in pip_line.requirement.split(";")[0] or "://" in pip_line.requirement:
                    # What pip builds before it installs (it reads a named URL's #egg= there).
                    install_req_from_parsed_requirement(pip_req_file.handle_requirement_line(pip_line))
    except (
        RequirementsFileParseError,
        InstallationError,
        InvalidEggFragment,
        InvalidWheelFilename,
        pip_req_file.OptionParsingError,
    ):
        assert errors, "pip rejects this, so should we"
        return
    # pip accepted it; we may only warn (a few of our errors are pip's install-time errors, judged later).
    assert errors == [], [(p.code, p.message) for p in errors]
    ours = [i for i in parsed.items if isinstance(i, RequirementItem | OptionItem)]
    our_requirements = [i for i in ours if isinstance(i, RequirementItem)]
    assert len(our_requirements) == len([line for line in theirs if line.requirement is not None])
    for item, pip_line in zip(
        our_requirements, [line for line in theirs if line.requirement is not None], strict=True
    ):
        _TEXTS[id(item)] = parsed.text
        if not any(c in text for c in "\v\f\x1c\x1d\x1e\x85\u2028\u2029"):
            assert item.line + 1 == pip_line.lineno  # our lines are LSP lines; pip counts str.splitlines()
        check_requirement_agrees(item, pip_line)
    for pip_line in theirs:
        if pip_line.requirement is None:
            line_items = [
                i for i in ours if isinstance(i, OptionItem) and i.effective and i.line + 1 == pip_line.lineno
            ]
            assert option_line_values(argv_of([i.option for i in line_items])) == option_line_values(pip_line)


def option_line_values(source: list[str] | Any) -> dict[str, Any]:
    """pip's values for an option line, without the per-requirement ones pip ignores there."""
    values = pip_values(source) if isinstance(source, list) else pip_values_of(source)
    return {key: value for key, value in values.items() if key not in ("hashes", "config_settings")}
