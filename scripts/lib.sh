# Shared helpers for NineRouter's scripts. Source it: `. "$(dirname "$0")/lib.sh"`.

# The Go and Node that scripts/deps.sh installs when the system's are missing or too old come first (the
# Makefile does the same); then Go and the tools it installs, wherever this machine keeps them.
NINEROUTER_TOOLS=${NINEROUTER_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/ninerouter}
for d in "$NINEROUTER_TOOLS/node/bin" "$NINEROUTER_TOOLS/go/bin"; do
  case ":$PATH:" in *":$d:"*) ;; *) [ -d "$d" ] && PATH="$d:$PATH" ;; esac
done
for d in /usr/local/go/bin "$HOME/go/bin"; do
  case ":$PATH:" in *":$d:"*) ;; *) [ -d "$d" ] && PATH="$PATH:$d" ;; esac
done
if command -v go >/dev/null; then
  GOBIN_DIR=$(go env GOPATH)/bin
  case ":$PATH:" in *":$GOBIN_DIR:"*) ;; *) PATH="$PATH:$GOBIN_DIR" ;; esac
fi
export PATH

# Build tags of the desktop binary. webkit2_40/webkit2_41 make Wails pass request headers and bodies to the
# asset server's handler (without one the window's /api calls lose their Authorization header). Debian 12 ships
# WebKitGTK 2.50 as libwebkit2gtk-4.0; Ubuntu 24.04 and later only as 4.1.
if [ -z "${DESKTOP_TAGS:-}" ]; then
  if pkg-config --exists webkit2gtk-4.0 2>/dev/null || ! pkg-config --exists webkit2gtk-4.1 2>/dev/null; then
    DESKTOP_TAGS=desktop,production,webkit2_40
  else
    DESKTOP_TAGS=desktop,production,webkit2_41
  fi
fi

# free_port prints a free loopback TCP port (bind to 0, read it back).
free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  # No python3: a random high port that nothing accepts on.
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  return 1
}

# wait_http URL SECONDS: wait until URL answers 2xx.
wait_http() {
  local url=$1 deadline=$(( $(date +%s) + $2 ))
  until curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.05
  done
}

# port_closed HOST PORT: true when nothing accepts connections there.
port_closed() {
  ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# within SECONDS CMD...: retry CMD until it succeeds or SECONDS pass (deadlines, not counts: a loaded machine
# makes each try slower).
within() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    [ "$(date +%s)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

# "${sigint_default[@]}" CMD...: runs CMD (exec'd, same pid) with SIGINT at its default action. bash starts a
# script's background job with SIGINT ignored, so that Ctrl+C spares it, and NineRouter leaves an ignored SIGINT
# ignored (backend/cli/signals.go): a test that sends SIGINT to a background instance starts it through this.
sigint_default=(python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])')
