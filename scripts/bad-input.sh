#!/usr/bin/env bash
# bad-input.sh DESKTOP_BIN HEADLESS_BIN: the built binaries meet bad input with one clear line on stderr, a
# non-zero exit, and nothing half-created. Also measures `serve` from exec to the first /healthz answer (the
# issue's "within 1 s"). Desktop cases that need a window run in smoke-desktop.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
DESKTOP=$(realpath "$1") HEADLESS=$(realpath "$2")
work=$(mktemp -d /tmp/ninerouter-badinput.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config NINEROUTER_SECRET_STORE=file
mkdir -p "$HOME"
unset DBUS_SESSION_BUS_ADDRESS NINEROUTER_ADDR NINEROUTER_DATA_DIR PORT DATA_DIR
failed=0 passed=0

# expect NAME WANT_CODE REGEX -- CMD...: CMD exits WANT_CODE ("nz" = any non-zero) within 20 s and its last stderr
# line starts with "ninerouter: " and matches REGEX.
expect() {
  local name=$1 want=$2 re=$3; shift 4
  local rc=0 last
  timeout 20 "$@" >"$work/out" 2>"$work/err" </dev/null || rc=$?
  last=$(tail -n 1 "$work/err")
  local ok=1
  if [ "$want" = nz ]; then [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || ok=; else [ "$rc" -eq "$want" ] || ok=; fi
  [[ "$last" == "ninerouter: "* ]] && [[ "$last" =~ $re ]] || ok=
  if [ -n "$ok" ]; then
    printf 'bad-input: %-44s ok (exit %d: %s)\n' "$name" "$rc" "$last"
    passed=$((passed + 1))
  else
    printf 'bad-input: %-44s FAIL (exit %d, want %s; last line: %s)\n' "$name" "$rc" "$want" "$last"
    sed 's/^/    stderr| /' "$work/err" | tail -5
    failed=$((failed + 1))
  fi
}

# nothing_left DIR: no temp or partial files under DIR.
nothing_left() {
  local left
  left=$(find "$1" \( -name '*.tmp' -o -name '.write-check-*' -o -name '*-journal' \) 2>/dev/null || true)
  if [ -n "$left" ]; then
    echo "bad-input: FAIL: left behind in $1: $left"
    failed=$((failed + 1))
  fi
}

port=$(free_port)
expect "serve: unknown flag" 2 "flag provided but not defined: -bogus" -- "$HEADLESS" serve --bogus --data-dir "$work/d1"
[ -e "$work/d1" ] && { echo "bad-input: FAIL: an unknown flag created the data dir"; failed=$((failed + 1)); }
expect "unknown command" 2 'unknown command "frobnicate"' -- "$HEADLESS" frobnicate
expect "serve: bad address" nz 'address "nope"' -- "$HEADLESS" serve --addr nope --data-dir "$work/d2"
[ -e "$work/d2" ] && { echo "bad-input: FAIL: a bad address created the data dir"; failed=$((failed + 1)); }

# A port held by another program.
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(120)' "$port" &
pids+=($!)
port_open() { ! port_closed 127.0.0.1 "$1"; }
within 10 port_open "$port" || true
expect "serve: port in use" nz "already in use" -- "$HEADLESS" serve --addr "127.0.0.1:$port" --data-dir "$work/d3"
nothing_left "$work/d3"

# A data dir that cannot be created (a file stands in the way; chmod would not stop root) and one not writable.
touch "$work/afile"
expect "serve: data dir under a file" nz "data dir" -- "$HEADLESS" serve --addr 127.0.0.1:0 --data-dir "$work/afile/sub"
if [ "$(id -u)" -ne 0 ]; then
  mkdir -p "$work/ro" && chmod 500 "$work/ro"
  expect "serve: read-only data dir" nz "not writable" -- "$HEADLESS" serve --addr 127.0.0.1:0 --data-dir "$work/ro"
fi

# The headless build has no window.
expect "headless: no desktop" 2 "headless build" -- "$HEADLESS" --addr 127.0.0.1:0

# Desktop binary, before any window exists.
expect "desktop: unknown flag" 2 "flag provided but not defined: -bogus" -- "$DESKTOP" --bogus
expect "desktop: no display" 1 "no display" -- env -u DISPLAY -u WAYLAND_DISPLAY "$DESKTOP" --addr "127.0.0.1:$(free_port)" --data-dir "$work/d4"
[ -e "$work/d4" ] && { echo "bad-input: FAIL: no display, yet the data dir was created"; failed=$((failed + 1)); }
expect "desktop: unreachable display" 1 "could not open the display" -- env DISPLAY=:987 "$DESKTOP" --addr "127.0.0.1:$(free_port)" --data-dir "$work/d5"

# serve answers /healthz within 1 s of exec.
hport=$(free_port)
t0=$(date +%s%N)
"$HEADLESS" serve --addr "127.0.0.1:$hport" --data-dir "$work/serve" 2>"$work/serve.log" &
spid=$!
pids+=($spid)
if wait_http "http://127.0.0.1:$hport/healthz" 10; then
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  if [ "$ms" -le 1000 ]; then
    echo "bad-input: serve: exec to first /healthz answer           ok ($ms ms)"
    passed=$((passed + 1))
  else
    echo "bad-input: serve: exec to first /healthz answer           FAIL ($ms ms > 1000 ms)"
    failed=$((failed + 1))
  fi
else
  echo "bad-input: serve: /healthz never answered"; cat "$work/serve.log"; failed=$((failed + 1))
fi
# A second serve on the same address and data dir: one clear line, not a second router.
expect "serve: second instance on the same port" nz "already in use" -- "$HEADLESS" serve --addr "127.0.0.1:$hport" --data-dir "$work/serve2"
kill -TERM "$spid"
rc=0; wait "$spid" || rc=$?
if [ "$rc" -eq 0 ] && port_closed 127.0.0.1 "$hport"; then
  echo "bad-input: serve: SIGTERM drains and exits 0                ok"
  passed=$((passed + 1))
else
  echo "bad-input: serve: SIGTERM exit $rc"; failed=$((failed + 1))
fi

# SIGHUP (the terminal closed, the session ended) and SIGINT stop it as cleanly; started with one ignored (nohup,
# or a script's background job for SIGINT) it keeps running through it.
stop_case() { # NAME SIG IGNORED: start serve with SIG ignored (1) or at its default (0), send SIG, check, then SIGTERM
  local name=$1 sig=$2 ignore=$3 p rc=0 pid
  p=$(free_port)
  if [ "$ignore" = 1 ]; then
    (trap '' "$sig"; exec "$HEADLESS" serve --addr "127.0.0.1:$p" --data-dir "$work/serve-sig" 2>"$work/serve-sig.log") &
  else
    "${sigint_default[@]}" "$HEADLESS" serve --addr "127.0.0.1:$p" --data-dir "$work/serve-sig" 2>"$work/serve-sig.log" &
  fi
  pid=$!
  pids+=($pid)
  wait_http "http://127.0.0.1:$p/healthz" 10 || { echo "bad-input: serve: $name: /healthz never answered"; failed=$((failed + 1)); return; }
  kill -"$sig" "$pid"
  if [ "$ignore" = 1 ]; then
    sleep 0.5
    if ! curl -fsS -o /dev/null "http://127.0.0.1:$p/healthz"; then
      echo "bad-input: serve: $name: stopped by SIG$sig"; failed=$((failed + 1)); return
    fi
    kill -TERM "$pid"
  fi
  wait "$pid" || rc=$?
  if [ "$rc" -eq 0 ] && port_closed 127.0.0.1 "$p" && grep -q "stopping: draining" "$work/serve-sig.log"; then
    printf 'bad-input: serve: %-42sok\n' "$name"; passed=$((passed + 1))
  else
    echo "bad-input: serve: $name: exit $rc"; tail -3 "$work/serve-sig.log"; failed=$((failed + 1))
  fi
}
stop_case "SIGHUP drains and exits 0" HUP 0
stop_case "under nohup SIGHUP is ignored" HUP 1
stop_case "SIGINT drains and exits 0" INT 0
stop_case "SIGINT ignored at start stays ignored" INT 1

echo "bad-input: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
