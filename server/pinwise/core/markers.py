"""What PEP 508 environment markers can say: every marker variable, and the values worth suggesting for it.

Completion offers these after ``;`` in a requirement and inside a marker's quotes; hover explains a variable
with the same text. The values are the common ones, not an exhaustive list: a marker may compare against any
string, and the interpreter that installs the project decides what each variable holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.markers import Marker, default_environment

__all__ = [
    "MARKER_OPERATORS",
    "MARKER_VARIABLES",
    "MarkerValue",
    "MarkerVariable",
    "marker_holds",
    "marker_values",
    "python_versions",
]

# Python minor versions worth suggesting, oldest first. The newest few are the ones people write most.
_OLDEST_MINOR = 6
_NEWEST_MINOR = 14


def python_versions() -> tuple[str, ...]:
    """``"3.6"`` … ``"3.14"``, newest first."""
    return tuple(f"3.{minor}" for minor in range(_NEWEST_MINOR, _OLDEST_MINOR - 1, -1))


@dataclass(frozen=True, slots=True)
class MarkerValue:
    value: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class MarkerVariable:
    name: str
    description: str  # markdown
    python_equivalent: str  # how Python computes it
    examples: tuple[str, ...] = ()
    # True for variables compared as versions (``<``, ``>=``, ``~=`` make sense), False for plain strings.
    is_version: bool = False
    deprecated_alias_of: str | None = None


MARKER_VARIABLES: dict[str, MarkerVariable] = {
    variable.name: variable
    for variable in (
        MarkerVariable(
            "python_version",
            "The Python version as major.minor, e.g. `3.12`. Use it to require a backport on old Pythons.",
            "'.'.join(platform.python_version_tuple()[:2])",
            ("3.12", "3.13"),
            is_version=True,
        ),
        MarkerVariable(
            "python_full_version",
            "The full Python version, e.g. `3.12.4` (with a suffix such as `rc1` for pre-releases).",
            "platform.python_version()",
            ("3.12.4",),
            is_version=True,
        ),
        MarkerVariable(
            "os_name",
            "The name of the operating system module: `posix` on Linux and macOS, `nt` on Windows.",
            "os.name",
            ("posix", "nt", "java"),
        ),
        MarkerVariable(
            "sys_platform",
            "The platform identifier: `linux`, `win32`, `darwin` (macOS), `cygwin`, `emscripten`, …",
            "sys.platform",
            ("linux", "win32", "darwin"),
        ),
        MarkerVariable(
            "platform_system",
            "The system name: `Linux`, `Windows` or `Darwin` (macOS); empty when it cannot be determined.",
            "platform.system()",
            ("Linux", "Windows", "Darwin"),
        ),
        MarkerVariable(
            "platform_machine",
            "The machine type: `x86_64`, `aarch64` (Linux ARM), `arm64` (macOS ARM), `AMD64` (Windows), …",
            "platform.machine()",
            ("x86_64", "aarch64", "arm64", "AMD64"),
        ),
        MarkerVariable(
            "platform_release",
            "The operating system's release, e.g. a Linux kernel version such as `6.8.0-45-generic`.",
            "platform.release()",
            ("6.8.0", "10"),
        ),
        MarkerVariable(
            "platform_version",
            "The operating system's version string (long and system specific; rarely useful in markers).",
            "platform.version()",
            (),
        ),
        MarkerVariable(
            "platform_python_implementation",
            "The Python implementation: `CPython`, `PyPy`, `IronPython`, `Jython`.",
            "platform.python_implementation()",
            ("CPython", "PyPy"),
        ),
        MarkerVariable(
            "implementation_name",
            "The implementation's name in lower case: `cpython`, `pypy`, `graalpy`, …",
            "sys.implementation.name",
            ("cpython", "pypy"),
        ),
        MarkerVariable(
            "implementation_version",
            "The implementation's own version (for PyPy its own release, not the Python version it implements).",
            "sys.implementation.version (formatted like python_full_version)",
            ("3.12.4", "7.3.17"),
            is_version=True,
        ),
        MarkerVariable(
            "extra",
            "True when the named extra of the project is being installed; only meaningful in a "
            "project's own metadata (`Requires-Dist`), e.g. in `optional-dependencies`.",
            "the extras requested for the project being installed",
            ("dev", "test"),
        ),
        MarkerVariable(
            "dependency_groups",
            "The dependency groups being installed (PEP 751 lock files); compared with `in`.",
            "the dependency groups requested by the installer",
            ("dev",),
        ),
        MarkerVariable(
            "platform.python_implementation",
            "Deprecated spelling of `platform_python_implementation`; packaging still accepts it.",
            "platform.python_implementation()",
            deprecated_alias_of="platform_python_implementation",
        ),
        MarkerVariable(
            "python_implementation",
            "Deprecated spelling of `platform_python_implementation`; packaging still accepts it.",
            "platform.python_implementation()",
            deprecated_alias_of="platform_python_implementation",
        ),
        MarkerVariable(
            "os.name",
            "Deprecated spelling of `os_name`; packaging still accepts it.",
            "os.name",
            deprecated_alias_of="os_name",
        ),
        MarkerVariable(
            "sys.platform",
            "Deprecated spelling of `sys_platform`; packaging still accepts it.",
            "sys.platform",
            deprecated_alias_of="sys_platform",
        ),
        MarkerVariable(
            "platform.version",
            "Deprecated spelling of `platform_version`; packaging still accepts it.",
            "platform.version()",
            deprecated_alias_of="platform_version",
        ),
        MarkerVariable(
            "platform.machine",
            "Deprecated spelling of `platform_machine`; packaging still accepts it.",
            "platform.machine()",
            deprecated_alias_of="platform_machine",
        ),
    )
}

# Comparison operators of PEP 508 markers, with what each means (version operators apply to version
# variables; for other variables packaging compares strings).
MARKER_OPERATORS: tuple[tuple[str, str], ...] = (
    ("==", "equal"),
    ("!=", "not equal"),
    ("<", "older than (versions)"),
    ("<=", "older than or equal to (versions)"),
    (">", "newer than (versions)"),
    (">=", "newer than or equal to (versions)"),
    ("~=", "compatible release (versions)"),
    ("===", "identical text"),
    ("in", "is a substring of the value on the right"),
    ("not in", "is not a substring of the value on the right"),
)

_STRING_VALUES: dict[str, tuple[MarkerValue, ...]] = {
    "sys_platform": (
        MarkerValue("linux", "Linux"),
        MarkerValue("win32", "Windows (32- and 64-bit)"),
        MarkerValue("darwin", "macOS"),
        MarkerValue("cygwin", "Cygwin"),
        MarkerValue("emscripten", "Pyodide / WebAssembly"),
        MarkerValue("freebsd", "FreeBSD (the value carries a version suffix, e.g. freebsd14)"),
        MarkerValue("aix", "AIX"),
        MarkerValue("wasi", "WASI"),
    ),
    "platform_system": (
        MarkerValue("Linux", "Linux"),
        MarkerValue("Windows", "Windows"),
        MarkerValue("Darwin", "macOS"),
        MarkerValue("FreeBSD", "FreeBSD"),
        MarkerValue("Emscripten", "Pyodide / WebAssembly"),
        MarkerValue("Java", "Jython"),
    ),
    "os_name": (
        MarkerValue("posix", "Linux, macOS and other Unix systems"),
        MarkerValue("nt", "Windows"),
        MarkerValue("java", "Jython"),
    ),
    "platform_machine": (
        MarkerValue("x86_64", "64-bit Intel/AMD on Linux and macOS"),
        MarkerValue("aarch64", "64-bit ARM on Linux"),
        MarkerValue("arm64", "Apple silicon on macOS"),
        MarkerValue("AMD64", "64-bit Intel/AMD on Windows"),
        MarkerValue("ARM64", "64-bit ARM on Windows"),
        MarkerValue("i686", "32-bit Intel on Linux"),
        MarkerValue("x86", "32-bit Intel on Windows"),
        MarkerValue("ppc64le", "POWER, little-endian"),
        MarkerValue("s390x", "IBM Z"),
    ),
    "implementation_name": (
        MarkerValue("cpython", "CPython"),
        MarkerValue("pypy", "PyPy"),
        MarkerValue("graalpy", "GraalPy"),
    ),
    "platform_python_implementation": (
        MarkerValue("CPython", "CPython"),
        MarkerValue("PyPy", "PyPy"),
        MarkerValue("GraalVM", "GraalPy"),
        MarkerValue("IronPython", "IronPython"),
        MarkerValue("Jython", "Jython"),
    ),
}


def marker_values(variable: str, extras: tuple[str, ...] = ()) -> tuple[MarkerValue, ...]:
    """Values worth suggesting for ``variable``; ``extras`` are the project's own extras (for ``extra``)."""
    spec = MARKER_VARIABLES.get(variable)
    name = spec.deprecated_alias_of if spec is not None and spec.deprecated_alias_of else variable
    if name in ("python_version", "python_full_version"):
        return tuple(MarkerValue(version, f"Python {version}") for version in python_versions())
    if name == "extra":
        return tuple(MarkerValue(extra, f"the project's extra {extra!r}") for extra in extras)
    return _STRING_VALUES.get(name, ())


def _environment(python_version: str | None) -> dict[str, str]:
    """The marker environment pip would use for a requirement (``extra`` empty, as pip evaluates markers of
    requirements that no extra asked for), with ``python_version`` for the target interpreter when known
    (else this interpreter's)."""
    environment: dict[str, str] = {key: str(value) for key, value in default_environment().items()}
    environment["extra"] = ""
    if python_version:
        parts = python_version.split(".")
        environment["python_version"] = ".".join(parts[:2])
        environment["python_full_version"] = python_version if len(parts) >= 3 else f"{python_version}.0"
    return environment


def marker_holds(marker: str | None, python_version: str | None) -> bool:
    """False only when ``marker`` is known to be false for that Python; an invalid marker or an
    unexpected comparison counts as holding, so nothing is dropped on a guess."""
    if not marker:
        return True
    try:
        return bool(Marker(marker).evaluate(_environment(python_version)))
    except Exception:  # InvalidMarker, an undefined variable, an unexpected comparison
        return True
