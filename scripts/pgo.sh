#!/usr/bin/env bash
# Refreshes default.pgo, the CPU profile the Go toolchain uses to optimise the ninerouter binary (profile-guided
# optimisation: `go build` picks up default.pgo in the main package's directory by itself). The profile is the
# benchmark's lane P (bench/README.md): the router serving passthrough and translated requests, three runs merged.
# Run it on a quiet machine after changes to the request path, and commit default.pgo.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for i in 1 2 3; do
	go run ./bench/cmd/nrbench -lanes P -out "$out/run$i" >/dev/null
done
go tool pprof -proto "$out"/run*/ninerouter-cpu*.pprof >default.pgo.tmp
mv default.pgo.tmp default.pgo
echo "default.pgo: $(wc -c <default.pgo) bytes from $(ls "$out"/run*/ninerouter-cpu*.pprof | wc -l) profiles"
