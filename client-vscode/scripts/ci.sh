#!/usr/bin/env bash
# The VS Code client's part of the test suite, on a fresh machine (needs Node 20+, a Python 3.10+ with pip,
# apt-get as root or sudo, and the package registries): install, type-check, lint, unit tests, then the
# end-to-end run in a real VS Code (code-server + headless Chromium) against the packaged .vsix and its
# bundled server, with a package index served on 127.0.0.1. Everything it needs is installed by
# e2e/setup.sh; nothing else is assumed. Prints the time of each phase and of the whole run.
# Screenshots and logs of the end-to-end run: <repo>/.artifacts/vscode-e2e/.
#
# PINWISE_SKIP_E2E=1: static checks and unit tests only. PINWISE_CI_E2E_ONLY=1 (e2e/run-all.sh): no static
# checks or unit tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
START=$SECONDS
phase() {
  local name="$1"; shift
  local start=$SECONDS
  echo "::: $name"
  "$@"
  echo "::: $name took $((SECONDS - start)) s"
}
# e2e setup (apt, code-server's native build) runs first and in the background: it is the longest phase
# and needs nothing from the others, which share the second CPU meanwhile.
SETUP_LOG="$(mktemp)"
SETUP_PID=""
if [ "${PINWISE_SKIP_E2E:-0}" != 1 ]; then
  bash e2e/setup.sh >"$SETUP_LOG" 2>&1 &
  SETUP_PID=$!
  # A failing phase must not leave the setup running behind the job.
  trap 'if [ -n "$SETUP_PID" ]; then kill "$SETUP_PID" 2>/dev/null || true; fi' EXIT
fi
phase "npm ci" npm ci --no-audit --no-fund --loglevel=error
if [ "${PINWISE_CI_E2E_ONLY:-0}" != 1 ]; then
  phase "typecheck" npm run --silent typecheck
  phase "lint" npm run --silent lint
  phase "unit tests" npm test --silent
fi
if [ -z "$SETUP_PID" ]; then
  echo "::: VS Code end-to-end skipped (PINWISE_SKIP_E2E=1); total $((SECONDS - START)) s"
  exit 0
fi
phase "package (build + bundle server + vsce + check)" npm run --silent package
wait_setup() {
  local status=0
  wait "$SETUP_PID" || status=$?
  SETUP_PID=""
  cat "$SETUP_LOG"
  if [ "$status" != 0 ]; then
    echo "::: e2e setup failed ($status)" >&2
    return 1
  fi
}
phase "e2e setup (waiting for the background part)" wait_setup
phase "e2e run" node e2e/run.mjs
echo "::: total $((SECONDS - START)) s"
