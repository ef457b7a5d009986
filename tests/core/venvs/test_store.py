"""Remembered environment selections: round trips, location, corrupt files and atomic writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pinwise.core.venv import SelectionStore
from pinwise.core.venv.store import FILE_NAME, default_state_dir

# Each step: ("set", folder, venv or None) or ("get", folder, expected venv or None); paths under tmp.
Step = tuple[str, str, str | None]
CASES: list[tuple[str, list[Step]]] = [
    ("round-trip", [("set", "ws", "ws/.venv"), ("get", "ws", "ws/.venv"), ("get", "other", None)]),
    ("replace", [("set", "ws", "a"), ("set", "ws", "b"), ("get", "ws", "b")]),
    ("forget", [("set", "ws", "a"), ("set", "ws", None), ("get", "ws", None), ("set", "ws", None)]),
    ("two-folders", [("set", "w1", "a"), ("set", "w2", "b"), ("get", "w1", "a"), ("get", "w2", "b")]),
    # The folder is keyed by its resolved path, so a link to it finds the same selection.
    ("through-a-link", [("set", "ws", "a"), ("get", "link-to-ws", "a")]),
    ("relative-spelling", [("set", "ws/../ws", "a"), ("get", "ws", "a")]),
]


def check_store(root: Path, steps: list[Step]) -> None:
    (root / "ws").mkdir()
    (root / "link-to-ws").symlink_to(root / "ws", target_is_directory=True)
    state = root / "state"
    for action, folder, venv in steps:
        # A new store per step: every answer must come from the file, as after a restart.
        store = SelectionStore(state)
        if action == "set":
            store.set(root / folder, None if venv is None else root / venv)
        else:
            assert store.get(root / folder) == (None if venv is None else root / venv)
    leftovers = [p.name for p in state.iterdir() if p.name != FILE_NAME] if state.exists() else []
    assert leftovers == [], "temporary files must not be left behind"


@pytest.mark.parametrize(("case", "steps"), CASES, ids=[c[0] for c in CASES])
def test_store(tmp_path: Path, case: str, steps: list[Step]) -> None:
    check_store(tmp_path, steps)


@pytest.mark.parametrize(
    "content",
    [
        "{broken",
        "[]",
        '{"version": 1, "selections": []}',
        '{"version": 1, "selections": {"/a": 3}}',
        "\x00\xff",
    ],
    ids=["syntax", "list", "selections-list", "non-string", "binary"],
)
def test_a_corrupt_file_is_ignored_then_replaced(tmp_path: Path, content: str) -> None:
    (tmp_path / FILE_NAME).write_text(content, encoding="latin-1")
    store = SelectionStore(tmp_path)
    assert store.get(tmp_path) is None and store.all() == {}
    store.set(tmp_path, tmp_path / ".venv")
    data = json.loads((tmp_path / FILE_NAME).read_text())
    assert data == {"version": 1, "selections": {str(tmp_path.resolve()): str(tmp_path / ".venv")}}


LOCATIONS: list[tuple[str, dict[str, str], str | None]] = [
    ("variable", {"PINWISE_STATE_DIR": "{tmp}/from-env"}, "{tmp}/from-env"),
    ("platform-default", {}, None),
]


@pytest.mark.parametrize(("case", "environ", "expected"), LOCATIONS, ids=[c[0] for c in LOCATIONS])
def test_state_dir(tmp_path: Path, case: str, environ: dict[str, str], expected: str | None) -> None:
    env = {k: v.format(tmp=tmp_path) for k, v in environ.items()}
    store = SelectionStore(environ=env)
    if expected is None:
        import platformdirs

        assert store.directory == Path(platformdirs.user_state_dir("pinwise", appauthor=False))
    else:
        assert store.directory == Path(expected.format(tmp=tmp_path)) == default_state_dir(env)
    # An explicit directory beats the variable.
    assert SelectionStore(tmp_path / "explicit", environ=env).path == tmp_path / "explicit" / FILE_NAME
