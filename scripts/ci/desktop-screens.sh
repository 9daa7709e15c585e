#!/usr/bin/env bash
# desktop-screens.sh: screenshots of the REAL desktop window (Wails on WebKitGTK under Xvfb, not headless
# Chromium) on every page, with something on them: a custom node on a loopback mock upstream, an active combo, a
# client key and one answered request. The pages are reached from the keyboard, as a user without a mouse would
# (xdotool: Tab to "Skip to content", Enter; then from each page Shift+Tab into the page list, Home, Down…, Return),
# and each step is checked in the app's debug log (the page's own API call arrives) and by the picture (painted,
# and different from the page before). Images: docs/screenshots/desktop-<page>.png, and $OUT/desktop-screens/.
# Reuses build/bin/ninerouter when an earlier step built it (a desktop build: it links WebKitGTK).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/lib.sh"

if [ "${1:-}" != "--inner" ]; then
  cd "$here/.."
  missing=()
  for p in xvfb xauth imagemagick x11-utils xdotool dbus-x11 gnome-keyring python3; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "desktop-screens: installing ${missing[*]}"
    s=(); [ "$(id -u)" -eq 0 ] || s=(sudo)
    "${s[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  BIN=build/bin/ninerouter
  if ! { [ -x "$BIN" ] && readelf -d "$BIN" 2>/dev/null | grep -q libwebkit2gtk; }; then
    bash scripts/frontend.sh
    mkdir -p build/bin
    CGO_ENABLED=1 go build -tags "$DESKTOP_TAGS" -o "$BIN" .
  fi
  OUT=$(mkdir -p "${OUT:-build/out}/desktop-screens" && realpath "${OUT:-build/out}/desktop-screens")
  DOCS=$(realpath docs/screenshots)
  dfile=$(mktemp)
  Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$dfile" 2>"$OUT/xvfb.log" &
  xvfb_pid=$!
  trap 'kill $xvfb_pid 2>/dev/null || true; rm -f "$dfile"' EXIT
  within 30 test -s "$dfile" || { echo "desktop-screens: Xvfb did not start" >&2; cat "$OUT/xvfb.log" >&2; exit 1; }
  export DISPLAY=":$(head -1 "$dfile")"
  rc=0
  "$here/with-session.sh" "$0" --inner "$(realpath "$BIN")" "$OUT" "$DOCS" 2> >(grep -v --line-buffered '^dbus-daemon\[' >&2) || rc=$?
  exit $rc
fi

shift
BIN=$1 OUT=$2 DOCS=$3
fail() { echo "desktop-screens: FAIL: $*" >&2; echo "--- app log (tail) ---" >&2; tail -20 "$OUT/app.log" >&2 || true; exit 1; }
# A command that fails outside a check (set -e) says which, with the app's log, instead of ending silently.
trap 'fail "line $LINENO: \`$BASH_COMMAND\` exited $?"' ERR
export WEBKIT_DISABLE_COMPOSITING_MODE=1 # no GPU under Xvfb (scripts/smoke-desktop.sh)
port=$(free_port)
addr=127.0.0.1:$port
data=$HOME/ninerouter-data
cli=(--addr "$addr" --data-dir "$data")

# A loopback OpenAI-style upstream: /v1/chat/completions answers "pong", /v1/models lists m1.
up_port=$(free_port)
python3 - "$up_port" >"$OUT/upstream.log" 2>&1 <<'PY' &
import json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    def _send(self, body):
        b = json.dumps(body).encode()
        self.send_response(200); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_GET(self):
        self._send({"object": "list", "data": [{"id": "m1", "object": "model"}]})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send({"id": "c1", "object": "chat.completion", "created": int(time.time()), "model": "m1",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "pong"}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}})
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
up_pid=$!
app_pid=
trap '[ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null; kill "$up_pid" 2>/dev/null || true' EXIT

