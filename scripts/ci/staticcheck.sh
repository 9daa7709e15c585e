#!/usr/bin/env bash
# staticcheck over every Go package, at the version scripts/deps.sh pins (installed here too when missing, so the
# step stands alone). Deliberate exceptions: staticcheck.conf for whole checks, `//lint:ignore CHECK reason` next
# to the code for single lines. Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(sed -n 's/^STATICCHECK_VERSION=//p' scripts/deps.sh)
[ -n "$version" ] || { echo "staticcheck: no STATICCHECK_VERSION in scripts/deps.sh" >&2; exit 1; }
bin=$(go env GOPATH)/bin/staticcheck
if ! "$bin" -version 2>/dev/null | grep -q "(${version#v})"; then
  echo "staticcheck: installing $version"
  go install "honnef.co/go/tools/cmd/staticcheck@$version"
fi
"$bin" -version
mod=$(go list -m)
# Linux: the default build (desktop, with cgo) and the headless one (main_headless.go, behind its tag).
"$bin" ./...
"$bin" -tags headless .
# Windows builds without cgo (Wails' pure-Go WebView2 loader, `make windows`) with the tags wails adds
# (desktop,production), so every package loads: the tray's (tray_windows.go), autostart's Run key, safefile's
# owner checks, the tests' portable half.
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$bin" -tags desktop,production ./...
# macOS: the window and the menu bar need cgo and the macOS SDK (app/tray_darwin.go, Wails' darwin frontend,
# fyne.io/systray), which a Linux runner lacks, so app/ and the desktop main (which imports it) are left to a
# Mac; every other package, app/dock and app/traymenu included, is checked with the headless main. The list
# names what it leaves out, so a package that stops loading on macOS fails here instead of being skipped.
all=$(GOOS=darwin CGO_ENABLED=0 go list ./...)
mapfile -t darwin < <(grep -v -x -e "$mod" -e "$mod/app" <<<"$all")
GOOS=darwin GOARCH=arm64 CGO_ENABLED=0 "$bin" -tags headless "${darwin[@]}" .
echo "staticcheck: clean (linux, windows, darwin without app/)"
