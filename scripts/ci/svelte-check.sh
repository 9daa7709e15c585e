#!/usr/bin/env bash
# svelte-check over the frontend: the TypeScript in frontend/ must agree with frontend/src/lib/types.ts, which
# internal/cmd/tsgen generates from the Go API types (its Go test fails when that file is stale), so a Go API
# change the UI does not follow fails here. Installs the frontend's npm packages from the lock file when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi
cd frontend
npm run check --silent
