"""Virtual environments: finding them, choosing a base Python, creating one, installing into it, reading
what it holds, and remembering which one each workspace folder uses.

Nothing here imports the language-server protocol; the LSP commands call this API.
"""

from __future__ import annotations

from pinwise.core.venv.discover import (
    Environment,
    EnvironmentKind,
    discover_environments,
    discover_environments_sync,
    environment_at,
    python_executable,
)
from pinwise.core.venv.installed import (
    InstalledDistribution,
    installed_fingerprint,
    read_installed,
    site_packages_dirs,
)
from pinwise.core.venv.interpreters import (
    Interpreter,
    choose_default,
    find_interpreters,
    probe_interpreter,
)
from pinwise.core.venv.manage import (
    CreateResult,
    InstallRequest,
    InstallResult,
    OutputCallback,
    Progress,
    ProgressCallback,
    ProjectInstall,
    RequirementFiles,
    RequirementStrings,
    Status,
    VenvManager,
    find_uv,
)
from pinwise.core.venv.store import SelectionStore

__all__ = [
    "CreateResult",
    "Environment",
    "EnvironmentKind",
    "InstallRequest",
    "InstallResult",
    "InstalledDistribution",
    "Interpreter",
    "OutputCallback",
    "Progress",
    "ProgressCallback",
    "ProjectInstall",
    "RequirementFiles",
    "RequirementStrings",
    "SelectionStore",
    "Status",
    "VenvManager",
    "choose_default",
    "discover_environments",
    "discover_environments_sync",
    "environment_at",
    "find_interpreters",
    "find_uv",
    "installed_fingerprint",
    "probe_interpreter",
    "python_executable",
    "read_installed",
    "site_packages_dirs",
]
