#!/usr/bin/env bash
# test.sh: everything CI checks, with a timing line per step and a summary. `make test` runs it and .ci/run runs
# `make test`. It installs what it needs (scripts/deps.sh) and works on a fresh Debian machine.
#
# Shape (2 cores, so parallel where one side waits on I/O, browsers, Xvfb, Wine or a database while the other
# compiles):
#   1. deps, then the frontend build (the Go builds embed it): serial, fatal.
#   2. two lanes at once:
#      tests:  gofmt, go test -race with the real keychain (D-Bus session + unlocked gnome-keyring), fuzz;
#      builds: headless and desktop builds, go vet of what go test -vet=all does not reach (reusing those
#              compiles, not a third full compile), frontend unit tests, bench-smoke, browser e2e, bad-input, the desktop smoke under Xvfb,
#              then every scripts/ci/*.sh (one step each: staticcheck, packages, PostgreSQL, ...).
# Each step's output goes to OUT/steps/NAME.log and is printed whole when the step ends, so lanes never interleave.
# Env: FUZZTIME (default 3s), OUT (default build/out), SKIP="step names" to leave steps out while iterating,
# LANES=1 to run the two lanes one after the other.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
export CI=${CI:-}
OUT=${OUT:-build/out}
BIN=build/bin
FUZZTIME=${FUZZTIME:-3s}
STEPS=$OUT/steps
rm -rf "$STEPS"
mkdir -p "$OUT" "$BIN" "$STEPS"
start_all=$(date +%s)

# run NAME CMD...: one timed step, its output kept in STEPS/NAME.log and printed when it ends. A failed step is
# reported and its lane goes on (later steps that need its output fail or skip on their own), so one run shows
# every failure. The result line goes to STEPS/NAME.result for the summary.
run() {
  local name=$1; shift
  echo "$name" >>"$STEPS/order"
  if [[ " ${SKIP:-} " == *" $name "* ]]; then
    printf '%-16s skipped\n' "$name" >"$STEPS/$name.result"
    return 0
  fi
  echo "==> $name: started"
  local t0=$(date +%s) rc=0
  "$@" >"$STEPS/$name.log" 2>&1 </dev/null || rc=$?
  local dt=$(( $(date +%s) - t0 )) verdict
  if [ $rc -eq 0 ]; then
    verdict=$(printf '%-16s ok     %4ds' "$name" "$dt")
  else
    verdict=$(printf '%-16s FAILED %4ds (exit %d)' "$name" "$dt" "$rc")
  fi
  echo "$verdict" >"$STEPS/$name.result"
  {
    flock 9
    echo
    echo "==> $name: $*"
    cat "$STEPS/$name.log"
    echo "==> $name: $([ $rc -eq 0 ] && echo ok || echo "FAILED (exit $rc)") (${dt}s)"
  } 9>"$STEPS/.print.lock"
  return $rc
}

go_files() { git ls-files --cached --others --exclude-standard -- '*.go'; }

step_gofmt() {
  local bad
  bad=$(go_files | xargs gofmt -l)
  [ -z "$bad" ] && return 0
  echo "gofmt: these files need \`gofmt -w\`:"; echo "$bad"; return 1
}

step_frontend_unit() {
  if [ ! -f frontend/package.json ]; then echo "no frontend yet"; return 0; fi
  (cd frontend && npm test --silent)
}

# Every Fuzz target in the repo, FUZZTIME each; scripts/fuzz.sh says how Go's fuzz-coordinator flake
# (golang/go#75804) is told from a finding, and prints a finding's input so the log alone reproduces it.
step_fuzz() {
  FUZZTIME="$FUZZTIME" OUT="$OUT" bash scripts/fuzz.sh
}

step_build_desktop() {
  CGO_ENABLED=1 go build -tags "$DESKTOP_TAGS" -o "$BIN/ninerouter" . &&
    go build -o "$BIN/trayprobe" ./internal/cmd/trayprobe &&
    ls -l "$BIN/ninerouter"
}

step_build_headless() {
  CGO_ENABLED=0 go build -tags headless -o "$BIN/ninerouter-headless" . && ls -l "$BIN/ninerouter-headless"
}

