"""Bad files: binary, invalid UTF-8, huge, one enormous line, deeply nested TOML, include cycles and includes
of things that are not regular files (/dev/zero, /dev/stdin, a FIFO, a directory). Each gives a clear
diagnostic in bounded time and memory and never hangs.

The big generated file is ``PINWISE_BIG_FILE_MB`` megabytes (default 1; the documented run used 50).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pinwise.core.analysis.context import AnalysisSettings, build_context
from pinwise.core.analysis.engine import local_findings
from pinwise.core.document import parse_document
from pinwise.core.files import MAX_FILE_BYTES, read_dependency_file
from pinwise.core.workspace import Workspace
from tests.index_server import IndexServer
from tests.lsp.conftest import server_environment, start_session
from tests.reliability.corpus import REPO, check_document

# Nothing here may take longer; a hang fails the test instead of blocking the run.
HANG_GUARD = 60.0
BIG_FILE_MB = float(os.environ.get("PINWISE_BIG_FILE_MB", "1"))


def bounded(call: Callable[[], object], seconds: float = HANG_GUARD) -> object:
    """``call()`` in a worker thread, failing the test if it has not returned within ``seconds``."""
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        return pool.submit(call).result(timeout=seconds)
    finally:
        pool.shutdown(wait=False)


# -- reading files --------------------------------------------------------------------------------------


def make_fifo(tmp: Path) -> Path:
    path = tmp / "fifo-requirements.txt"
    os.mkfifo(path)
    return path


def make_directory(tmp: Path) -> Path:
    path = tmp / "dir-requirements.txt"
    path.mkdir()
    return path


def make_file(data: bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / "requirements.txt"
        path.write_bytes(data)
        return path

    return make


def make_sparse(tmp: Path) -> Path:
    """A file larger than the limit that costs no disk: a hole of MAX_FILE_BYTES + 1 bytes."""
    path = tmp / "requirements.txt"
    with path.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)
    return path


READ_CASES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("binary", make_file(b"requests\x00\x01\x02\xff" * 100), "binary"),
    ("invalid-utf8", make_file(b"requests==1.0\nflask\xff\xfe==2\n"), "not valid UTF-8 (byte 19, line 2)"),
    ("bad-utf16-bom", make_file(b"\xff\xfer\x00\x00\xd8"), "utf-16-le"),
    ("too-large", make_sparse, "too large"),
    ("directory", make_directory, "directory"),
    ("fifo", make_fifo, "not a regular file"),
    ("dev-zero", lambda tmp: Path("/dev/zero"), "not a regular file"),
    ("dev-stdin", lambda tmp: Path("/dev/stdin"), "not a regular file"),
    ("missing", lambda tmp: tmp / "nothing.txt", "no such file"),
]


def check_read_refused(tmp: Path, make: Callable[[Path], Path], message: str) -> None:
    path = make(tmp)
    result = bounded(lambda: read_dependency_file(path))
    assert result.text is None  # type: ignore[attr-defined]
    assert message in (result.error or "")  # type: ignore[attr-defined]


@pytest.mark.parametrize(("case", "make", "message"), READ_CASES, ids=[c[0] for c in READ_CASES])
def test_unreadable_files_are_refused_with_a_reason(
    tmp_path: Path, case: str, make: Callable[[Path], Path], message: str
) -> None:
    if case == "dev-stdin" and not Path("/dev/stdin").exists():
        pytest.skip("no /dev/stdin here")
    check_read_refused(tmp_path, make, message)


def test_utf8_bom_and_crlf_are_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_bytes(b"\xef\xbb\xbfrequests==1.0\r\n")
    assert read_dependency_file(path).text == "\ufeffrequests==1.0\r\n"


# -- includes -------------------------------------------------------------------------------------------

# (include lines, expected problem code per include line); ``{tmp}`` is the project folder.
INCLUDE_CASES = [
    ("-r /dev/zero\n", ["include-not-found"]),
    ("-r /dev/stdin\n", ["include-not-found"]),
    ("-c /dev/zero\n", ["include-not-found"]),
    ("-r fifo-requirements.txt\n", ["include-not-found"]),
    ("-r dir-requirements.txt\n", ["include-not-found"]),
    ("-r requirements.txt\n", ["include-cycle"]),
    # requirements.txt -> a.txt -> b.txt -> a.txt: the cycle is b.txt's problem (see the test below); here it
    # must simply end.
    ("-r a.txt\n", []),
    ("-r huge.txt\n", ["include-not-found"]),
    ("-r binary.txt\n", ["include-not-found"]),
]


def project(tmp: Path) -> Path:
    make_fifo(tmp)
    make_directory(tmp)
    (tmp / "a.txt").write_text("-r b.txt\nflask\n")
    (tmp / "b.txt").write_text("-r a.txt\n")
    with (tmp / "huge.txt").open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)
    (tmp / "binary.txt").write_bytes(b"\x00" * 100)
    return tmp / "requirements.txt"


def check_include_diagnostics(tmp: Path, lines: str, codes: list[str]) -> None:
    """The server's way of reading other files (the workspace over read_dependency_file) reports each bad
    include on its line, in bounded time, without reading anything that is not a regular file."""
    root = project(tmp)
    text = lines + "requests==2.0\n"
    workspace = Workspace(lambda path: read_dependency_file(path).text, root=tmp)
    document = workspace.open(root, text)
    settings = AnalysisSettings()
    found = bounded(lambda: local_findings(document, build_context(document, settings), settings, workspace))
    include_codes = [f.code for f in found if f.code.startswith("include-")]  # type: ignore[attr-defined]
    assert include_codes == codes, found


@pytest.mark.parametrize(("lines", "codes"), INCLUDE_CASES, ids=[c[0].strip() for c in INCLUDE_CASES])
def test_bad_includes_give_a_diagnostic(tmp_path: Path, lines: str, codes: list[str]) -> None:
    check_include_diagnostics(tmp_path, lines, codes)


def test_a_cycle_between_included_files_is_reported_where_it_closes(tmp_path: Path) -> None:
    root = project(tmp_path)
    workspace = Workspace(lambda path: read_dependency_file(path).text, root=tmp_path)
    graph = workspace.include_graph(workspace.open(root, "-r a.txt\n"))
    assert graph is not None
    assert [p.code for p in graph.problems.get(str(tmp_path / "b.txt"), [])] == ["include-cycle"]


async def test_server_survives_bad_includes(tmp_path: Path, index_server: IndexServer) -> None:
    """End to end: the server must not read /dev/stdin (its own protocol stream!), /dev/zero or a FIFO."""
    session = await start_session(tmp_path, index_server)
    try:
        project(session.root)
        text = "".join(line for line, _codes in INCLUDE_CASES) + "requests==2.0\n"
        uri = session.open("requirements.txt", text)
        diagnostics = await session.diagnostics(
            uri, lambda found: sum(d.code == "include-not-found" for d in found) >= 7, timeout=30
        )
        assert sum(d.code == "include-cycle" for d in diagnostics) == 1
        # Still answering: a hover on the last line.
        from lsprotocol import types

        hover = await session.client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=len(INCLUDE_CASES), character=2),
            )
        )
        assert hover is None or hover.contents
    finally:
        await session.client.shutdown_session()
        await session.client.stop()


# -- parsing hostile texts -----------------------------------------------------------------------------------

HOSTILE_TEXTS = [
    ("requirements.txt", "a" * 1_000_000),
    ("requirements.txt", "requests" + ">=1," * 20_000 + ">=1"),
    ("requirements.txt", "requests ; " + "python_version > '3' and " * 5_000 + "os_name == 'x'"),
    ("requirements.txt", " \\\n" * 100_000 + "requests"),
    ("requirements.txt", "-r " + "x" * 1_000_000),
    ("requirements.txt", "\r" * 200_000 + "requests"),
    ("pyproject.toml", 'x = "' + "a" * 1_000_000 + '"'),
    ("pyproject.toml", "x = " + "[" * 10_000),
    ("pyproject.toml", "x = " + "[" * 10_000 + "]" * 10_000),
    ("pyproject.toml", "x = " + "{a=" * 10_000),
    ("pyproject.toml", "[project]\ndependencies = " + "[" * 10_000 + '"requests"' + "]" * 10_000),
    ("pyproject.toml", "[" * 10_000),
    ("pyproject.toml", "a" + ".a" * 50_000 + " = 1"),
    ("pyproject.toml", "[project]\ndependencies = [" + '"a",' * 20_000 + "]"),
]


def check_hostile_text(name: str, text: str) -> None:
    document = bounded(lambda: parse_document(text, name))
    check_document(document)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "text"), HOSTILE_TEXTS, ids=[f"{n}:{t[:16]!r}" for n, t in HOSTILE_TEXTS])
def test_hostile_texts_parse_in_bounded_time(name: str, text: str) -> None:
    check_hostile_text(name, text)


DEEP_TOML = [
    "x = " + "[" * 10_000 + "]" * 10_000,
    "x = " + "[" * 10_000,
    "[project]\ndependencies = " + "[" * 10_000 + '"requests"' + "]" * 10_000,
    "x = " + "{a=" * 10_000 + "1" + "}" * 10_000,
]


@pytest.mark.parametrize("text", DEEP_TOML, ids=range(len(DEEP_TOML)))
def test_deep_toml_nesting_is_a_syntax_problem(text: str) -> None:
    """10,000 nested arrays exhaust tomllib's recursion: the file must get a syntax problem, never pass as
    valid, and never an internal error."""
    document = parse_document(text, "pyproject.toml")
    check_document(document)
    assert any(p.code == "toml-syntax" and "nested" in p.message for p in document.problems)
    assert document.pyproject is not None and not document.pyproject.document.valid  # type: ignore[union-attr]


# -- the command line ---------------------------------------------------------------------------------------


def run_check(*arguments: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pinwise", "check", "--offline", "--format", "json", *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_GUARD * 3 * max(1.0, BIG_FILE_MB),
        check=False,
    )


def test_cli_refuses_files_over_64_mb(tmp_path: Path) -> None:
    path = make_sparse(tmp_path)
    result = run_check(str(path), cwd=tmp_path, env={**server_environment(tmp_path), "PYTHONPATH": str(REPO)})
    assert result.returncode == 2, result.stderr
    assert "too large" in result.stdout


def big_requirements(path: Path, megabytes: float) -> tuple[int, int]:
    """Write a requirements file of about ``megabytes`` MB made of the test corpus's lines; its line count
    and the number of requirements it holds."""
    seed = (REPO / "tests" / "core" / "data" / "requirements" / "main.txt").read_text("utf-8")
    seed = "\n".join(line for line in seed.splitlines() if not line.startswith(("-r", "-c"))) + "\n"
    repeats = max(1, int(megabytes * 1024 * 1024 / len(seed.encode())))
    with path.open("w", encoding="utf-8") as stream:
        for _ in range(repeats):
            stream.write(seed)
    return seed.count("\n") * repeats, len(parse_document(seed, "requirements.txt").dependencies) * repeats


def test_big_file_is_checked_in_bounded_time(tmp_path: Path) -> None:
    """A generated file of BIG_FILE_MB megabytes: parsed, and checked by the CLI, within the hang guard
    (scaled by size); the times are printed for docs/reliability.md (run with -s)."""
    path = tmp_path / "requirements.txt"
    lines, requirements = big_requirements(path, BIG_FILE_MB)
    started = time.perf_counter()
    document = parse_document(path.read_text("utf-8"), path)
    parse_seconds = time.perf_counter() - started
    check_document(document)
    assert len(document.dependencies) == requirements
    started = time.perf_counter()
    result = run_check(str(path), cwd=tmp_path, env={**server_environment(tmp_path), "PYTHONPATH": str(REPO)})
    cli_seconds = time.perf_counter() - started
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert json.loads(result.stdout)
    print(
        f"\n{BIG_FILE_MB} MB, {lines} lines: parse {parse_seconds:.1f} s, pinwise check {cli_seconds:.1f} s"
    )
    assert cli_seconds < HANG_GUARD * max(1.0, BIG_FILE_MB)


# -- a tool that fails half-way: the file is put back ------------------------------------------------------

SNAPSHOT_CASES = [
    # (bytes before, None: absent; what the tool leaves, None: removed; changed)
    (b"a==1\r\n", b"# trunc", True),
    (b"a==1\n", None, True),
    (None, b"half", True),
    (b"a==1\n", b"a==1\n", False),
    (None, None, False),
]


@pytest.mark.parametrize(("before", "left", "changed"), SNAPSHOT_CASES)
def test_file_snapshot_restores(
    tmp_path: Path, before: bytes | None, left: bytes | None, changed: bool
) -> None:
    from pinwise.core.files import FileSnapshot

    path = tmp_path / "requirements.txt"
    if before is not None:
        path.write_bytes(before)
    snapshot = FileSnapshot.take(path)
    if left is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(left)
    assert snapshot.restore() is changed
    assert (path.read_bytes() if path.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == (["requirements.txt"] if before is not None else [])
