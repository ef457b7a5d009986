#!/usr/bin/env bash
# Installs the Pinwise server (this repository's Python package) and its pure-Python dependencies into
# client-vscode/bundled/libs, the folder the extension puts on PYTHONPATH.
#
# - Resolved for the oldest supported Python (3.10) and for "any" platform with wheels only, so the
#   markers pull in the backports 3.10 needs (tomli, exceptiongroup) and a package that ships only
#   compiled wheels fails the build instead of producing a .vsix that works on one platform.
# - --no-compile, and every __pycache__ removed: no bytecode ships. The extension starts the server with
#   `-X pycache_prefix=<its global storage folder>` instead (src/logic/launch.ts), so each user's Python
#   (any of 3.10-3.14) compiles the bundle once, into a folder that is always writable, and reuses it on
#   every later start.
#   Shipped .pyc files would only help the one Python version that compiled them (cpython-311 tags),
#   and would make the .vsix bigger.
#
# Usage: scripts/bundle-python.sh [python]   (default: the repo's .venv python, else python3)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
PY="${1:-${PINWISE_BUNDLE_PYTHON:-}}"
if [ -z "$PY" ]; then
  if [ -x "$REPO/.venv/bin/python" ]; then PY="$REPO/.venv/bin/python"; else PY="python3"; fi
fi
LIBS="$HERE/bundled/libs"
WHEELS="$(mktemp -d)"
trap 'rm -rf "$WHEELS"' EXIT

echo "[bundle] building the pinwise wheel with $PY"
"$PY" -m pip wheel --quiet --no-deps --wheel-dir "$WHEELS" "$REPO"

rm -rf "$LIBS"
mkdir -p "$LIBS"
echo "[bundle] installing it and its dependencies into $LIBS"
"$PY" -m pip install --quiet --disable-pip-version-check --no-compile \
  --target "$LIBS" \
  --python-version 3.10 --implementation py --abi none --platform any --only-binary=:all: \
  "$WHEELS"/pinwise-*.whl

# pip evaluates environment markers against the Python running it, not --python-version: add whatever
# the installed distributions require on the oldest supported Python (e.g. tomli, exceptiongroup).
for _ in 1 2 3 4 5; do
  mapfile -t EXTRA < <(PYTHONPATH="$LIBS" "$PY" -S - "$LIBS" <<'PYEOF'
import sys
from importlib.metadata import distributions
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

libs = sys.argv[1]
dists = list(distributions(path=[libs]))
have = {canonicalize_name(d.metadata["Name"]) for d in dists}
env = {"python_version": "3.10", "python_full_version": "3.10.0", "extra": ""}
need = set()
for d in dists:
    for line in d.requires or []:
        req = Requirement(line)
        if canonicalize_name(req.name) in have:
            continue
        if req.marker is None or req.marker.evaluate(env):
            need.add(str(req).split(";")[0].strip())
print("\n".join(sorted(need)))
PYEOF
)
  [ "${#EXTRA[@]}" -eq 0 ] || [ -z "${EXTRA[0]}" ] && break
  echo "[bundle] adding for Python 3.10: ${EXTRA[*]}"
  "$PY" -m pip install --quiet --disable-pip-version-check --no-compile --no-deps \
    --target "$LIBS" --upgrade \
    --python-version 3.10 --implementation py --abi none --platform any --only-binary=:all: \
    "${EXTRA[@]}"
done

# Console scripts and metadata caches are useless inside the .vsix.
rm -rf "$LIBS/bin"
find "$LIBS" -type d -name __pycache__ -prune -exec rm -rf {} +
# pip is bundled only to be read (its default index and configuration locations), never run from here.
find "$LIBS" -name '*.exe' -delete

# Fail if anything platform-specific slipped in.
if find "$LIBS" \( -name '*.so' -o -name '*.pyd' -o -name '*.dylib' \) | grep -q .; then
  echo "[bundle] error: compiled extension modules in $LIBS; the .vsix must stay universal" >&2
  find "$LIBS" \( -name '*.so' -o -name '*.pyd' -o -name '*.dylib' \) >&2
  exit 1
fi

if [ ! -f "$LIBS/pinwise/__main__.py" ] || [ ! -f "$LIBS/pinwise/lsp/server.py" ]; then
  echo "[bundle] error: the server is missing from $LIBS (pinwise/__main__.py, pinwise/lsp/server.py)" >&2
  exit 1
fi
echo "[bundle] $(ls "$LIBS" | grep -c '\.dist-info$') distributions, $(du -sh "$LIBS" | cut -f1) in $LIBS"
