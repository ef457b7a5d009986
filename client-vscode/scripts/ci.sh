#!/usr/bin/env bash
# The VS Code client's part of the test suite: install, type-check, lint, unit tests, package the .vsix
# (with the bundled server), then the end-to-end run in a real VS Code (code-server + headless Chromium).
# Screenshots and logs of the end-to-end run: <repo>/.artifacts/vscode-e2e/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
phase() {
  local name="$1"; shift
  local start=$SECONDS
  echo "::: $name"
  "$@"
  echo "::: $name took $((SECONDS - start)) s"
}
phase "npm ci" npm ci --no-audit --no-fund --loglevel=error
phase "typecheck" npm run --silent typecheck
phase "lint" npm run --silent lint
phase "unit tests" npm test --silent
if [ "${PINWISE_SKIP_E2E:-0}" = 1 ]; then
  echo "::: VS Code end-to-end skipped (PINWISE_SKIP_E2E=1)"
  exit 0
fi
phase "e2e setup" bash e2e/setup.sh
phase "build" npm run --silent build
phase "package (bundle server + vsce)" npm run --silent package
phase "e2e run" node e2e/run.mjs
