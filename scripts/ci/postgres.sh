#!/usr/bin/env bash
# postgres.sh: the team-server tests (issue #16) against a real PostgreSQL. Starts a throwaway server in a temp
# dir on a free loopback port (no system service), names it in NINEROUTER_TEST_POSTGRES, runs the Go tests that
# need it, and stops it whatever happens. Debian's postgresql package is installed when no PostgreSQL binaries
# are found. CI runs as root and PostgreSQL refuses to run as root, so the server runs as the package's
# `postgres` user (created when missing).
#
# Env: PG_TESTS="pkg:regexp ..." overrides which tests run (none: no Go tests); PG_NO_BENCH=1 skips the bench
# lane; PG_NO_PROCESSES=1 skips the two-process check (two_processes); PG_KEEP=1 keeps the server running and prints its URL
# (for working on the tests by hand; stop it with `pg_ctl -D DIR/data stop`).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh

find_pg_bin() {
  local d
  for d in "$(pg_config --bindir 2>/dev/null || true)" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) \
    "$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/x)")"; do
    if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ]; then echo "$d"; return 0; fi
  done
  return 1
}

if ! PGBIN=$(find_pg_bin); then
  echo "postgres: installing Debian's postgresql"
  export DEBIAN_FRONTEND=noninteractive
  sudo_apt() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_apt apt-get update -qq
  # The package would start a system cluster; policy-rc.d keeps services stopped during the install.
  sudo_apt apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  PGBIN=$(find_pg_bin) || { echo "postgres: no initdb/pg_ctl after installing postgresql" >&2; exit 1; }
fi
echo "postgres: using $PGBIN ($("$PGBIN/postgres" --version))"

