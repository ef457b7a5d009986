"""Properties of the pyproject parser on random and mutated text: it never raises, every span lies inside the
text, and whenever tomllib accepts the text the scanner's tree holds exactly tomllib's values."""

from __future__ import annotations

import sys
from collections.abc import Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pinwise.core.model import Dependency
from pinwise.core.pyproject import PyprojectFile, parse_pyproject
from pinwise.core.pyproject.scan import TomlArray, TomlNode, TomlTable, TomlTableArray, to_python
from pinwise.core.text import Span

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

SAMPLE = """\
[build-system]
requires = ["hatchling>=1.24"]
build-backend = "hatchling.build"

[project]
name = "demo"
requires-python = ">=3.10"
dependencies = [
  "requests[socks]>=2.0,<3; python_version >= '3.8'",  # comment
  'pkg @ https://example.com/pkg.whl',
  "caf\\u0065>=1",
]
optional-dependencies.dev = ["pytest>=8"]

[dependency-groups]
test = ["pytest", {include-group = "lint"}]
lint = ["ruff"]

[tool.poetry.dependencies]
python = "^3.9"
attrs = "^23.1 || ^24"
foo = { version = "~1.2", extras = ["a"], markers = "os_name == 'nt'", python = ">=3.8" }
bar = [{ version = "<=1.9", python = "<3.8" }, { version = "^2.0", python = ">=3.8" }]

[[tool.poetry.source]]
name = "private"
url = "https://example.com/simple"

[tool.uv]
dev-dependencies = ['''mypy''', \"\"\"ruff\"\"\"]
[tool.uv.sources]
foo = { index = "private" }

[tool.pinwise]
policy = "strict"
"""

# Characters that make TOML interesting: quotes, brackets, escapes, separators and line breaks.
TOML_ALPHABET = st.sampled_from(
    [*"[]{}\"'=.,#\\\n\r\t -_^~<>|;@abcxyz019ué", '"""', "'''", "\\u00e9", "\r\n"]
)


def spans_of_dependency(dependency: Dependency) -> Iterator[Span | None]:
    yield from (dependency.span, dependency.name_span, dependency.extras_span, dependency.specifier_span)
    yield from (dependency.marker_span, dependency.url_span)
    yield from (extra.span for extra in dependency.extras)
    for clause in dependency.clauses:
        yield from (clause.span, clause.operator_span, clause.version_span)


def spans_of_tree(node: TomlNode) -> Iterator[Span | None]:
    yield node.span
    if isinstance(node, TomlTable):
        yield node.extent
        for key in node.keys.values():
            yield from (key.span, key.name_span)
        for child in node.entries.values():
            yield from spans_of_tree(child)
    elif isinstance(node, TomlArray):
        for item in node.items:
            yield from spans_of_tree(item)
    elif isinstance(node, TomlTableArray):
        for table in node.tables:
            yield from spans_of_tree(table)


def all_spans(parsed: PyprojectFile) -> Iterator[Span | None]:
    for dependency in parsed.dependencies:
        yield from spans_of_dependency(dependency)
    yield from (problem.span for problem in parsed.problems)
    for requirement in parsed.python_requirements:
        yield requirement.span
        yield from (clause.span for clause in requirement.clauses)
    for value in (parsed.name, parsed.version, parsed.build_backend):
        yield value.span if value else None
    yield from parsed.extras.values()
    yield from parsed.dependency_groups.values()
    yield from parsed.poetry_groups.values()
    yield from (include.span for include in parsed.group_includes)
    for index in parsed.indexes:
        yield index.span
        yield from (span for setting in index.settings.values() for span in (setting.span, setting.key_span))
    for source in parsed.sources:
        yield from (source.span, source.name_span)
    yield parsed.pinwise_span
    if parsed.document is not None:
        yield from spans_of_tree(parsed.document.root)


def check_sound(text: str) -> PyprojectFile:
    parsed = parse_pyproject(text)
    assert not any(problem.code == "internal-error" for problem in parsed.problems)
    for span in all_spans(parsed):
        if span is not None:
            assert 0 <= span.start <= span.end <= len(text), (span, len(text))
    try:
        expected = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        assert any(problem.code == "toml-syntax" for problem in parsed.problems)
    else:
        assert parsed.document is not None
        assert to_python(parsed.document.root) == expected
        assert not any(problem.code == "toml-syntax" for problem in parsed.problems)
    return parsed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TOML_ALPHABET, max_size=80).map("".join))
def test_random_text(text: str) -> None:
    check_sound(text)


@st.composite
def mutated_sample(draw: st.DrawFn) -> str:
    text = SAMPLE
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 12)))
        action = draw(st.sampled_from(["delete", "insert", "replace", "duplicate"]))
        fragment = "".join(draw(st.lists(TOML_ALPHABET, max_size=6)))
        if action == "delete":
            text = text[:start] + text[end:]
        elif action == "insert":
            text = text[:start] + fragment + text[start:]
        elif action == "replace":
            text = text[:start] + fragment + text[end:]
        else:
            text = text[:end] + text[start:end] + text[end:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_sample())
def test_mutated_pyproject(text: str) -> None:
    check_sound(text)


def test_sample_is_understood() -> None:
    # The mutations above start from a file whose every dependency is found; without this the property
    # tests could pass on a parser that finds nothing.
    parsed = check_sound(SAMPLE)
    assert [problem.code for problem in parsed.problems] == ["poetry-union"]
    assert len(parsed.dependencies) == 13
