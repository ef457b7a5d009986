#!/usr/bin/env bash
# Checks the packaged .vsix itself (what users install), after `vsce package`:
#  - universal: no compiled extension module (.so/.pyd/.dylib) and no bytecode anywhere in it;
#  - complete: the extension bundle, the grammar and the bundled server's entry point are there;
#  - lean: nothing from src/, test/, e2e/, scripts/ or node_modules/ (.vscodeignore is honoured).
# Prints the file count and size. Usage: scripts/check-vsix.sh [pinwise.vsix] (needs a python3).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VSIX="${1:-$HERE/pinwise.vsix}"
REPO="$(cd "$HERE/.." && pwd)"
PY="${PINWISE_BUNDLE_PYTHON:-}"
if [ -z "$PY" ]; then
  if [ -x "$REPO/.venv/bin/python" ]; then PY="$REPO/.venv/bin/python"; else PY="python3"; fi
fi
"$PY" - "$VSIX" <<'PYEOF'
import os
import re
import sys
import zipfile

vsix = sys.argv[1]
with zipfile.ZipFile(vsix) as archive:
    names = [n for n in archive.namelist() if not n.endswith("/")]
files = [n[len("extension/"):] for n in names if n.startswith("extension/")]
problems = []
compiled = [f for f in files if re.search(r"\.(so|pyd|dylib)$", f) or re.search(r"\.so\.\d", f)]
if compiled:
    problems.append(f"compiled extension modules (the .vsix must stay universal): {compiled[:10]}")
bytecode = [f for f in files if f.endswith(".pyc") or "/__pycache__/" in f]
if bytecode:
    problems.append(f"bytecode ships (the extension compiles into its storage instead): {bytecode[:10]}")
for required in ("package.json", "out/extension.js", "syntaxes/pip-requirements.tmLanguage.json",
                 "bundled/libs/pinwise/__main__.py", "bundled/libs/pinwise/lsp/server.py", "bundled/libs/pygls/__init__.py"):
    if required not in files:
        problems.append(f"missing: {required}")
stray = [f for f in files if re.match(r"(src|test|out-test|e2e|scripts|node_modules)/", f) or f.endswith((".ts", ".map", ".vsix"))]
if stray:
    problems.append(f"files that belong out of the package (.vscodeignore): {stray[:10]}")
size = os.path.getsize(vsix)
print(f"[check-vsix] {vsix}: {len(files)} files, {size / 1e6:.2f} MB")
for problem in problems:
    print(f"[check-vsix] error: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
PYEOF
