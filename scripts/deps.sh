#!/usr/bin/env bash
# Installs everything NineRouter's build and tests need on Debian/Ubuntu, and nothing that is already there.
# Idempotent: a second run only checks. Used by `make run`, `make test`, `make package` and .ci/run.
#
# What it may install, and from where (it prints each one it installs):
#   - apt packages: compilers, GTK/WebKitGTK headers, the X/D-Bus/keyring tools the tests drive, chromium.
#   - Go: when `go` is missing or older than go.mod's `go` line (Debian 12 ships 1.19, Ubuntu 24.04 1.22), the
#     go.mod toolchain from the Go module proxy (module golang.org/toolchain, checked against the checksum
#     database served by the same proxy) into $NINEROUTER_TOOLS/go. The Makefile and scripts/lib.sh put it first
#     on PATH.
#   - Node: when `node` is missing or older than Vite accepts (^20.19 or >= 22.12; Debian 12 ships 18, Ubuntu
#     24.04 18), Node $NODE_VERSION and npm $NPM_VERSION from the npm registry (packages node-linux-<arch> and
#     npm, checked against the pinned sha512 integrity) into $NINEROUTER_TOOLS/node.
#   - the wails CLI (go install, module proxy), Go modules, and the frontend/e2e npm packages from their lock files.
# $NINEROUTER_TOOLS defaults to ~/.cache/ninerouter.
# Options: --nsis (the NSIS compiler, for the Windows installer), --packaging (tools that inspect and validate
# the .deb/.rpm: rpm, appstream, desktop-file-utils), --webkit41 (WebKitGTK 4.1 headers, for package-webkit41).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

want_nsis='' want_packaging='' want_webkit41=''
for arg in "$@"; do
  case "$arg" in
    --nsis) want_nsis=1 ;;
    --packaging) want_packaging=1 ;;
    --webkit41) want_webkit41=1 ;;
    *) echo "deps: unknown option $arg (--nsis, --packaging, --webkit41)" >&2; exit 2 ;;
  esac
done

need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# version_ge A B: A >= B for dotted versions.
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

APT_PKGS=(build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.0-dev
  xvfb xauth imagemagick x11-utils xdotool dbus dbus-x11 dbus-user-session
  gnome-keyring libsecret-tools chromium procps curl ca-certificates python3)
[ -n "$want_nsis" ] && APT_PKGS+=(nsis)
[ -n "$want_packaging" ] && APT_PKGS+=(rpm appstream desktop-file-utils)
[ -n "$want_webkit41" ] && APT_PKGS+=(libwebkit2gtk-4.1-dev)

apt_updated=
apt_update() {
  if [ -z "$apt_updated" ]; then
    need_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
}
# Ubuntu 24.04 and later ship WebKitGTK only as 4.1 (scripts/lib.sh then builds with -tags webkit2_41).
if ! dpkg-query -W -f='${Status}' libwebkit2gtk-4.0-dev 2>/dev/null | grep -q "install ok installed" &&
  ! apt-cache show libwebkit2gtk-4.0-dev >/dev/null 2>&1; then
  apt_update
  if ! apt-cache show libwebkit2gtk-4.0-dev >/dev/null 2>&1; then
    APT_PKGS=("${APT_PKGS[@]/libwebkit2gtk-4.0-dev/libwebkit2gtk-4.1-dev}")
  fi
fi

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# python3 may come from outside apt; any python3 on PATH will do.
if command -v python3 >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [ "$p" = python3 ] || tmp+=("$p"); done; missing=("${tmp[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing apt packages: ${missing[*]}"
  apt_update
  need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

TOOLS=$NINEROUTER_TOOLS # scripts/lib.sh
case "$(uname -m)" in
  x86_64) goarch=amd64 nodearch=x64 ;;
  aarch64 | arm64) goarch=arm64 nodearch=arm64 ;;
  *) echo "deps: unsupported machine $(uname -m) (amd64, arm64)" >&2; exit 1 ;;
esac

# --- Go: go.mod's toolchain from the module proxy when the Go on PATH is missing or too old. -------------------
GO_WANT=$(sed -n 's/^toolchain go\([0-9.]*\)$/\1/p' go.mod)
GO_MIN=$(sed -n 's/^go \([0-9.]*\)$/\1/p' go.mod)
GO_WANT=${GO_WANT:-$GO_MIN}
go_have=$(go env GOVERSION 2>/dev/null | sed -n 's/^go\([0-9.]*\).*/\1/p' || true)
if [ -z "$go_have" ] && command -v go >/dev/null; then
  go_have=$(go version | sed -n 's/^go version go\([0-9.]*\).*/\1/p') # Go < 1.16 has no GOVERSION
fi
if [ -z "$go_have" ] || ! version_ge "$go_have" "$GO_MIN"; then
  echo "deps: Go ${go_have:-missing} is older than go.mod's $GO_MIN: installing go$GO_WANT from the Go module proxy into $TOOLS/go"
  rm -rf "$TOOLS/go.new" && mkdir -p "$TOOLS/go.new"
  python3 - "$GO_WANT" "linux" "$goarch" "$TOOLS/go.new" "${GOPROXY_URL:-https://proxy.golang.org}" <<'PY'
