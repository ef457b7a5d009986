"""No leaked secrets: credentials in the index URL setting, a token in ``--extra-index-url`` inside a
requirements file, and netrc credentials (HOME is a temporary folder holding ``.netrc``) must never appear in
anything Pinwise writes: the server's stderr, window/logMessage and showMessage, diagnostics, hovers,
completions, code action titles, the cache folder, or ``pinwise check --format json`` (stdout and stderr, with
``-vv`` logging). Each test searches everything written for every secret string.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from tests.index_server import IndexServer
from tests.lsp.conftest import initialization_options, server_environment, start_session
from tests.reliability.corpus import REPO

SETTING_SECRET = "SETTING-SECRET-7f3a"
FILE_TOKEN = "FILE-TOKEN-91c2"
NETRC_SECRET = "NETRC-SECRET-55d0"
SECRETS = (SETTING_SECRET, FILE_TOKEN, NETRC_SECRET)


def requirements_text(index: IndexServer) -> str:
    other = f"http://tokenuser:{FILE_TOKEN}@{index.other_host}:{index.other_port}/simple/"
    return (
        f"--extra-index-url {other}\n"
        "requests>=2.0\n"
        "flask==2.0.0\n"
        "no-such-project-anywhere==1.0\n"
        "broken-index-project\n"
    )


def prepare(tmp: Path, index: IndexServer) -> dict[str, str]:
    """HOME with a .netrc for the index host; the index demands the setting's credentials; one project
    fails with 500 so its could-not-check message (which names the index) is produced."""
    home = tmp / "home"
    home.mkdir()
    netrc = home / ".netrc"
    netrc.write_text(f"machine {index.other_host}\nlogin netrcuser\npassword {NETRC_SECRET}\n")
    netrc.chmod(0o600)
    index.fault("/simple/*", "auth", user="settinguser", password=SETTING_SECRET)
    index.fault("/simple/broken-index-project/", status=500)
    env = server_environment(tmp)
    env["HOME"] = str(home)
    env.pop("NETRC", None)
    return env


def check_no_secret(where: str, written: str | bytes) -> None:
    data = written.encode("utf-8", "replace") if isinstance(written, str) else written
    for secret in SECRETS:
        assert secret.encode() not in data, f"{secret} leaked into {where}"


def check_cache_folder(cache: Path) -> None:
    for path in cache.rglob("*"):
        check_no_secret(f"cache path {path}", str(path))
        if path.is_file():
            check_no_secret(f"cache file {path}", path.read_bytes())


async def test_server_never_shows_a_secret(
    tmp_path: Path,
    index_server: IndexServer,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    env = prepare(tmp_path, index_server)
    monkeypatch.setattr("tests.lsp.conftest.server_environment", lambda tmp: env)
    url = index_server.url_with_auth("settinguser", SETTING_SECRET)
    options = initialization_options(index_server)
    options["settings"]["index"] = {"url": url}
    session = await start_session(
        tmp_path, index_server, options=options, configuration={"index": {"url": url}}
    )
    client = session.client
    written: list[str] = []
    try:
        text = requirements_text(index_server)
        uri = session.open("requirements.txt", text)
        pyproject = session.open(
            "pyproject.toml",
            f'[project]\nname = "x"\ndependencies = ["requests>=2", "no-such-project-anywhere"]\n'
            f'[[tool.uv.index]]\nurl = "http://u:{FILE_TOKEN}@127.0.0.1:{index_server.port}/simple/"\n',
        )
        for opened in (uri, pyproject):
            await session.diagnostics(opened, lambda found: any(d.code for d in found), timeout=20)
        await asyncio.sleep(1.5)  # let the index answers (and failures) arrive and be logged
        lines = text.splitlines()
        for opened, count in ((uri, len(lines)), (pyproject, 5)):
            for line in range(count):
                position = types.Position(line=line, character=3)
                document = types.TextDocumentIdentifier(uri=opened)
                hover = await client.text_document_hover_async(types.HoverParams(document, position))
                written.append(repr(hover))
                completion = await client.text_document_completion_async(
                    types.CompletionParams(document, position)
                )
                written.append(repr(completion))
            end = types.Position(line=count, character=0)
            actions = await client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=opened),
                    range=types.Range(types.Position(0, 0), end),
                    context=types.CodeActionContext(diagnostics=list(client.diagnostics.get(opened, []))),
                )
            )
            written.append(repr(actions))
        written += [repr(d) for d in client.diagnostics.values()]
        written += [repr(m) for m in client.log_messages]
        written += [repr(m) for m in client.messages]
    finally:
        await client.shutdown_session()
        await client.stop()
    captured = capfd.readouterr()
    written += [captured.err, captured.out]
    assert index_server.requests, "the server never asked the index: the test would prove nothing"
    for piece in written:
        check_no_secret("the server's output", piece)
    check_cache_folder(tmp_path / "cache")


def test_check_json_never_shows_a_secret(tmp_path: Path, index_server: IndexServer) -> None:
    env = prepare(tmp_path, index_server)
    env["PYTHONPATH"] = str(REPO)
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text(requirements_text(index_server))
    url = index_server.url_with_auth("settinguser", SETTING_SECRET)
    result = subprocess.run(
        [sys.executable, "-m", "pinwise", "check", "-vv", "--format", "json", "--index-url", url, "."],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report, "no report was written"
    assert index_server.requests, "the check never asked the index: the test would prove nothing"
    check_no_secret("pinwise check stdout", result.stdout)
    check_no_secret("pinwise check stderr", result.stderr)
    check_cache_folder(tmp_path / "cache")
