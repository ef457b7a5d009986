"""The editor's settings for Pinwise: typed, validated, with a default for every key.

Settings arrive as camelCase JSON (``{"index": {"url": ...}, "diagnostics": {"severity": {...}}}``) from the
client's ``initializationOptions`` and from ``workspace/configuration`` (section ``pinwise``). Parsing never
raises: a value of the wrong type or outside its allowed set is reported as a :class:`SettingProblem` that
names the key, and the key keeps its default. Dotted keys (``{"index.url": ...}``) are accepted too, as VS
Code sends them when a setting is written flat.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from pinwise.core.analysis.codes import parse_severity
from pinwise.core.model import Severity


class Policy(enum.Enum):
    """How strictly dependencies are judged: an application pins, a library keeps ranges open."""

    AUTO = "auto"
    APPLICATION = "application"
    LIBRARY = "library"


# A finding's configured severity; None means "off" (the finding is not reported).


@dataclass(frozen=True, slots=True)
class IndexOptions:
    url: str | None = None
    extra_urls: tuple[str, ...] = ()
    offline: bool = False


@dataclass(frozen=True, slots=True)
class DiagnosticsOptions:
    # Finding code -> severity, or None to turn the code off.
    severity: Mapping[str, Severity | None] = field(default_factory=dict)
    prereleases: bool = False


@dataclass(frozen=True, slots=True)
class InlayHintOptions:
    enable: bool = True


@dataclass(frozen=True, slots=True)
class VenvOptions:
    gitignore: bool = True
    upgrade_pip: bool = True


@dataclass(frozen=True, slots=True)
class Settings:
    index: IndexOptions = field(default_factory=IndexOptions)
    policy: Policy = Policy.AUTO
    diagnostics: DiagnosticsOptions = field(default_factory=DiagnosticsOptions)
    inlay_hints: InlayHintOptions = field(default_factory=InlayHintOptions)
    venv: VenvOptions = field(default_factory=VenvOptions)


@dataclass(frozen=True, slots=True)
class SettingProblem:
    key: str  # the dotted camelCase key, e.g. "diagnostics.severity.unpinned"
    message: str  # what was wrong, in a sentence without the key


DEFAULT_SETTINGS = Settings()


class _Reader:
    """Reads typed values from a nested mapping, collecting a problem per bad key."""

    def __init__(self, raw: Mapping[str, object]) -> None:
        self.raw = _expand_dotted(raw)
        self.problems: list[SettingProblem] = []

    def value(self, key: str) -> object | None:
        node: object = self.raw
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node

    def boolean(self, key: str, default: bool) -> bool:
        value = self.value(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        self.problems.append(SettingProblem(key, f"expected true or false, got {_describe(value)}"))
        return default

    def text(self, key: str, default: str | None) -> str | None:
        value = self.value(key)
        if value is None:
            return default
        if isinstance(value, str):
            return value.strip() or default
        self.problems.append(SettingProblem(key, f"expected a string, got {_describe(value)}"))
        return default

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.value(key)
        if value is None:
            return ()
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(item.strip() for item in value if item.strip())
        self.problems.append(SettingProblem(key, f"expected a list of strings, got {_describe(value)}"))
        return ()

    def choice(self, key: str, enum_type: type[Policy], default: Policy) -> Policy:
        value = self.value(key)
        if value is None:
            return default
        allowed = [member.value for member in enum_type]
        if isinstance(value, str) and value.strip().lower() in allowed:
            return enum_type(value.strip().lower())
        self.problems.append(
            SettingProblem(key, f"expected one of {', '.join(allowed)}, got {_describe(value)}")
        )
        return default

    def severities(self, key: str) -> dict[str, Severity | None]:
        value = self.value(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problems.append(
                SettingProblem(key, f"expected an object of code: level, got {_describe(value)}")
            )
            return {}
        result: dict[str, Severity | None] = {}
        for code, level in value.items():
            # The words [tool.pinwise.severity] accepts, so the editor and the project file agree.
            understood, severity = parse_severity(level)
            if understood:
                result[str(code)] = severity
            else:
                self.problems.append(
                    SettingProblem(
                        f"{key}.{code}",
                        f"expected error, warning, information, hint or off, got {_describe(level)}",
                    )
                )
        return result


def _expand_dotted(raw: Mapping[str, object]) -> dict[str, object]:
    """``{"index.url": x}`` -> ``{"index": {"url": x}}``, merged with nested keys already present."""
    result: dict[str, object] = {}
    for key, value in raw.items():
        parts = str(key).split(".")
        node = result
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        last = parts[-1]
        existing = node.get(last)
        if isinstance(existing, dict) and isinstance(value, Mapping):
            existing.update(_expand_dotted(value))
        elif isinstance(value, Mapping) and last != "severity":
            node[last] = _expand_dotted(value)
        else:
            node[last] = value
    return result


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_settings(raw: object) -> tuple[Settings, list[SettingProblem]]:
    """Typed settings from the client's JSON; every bad key keeps its default and yields a problem."""
    if raw is None:
        return DEFAULT_SETTINGS, []
    if not isinstance(raw, Mapping):
        return DEFAULT_SETTINGS, [SettingProblem("pinwise", f"expected an object, got {_describe(raw)}")]
    reader = _Reader(raw)
    settings = Settings(
        index=IndexOptions(
            url=reader.text("index.url", None),
            extra_urls=reader.texts("index.extraUrls"),
            offline=reader.boolean("index.offline", False),
        ),
        policy=reader.choice("policy", Policy, Policy.AUTO),
        diagnostics=DiagnosticsOptions(
            severity=reader.severities("diagnostics.severity"),
            prereleases=reader.boolean("diagnostics.prereleases", False),
        ),
        inlay_hints=InlayHintOptions(enable=reader.boolean("inlayHints.enable", True)),
        venv=VenvOptions(
            gitignore=reader.boolean("venv.gitignore", True),
            upgrade_pip=reader.boolean("venv.upgradePip", True),
        ),
    )
    return settings, reader.problems