NINEROUTER_DEBUG=1 "$BIN" "${cli[@]}" >"$OUT/app.log" 2>&1 &
app_pid=$!
wait_http "http://$addr/healthz" 60 || fail "/healthz did not answer"
within 60 xdotool search --onlyvisible --name '^NineRouter$' >/dev/null 2>&1 || fail "no visible window titled NineRouter"
win=$(xdotool search --onlyvisible --name '^NineRouter$' | head -1)

# Something on every page: a node on the mock, the combo active, a client key and one answered request.
echo sk-mock | "$BIN" provider add-node --prefix mock --format openai --base-url "http://127.0.0.1:$up_port/v1" \
  --api-key - --models m1 --name "mock upstream" "${cli[@]}" >/dev/null || fail "provider add-node"
"$BIN" combo set default mock/m1 "${cli[@]}" >/dev/null || fail "combo set"
"$BIN" combo activate default "${cli[@]}" >/dev/null || fail "combo activate"
key=$("$BIN" key create --name screenshots --json "${cli[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])') ||
  fail "key create"
curl -fsS -o "$OUT/answer.json" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"model":"ninerouter/active","messages":[{"role":"user","content":"ping"}]}' "http://$addr/v1/chat/completions" ||
  fail "the test request through the mock"
grep -q pong "$OUT/answer.json" || fail "the answer: $(cat "$OUT/answer.json")"

# keys K...: focus the window and send K... to it. Focusing can fail for a moment (an X error while the window
# is being mapped again): asked again for up to 10 s; the keys are sent once, only after the focus holds.
keys() {
  within 10 xdotool windowfocus --sync "$win" 2>>"$OUT/xdotool.log" ||
    fail "the window could not be focused: $(tail -2 "$OUT/xdotool.log")"
  xdotool key --delay 60 "$@" 2>>"$OUT/xdotool.log" ||
    fail "typing $* into the window: $(tail -2 "$OUT/xdotool.log")"
}
# api_seen PATH FROM: the window asked the API for PATH in the log lines after line FROM.
api_seen() { tail -n +"$(($2 + 1))" "$OUT/app.log" | grep -q "window request.*path=$1[ ?].*status=200"; }
# paint NAME: waits until the window is painted (many colours), saves it, prints its checksum.
paint() {
  local f=$OUT/desktop-$1.png colours=0 deadline=$(( $(date +%s) + 30 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    sleep 1 # the page's requests answered; let WebKit paint them
    import -window "$win" "$f" 2>/dev/null || continue
    colours=$(convert "$f" -format '%k' info: 2>/dev/null || echo 0)
    [ "$colours" -ge 200 ] && break
  done
  [ "$colours" -ge 200 ] || fail "$1: the window looks blank ($colours colours)"
  cp "$f" "$DOCS/desktop-$1.png"
  echo "desktop-screens: $1: $f ($colours colours, $(identify -format '%wx%h' "$f"))" >&2
  md5sum <"$f" | cut -c1-32
}

pages=(overview:/api/status providers:/api/providers combos:/api/combos quota:/api/quota tools:/api/tools/snippets keys:/api/keys
  usage:/api/usage logs:/api/logs settings:/api/autostart)
# In: the first Tab of a fresh window is "Skip to content"; Enter moves the focus into the page.
within 30 grep -q "window request.*path=/api/status.*status=200" "$OUT/app.log" || fail "the window never asked for /api/status"
keys Tab Return
sums=()
for i in "${!pages[@]}"; do
  name=${pages[$i]%%:*} api=${pages[$i]#*:}
  from=$(wc -l <"$OUT/app.log")
  # From the page's content, Shift+Tab reaches the last entry of the page list; Home, then Down to the page.
  downs=(); for ((d = 0; d < i; d++)); do downs+=(Down); done
  keys shift+Tab Home "${downs[@]}" Return
  within 20 api_seen "$api" "$from" || fail "$name: the window did not ask for $api after the keys (not on the page?)"
  sum=$(paint "$name")
  for s in "${sums[@]}"; do [ "$s" != "$sum" ] || fail "$name looks exactly like an earlier page"; done
  sums+=("$sum")
done
kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; app_pid=
echo "desktop-screens: ${#pages[@]} passed, 0 failed"
