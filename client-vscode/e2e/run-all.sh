#!/usr/bin/env bash
# The VS Code end-to-end test alone, from a fresh checkout: what scripts/ci.sh runs after its static
# checks and unit tests. Screenshots and logs: <repo>/.artifacts/vscode-e2e/.
set -euo pipefail
exec env PINWISE_CI_E2E_ONLY=1 bash "$(dirname "${BASH_SOURCE[0]}")/../scripts/ci.sh"
