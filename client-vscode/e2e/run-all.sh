#!/usr/bin/env bash
# CI entry point for the VS Code end-to-end test: setup (apt packages, code-server, playwright-core),
# install the extension's npm dependencies, build, package the .vsix (with the bundled server) and
# run e2e/run.mjs. Screenshots and logs: <repo>/.artifacts/vscode-e2e/. Prints timings per phase.
set -euo pipefail
CLIENT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$CLIENT"
phase() {
  local name="$1"; shift
  local start=$SECONDS
  echo "::: $name"
  "$@"
  echo "::: $name took $((SECONDS - start)) s"
}
phase "e2e setup" bash e2e/setup.sh
phase "npm ci" npm ci --no-audit --no-fund --loglevel=error
phase "build" npm run --silent build
phase "package (bundle server + vsce)" npm run --silent package
phase "e2e run" node e2e/run.mjs