# go vet: `go test -vet=all` below vets every package that has tests, on the compiles the race run needs anyway;
# this step vets the rest (packages without tests) with the headless tag set, reusing the headless build's compiles,
# and the GUI packages with the desktop tag set, reusing the desktop build's. A plain `go vet ./...` compiled the
# whole tree and every test-only SDK a third time (13 minutes on a fresh machine).
# The package list is taken with the same CGO_ENABLED=0 the vet runs with: a cgo-only package (a test helper
# in app/) would be listed and then refused. app/... is vetted with cgo on the line after.
step_vet() {
  local pkgs
  pkgs=$(CGO_ENABLED=0 go list -tags headless -f '{{if and (not .TestGoFiles) (not .XTestGoFiles)}}{{.ImportPath}}{{end}}' ./...) &&
    CGO_ENABLED=0 go vet -tags headless $pkgs &&
    CGO_ENABLED=1 go vet -tags "$DESKTOP_TAGS" . ./app/...
}

step_bench_smoke() {
  if grep -q '^bench-smoke:' Makefile; then make --no-print-directory bench-smoke; else echo "no bench-smoke target yet"; fi
}

step_e2e() {
  if [ ! -f e2e/package.json ]; then echo "no e2e/ yet"; return 0; fi
  [ -x "$BIN/ninerouter-headless" ] || { echo "e2e needs the headless build"; return 1; }
  (cd e2e && NINEROUTER_BIN="$PWD/../$BIN/ninerouter-headless" npm test)
}

lane_tests() {
  run gofmt step_gofmt
  run go-test bash scripts/with-session.sh go test -race -vet=all -count=1 ./...
  run fuzz step_fuzz
}

lane_builds() {
  run build-headless step_build_headless
  run build-desktop step_build_desktop
  run vet step_vet
  run frontend-unit step_frontend_unit
  run bench-smoke step_bench_smoke
  run e2e step_e2e
  run bad-input bash scripts/bad-input.sh "$BIN/ninerouter" "$BIN/ninerouter-headless"
  run smoke-desktop bash scripts/smoke-desktop.sh "$BIN/ninerouter" "$BIN/trayprobe" "$OUT"
  local s
  for s in scripts/ci/*.sh; do
    [ -e "$s" ] || continue
    run "$(basename "$s" .sh)" bash "$s"
  done
}

run deps bash scripts/deps.sh || { cat "$STEPS/deps.log" 2>/dev/null | tail -40; echo "deps failed: nothing else can run"; exit 1; }
run frontend bash scripts/frontend.sh || { echo "the UI did not build: the Go builds embed it, so stop here"; exit 1; }
if [ "${LANES:-2}" = 1 ]; then
  lane_tests
  lane_builds
else
  lane_tests &
  tests_pid=$!
  lane_builds &
  builds_pid=$!
  wait $tests_pid $builds_pid
fi

total=$(( $(date +%s) - start_all ))
passed=0 failed=0
echo
echo "==> summary (make test, $(nproc) cores)"
while read -r name; do
  r=$(cat "$STEPS/$name.result" 2>/dev/null || printf '%-16s NOT RUN' "$name")
  echo "    $r"
  case "$r" in *" ok "*) passed=$((passed + 1)) ;; *skipped*) ;; *) failed=$((failed + 1)) ;; esac
done <"$STEPS/order"
printf '    %-16s        %4ds (%dm%02ds)\n' total "$total" $((total / 60)) $((total % 60))
echo "screenshots: $OUT/desktop-window.png $OUT/tray-icon.png"
# Each failed step's last lines again, here at the end: a CI page that keeps only the tail still says why.
while read -r name; do
  case "$(cat "$STEPS/$name.result" 2>/dev/null)" in *FAILED*) ;; *) continue ;; esac
  echo "==> $name failed; its last lines:"
  tail -n 12 "$STEPS/$name.log" | cut -c1-300 | sed 's/^/    | /'
done <"$STEPS/order"
echo "summary: $passed passed, $failed failed"
[ $failed -eq 0 ]
