"""Which indexes a document resolves against: precedence of every layer, pip's files, uv and Poetry."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from pinwise.core.index.config import (
    IndexSettings,
    PipConfig,
    PoetrySource,
    UvIndex,
    default_index_url,
    load_pip_config,
    pip_config_files,
    resolve_index_config,
)
from pinwise.core.requirements.parse import expand_env

DEFAULT = default_index_url()
A, B, C, D = (f"https://idx-{c}.example/simple/" for c in "abcd")


def pip_config(**values: str) -> PipConfig:
    return PipConfig(values={k.replace("_", "-"): (v, "pip.conf [global]") for k, v in values.items()})


def check_resolve(kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    kwargs = {"environ": {}, "pip_config": PipConfig(), **kwargs}
    config = resolve_index_config(**kwargs)
    for attr, value in expected.items():
        if attr == "origin":
            assert dict(config.origins)["index-url"] == value
        elif attr == "pinned":
            assert dict(config.pinned) == value
        else:
            assert getattr(config, attr) == value, attr


PRECEDENCE_CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("pip default", {}, {"index_url": DEFAULT, "extra_index_urls": (), "origin": "pip default"}),
    ("pip config", {"pip_config": pip_config(index_url=A)}, {"index_url": A, "origin": "pip.conf [global]"}),
    (
        "env over config",
        {"pip_config": pip_config(index_url=A), "environ": {"PIP_INDEX_URL": B}},
        {"index_url": B, "origin": "PIP_INDEX_URL"},
    ),
    (
        "env extras replace config extras",
        {"pip_config": pip_config(extra_index_url=f"{A}\n{B}"), "environ": {"PIP_EXTRA_INDEX_URL": C}},
        {"extra_index_urls": (C,)},
    ),
    (
        "config extras newline separated",
        {"pip_config": pip_config(extra_index_url=f"{A}\n  {B}")},
        {"extra_index_urls": (A, B)},
    ),
    (
        "env extras space separated",
        {"environ": {"PIP_EXTRA_INDEX_URL": f"{A} {B}"}},
        {"extra_index_urls": (A, B)},
    ),
    ("uv default index env", {"environ": {"UV_DEFAULT_INDEX": A}}, {"index_url": A}),
    (
        "uv index url env",
        {"environ": {"UV_INDEX_URL": A, "UV_EXTRA_INDEX_URL": B}},
        {"index_url": A, "extra_index_urls": (B,)},
    ),
    ("uv named index env", {"environ": {"UV_INDEX": f"internal={A} {B}"}}, {"extra_index_urls": (A, B)}),
    ("pip env beats uv env", {"environ": {"PIP_INDEX_URL": A, "UV_INDEX_URL": B}}, {"index_url": A}),
    (
        "no-index env",
        {"environ": {"PIP_NO_INDEX": "yes"}},
        {"index_url": None, "no_index": True, "index_urls": ()},
    ),
    ("no-index false", {"environ": {"PIP_NO_INDEX": "0"}}, {"no_index": False}),
    (
        "find links and trusted hosts",
        {"environ": {"PIP_FIND_LINKS": "/w1 /w2", "PIP_TRUSTED_HOST": "h1 h2:8080"}},
        {"find_links": ("/w1", "/w2"), "trusted_hosts": ("h1", "h2:8080")},
    ),
    (
        "cert",
        {"pip_config": pip_config(cert="/c.pem"), "environ": {"PIP_CERT": "/env.pem"}},
        {"cert": "/env.pem"},
    ),
    (
        "uv default in pyproject over env",
        {"environ": {"PIP_INDEX_URL": A}, "uv_indexes": [UvIndex(B, "corp", default=True)]},
        {"index_url": B},
    ),
    (
        "uv non-default is extra",
        {"uv_indexes": [UvIndex(B, "extra")]},
        {"index_url": DEFAULT, "extra_index_urls": (B,)},
    ),
    (
        "uv explicit is pinned only",
        {"uv_indexes": [UvIndex(B, "torch", explicit=True)], "uv_sources": {"Torch": "torch"}},
        {"extra_index_urls": (), "pinned": {"torch": B}},
    ),
    (
        "poetry primary replaces default",
        {"poetry_sources": [PoetrySource("p1", A), PoetrySource("p2", B)]},
        {"index_url": A, "extra_index_urls": (B,)},
    ),
    (
        "poetry supplemental is extra",
        {"poetry_sources": [PoetrySource("s", B, "supplemental")]},
        {"index_url": DEFAULT, "extra_index_urls": (B,)},
    ),
    (
        "poetry explicit pinned",
        {"poetry_sources": [PoetrySource("e", C, "explicit")], "poetry_pins": {"foo": "e"}},
        {"extra_index_urls": (), "pinned": {"foo": C}},
    ),
    (
        "file index-url over env",
        {"environ": {"PIP_INDEX_URL": A}, "file_options": [("--index-url", B, "r.txt:1")]},
        {"index_url": B, "origin": "r.txt:1"},
    ),
    (
        "file index-url drops earlier extras",
        {
            "environ": {"PIP_EXTRA_INDEX_URL": A},
            "file_options": [("--index-url", B, "r.txt:1"), ("--extra-index-url", C, "r.txt:2")],
        },
        {"index_url": B, "extra_index_urls": (C,)},
    ),
    (
        "file extra adds to env extras",
        {"environ": {"PIP_EXTRA_INDEX_URL": A}, "file_options": [("--extra-index-url", C, "r.txt:2")]},
        {"extra_index_urls": (A, C)},
    ),
    ("file short option", {"file_options": [("-i", B, "r.txt:1")]}, {"index_url": B}),
    (
        "file no-index",
        {"file_options": [("--no-index", None, "r.txt:1"), ("--find-links", "/w", "r.txt:2")]},
        {"index_urls": (), "find_links": ("/w",)},
    ),
    (
        "file env var expansion",
        {
            "environ": {"TOKEN": "t0k"},
            "file_options": [("--index-url", "https://u:${TOKEN}@h.example/simple/", "r.txt:1")],
        },
        {"index_url": "https://u:t0k@h.example/simple/"},
    ),
    (
        "file unset env var stays",
        {"file_options": [("--extra-index-url", "https://${NOPE}@h.example/", "r.txt:1")]},
        {"extra_index_urls": ("https://${NOPE}@h.example/",)},
    ),
    (
        "settings over file",
        {"file_options": [("--index-url", B, "r.txt:1")], "settings": IndexSettings(url=C, extra_urls=(D,))},
        {"index_url": C, "extra_index_urls": (D,), "origin": "settings"},
    ),
    ("settings offline", {"settings": IndexSettings(offline=True)}, {"offline": True, "index_url": DEFAULT}),
    (
        "duplicates removed",
        {
            "environ": {"PIP_EXTRA_INDEX_URL": f"{A} {A}"},
            "file_options": [("--extra-index-url", A, "r.txt:1")],
        },
        {"extra_index_urls": (A,)},
    ),
]


@pytest.mark.parametrize(
    ("label", "kwargs", "expected"), PRECEDENCE_CASES, ids=[c[0] for c in PRECEDENCE_CASES]
)
def test_precedence(label: str, kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    check_resolve(kwargs, expected)


def test_default_index_comes_from_pip() -> None:
    from pip._internal.models.index import PyPI

    assert DEFAULT == PyPI.simple_url and DEFAULT.rstrip("/").endswith("/simple")


def test_find_links_relative_to_requirements_file(tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    origin = f"{tmp_path / 'requirements.txt'}:4"
    config = resolve_index_config(
        file_options=[("--find-links", "wheels", origin)], environ={}, pip_config=PipConfig()
    )
    assert config.find_links == (str(tmp_path / "wheels"),)


# Included files' options apply where the include line stands, as pip reads them (files: name -> text).
INCLUDE_ORDER_CASES = [
    # A later --index-url in the including file replaces the included file's.
    ({"r.txt": f"-r other.txt\n--index-url {A}\n", "other.txt": f"--index-url {B}\n"}, (A,), ()),
    ({"r.txt": f"-r other.txt\n--index-url {A}\n", "other.txt": f"--extra-index-url {B}\n"}, (A,), ()),
    ({"r.txt": f"--index-url {A}\n-r other.txt\n", "other.txt": f"--extra-index-url {B}\n"}, (A, B), ()),
    # A file included twice is read twice.
    (
        {
            "r.txt": "-r a.txt\n-r b.txt\n",
            "a.txt": f"--extra-index-url {C}\n",
            "b.txt": f"--index-url {A}\n-r a.txt\n",
        },
        (A, C),
        (),
    ),
    # Only the first --find-links of a line counts.
    ({"r.txt": "-f w1 -f w2\n"}, (DEFAULT,), ("w1",)),
]


@pytest.mark.parametrize(("files", "index_urls", "find_links"), INCLUDE_ORDER_CASES)
def test_included_options_apply_where_the_include_stands(
    tmp_path: Path, files: dict[str, str], index_urls: tuple[str, ...], find_links: tuple[str, ...]
) -> None:
    from pinwise.core.document import parse_document
    from pinwise.core.index.service import IndexService
    from pinwise.core.workspace import Workspace

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "w1").mkdir()
    (tmp_path / "w2").mkdir()
    document = parse_document(files["r.txt"], tmp_path / "r.txt")
    graph = Workspace().include_graph(document)
    assert graph is not None
    config = IndexService(environ={}, pip_config=PipConfig()).config_for(
        document.parsed, graph.included_files()
    )
    assert config.index_urls == index_urls
    assert config.find_links == tuple(str(tmp_path / link) for link in find_links)


def test_home_in_configured_find_links(tmp_path: Path) -> None:
    # pip expands "~" in find-links from its configuration or environment when that path exists.
    (tmp_path / "w").mkdir()
    env = {"HOME": str(tmp_path), "PIP_FIND_LINKS": "~/w ~/missing"}
    config = resolve_index_config(environ=env, pip_config=PipConfig())
    assert config.find_links == (str(tmp_path / "w"), "~/missing")


COMPILED_INDEX_CASES = [
    # (compiled file, index_urls, find_links relative to the folder the command ran in)
    (
        "# This file was autogenerated by uv via the following command:\n"
        f"#    uv pip compile requirements.in -o requirements.txt --index-url {A} --extra-index-url={B}\n"
        "flask==3.0.0\n",
        (A, B),
        (),
    ),
    (
        "# This file was autogenerated by uv via the following command:\n"
        f"#    uv pip compile sub/x.in -o sub/x.txt --default-index {A} --index {B} --no-index -f wheels\n"
        "flask==3.0.0\n",
        (),
        ("wheels",),
    ),
    # pip-compile's --no-index once meant "do not write the index URL": it is not taken as pip's.
    (
        "#\n# This file is autogenerated by pip-compile with Python 3.11\n# by the following command:\n#\n"
        f"#    pip-compile --no-index -i {A}\n#\n--index-url {C}\nflask==3.0.0\n",
        (C,),
        (),
    ),
    # Not a compiled file: a comment that looks like a command changes nothing.
    (f"#    uv pip compile -i {A}\nflask==3.0.0\n", (DEFAULT,), ()),
]


@pytest.mark.parametrize(("text", "index_urls", "find_links"), COMPILED_INDEX_CASES)
def test_compiled_file_uses_the_indexes_it_was_compiled_from(
    tmp_path: Path, text: str, index_urls: tuple[str, ...], find_links: tuple[str, ...]
) -> None:
    from pinwise.core.document import parse_document
    from pinwise.core.index.service import IndexService

    (tmp_path / "wheels").mkdir()
    (tmp_path / "sub").mkdir()
    name = "sub/x.txt" if "sub/x.in" in text else "requirements.txt"
    document = parse_document(text, tmp_path / name)
    config = IndexService(environ={}, pip_config=PipConfig()).config_for(document.parsed)
    assert config.index_urls == index_urls
    assert config.find_links == tuple(str(tmp_path / link) for link in find_links)


def test_poetry_dependency_source_pins_the_package() -> None:
    from pinwise.core.document import parse_document
    from pinwise.core.index.service import IndexService

    text = (
        "[tool.poetry.dependencies]\n"
        'python = "^3.11"\n'
        'internal-lib = {version = "^1.0", source = "corp"}\n'
        'requests = "^2.31"\n'
        "[[tool.poetry.source]]\n"
        'name = "corp"\n'
        f'url = "{C}"\n'
        'priority = "explicit"\n'
    )
    document = parse_document(text, "/p/pyproject.toml")
    config = IndexService(environ={}, pip_config=PipConfig()).config_for(document.parsed)
    assert dict(config.pinned) == {"internal-lib": C}
    assert config.index_urls == (DEFAULT,)


def test_resolution_log_is_redacted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="pinwise")
    resolve_index_config(
        environ={"PIP_EXTRA_INDEX_URL": "https://bob:hunter2@corp.example/simple/"},
        file_options=[("--index-url", "https://__token__:abc123@other.example/simple/", "r.txt:1")],
        pip_config=PipConfig(),
    )
    assert "Index configuration" in caplog.text
    assert "hunter2" not in caplog.text and "abc123" not in caplog.text and "bob" not in caplog.text


def test_service_logs_each_configuration_once_at_info(caplog: pytest.LogCaptureFixture) -> None:
    """Resolution runs on every analysis, hover and completion: the INFO log names a configuration once."""
    from pinwise.core.document import parse_document
    from pinwise.core.index.service import IndexService

    caplog.set_level(logging.INFO, logger="pinwise")
    service = IndexService(
        environ={"PIP_INDEX_URL": "https://bob:hunter2@corp.example/simple/"}, pip_config=PipConfig()
    )
    document = parse_document("flask\n", "/p/requirements.txt")
    for _ in range(3):
        service.config_for(document.parsed)
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert messages == [
        f"package index for {document.parsed.path}: index https://***@corp.example/simple/"
        " (index-url from PIP_INDEX_URL)"
    ]


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${A}/x", {"A": "1"}, "1/x"),
        ("${a}", {"a": "1"}, "${a}"),
        ("$A", {"A": "1"}, "$A"),
        ("${A}${B}", {"A": "x", "B": "y"}, "xy"),
        # pip replaces only with a non-empty value.
        ("https://u:${TOKEN}@h/", {"TOKEN": ""}, "https://u:${TOKEN}@h/"),
    ],
)
def test_expand_env(text: str, env: dict[str, str], expected: str) -> None:
    assert expand_env(text, env) == expected


# -- pip's configuration files --------------------------------------------------------------------------------


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_machine_shaped_configuration(tmp_path: Path) -> None:
    """Mirrors this machine: a global file with a constraint, /etc/pip.conf with a CA bundle, a user file
    adding two file:// extra indexes and find-links, and PIP_CERT / PIP_FIND_LINKS in the environment."""
    xdg = write(tmp_path / "etc/xdg/pip/pip.conf", "[global]\nconstraint = /etc/xdg/pip/constraints.txt\n")
    etc = write(tmp_path / "etc/pip.conf", "[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n")
    user = write(
        tmp_path / "home/.config/pip/pip.conf",
        "[global]\nfind-links = /opt/wheels\nextra-index-url = file:///opt/pypi/simple file:///opt/pypi-more/simple\n",
    )
    environ = {
        "PIP_CERT": "/etc/ssl/certs/ca-certificates.crt",
        "PIP_FIND_LINKS": "/opt/wheels",
        "PIP_DEFAULT_TIMEOUT": "180",
    }
    pip_cfg = load_pip_config(environ, files=[xdg, etc, str(tmp_path / "home/.pip/pip.conf"), user])
    config = resolve_index_config(environ=environ, pip_config=pip_cfg)
    assert config.index_url == DEFAULT
    assert config.extra_index_urls == ("file:///opt/pypi/simple", "file:///opt/pypi-more/simple")
    assert config.find_links == ("/opt/wheels",)
    assert config.cert == "/etc/ssl/certs/ca-certificates.crt"
    origins = dict(config.origins)
    assert origins["extra-index-url file:///opt/pypi/simple"].startswith(user)
    assert origins["find-links /opt/wheels"] == "PIP_FIND_LINKS"


