#!/usr/bin/env bash
# Installs what the VS Code end-to-end test needs, once per machine:
#  - Debian packages: chromium (driven headless), ripgrep, fonts, and the toolchain code-server's native
#    modules build with;
#  - code-server (VS Code 1.100 in a browser) from npm, into $PINWISE_E2E_CACHE/code-server;
#  - playwright-core (no browser download: it drives Debian's chromium) into e2e/node_modules.
# Re-running is cheap: every step is skipped when already done.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${PINWISE_E2E_CACHE:-$HOME/.cache/pinwise-e2e}"
# 4.100.3 (VS Code 1.100.3) is the newest code-server whose engines accept Node 20; the extension's
# engines.vscode must stay at ^1.100.0 or lower for this route.
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
mkdir -p "$CACHE"
log() { printf '[e2e setup] %s\n' "$*"; }

# --- Debian packages ---------------------------------------------------------------------------------
APT_PACKAGES=(chromium ripgrep fonts-liberation build-essential pkg-config libkrb5-dev)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- code-server ---------------------------------------------------------------------------------------
if [ -x "$CS_DIR/node_modules/.bin/code-server" ] && XDG_CONFIG_HOME="$CACHE/xdg" "$CS_DIR/node_modules/.bin/code-server" --version >/dev/null 2>&1; then
  log "code-server $CODE_SERVER_VERSION already in $CS_DIR"
else
  log "installing code-server $CODE_SERVER_VERSION into $CS_DIR"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  # Its nested @vscode/ripgrep postinstall downloads rg from a code host this machine cannot reach, but
  # first looks for this tarball under $TMPDIR: give it Debian's rg (the same 13.0.0 release).
  RG_TMP="$CACHE/tmp"
  RG_CACHE="$RG_TMP/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$RG_CACHE"
  if [ ! -s "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" ]; then
    tar -C "$(dirname "$(command -v rg)")" -czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" rg
  fi
  NODE_PREFIX="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
  if [ ! -f "$NODE_PREFIX/include/node/node.h" ]; then
    log "warning: no $NODE_PREFIX/include/node/node.h; node-gyp may try to download headers"
  fi
  printf '{ "name": "pinwise-e2e-code-server", "private": true }\n' > "$CS_DIR/package.json"
  (
    cd "$CS_DIR"
    export TMPDIR="$RG_TMP"
    export npm_config_unsafe_perm=true      # code-server's postinstall refuses to run as root otherwise
    export npm_config_yes=true              # node-pty's postinstall runs `npx node-gyp`
    export npm_config_nodedir="$NODE_PREFIX" # build native modules against the local Node headers
    # code-server's postinstall builds its native modules and installs VS Code's own dependencies, so
    # install scripts must run here (newer npm blocks dependency scripts unless allowed). This is a
    # pinned package installed into a throwaway cache folder.
    export npm_config_dangerously_allow_all_scripts=true
    npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
  )
  XDG_CONFIG_HOME="$CACHE/xdg" "$CS_DIR/node_modules/.bin/code-server" --version
fi

# --- playwright-core -------------------------------------------------------------------------------------
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
  log "npm ci in e2e/ (playwright-core)"
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi
log "ready: code-server $(XDG_CONFIG_HOME="$CACHE/xdg" "$CS_DIR/node_modules/.bin/code-server" --version | head -1), chromium $(chromium --version 2>/dev/null | tail -1)"
