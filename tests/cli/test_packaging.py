"""The wheel and the sdist build (hatchling, no build isolation, so no network), hold what they must, and
the wheel installed into a fresh virtual environment gives a working ``pinwise`` console script."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from pinwise import __version__

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-d", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("pinwise-*.whl")
    (sdist,) = out.glob("pinwise-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist}


def test_wheel_contents(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = set(wheel.namelist())
        info = f"pinwise-{__version__}.dist-info"
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
        metadata = wheel.read(f"{info}/METADATA").decode()
    for required in ("pinwise/__init__.py", "pinwise/__main__.py", "pinwise/cli.py", "pinwise/py.typed"):
        assert required in names
    assert any(name.startswith("pinwise/core/") for name in names)
    assert any(name.startswith("pinwise/lsp/") for name in names)
    assert not any(name.startswith(("tests/", "server/")) for name in names)
    assert "[console_scripts]\npinwise = pinwise.__main__:main" in entry_points
    assert "Requires-Dist: pygls" in metadata


def test_sdist_contents(built: dict[str, Path]) -> None:
    with tarfile.open(built["sdist"]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for required in ("pyproject.toml", "README.md", "server/pinwise/__init__.py", "docs/cli.md"):
        assert required in names


def test_wheel_installs_into_a_fresh_venv(built: dict[str, Path], tmp_path: Path) -> None:
    """A venv without pip (fast); the dev environment's pip installs the wheel into it, and the runtime
    dependencies come from the dev environment's site-packages through a .pth file, so nothing is
    downloaded. The console script must import pinwise from the wheel, not from the checkout."""
    target = tmp_path / "venv"
    venv.create(target, with_pip=False)
    python = target / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(built["wheel"]),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    version = subprocess.run(
        [str(target / "bin" / "pinwise"), "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == f"pinwise {__version__}"
    where = subprocess.run(
        [str(python), "-c", "import pinwise, pinwise.cli; print(pinwise.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert Path(where.stdout.strip()).is_relative_to(site)
