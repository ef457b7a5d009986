"""Editor settings: severity words are the ones [tool.pinwise.severity] accepts, a bad one keeps the default
and names its key."""

from __future__ import annotations

import pytest

from pinwise.core.model import Severity
from pinwise.core.settings import parse_settings

SEVERITY_CASES = [
    # (level as written, parsed severity or "bad")
    ("error", Severity.ERROR),
    ("Warn", Severity.WARNING),
    ("info", Severity.INFORMATION),
    ("hint", Severity.HINT),
    ("off", None),
    ("ignore", None),
    ("none", None),
    (False, None),
    ("loud", "bad"),
    (3, "bad"),
]


def check_severity(level: object, expected: object) -> None:
    settings, problems = parse_settings({"diagnostics": {"severity": {"outdated": level}}})
    if expected == "bad":
        assert settings.diagnostics.severity == {}
        assert [p.key for p in problems] == ["diagnostics.severity.outdated"]
    else:
        assert problems == []
        assert settings.diagnostics.severity == {"outdated": expected}


@pytest.mark.parametrize(("level", "expected"), SEVERITY_CASES)
def test_severity_words(level: object, expected: object) -> None:
    check_severity(level, expected)
