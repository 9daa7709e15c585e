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
# The default build (desktop) and the headless one: main_headless.go and the code behind its tag.
"$bin" ./...
"$bin" -tags headless .
echo "staticcheck: clean"
