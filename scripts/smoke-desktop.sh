#!/usr/bin/env bash
# smoke-desktop.sh BIN TRAYPROBE OUTDIR: starts the real desktop binary the way a user's session would, with
# no real desktop: Xvfb for the window, a private D-Bus session with an unlocked gnome-keyring, a throwaway HOME,
# and trayprobe standing in for the tray host (a StatusNotifierWatcher). Then checks, in order:
#   /healthz answers; the window is mapped and not blank (screenshot, distinct colours); the tray item registered
#   on D-Bus with its icon and the menu labels (dbusmenu GetLayout); the Combo radio group follows the active
#   combo and switches it; closing the window (WM_DELETE_WINDOW) hides it to the tray and "Open NineRouter" brings
#   it back;
#   a second launch hands over to the running instance and exits 0; Quit clicked through the tray menu exits 0,
#   drains and closes the port; a port held by another program is refused; many fast start + signal cycles
#   (SIGTERM, SIGINT or SIGHUP anywhere in the first ~1.5 s) each exit 0 with the port closed; with the login keyring locked
#   (over D-Bus) /healthz answers at once, the status and the tray say so, Unlock loads the keys once the password
#   is typed, and SIGTERM while the unlock prompt is up exits 0 (SMOKE_LOCKED_CYCLES times); quota rows in the
#   tray and a notification on the bus; the session bus dying at any moment of a start leaves the router serving
#   and the SIGTERM after it exits 0.
# Screenshots and logs go to OUTDIR; their paths are printed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

if [ "${1:-}" != "--inner" ]; then
  BIN=$(realpath "$1") PROBE=$(realpath "$2") OUT=$(mkdir -p "$3" && realpath "$3")
  # Xvfb picks a free display and tells us which on fd 3.
  dfile=$(mktemp)
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$dfile" 2>"$OUT/xvfb.log" &
  xvfb_pid=$!
  trap 'kill $xvfb_pid 2>/dev/null || true; rm -f "$dfile"' EXIT
  within 30 test -s "$dfile" || true
  [ -s "$dfile" ] || { echo "smoke: Xvfb did not start" >&2; cat "$OUT/xvfb.log" >&2; exit 1; }
  export DISPLAY=":$(head -1 "$dfile")"
  rc=0
  # dbus-daemon's activation chatter (a11y bus, keyring) would interleave with the step lines.
  "$here/with-session.sh" "$0" --inner "$BIN" "$PROBE" "$OUT" 2> >(grep -v --line-buffered '^dbus-daemon\[' >&2) || rc=$?
  exit $rc
fi

shift
BIN=$1 PROBE=$2 OUT=$3
fail() { echo "smoke: FAIL: $*" >&2; echo "--- app log (tail) ---" >&2; tail -30 "$OUT/desktop-app.log" >&2 || true; exit 1; }
# A command that fails outside a check (set -e) says which, with the app's log, instead of ending silently.
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited $?"' ERR
window_visible() { xdotool search --onlyvisible --name '^NineRouter$' >/dev/null 2>&1; }
window_hidden() { ! window_visible; }
step() { printf 'smoke: %-58s' "$1"; step_t0=$(date +%s%N); }
ok() { echo "ok${1:+ ($1)} [$(( ($(date +%s%N) - step_t0) / 1000000 )) ms]"; }

# WebKit under Xvfb: no GPU, so paint without accelerated compositing (else the first frames can stay blank).
export WEBKIT_DISABLE_COMPOSITING_MODE=1
port=$(free_port)
addr=127.0.0.1:$port
data=$HOME/ninerouter-data

"$PROBE" watcher >"$OUT/sni-watcher.log" 2>&1 &
watcher_pid=$!
app_pid=
bus_helpers= # a private bus and its services (bus_dies below), ended here if a check fails mid-case
cleanup_inner() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "$bus_helpers" ] && kill $bus_helpers 2>/dev/null || true
  kill "$watcher_pid" 2>/dev/null || true
}
trap cleanup_inner EXIT
within 30 grep -q "watcher ready" "$OUT/sni-watcher.log" || fail "trayprobe watcher did not start: $(cat "$OUT/sni-watcher.log")"