def check_pip_files(tmp_path: Path, files: dict[str, str], expected: dict[str, str]) -> None:
    paths = [write(tmp_path / name, text) for name, text in files.items()]
    cfg = load_pip_config({}, files=paths)
    assert {k: v for k, (v, _) in cfg.values.items()} == expected


PIP_FILE_CASES = [
    ({"a.conf": "[global]\nindex-url = A\n", "b.conf": "[global]\nindex-url = B\n"}, {"index-url": "B"}),
    ({"a.conf": "[install]\nindex-url = I\n", "b.conf": "[global]\nindex-url = G\n"}, {"index-url": "I"}),
    ({"a.conf": "[global]\nindex_url = A\n--no-index = true\n"}, {"index-url": "A", "no-index": "true"}),
    ({"a.conf": "[freeze]\nindex-url = F\n[global]\ntimeout = 5\n"}, {}),
    ({"a.conf": "[global]\nindex-url =\n"}, {}),
    ({"a.conf": "not an ini file\n", "b.conf": "[global]\ncert = /c\n"}, {"cert": "/c"}),
]


@pytest.mark.parametrize(("files", "expected"), PIP_FILE_CASES)
def test_pip_files(tmp_path: Path, files: dict[str, str], expected: dict[str, str]) -> None:
    check_pip_files(tmp_path, files, expected)


def test_pip_config_file_env_skips_user_files(tmp_path: Path) -> None:
    env_file = write(tmp_path / "custom.conf", "[global]\nindex-url = E\n")
    env = {
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_DIRS": str(tmp_path / "xdg"),
        "PIP_CONFIG_FILE": env_file,
    }
    files = pip_config_files(env, platform="linux", prefix="/venv")
    assert files == [str(tmp_path / "xdg/pip/pip.conf"), "/etc/pip.conf", "/venv/pip.conf", env_file]
    assert pip_config_files({"PIP_CONFIG_FILE": os.devnull}, platform="linux") == []


def test_pip_config_file_order_matches_pip() -> None:
    configuration = pytest.importorskip("pip._internal.configuration")
    env = {k: v for k, v in os.environ.items() if k != "PIP_CONFIG_FILE"}
    expected_by_kind = configuration.get_configuration_files()
    kinds = configuration.Kind
    expected = expected_by_kind[kinds.GLOBAL] + expected_by_kind[kinds.USER] + expected_by_kind[kinds.SITE]
    assert pip_config_files(env, platform=sys.platform, prefix=sys.prefix) == expected
