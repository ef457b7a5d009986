"""Build tiny, valid wheels and projects for install tests, so no test ever needs a package index.

Also holds the environment tests run installers with: no pip or uv configuration of the machine (which
may name extra indexes) can reach a test's installer.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from packaging.utils import canonicalize_name


def hermetic_environ(cache_dir: Path) -> dict[str, str]:
    """This process's environment without any pip/uv configuration, and with private caches."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_")) and k not in ("VIRTUAL_ENV", "PYTHONPATH", "CONDA_PREFIX")
    }
    env.update(
        {
            # pip reads no configuration file at all when this names the null device.
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "UV_NO_CONFIG": "1",
            "UV_CACHE_DIR": str(cache_dir / "uv-cache"),
            "UV_PYTHON_DOWNLOADS": "never",
        }
    )
    return env


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def file_hash(path: Path) -> str:
    """The ``sha256:...`` form used by ``--hash`` in requirements files."""
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def write_wheel(directory: Path, name: str, version: str, files: Mapping[str, bytes], metadata: str) -> Path:
    """Write ``{name}-{version}-py3-none-any.whl`` holding ``files`` plus the dist-info folder."""
    dist = canonicalize_name(name).replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    contents = dict(files)
    contents[f"{info}/METADATA"] = metadata.encode()
    contents[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: pinwise-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record_lines = [f"{path},{_record_hash(data)},{len(data)}" for path, data in contents.items()]
    record_lines.append(f"{info}/RECORD,,")
    contents[f"{info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
    return wheel


def metadata_text(
    name: str,
    version: str,
    requires: Iterable[str] = (),
    requires_python: str | None = None,
    extras: Mapping[str, Iterable[str]] | None = None,
) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", "Summary: a test package"]
    if requires_python:
        lines.append(f"Requires-Python: {requires_python}")
    lines += [f"Requires-Dist: {r}" for r in requires]
    for extra, extra_requires in (extras or {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {r}; extra == "{extra}"' for r in extra_requires]
    # A long description after the headers: readers must stop at the blank line.
    return "\n".join(lines) + "\n\nA description.\nName: not-a-header\n"


def build_wheel(
    directory: Path,
    name: str,
    version: str,
    *,
    requires: Iterable[str] = (),
    requires_python: str | None = None,
) -> Path:
    """A wheel with one module, ``{name}_mod`` exposing ``VERSION``."""
    module = canonicalize_name(name).replace("-", "_") + "_mod"
    files = {f"{module}.py": f"VERSION = {version!r}\n".encode()}
    return write_wheel(
        directory, name, version, files, metadata_text(name, version, requires, requires_python)
    )


def wheel_from_installed(site_packages: Path, dist_info: str, directory: Path) -> Path:
    """Repack an installed distribution (e.g. the test runner's own pip) into a wheel, from its RECORD.

    Scripts outside site-packages and byte code are left out; the installer regenerates both.
    """
    info = site_packages / dist_info
    name, version = dist_info[: -len(".dist-info")].rsplit("-", 1)
    files: dict[str, bytes] = {}
    metadata = (info / "METADATA").read_text(encoding="utf-8")
    for line in (info / "RECORD").read_text(encoding="utf-8").splitlines():
        path = line.rsplit(",", 2)[0]
        if not path or path.startswith("..") or path.endswith(".pyc") or path.startswith(f"{dist_info}/"):
            continue
        files[path] = (site_packages / path).read_bytes()
    for extra in ("entry_points.txt", "top_level.txt"):
        if (info / extra).is_file():
            files[f"{dist_info}/{extra}"] = (info / extra).read_bytes()
    return write_wheel(directory, name, version, files, metadata)


# A PEP 517/660 build backend small enough to live inside each test project (``backend-path``), so that
# building the project needs nothing from an index.
_BACKEND = """
import base64, hashlib, os, zipfile

METADATA = {metadata!r}
NAME = {dist!r}
VERSION = {version!r}


def _hash(data):
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def _write(directory, files):
    info = f"{{NAME}}-{{VERSION}}.dist-info"
    files = dict(files)
    files[info + "/METADATA"] = METADATA.encode()
    files[info + "/WHEEL"] = b"Wheel-Version: 1.0\\nGenerator: tiny\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    record = [f"{{p}},{{_hash(d)}},{{len(d)}}" for p, d in files.items()] + [info + "/RECORD,,"]
    files[info + "/RECORD"] = ("\\n".join(record) + "\\n").encode()
    name = f"{{NAME}}-{{VERSION}}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as archive:
        for p, d in files.items():
            archive.writestr(p, d)
    return name


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_editable(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    source = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", NAME + ".py"), "rb").read()
    return _write(wheel_directory, {{NAME + ".py": source}})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    src = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
    return _write(wheel_directory, {{NAME + ".pth": (src + "\\n").encode()}})
"""


def build_project(
    directory: Path,
    name: str,
    version: str,
    *,
    requires: Iterable[str] = (),
    extras: Mapping[str, Iterable[str]] | None = None,
    groups: Mapping[str, Iterable[str]] | None = None,
) -> Path:
    """A project folder with a pyproject.toml, dependency groups and an in-tree build backend."""
    dist = canonicalize_name(name).replace("-", "_")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "_backend").mkdir(exist_ok=True)
    (directory / "src").mkdir(exist_ok=True)
    (directory / "src" / f"{dist}.py").write_text(f"VERSION = {version!r}\n", encoding="utf-8")
    metadata = metadata_text(name, version, requires, extras=extras)
    (directory / "_backend" / "tiny_backend.py").write_text(
        _BACKEND.format(metadata=metadata, dist=dist, version=version), encoding="utf-8"
    )
    lines = [
        "[build-system]",
        "requires = []",
        'build-backend = "tiny_backend"',
        'backend-path = ["_backend"]',
        "",
        "[project]",
        f'name = "{name}"',
        f'version = "{version}"',
        f"dependencies = {list(requires)!r}",
        "",
    ]
    if extras:
        # Kept identical to the built metadata: uv reads a static [project] table instead of building.
        lines.append("[project.optional-dependencies]")
        lines += [f"{extra} = {list(reqs)!r}" for extra, reqs in extras.items()]
        lines.append("")
    if groups:
        lines.append("[dependency-groups]")
        lines += [f"{group} = {list(reqs)!r}" for group, reqs in groups.items()]
    (directory / "pyproject.toml").write_text("\n".join(lines).replace("'", '"') + "\n", encoding="utf-8")
    return directory