# as_pg CMD...: run as the postgres user when we are root (PostgreSQL refuses root), else as ourselves.
if [ "$(id -u)" = 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  as_pg() { su postgres -s /bin/bash -c "$(printf '%q ' "$@")"; }
else
  as_pg() { "$@"; }
fi

TMP=$(mktemp -d /tmp/ninerouter-pg.XXXXXX)
chmod 755 "$TMP"
[ "$(id -u)" = 0 ] && chown postgres "$TMP"
PORT=$(free_port)
stop() {
  as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
[ "${PG_KEEP:-}" = 1 ] || trap stop EXIT

PASSWORD=nr-test-$RANDOM$RANDOM
printf '%s\n' "$PASSWORD" >"$TMP/pw" && chmod 644 "$TMP/pw"
# Password logins over TCP (the tests check that a wrong password is refused); the socket trusts the owner.
as_pg "$PGBIN/initdb" -D "$TMP/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 \
  --no-sync >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log"; exit 1; }
as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w -t 60 \
  -o "-p $PORT -k $TMP -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null \
  || { cat "$TMP/server.log"; exit 1; }
as_pg "$PGBIN/psql" -h "$TMP" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
  -c "CREATE ROLE ninerouter LOGIN PASSWORD '$PASSWORD'" -c "CREATE DATABASE ninerouter_test OWNER ninerouter"

export NINEROUTER_TEST_POSTGRES="postgres://ninerouter:$PASSWORD@127.0.0.1:$PORT/ninerouter_test?sslmode=disable"
if [ "${PG_KEEP:-}" = 1 ]; then
  echo "postgres: running in $TMP"
  echo "export NINEROUTER_TEST_POSTGRES='$NINEROUTER_TEST_POSTGRES'"
  exit 0
fi

# package:test-regexp pairs. The store suite runs whole (each test on both engines); elsewhere only the tests
# with a PostgreSQL half.
PG_TESTS=${PG_TESTS:-"./backend/store/...:. ./backend/usage/:Rollups|Prune|Canceled|ReportToNow|Postgres ./backend/secret/:Postgres|Sealed ./backend/team/...:. ./backend/cli/:TeamImport"}
rc=0
for spec in $PG_TESTS; do
  pkg=${spec%%:*} re=${spec#*:}
  [ -n "$(go list "$pkg" 2>/dev/null)" ] || { echo "postgres: $pkg is not a package here, skipped"; continue; }
  echo "==> go test -race -run '$re' $pkg"
  go test -race -count=1 -run "$re" "$pkg" || rc=1
done
# `team import` from the OS keychain needs a Secret Service: the real one in a private session (with-session.sh).
if [[ " $PG_TESTS " == *" ./backend/cli/:TeamImport "* ]]; then
  if command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
    echo "==> team import from the OS keychain (scripts/with-session.sh)"
    bash scripts/with-session.sh go test -race -count=1 -run 'TeamImport/keychain' ./backend/cli/ || rc=1
  else
    echo "postgres: no dbus-run-session/gnome-keyring-daemon here; team import from the keychain not run"
  fi
fi
# The bench lane, small: requests/s of one instance and of two on this database (bench/team).
if [ -z "${PG_NO_BENCH:-}" ]; then
  echo "==> go test -bench TeamRequests ./bench/team/"
  go test -run '^$' -bench TeamRequests -benchtime 200x ./bench/team/ || rc=1
fi

# The done-when of issue #16, literally: two `serve --database` processes of the headless binary on this database
# behave as one router. A key created on A (CLI) works on B; a combo switch on A is served by B (the time it
# took is printed; over a second is reported as a failure of the issue's promise); `usage --json` on either counts
# the requests sent to both; a kill -9 of A loses nothing B can see (usage rows of answered requests, a key made
# just before). The upstreams are the in-repo mock on loopback.
two_processes() {
  local bin="$TMP/bin"
  PROC_PIDS=()
  mkdir -p "$bin"
  echo "==> two serve --database processes (headless build)"
  CGO_ENABLED=0 go build -tags headless -o "$bin/ninerouter" . && go build -o "$bin/mockupstream" ./backend/testkit/mockupstream/cmd/mockupstream || return 1
  cleanup_processes() { local p; for p in "${PROC_PIDS[@]}"; do kill -9 "$p" 2>/dev/null && wait "$p" 2>/dev/null; done; true; }
  trap 'cleanup_processes; stop' EXIT
  # Two mock upstreams answering different texts, so an answer tells which combo served it.
  local m
  declare -A mock_url
  for m in one two; do
    "$bin/mockupstream" -addr 127.0.0.1:0 -text "answer of combo $m" >"$TMP/mock-$m.url" 2>"$TMP/mock.log" & PROC_PIDS+=($!)
    within 20 test -s "$TMP/mock-$m.url" || { echo "mock upstream did not start"; cat "$TMP/mock.log"; return 1; }
    mock_url[$m]=$(head -1 "$TMP/mock-$m.url")
  done
  export NINEROUTER_SECRET_KEY="ci team key $RANDOM$RANDOM"
  local name port
  declare -A addr
  for name in a b; do
    port=$(free_port)
    addr[$name]=127.0.0.1:$port
    mkdir -p "$TMP/$name"
    "$bin/ninerouter" serve --database "$NINEROUTER_TEST_POSTGRES" --addr "${addr[$name]}" --data-dir "$TMP/$name" \
      >"$TMP/$name.log" 2>&1 & PROC_PIDS+=($!)
  done
  for name in a b; do
    wait_http "http://${addr[$name]}/healthz" 60 \
      || { echo "instance $name did not start"; cat "$TMP/$name.log"; return 1; }
  done
  nr() { local n=$1; shift; "$bin/ninerouter" "$@" --addr "${addr[$n]}" --data-dir "$TMP/$n"; }
  echo sk-ci-upstream-one-123456 | nr a provider add glm --api-key - --base-url "${mock_url[one]}/v1" >/dev/null
  echo sk-ci-upstream-two-123456 | nr a provider add deepseek --api-key - --base-url "${mock_url[two]}/v1" >/dev/null
  nr a combo set one glm/model-one >/dev/null
  nr a combo set two ds/model-two >/dev/null
  nr a combo activate one >/dev/null
  local key; key=$(nr a key create --name ci --json | jq -r .key)
  [ -n "$key" ] && [ "$key" != null ] || { echo "key create printed no key"; return 1; }

  local sent=0
  # chat NAME: one chat completion on instance NAME with the key; prints the answer (naming the combo).
  chat() {
    curl -sS --max-time 10 -o "$TMP/last.json" -w '%{http_code}' "http://${addr[$1]}/v1/chat/completions" \
      -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
      -d '{"model":"ninerouter/active","messages":[{"role":"user","content":"hi"}]}' >"$TMP/last.code" || return 1
    [ "$(cat "$TMP/last.code")" = 200 ] || return 1
    jq -r '.choices[0].message.content' "$TMP/last.json"
  }
  served_by() { local m; m=$(chat "$1") && sent=$((sent + 1)) && [ "$m" = "answer of combo $2" ]; }
  # seen WHAT SECONDS CMD...: retry CMD, then print how long WHAT took to show.
  seen() {
    local what=$1 limit=$2 t0 t1; shift 2
    t0=$(date +%s%N)
    within 15 "$@" || { echo "FAIL: $what: not seen in 15 s; last answer $(cat "$TMP/last.code"): $(head -c 300 "$TMP/last.json")"; return 1; }
    t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    echo "  $what: ${ms} ms"
    [ "$ms" -le $((limit * 1000)) ] || { echo "FAIL: $what took over $limit s"; return 1; }
  }
  seen "a key and a combo made on A serve on B" 5 served_by b one || return 1
  nr a combo activate two >/dev/null
  seen "a combo switch on A served by B" 1 served_by b two || return 1

  local i
  for i in $(seq 1 10); do served_by a two && served_by b two || { echo "FAIL: request $i"; return 1; }; done
  # usage_on NAME: the requests the instance's usage report counts (the whole cluster's). Every answered
  # request's row is committed before its answer, so no wait is needed.
  usage_on() { nr "$1" usage --json --since 1h | jq -r '.total.requests'; }
  local ub
  [ "$(usage_on a)" = "$sent" ] && [ "$(usage_on b)" = "$sent" ] \
    || { echo "FAIL: usage on A $(usage_on a), on B $(usage_on b), want $sent (requests sent to both)"; return 1; }
  echo "  usage --json on A and on B: $sent requests each, the sum of both"

  # kill -9 A right after it answered and right after it made a key: B sees both.
  for i in $(seq 1 5); do served_by a two || return 1; done
  local late; late=$(nr a key create --name late --json | jq -r .key)
  kill -9 "${PROC_PIDS[2]}" # A (0 and 1 are the mocks)
  wait "${PROC_PIDS[2]}" 2>/dev/null || true
  ub=$(usage_on b)
  [ "$ub" = "$sent" ] || { echo "FAIL: after kill -9 of A, B counts $ub requests, want $sent"; return 1; }
  # A answered the key's creation only after its NOTIFY was committed, so B has it (a moment to apply it).
  key=$late
  seen "the key A made just before kill -9 served by B" 2 served_by b two \
    || { echo "FAIL: the key made on A just before kill -9 does not work on B"; return 1; }
  echo "  kill -9 of A: B counted all $((sent - 1)) requests answered before it"
  cleanup_processes
}
if [ -z "${PG_NO_PROCESSES:-}" ]; then
  two_processes || { rc=1; for f in a b mock; do [ -f "$TMP/$f.log" ] && { echo "--- $f.log"; tail -30 "$TMP/$f.log"; }; done; }
fi

[ $rc = 0 ] || { echo "postgres: server log:"; tail -50 "$TMP/server.log"; }
exit $rc
