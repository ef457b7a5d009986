"""pip requirements files: the model, the parser and the include graph."""

from __future__ import annotations

from pinwise.core.requirements.model import (
    Comment,
    EnvVarRef,
    ErrorItem,
    HashOption,
    Item,
    LineItem,
    OptionItem,
    OptionUse,
    RequirementItem,
    RequirementsFile,
)
from pinwise.core.requirements.parse import parse_requirements

__all__ = [
    "Comment",
    "EnvVarRef",
    "ErrorItem",
    "HashOption",
    "Item",
    "LineItem",
    "OptionItem",
    "OptionUse",
    "RequirementItem",
    "RequirementsFile",
    "parse_requirements",
]
