#!/usr/bin/env bash
# Prepares the real-editor test harness (code-server + Debian Chromium) on this machine.
# Idempotent: each step checks first and skips what is already in place, so a warm run takes
# about a second.
#
#   1. Debian packages that code-server's native modules build against, plus ripgrep and chromium.
#   2. code-server@$CODE_SERVER_VERSION into .cache/code-server/ (git-ignored, outside tracked files),
#      with @vscode/ripgrep's download cache pre-seeded from Debian's /usr/bin/rg, because its
#      postinstall would otherwise fetch rg from GitHub, which this network cannot reach.
#
# Needs root for apt-get (CI runs as root). Nothing here contacts anything but the npm registry and
# Debian's mirrors.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
# The @vscode/ripgrep version code-server 4.100.3 depends on, and the rg release its postinstall asks for.
RIPGREP_PKG_VERSION=1.15.11
RIPGREP_RELEASE=v13.0.0-10
# fonts-wqy-microhei (1.6 MB): CJK glyphs, so screenshots show the sandbox's Japanese/Chinese names
# instead of empty boxes.
APT_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep chromium fonts-wqy-microhei)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/.cache/code-server"
BIN="$CACHE/node_modules/.bin/code-server"
STAMP="$CACHE/.installed-$CODE_SERVER_VERSION"

log() { echo "e2e-prepare: $*"; }
started=$(date +%s)

mkdir -p "$CACHE"
# One preparer at a time (a developer and a test run may start together).
exec 9>"$CACHE/.lock"
flock 9

# --- 1. Debian packages -----------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "e2e-prepare: missing Debian packages: ${missing[*]} — run as root, or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi
for tool in /usr/bin/rg /usr/bin/chromium; do
  [ -x "$tool" ] || { echo "e2e-prepare: $tool is missing after installing packages" >&2; exit 1; }
done

# --- 2. code-server ---------------------------------------------------------------------------
installed_version() {
  # The first start may print a log line before the version, so pick the version-shaped word.
  [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -Eo -m1 '^[0-9]+\.[0-9]+\.[0-9]+'
}
if [ -f "$STAMP" ] && [ "$(installed_version || true)" = "$CODE_SERVER_VERSION" ]; then
  log "code-server $CODE_SERVER_VERSION present in ${CACHE#"$ROOT"/}"
else
  log "installing code-server@$CODE_SERVER_VERSION into ${CACHE#"$ROOT"/} (builds native modules; several minutes)"
  install_started=$(date +%s)
  rm -f "$CACHE"/.installed-*
  # Own package.json, so npm installs here and never walks up into the project's package.json.
  [ -f "$CACHE/package.json" ] || echo '{ "private": true, "description": "e2e harness cache (git-ignored)" }' > "$CACHE/package.json"

  # Pre-seed @vscode/ripgrep's download cache (it looks in $TMPDIR/vscode-ripgrep-cache-<version>/).
  case "$(uname -m)" in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64) rg_target=aarch64-unknown-linux-musl ;;
    *) echo "e2e-prepare: unsupported architecture $(uname -m)" >&2; exit 1 ;;
  esac
  export TMPDIR="$CACHE/tmp"
  seed_dir="$TMPDIR/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
  mkdir -p "$seed_dir"
  tar -czf "$seed_dir/ripgrep-$RIPGREP_RELEASE-$rg_target.tar.gz" -C /usr/bin rg

  # unsafe_perm: as root, code-server's postinstall refuses otherwise. yes: node-pty's postinstall
  # runs `npx node-gyp` and must not prompt (CI has no stdin).
  (cd "$CACHE" && npm_config_unsafe_perm=true npm_config_yes=true \
    npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" </dev/null)

  got="$(installed_version || true)"
  if [ "$got" != "$CODE_SERVER_VERSION" ]; then
    echo "e2e-prepare: code-server install finished but '$BIN --version' gave '${got:-nothing}', expected $CODE_SERVER_VERSION" >&2
    exit 1
  fi
  touch "$STAMP"
  log "code-server $CODE_SERVER_VERSION installed in $(( $(date +%s) - install_started )) s"
fi

log "ready in $(( $(date +%s) - started )) s (code-server $(installed_version))"