# Downloads golang.org/toolchain@v0.0.1-go<VERSION>.<os>-<arch> (the module the go command itself switches to),
# checks its h1: hash (Go's dirhash: sha256 over "<sha256>  <name>\n" lines of the sorted zip entries) against
# the checksum database as the proxy serves it, and unpacks it.
import base64, hashlib, io, os, sys, urllib.request, zipfile
ver, goos, goarch, dest, proxy = sys.argv[1:]
mod, v = "golang.org/toolchain", f"v0.0.1-go{ver}.{goos}-{goarch}"
get = lambda url: urllib.request.urlopen(url, timeout=300).read()
data = get(f"{proxy}/{mod}/@v/{v}.zip")
lookup = get(f"{proxy}/sumdb/sum.golang.org/lookup/{mod}@{v}").decode()
want = next(l.split()[2] for l in lookup.splitlines() if l.startswith(f"{mod} {v} h1:"))
z = zipfile.ZipFile(io.BytesIO(data))
names = sorted(z.namelist())
summary = "".join(f"{hashlib.sha256(z.read(n)).hexdigest()}  {n}\n" for n in names)
got = "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()
if got != want:
    sys.exit(f"deps: {mod}@{v}: checksum {got} does not match the checksum database's {want}")
prefix = f"{mod}@{v}/"
for n in names:
    if not n.startswith(prefix) or n.endswith("/"):
        continue
    rel = n[len(prefix):]
    path = os.path.join(dest, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(z.read(n))
    parts = rel.split("/")
    if parts[0] == "bin" or (len(parts) == 4 and parts[:2] == ["pkg", "tool"]):
        os.chmod(path, 0o755)
PY
  rm -rf "$TOOLS/go" && mv "$TOOLS/go.new" "$TOOLS/go"
  export PATH="$TOOLS/go/bin:$PATH"
  echo "deps: $(go version)"
fi

# --- Node: one that Vite accepts, from the npm registry, when the node on PATH is missing or too old. ----------
NODE_VERSION=22.23.5
NPM_VERSION=10.9.9
declare -A NODE_INTEGRITY=(
  [x64]=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==
  [arm64]=sha512-e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==
)
NPM_INTEGRITY=sha512-1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==
# Vite 8: "node": "^20.19.0 || >=22.12.0".
node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number);
             process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' 2>/dev/null
}
if ! node_ok; then
  have=$(node --version 2>/dev/null) || have=missing
  echo "deps: Node $have is not one Vite accepts (^20.19 or >= 22.12): installing Node $NODE_VERSION and npm $NPM_VERSION from the npm registry into $TOOLS/node"
  rm -rf "$TOOLS/node.new" && mkdir -p "$TOOLS/node.new/bin" "$TOOLS/node.new/lib/node_modules/npm"
  python3 - "$TOOLS/node.new" \
    "https://registry.npmjs.org/node-linux-$nodearch/-/node-linux-$nodearch-$NODE_VERSION.tgz" "${NODE_INTEGRITY[$nodearch]}" "" \
    "https://registry.npmjs.org/npm/-/npm-$NPM_VERSION.tgz" "$NPM_INTEGRITY" "lib/node_modules/npm" <<'PY'
# Fetches npm-registry tarballs, checks each against its pinned "sha512-<base64>" integrity, and unpacks its
# package/ directory into DEST/<subdir>.
import base64, hashlib, io, os, sys, tarfile, urllib.request
dest, rest = sys.argv[1], sys.argv[2:]
for url, integrity, sub in zip(rest[0::3], rest[1::3], rest[2::3]):
    data = urllib.request.urlopen(url, timeout=300).read()
    got = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if got != integrity:
        sys.exit(f"deps: {url}: integrity {got} does not match the pinned {integrity}")
    root = os.path.join(dest, sub)
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        for m in t.getmembers():
            if not m.name.startswith("package/"):
                continue
            m.name = m.name[len("package/"):]
            t.extract(m, root, filter="tar") if hasattr(tarfile, "data_filter") else t.extract(m, root)
PY
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$TOOLS/node.new/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$TOOLS/node.new/bin/npx"
  rm -rf "$TOOLS/node" && mv "$TOOLS/node.new" "$TOOLS/node"
  export PATH="$TOOLS/node/bin:$PATH"
  echo "deps: node $(node --version), npm $(npm --version)"
fi

# The wails CLI, exact version (v2.12.0 installs with Go 1.26 as is).
WAILS_VERSION=v2.12.0
GOBIN_DIR=$(go env GOPATH)/bin
# (Read the whole output first: `wails version | grep -q` fails under pipefail when grep exits before wails
# has printed its last line.)
wails_have=$("$GOBIN_DIR/wails" version 2>/dev/null || true)
if [[ "$wails_have" != *"$WAILS_VERSION"* ]]; then
  echo "deps: installing wails CLI $WAILS_VERSION"
  go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
fi

# staticcheck, exact version (scripts/ci/staticcheck.sh runs it; 0.8.2 is staticcheck 2026.2.2, which knows Go 1.26).
STATICCHECK_VERSION=v0.8.2
if ! "$GOBIN_DIR/staticcheck" -version 2>/dev/null | grep -q "(${STATICCHECK_VERSION#v})"; then
  echo "deps: installing staticcheck $STATICCHECK_VERSION"
  go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi

# Go modules for the project itself.
go mod download

# Front-end packages from the lock file.
if [ -f frontend/package-lock.json ]; then
  if [ ! -d frontend/node_modules ] || [ frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]; then
    echo "deps: npm ci (frontend)"
    (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
if [ -f e2e/package-lock.json ]; then
  if [ ! -d e2e/node_modules ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
    echo "deps: npm ci (e2e)"
    (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
echo "deps: ok"