step "desktop app starts, /healthz answers"
t0=$(date +%s%N)
NINEROUTER_DEBUG=1 "$BIN" --addr "$addr" --data-dir "$data" >"$OUT/desktop-app.log" 2>&1 &
app_pid=$!
wait_http "http://$addr/healthz" 30 || fail "/healthz did not answer within 30 s"
ok "$(( ($(date +%s%N) - t0) / 1000000 )) ms"

step "the tray item registered on D-Bus"
item=$("$PROBE" wait -timeout 20s) || fail "no StatusNotifierItem"
grep -q "registered" "$OUT/sni-watcher.log" || fail "the item did not register with the watcher"
"$PROBE" props >"$OUT/tray-props.txt" || fail "reading the item's properties"
grep -q "^Status=Active" "$OUT/tray-props.txt" || fail "item status: $(cat "$OUT/tray-props.txt")"
grep -q "^IconPixmap=64x64" "$OUT/tray-props.txt" || fail "tray icon: $(grep IconPixmap "$OUT/tray-props.txt")"
"$PROBE" icon "$OUT/tray-icon.png" || fail "saving the tray icon"
ok "$item"

step "tray menu labels (dbusmenu GetLayout)"
menu_ok=
deadline=$(( $(date +%s) + 30 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  "$PROBE" layout >"$OUT/tray-menu.txt" 2>&1 || true
  if grep -q "^Running on $addr" "$OUT/tray-menu.txt"; then menu_ok=1; break; fi
  sleep 0.1
done
[ -n "$menu_ok" ] || fail "menu never showed the running status: $(cat "$OUT/tray-menu.txt")"
for label in "Open NineRouter" "Copy endpoint URL" "Quit"; do
  grep -qx "$label" "$OUT/tray-menu.txt" || fail "menu has no \"$label\": $(cat "$OUT/tray-menu.txt")"
done
ok "$(grep -c . "$OUT/tray-menu.txt") entries"

# wait_menu REGEX...: wait until the tray menu (as trayprobe layout prints it) matches every REGEX.
wait_menu() {
  local deadline=$(( $(date +%s) + 30 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    "$PROBE" layout >"$OUT/tray-menu.txt" 2>&1 || true
    local all=1 re
    for re in "$@"; do grep -qE "$re" "$OUT/tray-menu.txt" || { all=; break; }; done
    [ -n "$all" ] && return 0
    sleep 0.1
  done
  return 1
}

step "Combo submenu: radio items follow the active combo"
cli=(--addr "$addr" --data-dir "$data")
"$BIN" combo set fast anthropic/claude-sonnet-4-5 "${cli[@]}" >/dev/null || fail "combo set fast"
"$BIN" combo set cheap glm/glm-4.6 "${cli[@]}" >/dev/null || fail "combo set cheap"
"$BIN" combo activate fast "${cli[@]}" >/dev/null || fail "combo activate fast"
wait_menu '^Combo: fast$' '^  \[x\] fast$' '^  \[ \] cheap$' || fail "menu after activating fast: $(cat "$OUT/tray-menu.txt")"
"$PROBE" click cheap || fail "clicking cheap"
wait_menu '^Combo: cheap$' '^  \[x\] cheap$' '^  \[ \] fast$' || fail "menu after clicking cheap: $(cat "$OUT/tray-menu.txt")"
"$BIN" combo list --json "${cli[@]}" | python3 -c 'import json,sys; d=json.load(sys.stdin); l=d if isinstance(d,list) else d.get("combos",[]); a=[c["name"] for c in l if c.get("active")]; sys.exit(0 if a==["cheap"] else "active: %s" % a)' ||
  fail "the service does not have cheap active"
ok

step "the window is mapped and not blank"
within 60 window_visible || fail "no visible window titled NineRouter"
win=$(xdotool search --onlyvisible --name '^NineRouter$' | head -1)
colours=0
deadline=$(( $(date +%s) + 60 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  import -window root "$OUT/desktop-window.png" 2>/dev/null || true
  colours=$(convert "$OUT/desktop-window.png" -format '%k' info: 2>/dev/null || echo 0)
  # The Overview draws text, cards and a badge: hundreds of colours once painted. A blank or error-only page
  # has a handful.
  [ "$colours" -ge 200 ] && grep -q "window request.*path=/api/status status=200" "$OUT/desktop-app.log" && break
  sleep 0.25
done
[ "$colours" -ge 200 ] || fail "the window looks blank ($colours colours)"
grep -q "path=/api/status status=200" "$OUT/desktop-app.log" || fail "the window's /api/status call did not succeed"
ok "$colours colours"

step "closing the window keeps NineRouter in the tray"
python3 "$here/x11-close.py" "$win" || fail "sending WM_DELETE_WINDOW"
within 20 window_hidden || fail "the window is still visible after close"
sleep 0.5
kill -0 "$app_pid" 2>/dev/null || fail "closing the window ended the app"
curl -fsS -o /dev/null "http://$addr/healthz" || fail "the router stopped when the window closed"
grep -q "keeps running in the tray" "$OUT/desktop-app.log" || fail "no hide-to-tray line in the log"
ok

step "Open NineRouter (tray) shows the hidden window"
"$PROBE" click "Open NineRouter" || fail "clicking Open NineRouter"
within 20 window_visible || fail "the window did not come back"
ok

step "a second launch hands over and exits 0"
rc=0
timeout 20 "$BIN" --addr "$addr" --data-dir "$data" >"$OUT/desktop-second.log" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "second launch exited $rc: $(cat "$OUT/desktop-second.log")"
kill -0 "$app_pid" 2>/dev/null || fail "the first instance died"
[ "$("$PROBE" wait -timeout 1s)" = "$item" ] || fail "a second tray item appeared"
ok

step "Quit from the tray menu: exit 0, port closed"
"$PROBE" click "Quit" || fail "clicking Quit"
rc=0
app_alive() { kill -0 "$app_pid" 2>/dev/null; }
app_gone() { ! app_alive; }
within 30 app_gone || true
kill -0 "$app_pid" 2>/dev/null && fail "still running 30 s after Quit"
wait "$app_pid" || rc=$?
app_pid=
[ "$rc" -eq 0 ] || fail "exit code $rc after Quit"
port_closed 127.0.0.1 "$port" || fail "port $port still open after Quit"
grep -q "server drained, database closed" "$OUT/desktop-app.log" || fail "no clean-stop line in the log"
ok

step "desktop: a port held by another program"
busy=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(60)' "$busy" &
holder=$!
port_open() { ! port_closed 127.0.0.1 "$1"; }
within 10 port_open "$busy" || true
rc=0
timeout 30 "$BIN" --addr "127.0.0.1:$busy" --data-dir "$HOME/busy-data" >"$OUT/desktop-busy.log" 2>&1 || rc=$?
kill "$holder" 2>/dev/null || true
last=$(tail -n 1 "$OUT/desktop-busy.log")
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "exit $rc with the port taken"
[[ "$last" == "ninerouter: "*"already in use"* ]] || fail "last line: $last"
ok "exit $rc"

# run_and_term DATA DELAY LOG [SIG]: start the app, send SIG (TERM, INT or HUP; TERM by default) after DELAY
# seconds, and require exit 0 within 30 s with its port closed. Prints the exit code on failure.
run_and_term() {
  local data=$1 delay=$2 log=$3 sig=${4:-TERM} p rc=0 pid
  p=$(free_port)
  "${sigint_default[@]}" "$BIN" --addr "127.0.0.1:$p" --data-dir "$data" >"$log" 2>&1 &
  pid=$!
  # Count the delay from when the Go runtime runs (it has installed its SIGTERM handler: SigCgt bit 15), not
  # from exec: on a loaded machine the dynamic loader alone can take a second mapping GTK and WebKit.
  local m
  for _ in $(seq 1 1000); do
    m=$(awk '/^SigCgt/{print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$m" ] && (( 0x$m & 0x4000 )) && break
    sleep 0.01
  done
  sleep "$delay"
  kill -"$sig" "$pid" 2>/dev/null || true
  local deadline=$(( $(date +%s) + 30 ))
  while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "still running 30 s after SIG$sig at ${delay}s"
    return 1
  fi
  wait "$pid" || rc=$?
  # A signal in the runtime's own start, before main() has caught it, takes the default action: exit 128+N,
  # before a line is logged, a file opened or the port bound. From main() on, it must be exit 0.
  if [ "$rc" -eq $(( 128 + $(kill -l "$sig") )) ] && [ ! -s "$log" ]; then early_kills=$(( early_kills + 1 )); rc=0; fi
  [ "$rc" -eq 0 ] || { echo "exit $rc after SIG$sig at ${delay}s"; return 1; }
  port_closed 127.0.0.1 "$p" || { echo "port $p open after SIG$sig at ${delay}s"; return 1; }
}

cycles=${SMOKE_SIGNAL_CYCLES:-36}
early_kills=0
step "$cycles fast start + TERM/INT/HUP cycles: exit 0, port closed"
sigs=(TERM INT HUP)
for i in $(seq 0 $(( cycles - 1 ))); do
  # Delays sweep the first 3 s of the program: before the window, before GTK's loop, while the backend starts;
  # the signal shifts by one every 12 cycles, so in 36 each kind meets every moment once.
  delay=$(python3 -c "print(round(($i % 12) * 0.25, 2))")
  run_and_term "$HOME/cycle-data" "$delay" "$OUT/desktop-cycle.log" "${sigs[$(( (i + i / 12) % 3 ))]}" >"$OUT/desktop-cycle.why" ||
    fail "cycle $i: $(cat "$OUT/desktop-cycle.why"); log: $(tail -5 "$OUT/desktop-cycle.log")"
  # The shell ends GTK's loop from inside it (app/loopquit_linux.go): a quit lost before the loop ran, or landing
  # after it ended (a SIGSEGV in gtk_main_quit), is what this line would show first.
  ! grep -q "gtk_main_quit" "$OUT/desktop-cycle.log" ||
    fail "cycle $i: gtk_main_quit was called outside GTK's loop: $(grep -m1 gtk_main_quit "$OUT/desktop-cycle.log")"
done
ok "$cycles cycles, $early_kills ended before main()"

# A locked login keyring: the router and window come up at once (keys load once it is unlocked), the tray says
# the keychain is locked, and SIGTERM while gnome-keyring's password prompt is up exits 0 with nothing printed
# by the Go runtime: the stop leaves the session bus that go-keyring's prompt wait reads open (app/tray_linux.go)
# and signal handlers WebKit installed without SA_ONSTACK are repaired (app/signals_linux.go). Repeated
# SMOKE_LOCKED_CYCLES times: the crash this guards against (issue #9 finding 10) came at the very end of the stop.
lock_keyring() {
  busctl --user call org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service \
    Lock ao 1 /org/freedesktop/secrets/collection/login >/dev/null || fail "could not lock the login keyring over D-Bus"
  local locked
  locked=$(busctl --user get-property org.freedesktop.secrets /org/freedesktop/secrets/collection/login \
    org.freedesktop.Secret.Collection Locked)
  [ "$locked" = "b true" ] || fail "the login collection is not locked: $locked"
}
# no_window WHY: fail, keeping what the screen showed and the window tree (which windows were mapped) for the log.
no_window() {
  import -window root "$OUT/desktop-locked-nowindow.png" 2>/dev/null || true
  xwininfo -root -tree >"$OUT/desktop-locked-windows.txt" 2>&1 || true
  fail "$1 (screen: $OUT/desktop-locked-nowindow.png, windows: $OUT/desktop-locked-windows.txt)"
}
# term_cleanly PID LOG: SIGTERM PID, then require it gone within 30 s with exit 0, nothing printed by the Go
# runtime and the clean-stop line in LOG; prints why and returns 1 otherwise. Run it in this shell (it waits for
# PID): redirect its output, never $(...).
term_cleanly() {
  local pid=$1 log=$2 rc=0 crash='^fatal error:|^panic:|^signal [0-9]+ received|without SA_ONSTACK flag'
  kill -TERM "$pid" 2>/dev/null || true
  if ! within 30 sh -c '! kill -0 "$1" 2>/dev/null' _ "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "still running 30 s after SIGTERM"
    return 1
  fi
  wait "$pid" || rc=$?
  [ "$rc" -eq 0 ] || { echo "exit $rc after SIGTERM: $(grep -m3 -E "$crash" "$log")"; return 1; }
  ! grep -qE "$crash" "$log" || { echo "the Go runtime complained during the stop: $(grep -m1 -E "$crash" "$log")"; return 1; }
  grep -q "NineRouter stopped: server drained, database closed" "$log" || { echo "no clean-stop line"; return 1; }
}
# stop_locked LOG: term_cleanly the app while the keyring's prompt is up.
stop_locked() {
  local rc=0
  term_cleanly "$app_pid" "$1" >"$OUT/desktop-locked.why" || rc=1
  app_pid=
  [ "$rc" -eq 0 ] || fail "with the keyring locked: $(cat "$OUT/desktop-locked.why")"
}
locked_cycles=${SMOKE_LOCKED_CYCLES:-3}
step "locked keyring: /healthz, status, Unlock, SIGTERM exits 0"
lock_keyring
lport=$(free_port)
t0=$(date +%s%N)
NINEROUTER_DEBUG=1 "$BIN" --addr "127.0.0.1:$lport" --data-dir "$HOME/locked-data" >"$OUT/desktop-locked.log" 2>&1 &
app_pid=$!
wait_http "http://127.0.0.1:$lport/healthz" 30 || fail "/healthz did not answer with the keyring locked"
healthz_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
within 60 window_visible || no_window "no window with the keyring locked"
grep -qE "has not answered|keychain did not open" "$OUT/desktop-locked.log" || fail "no keychain-locked line in the log"
# store_is KIND: the status (what the Overview and the window's banner read) names KIND as the secret store,
# and says why keys are not loaded exactly when KIND is keychain-waiting.
store_is() {
  "$BIN" status --json --addr "127.0.0.1:$lport" --data-dir "$HOME/locked-data" 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin).get("status",{}); k=sys.argv[1]; sys.exit(0 if d.get("secretStore")==k and bool(d.get("secretsWaiting"))==(k=="keychain-waiting") else 1)' "$1"
}
store_is keychain-waiting || fail "the status (Overview, banner) does not say the keychain is locked"
wait_menu '^Keys not loaded: ' '^Unlock keychain' || fail "the tray does not say the keychain is locked: $(cat "$OUT/tray-menu.txt")"
tray_locked="tray says so"
# Unlock: the password typed (gnome-keyring's UnlockWithMasterPassword, as its prompt would), then the window's
# banner button (POST /api/secrets/unlock, as the tray's "Unlock keychain…" does) asks the keychain again while
# the first prompt is still up; the keys load, the status and the tray say so.
printf 'ninerouter-test\n' | "$PROBE" unlock-keyring || fail "could not unlock the login keyring over D-Bus"
curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $(cat "$HOME/locked-data/cli-token")" -H 'Content-Type: application/json' \
  -d '{}' "http://127.0.0.1:$lport/api/secrets/unlock" || fail "POST /api/secrets/unlock"
within 30 store_is keychain || fail "the keys did not load after Unlock"
within 30 sh -c '"$1" layout 2>/dev/null | grep -q "^Keys not loaded: " && exit 1 || exit 0' _ "$PROBE" ||
  fail "the tray still says the keychain is locked after Unlock"
grep -q "the OS keychain is open; account keys loaded" "$OUT/desktop-locked.log" || fail "no keys-loaded line after Unlock"
stop_locked "$OUT/desktop-locked.log"
port_closed 127.0.0.1 "$lport" || fail "port $lport still open"
# The same start and stop again: each must end cleanly.
for i in $(seq 2 "$locked_cycles"); do
  lock_keyring
  lport=$(free_port)
  "$BIN" --addr "127.0.0.1:$lport" --data-dir "$HOME/locked-data" >"$OUT/desktop-locked-$i.log" 2>&1 &
  app_pid=$!
  wait_http "http://127.0.0.1:$lport/healthz" 30 || fail "cycle $i: /healthz did not answer with the keyring locked"
  within 60 window_visible || no_window "cycle $i: no window with the keyring locked"
  within 30 grep -qE "has not answered|keychain did not open" "$OUT/desktop-locked-$i.log" || fail "cycle $i: no keychain-locked line in the log"
  stop_locked "$OUT/desktop-locked-$i.log"
  port_closed 127.0.0.1 "$lport" || fail "cycle $i: port $lport still open"
done
ok "/healthz after $healthz_ms ms, $tray_locked, Unlock loaded the keys, $locked_cycles/$locked_cycles clean stops"

echo "smoke: window screenshot: $OUT/desktop-window.png"
echo "smoke: tray icon (as a host would draw it): $OUT/tray-icon.png"
echo "smoke: tray menu: $OUT/tray-menu.txt"
sed 's/^/smoke:   | /' "$OUT/tray-menu.txt"

# Quota (issue 12): a Claude account signed in at the mock vendor, at 37% (5 h) and 12% (weekly) used. The live
# tray menu (over D-Bus) shows its row with the mock's numbers, `ninerouter quota --json` agrees, and a spent
# window puts a notification on the session bus (org.freedesktop.Notifications: trayprobe's stand-in server).
# Its own instance, data dir and file secret store: independent of the keyring steps above.
step "quota: tray row from the mock, a notification on the bus"
(cd "$here/.." && go build -o "$OUT/mockvendor" ./backend/testkit/mockvendor/cmd/mockvendor) || fail "building the mock vendor"
"$OUT/mockvendor" -endpoints "$OUT/endpoints.json" -auto-approve >"$OUT/mockvendor.log" 2>&1 &
mock_pid=$!
"$PROBE" notifications >"$OUT/notifications.log" 2>&1 &
notes_pid=$!
trap 'cleanup_inner; kill $mock_pid $notes_pid 2>/dev/null || true' EXIT
within 30 grep -q "^http" "$OUT/mockvendor.log" || fail "mock vendor: $(cat "$OUT/mockvendor.log")"
within 30 grep -q "notifications ready" "$OUT/notifications.log" || fail "notification server: $(cat "$OUT/notifications.log")"
control=$(grep -m1 '^http' "$OUT/mockvendor.log")/_control
set_claude_quota() { # FIVE_USED FIVE_RESET WEEK_USED WEEK_RESET
  curl -fsS -X POST "$control/quota?vendor=claude" -H 'Content-Type: application/json' \
    -d "{\"five_hour\":{\"utilization\":$1,\"resets_at\":\"$2\"},\"seven_day\":{\"utilization\":$3,\"resets_at\":\"$4\"}}"
}
week_reset=$(date -u -d '+99 hours' +%Y-%m-%dT%H:%M:%SZ)
set_claude_quota 37 "$(date -u -d '+72 minutes' +%Y-%m-%dT%H:%M:%SZ)" 12 "$week_reset" || fail "setting the mock's quota"
qport=$(free_port)
qcli=(--addr "127.0.0.1:$qport" --data-dir "$HOME/quota-data")
NINEROUTER_ENDPOINTS="$OUT/endpoints.json" NINEROUTER_SECRET_STORE=file NINEROUTER_SECRET_KEY=smoke-quota-key NINEROUTER_DEBUG=1 \
  "$BIN" "${qcli[@]}" >"$OUT/desktop-quota.log" 2>&1 &
app_pid=$!
wait_http "http://127.0.0.1:$qport/healthz" 30 || fail "/healthz (quota instance) did not answer"
# Sign in as a user would: the login command prints the vendor's page; opening it completes the flow.
"$BIN" login claude --no-browser "${qcli[@]}" >"$OUT/quota-login.log" 2>&1 &
login_pid=$!
within 30 grep -q '^http' "$OUT/quota-login.log" || fail "login printed no address: $(cat "$OUT/quota-login.log")"
curl -fsSL -o /dev/null "$(grep -m1 '^http' "$OUT/quota-login.log")" || fail "opening the sign-in page"
wait "$login_pid" || fail "login claude: $(cat "$OUT/quota-login.log")"
"$BIN" quota --refresh --json "${qcli[@]}" >"$OUT/quota.json" || fail "ninerouter quota --refresh --json"
python3 - "$OUT/quota.json" <<'PY' || fail "quota --json: $(cat "$OUT/quota.json")"
import json, sys
v = json.load(open(sys.argv[1]))
a = [x for x in v["accounts"] if x["provider"] == "claude"][0]
w = {x["id"]: x for x in a["windows"]}
assert w["5h"]["usedPercent"] == 37 and w["5h"]["resetsAt"], w
assert w["7d"]["usedPercent"] == 12 and w["7d"]["resetsAt"], w
PY
wait_menu '^Claude · user@example\.com   5h ▰▰▰▱▱ 63% left · 1h 1[0-2]m   week 88% left · 4d [23]h$' ||
  fail "no quota row with the mock's numbers: $(cat "$OUT/tray-menu.txt")"
cp "$OUT/tray-menu.txt" "$OUT/tray-menu-quota.txt"
set_claude_quota 100 "$(date -u -d '+30 minutes' +%Y-%m-%dT%H:%M:%SZ)" 40 "$week_reset" || fail "spending the mock's 5h window"
"$BIN" quota --refresh --json "${qcli[@]}" >"$OUT/quota.json" || fail "ninerouter quota --refresh (spent)"
within 30 grep -q "^notify: .*5h window spent" "$OUT/notifications.log" ||
  fail "no notification on the bus: $(cat "$OUT/notifications.log")"
wait_menu '^Claude · user@example\.com   (cooling · [0-9hm ]+   )?spent   5h spent · 30m|^Claude · user@example\.com   spent   5h spent · (29|30)m' ||
  fail "the tray row does not say the window is spent: $(cat "$OUT/tray-menu.txt")"
"$PROBE" click Quit || fail "clicking Quit (quota instance)"
within 30 app_gone || fail "the quota instance did not quit"
app_pid=
kill "$mock_pid" "$notes_pid" 2>/dev/null || true
ok "$(grep -c '^notify:' "$OUT/notifications.log") notification(s)"
echo "smoke: tray menu with quota rows: $OUT/tray-menu-quota.txt"

# The session bus goes away (the session ends, its dbus-daemon dies) at any moment of a start: the tray stops
# calling systray (whose SetIcon panics on a closed connection, app/tray_linux.go), a keychain read waiting on
# the unlock prompt gets an error (go-keyring dereferences the nil signal of the closed bus,
# backend/secret/keychain.go), the router keeps serving, and the SIGTERM that usually follows exits 0 with the
# clean-stop line (issue #9 finding 10). Each case runs on its own dbus-daemon with a watcher, so the item
# registers there first.
# bus_dies DELAY LOG [locked]: start the app on a fresh bus, kill the bus DELAY s after the item registered (or,
# for "early", as soon as the Go runtime runs), then SIGTERM; prints why on failure. Without "locked" the app
# uses the file secret store; with it, a gnome-keyring on that bus, locked, so its password prompt is up (on
# Xvfb) when the bus dies.
bus_dies() {
  local delay=$1 log=$2 mode=${3:-} bdir p pid bus w kr=
  bdir=$(mktemp -d)
  dbus-daemon --session --nofork --nopidfile --address="unix:path=$bdir/bus" --print-address=1 >"$bdir/addr" 2>/dev/null &
  bus=$! bus_helpers+=" $bus"
  within 10 test -s "$bdir/addr" || { echo "private dbus-daemon did not start"; return 1; }
  local env=(DBUS_SESSION_BUS_ADDRESS="$(head -1 "$bdir/addr")") store=(NINEROUTER_SECRET_STORE=file NINEROUTER_SECRET_KEY=smoke-bus-key)
  env "${env[@]}" "$PROBE" watcher >"$bdir/watcher.log" 2>&1 &
  w=$! bus_helpers+=" $w"
  within 10 grep -q "watcher ready" "$bdir/watcher.log" || { echo "watcher did not start"; return 1; }
  if [ "$mode" = locked ]; then
    mkdir -p "$bdir/run" "$bdir/share" && chmod 700 "$bdir/run"
    env+=(XDG_RUNTIME_DIR="$bdir/run" XDG_DATA_HOME="$bdir/share")
    printf 'ninerouter-test' | env -u GNOME_KEYRING_CONTROL "${env[@]}" gnome-keyring-daemon --foreground --unlock \
      --components=secrets >/dev/null 2>&1 &
    kr=$! bus_helpers+=" $kr"
    # NameHasOwner, not a call to the service: that would have the bus activate a second keyring.
    within 10 sh -c '[ "$(env "$@" busctl --user call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
      NameHasOwner s org.freedesktop.secrets)" = "b true" ]' _ "${env[@]}" || { echo "gnome-keyring did not start on the private bus"; return 1; }
    env "${env[@]}" busctl --user call org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service \
      Lock ao 1 /org/freedesktop/secrets/collection/login >/dev/null || { echo "could not lock the private keyring"; return 1; }
    store=()
  fi
  p=$(free_port)
  env "${env[@]}" "${store[@]}" NINEROUTER_DEBUG=1 \
    "$BIN" --addr "127.0.0.1:$p" --data-dir "$HOME/bus-data${mode:+-$mode}" >"$log" 2>&1 &
  pid=$! app_pid=$! # the EXIT trap ends it if a check fails
  if [ "$delay" = early ]; then
    within 10 sh -c 'awk "/^SigCgt/{print \$2}" /proc/$1/status 2>/dev/null | grep -q .' _ "$pid" || true
  else
    wait_http "http://127.0.0.1:$p/healthz" 30 || { echo "/healthz did not answer"; return 1; }
    env "${env[@]}" "$PROBE" wait -timeout 20s >/dev/null || { echo "no StatusNotifierItem on the private bus"; return 1; }
    if [ "$mode" = locked ]; then
      within 30 grep -qE "has not answered|keychain did not open" "$log" || { echo "no keychain-locked line"; return 1; }
    fi
    sleep "$delay"
  fi
  kill -KILL "$bus" "$w" $kr 2>/dev/null || true
  wait "$bus" "$w" $kr 2>/dev/null || true
  bus_helpers=
  rm -rf "$bdir"
  if [ "$delay" != early ]; then
    sleep 1 # the tray's next redraw meets the closed connection
    kill -0 "$pid" 2>/dev/null || { echo "the app ended when the bus died"; return 1; }
    curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:$p/healthz" || { echo "the router stopped answering when the bus died"; return 1; }
  else
    wait_http "http://127.0.0.1:$p/healthz" 30 || { echo "/healthz did not answer after an early bus death"; return 1; }
  fi
  term_cleanly "$pid" "$log" || { app_pid=; return 1; }
  app_pid=
  port_closed 127.0.0.1 "$p" || { echo "port $p still open"; return 1; }
}
step "session bus dies: router keeps serving, SIGTERM exits 0"
for c in early 0 0.3 1 "1 locked"; do
  set -- $c
  bus_dies "$1" "$OUT/desktop-bus-$1${2:+-$2}.log" ${2:-} >"$OUT/desktop-bus.why" ||
    fail "bus gone after $c: $(cat "$OUT/desktop-bus.why"); log: $OUT/desktop-bus-$1${2:+-$2}.log"
done
ok "5/5 clean stops, one with the keychain's prompt up"
