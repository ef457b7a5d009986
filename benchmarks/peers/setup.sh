#!/usr/bin/env bash
# Install the peer tools into their own virtual environment (never the dev venv), pinned to the versions the
# numbers in docs/performance.md ("## Peers") were measured with.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$here/.artifacts/peers-venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet \
    requirements-language-server==0.1.4 \
    tombi==1.9.6 \
    taplo==0.9.3 \
    pur==7.4.0 \
    pip-check-updates==0.29.0
"$venv/bin/tombi" --version
"$venv/bin/taplo" --version
echo "peers installed in $venv"
