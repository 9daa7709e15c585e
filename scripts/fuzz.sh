#!/usr/bin/env bash
# fuzz.sh: every Fuzz target in the repo for FUZZTIME each (test.sh's fuzz step; run it alone to fuzz locally).
# Packages and targets are found from the sources.
# Env: FUZZTIME (default 3s), OUT (default build/out; logs go to OUT/fuzz/), FUZZPKGS (space-separated package
# dirs, default every package with a Fuzz target).
#
# A failure prints the log's end and every failing input the run wrote under testdata/fuzz/ (a CI machine's
# checkout is gone after the run, so the log is the only place the input survives), with the lines that
# reproduce it locally.
#
# Go 1.26's fuzz coordinator can end a clean run with a bare "context deadline exceeded" when the -fuzztime
# deadline wakes it before its worker context is cancelled (golang/go#75804, fixed in Go 1.27). That exact shape
# (one `--- FAIL: FuzzX` line followed only by `context deadline exceeded`, no failing input written, no panic,
# no failed subtest) is reported as a flake; anything else is a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
FUZZTIME=${FUZZTIME:-3s}
OUT=${OUT:-build/out}
LOGS=$OUT/fuzz
mkdir -p "$LOGS"

# is_coordinator_flake LOG NAME: the whole failure is golang/go#75804's signature.
is_coordinator_flake() {
  local log=$1 name=$2
  grep -q 'Failing input written' "$log" && return 1
  grep -Eq '^(panic: |fatal error: )|failure while testing seed corpus' "$log" && return 1
  [ "$(grep -c -- '--- FAIL' "$log")" -eq 1 ] || return 1
  # the FAIL line, then exactly the coordinator's error, then the package's FAIL (or the end)
  awk -v head="--- FAIL: ${name} (" '
    found == 1 { ok = $0 ~ /^[[:space:]]+context deadline exceeded$/; found = 2; next }
    found == 2 { ok = ok && ($0 == "FAIL" || $0 ~ /^exit status /); found = 3; next }
    index($0, head) == 1 { found = 1 }
    END { exit !(found >= 2 && ok) }' "$log"
}

# show_inputs LOG PKG: print each failing input the run wrote (or the corpus entry that failed before fuzzing
# began: from testdata/fuzz, or from the fuzz cache in GOCACHE), and how to reproduce it.
show_inputs() {
  local log=$1 pkg=$2 entry file cache
  cache=$(go env GOCACHE)/fuzz/$(go list "./$pkg")
  for entry in $(sed -n -e 's/.*Failing input written to testdata\/fuzz\/\([^[:space:]]*\).*/\1/p' \
    -e 's/^failure while testing seed corpus entry: \([^[:space:]]*\).*/\1/p' "$log" | sort -u); do
    file=$pkg/testdata/fuzz/$entry
    [ -f "$file" ] || file=$cache/$entry
    [ -f "$file" ] || continue # an f.Add seed (seed#N): its value is in the test's source
    echo "fuzz: failing input $file:"
    sed 's/^/    /' "$file"
    echo "fuzz: to reproduce, save the lines above (without the 4-space indent) as $pkg/testdata/fuzz/$entry and run"
    echo "    go test -run='^${entry}\$' ./$pkg"
  done
}

pkgs=${FUZZPKGS:-$(git ls-files --cached --others --exclude-standard -- '*_test.go' | xargs grep -l '^func Fuzz' 2>/dev/null | xargs -r -n1 dirname | sort -u)}
n=0 passed=0 bad=0 flaky=0
for pkg in $pkgs; do
  pkg=${pkg#./}
  # Read from the sources: `go test -list` linked one more test binary per package, most of this step's time.
  names=$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$pkg"/*_test.go | sort -u)
  for name in $names; do
    n=$((n + 1))
    log=$LOGS/$(echo "$pkg" | tr / _)-$name.log
    echo "fuzz: $pkg $name ($FUZZTIME)"
    if go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" -parallel=1 "./$pkg" >"$log" 2>&1; then
      if grep -q 'no fuzz tests to fuzz' "$log"; then # a build constraint left the target out
        echo "fuzz: $pkg $name: go test found no such target:"; cat "$log"; bad=$((bad + 1)); continue
      fi
      passed=$((passed + 1)); continue
    fi
    if is_coordinator_flake "$log" "$name"; then
      echo "fuzz: $pkg $name: Go's fuzz-coordinator deadline race (golang/go#75804), no failing input: flake"
      flaky=$((flaky + 1))
    else
      echo "fuzz: $pkg $name FAILED:"; tail -40 "$log"; show_inputs "$log" "$pkg"; bad=$((bad + 1))
    fi
  done
done
echo "fuzz: $n targets: $passed passed, $flaky flaked, $bad failed"
[ $bad -eq 0 ]
