#!/usr/bin/env bash
# Builds the web UI into frontend/dist (embedded by the Go build). Installs its npm packages from the lock file
# when they are missing or stale. Skips, saying so, when there is no frontend yet.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f frontend/package.json ]; then
  echo "frontend: no frontend/package.json yet; skipping the UI build"
  exit 0
fi
if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd frontend && npm run build --silent)
test -f frontend/dist/index.html || { echo "frontend: the build wrote no dist/index.html" >&2; exit 1; }
