"""The ``pyproject.toml`` dependency model: a tolerant TOML scanner with exact spans, and the tables tools use.

See :mod:`~pinwise.core.pyproject.scan` for the scanner, :mod:`~pinwise.core.pyproject.tables` for
:func:`parse_pyproject`, and :mod:`~pinwise.core.pyproject.poetry` for Poetry's constraint syntax.
"""

from __future__ import annotations

from pinwise.core.pyproject.poetry import PoetryConstraint, translate_poetry_constraint
from pinwise.core.pyproject.scan import TomlDocument, scan_toml
from pinwise.core.pyproject.tables import (
    GroupInclude,
    PackageIndex,
    PyprojectFile,
    PythonRequirement,
    Setting,
    SourceEntry,
    StringValue,
    parse_pyproject,
)

__all__ = [
    "GroupInclude",
    "PackageIndex",
    "PoetryConstraint",
    "PyprojectFile",
    "PythonRequirement",
    "Setting",
    "SourceEntry",
    "StringValue",
    "TomlDocument",
    "parse_pyproject",
    "scan_toml",
    "translate_poetry_constraint",
]
