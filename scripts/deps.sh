#!/usr/bin/env bash
# Installs everything NineRouter's build and tests need on Debian/Ubuntu, and nothing that is already there.
# Idempotent: a second run only checks. Used by `make run`, `make test` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

APT_PKGS=(build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.0-dev
  xvfb xauth imagemagick x11-utils xdotool dbus dbus-x11 dbus-user-session
  gnome-keyring libsecret-tools chromium nodejs npm procps curl)
# --nsis: also the NSIS compiler, for `make windows-installer` only.
[ "${1:-}" = "--nsis" ] && APT_PKGS+=(nsis)

apt_updated=
apt_update() {
  if [ -z "$apt_updated" ]; then
    need_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
}
# Ubuntu 24.04 and later ship WebKitGTK only as 4.1 (scripts/lib.sh then builds with -tags webkit2_41).
if ! dpkg-query -W -f='${Status}' libwebkit2gtk-4.0-dev 2>/dev/null | grep -q "install ok installed" &&
  ! apt-cache show libwebkit2gtk-4.0-dev >/dev/null 2>&1; then
  apt_update
  if ! apt-cache show libwebkit2gtk-4.0-dev >/dev/null 2>&1; then
    APT_PKGS=("${APT_PKGS[@]/libwebkit2gtk-4.0-dev/libwebkit2gtk-4.1-dev}")
  fi
fi

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The desktop smoke test drives X11 through a small python3 script; any python3 on PATH will do.
command -v python3 >/dev/null || missing+=(python3)
# node/npm may come from outside apt (nvm, the machine image): do not fight them.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || tmp+=("$p"); done; missing=("${tmp[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing apt packages: ${missing[*]}"
  apt_update
  need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The wails CLI, exact version (v2.12.0 installs with Go 1.26 as is).
WAILS_VERSION=v2.12.0
GOBIN_DIR=$(go env GOPATH)/bin
if ! "$GOBIN_DIR/wails" version 2>/dev/null | grep -q "$WAILS_VERSION"; then
  echo "deps: installing wails CLI $WAILS_VERSION"
  go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
fi

# staticcheck, exact version (scripts/ci/staticcheck.sh runs it; 0.8.2 is staticcheck 2026.2.2, which knows Go 1.26).
STATICCHECK_VERSION=v0.8.2
if ! "$GOBIN_DIR/staticcheck" -version 2>/dev/null | grep -q "(${STATICCHECK_VERSION#v})"; then
  echo "deps: installing staticcheck $STATICCHECK_VERSION"
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi

# Go modules for the project itself.
go mod download

# Front-end packages from the lock file.
if [ -f frontend/package-lock.json ]; then
  if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
    echo "deps: npm ci (frontend)"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
if [ -f e2e/package-lock.json ]; then
  if [ ! -d e2e/node_modules ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
    echo "deps: npm ci (e2e)"
    (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
echo "deps: ok"
