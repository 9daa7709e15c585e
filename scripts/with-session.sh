#!/usr/bin/env bash
# with-session.sh CMD...: runs CMD inside a private D-Bus session bus with an unlocked gnome-keyring (the real
# Secret Service, desktop.md §6) and a throwaway HOME, then ends every process that session started.
# NINEROUTER_TEST_KEYRING=1 is set so backend/secret's real-keychain tests run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

if [ -z "${NR_SESSION_INNER:-}" ]; then
  # Keep Go's caches where they are: the throwaway HOME below must not make Go download everything again.
  export GOPATH=$(go env GOPATH) GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)
  export npm_config_cache=${npm_config_cache:-$HOME/.npm}
  export NR_SESSION_INNER=1
  exec dbus-run-session -- "$0" "$@"
fi

session_home=$(mktemp -d /tmp/ninerouter-session.XXXXXX)
export HOME=$session_home XDG_RUNTIME_DIR=$session_home/run XDG_DATA_HOME=$session_home/.local/share
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

# gnome-keyring in the foreground (so we own its pid), unlocked with a fixed password read from stdin; it
# creates the login collection under the throwaway HOME and prints GNOME_KEYRING_CONTROL.
keyring_env=$session_home/keyring.env
printf 'ninerouter-test' | gnome-keyring-daemon --foreground --unlock --components=secrets >"$keyring_env" 2>"$session_home/keyring.log" &
keyring_pid=$!
for _ in $(seq 1 100); do grep -q GNOME_KEYRING_CONTROL "$keyring_env" 2>/dev/null && break; sleep 0.05; done
set -a; . "$keyring_env"; set +a
export NINEROUTER_TEST_KEYRING=1

cleanup() {
  kill "$keyring_pid" 2>/dev/null || true
  # Services the bus activated for us (at-spi, a second keyring) are children of our dbus-daemon, a sibling of
  # this script under dbus-run-session. End them by pid so none outlives the session.
  local bus_pid
  for bus_pid in $(ps -o pid=,comm= --ppid "$PPID" | awk '$2=="dbus-daemon"{print $1}'); do
    for p in $(ps -o pid= --ppid "$bus_pid"); do kill "$p" 2>/dev/null || true; done
  done
  rm -rf "$session_home"
}
trap cleanup EXIT
rc=0
"$@" || rc=$?
exit $rc
