#!/usr/bin/env bash
# postgres.sh: the team-server tests (issue #16) against a real PostgreSQL. Starts a throwaway server in a temp
# dir on a free loopback port (no system service), names it in NINEROUTER_TEST_POSTGRES, runs the Go tests that
# need it, and stops it whatever happens. Debian's postgresql package is installed when no PostgreSQL binaries
# are found. CI runs as root and PostgreSQL refuses to run as root, so the server runs as the package's
# `postgres` user (created when missing).
#
# Env: PG_TESTS="pkg:regexp ..." overrides which tests run; PG_NO_BENCH=1 skips the bench lane; PG_KEEP=1 keeps the server running and prints its URL
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
PG_TESTS=${PG_TESTS:-"./backend/store/...:. ./backend/usage/:Rollups|Prune|Canceled|ReportToNow|Postgres ./backend/secret/:Postgres|Sealed ./backend/team/...:."}
rc=0
for spec in $PG_TESTS; do
  pkg=${spec%%:*} re=${spec#*:}
  [ -n "$(go list "$pkg" 2>/dev/null)" ] || { echo "postgres: $pkg is not a package here, skipped"; continue; }
  echo "==> go test -race -run '$re' $pkg"
  go test -race -count=1 -run "$re" "$pkg" || rc=1
done
# The bench lane, small: requests/s of one instance and of two on this database (bench/team).
if [ -z "${PG_NO_BENCH:-}" ]; then
  echo "==> go test -bench TeamRequests ./bench/team/"
  go test -run '^$' -bench TeamRequests -benchtime 200x ./bench/team/ || rc=1
fi
[ $rc = 0 ] || { echo "postgres: server log:"; tail -50 "$TMP/server.log"; }
exit $rc
