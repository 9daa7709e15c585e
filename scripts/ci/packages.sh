#!/usr/bin/env bash
# packages.sh: CI proof that NineRouter installs and removes cleanly (issue 14). In order:
#   1. builds the .deb and .rpm (internal/cmd/package, nfpm) from the desktop binary and checks them: contents,
#      dependencies (the WebKitGTK ABI the binary links), the desktop entry, the AppStream metainfo;
#   2. installs the .deb with dpkg -i (CI runs as root), runs the desktop smoke test (scripts/smoke-desktop.sh:
#      window, tray, /healthz, hide to tray, second launch, Quit) on the INSTALLED /usr/bin/ninerouter under Xvfb,
#      reinstalls over a running instance (the package says to restart it), removes it with dpkg -r and checks
#      that none of its files is left; installs the .rpm with rpm -i --nodeps into a throwaway root (own rpm
#      database, scriptlets chrooted there), verifies it, upgrades it over a running instance, erases it;
#   3. builds the Windows NSIS installer (wails build -nsis) and, in a throwaway Wine prefix, runs it silently,
#      checks the installed files, the Start-menu shortcut and the uninstall registry entry, tries the Windows
#      binary's headless `serve`, toggles start at login with the installed binary and reads the per-user Run key
#      back (reg query), then runs the uninstaller silently and checks that all four are gone;
#   4. checks the server files: the systemd user unit (systemd-analyze verify) and the Dockerfile's runtime
#      contract (its ENV and CMD on the headless binary, as a non-root user, /healthz), and the macOS Info.plist.
# Reuses build/bin/{ninerouter,trayprobe,ninerouter-headless,ninerouter.exe} when an earlier step built them.
# Artefacts and logs: $OUT/packages/. Timings per phase are printed at the end (docs/packaging.md has a run).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/lib.sh
OUT=$(mkdir -p "${OUT:-build/out}/packages" && realpath "${OUT:-build/out}/packages")
BIN=build/bin
PKG=build/pkg/ci
mkdir -p "$BIN" "$PKG"
rm -f "$PKG"/*.deb "$PKG"/*.rpm

t_start=$(date +%s)
timings=()
phase() { phase_name=$1; phase_t0=$(date +%s); echo "packages: == $1"; }
phase_done() { timings+=("$(printf '%-52s %4ds' "$phase_name" $(( $(date +%s) - phase_t0 )))"); }
fail() { echo "packages: FAIL: $*" >&2; exit 1; }
need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

cleanups=()
cleanup() {
  local i
  for (( i=${#cleanups[@]}-1; i>=0; i-- )); do eval "${cleanups[$i]}" || true; done
}
trap cleanup EXIT

phase "dependencies (apt: nsis rpm appstream wine)"
bash scripts/deps.sh --nsis --packaging
wine_missing=()
for p in wine wine64; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || wine_missing+=("$p")
done
if [ ${#wine_missing[@]} -gt 0 ]; then
  echo "packages: installing ${wine_missing[*]} (Debian's Wine, 64-bit only)"
  need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${wine_missing[@]}" >/dev/null
fi
phase_done

phase "desktop binary (reused when built)"
desktop_ok() { [ -x "$BIN/ninerouter" ] && readelf -d "$BIN/ninerouter" 2>/dev/null | grep -q 'libwebkit2gtk'; }
if ! desktop_ok; then
  CGO_ENABLED=1 go build -tags "$DESKTOP_TAGS" -o "$BIN/ninerouter" .
fi
[ -x "$BIN/trayprobe" ] || go build -o "$BIN/trayprobe" ./internal/cmd/trayprobe
[ -x "$BIN/ninerouter-headless" ] || CGO_ENABLED=0 go build -tags headless -o "$BIN/ninerouter-headless" .
phase_done

phase ".deb and .rpm (nfpm)"
go run ./internal/cmd/package -bin "$BIN/ninerouter" -out "$PKG" | tee "$OUT/package.log"
deb=$(ls "$PKG"/ninerouter_*.deb)
rpm=$(ls "$PKG"/ninerouter-*.rpm)
abi=$(sed -n 's/.*(deb, WebKitGTK \(4\.[01]\)).*/\1/p' "$OUT/package.log")
dpkg-deb --info "$deb" >"$OUT/deb-info.txt"
dpkg-deb --contents "$deb" >"$OUT/deb-contents.txt"
depends=$(dpkg-deb --field "$deb" Depends)
echo "packages: $deb Depends: $depends"
case "$abi" in
  4.0) [[ "$depends" == *libwebkit2gtk-4.0-37* && "$depends" != *libwebkit2gtk-4.1* ]] || fail "4.0 build, Depends: $depends" ;;
  4.1) [[ "$depends" == *libwebkit2gtk-4.1-0* && "$depends" != *libwebkit2gtk-4.0* ]] || fail "4.1 build, Depends: $depends" ;;
  *) fail "could not tell the WebKitGTK ABI from: $(cat "$OUT/package.log")" ;;
esac
rpm -qp --info "$rpm" >"$OUT/rpm-info.txt" 2>&1
rpm -qpl "$rpm" >"$OUT/rpm-contents.txt" 2>&1
rpm -qpR "$rpm" >"$OUT/rpm-requires.txt" 2>&1
rpm -K --nosignature "$rpm" | tee -a "$OUT/rpm-info.txt" | grep -q "digests OK" || fail "rpm digest check: $(rpm -K --nosignature "$rpm")"
grep -q "^libwebkit2gtk-$abi.so" "$OUT/rpm-requires.txt" || fail "rpm requires: $(cat "$OUT/rpm-requires.txt")"
for f in /usr/bin/ninerouter /usr/share/applications/ninerouter.desktop \
  /usr/share/metainfo/io.github.ninerouter.NineRouter.metainfo.xml; do
  grep -q " \.$f\$" "$OUT/deb-contents.txt" || fail ".deb lacks $f"
  grep -qx "$f" "$OUT/rpm-contents.txt" || fail ".rpm lacks $f"
done
for s in 16 24 32 48 64 128 256 512; do
  f=/usr/share/icons/hicolor/${s}x${s}/apps/ninerouter.png
  grep -q " \.$f\$" "$OUT/deb-contents.txt" || fail ".deb lacks $f"
  grep -qx "$f" "$OUT/rpm-contents.txt" || fail ".rpm lacks $f"
done
desktop-file-validate build/linux/ninerouter.desktop
appstreamcli validate --no-net build/linux/io.github.ninerouter.NineRouter.metainfo.xml
echo "packages: $(basename "$deb") $(( $(stat -c %s "$deb") / 1024 )) KiB, $(basename "$rpm") $(( $(stat -c %s "$rpm") / 1024 )) KiB"
phase_done

# One package install at a time on this machine (two CI runs sharing a host would remove each other's).
exec 9>/tmp/ninerouter-packages-ci.lock
flock 9

phase "dpkg -i, smoke test of the installed app"
if dpkg-query -W -f='${Status}' ninerouter 2>/dev/null | grep -q "install ok installed"; then
  fail "a ninerouter package is already installed on this machine; this check installs and removes its own"
fi
cleanups+=("dpkg-query -W ninerouter >/dev/null 2>&1 && need_root dpkg --purge ninerouter >/dev/null")
need_root dpkg -i "$deb" | tee "$OUT/dpkg-install.log"
dpkg-query -W -f='${Status}\n' ninerouter | grep -q "install ok installed" || fail "not installed after dpkg -i"
dpkg -L ninerouter | sort >"$OUT/dpkg-files.txt"
[ "$(command -v ninerouter)" = /usr/bin/ninerouter ] || fail "ninerouter is not /usr/bin/ninerouter on PATH"
desktop-file-validate /usr/share/applications/ninerouter.desktop
appstreamcli validate --no-net /usr/share/metainfo/io.github.ninerouter.NineRouter.metainfo.xml >/dev/null
/usr/bin/ninerouter version
bash scripts/smoke-desktop.sh /usr/bin/ninerouter "$BIN/trayprobe" "$OUT/smoke"
phase_done

phase "reinstall over a running instance"
port=$(free_port)
NINEROUTER_SECRET_STORE="file" /usr/bin/ninerouter serve --addr "127.0.0.1:$port" --data-dir "$OUT/running-data" \
  >"$OUT/running.log" 2>&1 &
running_pid=$!
cleanups+=("kill $running_pid 2>/dev/null")
wait_http "http://127.0.0.1:$port/healthz" 30 || fail "the installed binary's serve did not answer"
need_root dpkg -i "$deb" >"$OUT/dpkg-reinstall.log" 2>&1
cat "$OUT/dpkg-reinstall.log"
grep -q "NineRouter is running the previous version" "$OUT/dpkg-reinstall.log" ||
  fail "reinstalling over a running instance did not say to restart it"
curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" || fail "the running instance died during the reinstall"
kill -TERM "$running_pid"
wait "$running_pid" || fail "the running instance did not stop cleanly on SIGTERM"
phase_done

phase "dpkg -r: nothing left"
need_root dpkg -r ninerouter | tee "$OUT/dpkg-remove.log"
grep -q "Per-user state stays" "$OUT/dpkg-remove.log" || fail "removal did not say what stays in the user's home"
status=$(dpkg-query -W -f='${Status}' ninerouter 2>/dev/null || true)
[ -z "$status" ] || [ "$status" = "unknown ok not-installed" ] || [ "$status" = "deinstall ok not-installed" ] ||
  fail "after dpkg -r the package is in state: $status"
left=0
while read -r f; do
  # Shared directories (/usr, /usr/share/icons/hicolor/...) belong to other packages too.
  if [ -e "$f" ] && [ ! -d "$f" ]; then echo "left behind: $f"; left=$((left + 1)); fi
  if [ -d "$f" ] && [[ "$f" == *ninerouter* ]]; then echo "left behind: $f/"; left=$((left + 1)); fi
done <"$OUT/dpkg-files.txt"
[ "$left" -eq 0 ] || fail "$left paths left after dpkg -r"
command -v ninerouter >/dev/null && fail "ninerouter still on PATH"
echo "packages: removed; none of the $(wc -l <"$OUT/dpkg-files.txt") packaged paths is left"
phase_done
flock -u 9

phase "rpm -i into a throwaway root, scriptlets, rpm -e"
# This machine is Debian: the .rpm is installed for real, but with --root into an empty directory and its own rpm
# database (--nodeps: the root holds no GTK/WebKit; the package's Requires are checked above). rpm runs the
# scriptlets chrooted into that root, so it gets /bin/sh (dash) and readlink with their libraries, /dev/null and
# /proc. Then: every packaged file is where the package says, with its digest and mode (rpm -V); an upgrade over a
# running instance says to restart it (%post); erasing says what stays in the user's home (%preun) and leaves none
# of the package's files.
rpm_root=$(mktemp -d /tmp/ninerouter-rpmroot.XXXXXX)
cleanups+=("rm -rf '$rpm_root'")
mkdir -p "$rpm_root/usr" "$rpm_root/dev" "$rpm_root/proc" "$rpm_root/tmp" "$rpm_root/var/tmp"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$rpm_root/$d"; done
for b in /bin/sh /usr/bin/readlink; do
  for f in "$b" $(ldd "$(realpath "$b")" | grep -o '/[^ ]*'); do
    dst=$(echo "$f" | sed -E 's#^/(bin|lib|lib64|sbin)/#/usr/\1/#')
    install -D "$(realpath "$f")" "$rpm_root$dst"
  done
done
need_root mknod -m 666 "$rpm_root/dev/null" c 1 3
rpm_proc=
if need_root mount -t proc proc "$rpm_root/proc" 2>/dev/null; then
  rpm_proc=1
  cleanups+=("need_root umount '$rpm_root/proc'")
else
  echo "packages: cannot mount /proc in the rpm root here: the running-instance message of %post is not checked"
fi
rpmr() { need_root rpm --root "$rpm_root" --dbpath /var/lib/rpm "$@" 2> >(grep -v -e '^rpm: RPM should not be used directly' -e '^rpm: However assuming' >&2); }
rpmr --initdb
rpmr -i --nodeps "$rpm" >"$OUT/rpm-install.log" 2>&1 || { cat "$OUT/rpm-install.log"; fail "rpm -i --root"; }
grep -q "scriptlet failed" "$OUT/rpm-install.log" && fail "a scriptlet failed: $(cat "$OUT/rpm-install.log")"
[ "$(rpmr -q ninerouter)" = "$(rpm -qp "$rpm" 2>/dev/null)" ] || fail "rpm -q in the root: $(rpmr -q ninerouter 2>&1)"
rpmr -V --nodeps ninerouter || fail "rpm -V: installed files differ from the package"
rpmr -ql ninerouter | sort >"$OUT/rpm-files.txt"
while read -r f; do [ -e "$rpm_root$f" ] || fail "rpm -i did not install $f"; done <"$OUT/rpm-files.txt"
cmp "$rpm_root/usr/bin/ninerouter" "$BIN/ninerouter" || fail "the installed /usr/bin/ninerouter differs from the build"
[ "$(stat -c %a "$rpm_root/usr/bin/ninerouter")" = 755 ] || fail "/usr/bin/ninerouter mode $(stat -c %a "$rpm_root/usr/bin/ninerouter")"
rpm -qp --scripts "$rpm" 2>/dev/null >"$OUT/rpm-scripts.txt"
grep -q '^postinstall scriptlet' "$OUT/rpm-scripts.txt" && grep -q '^preuninstall scriptlet' "$OUT/rpm-scripts.txt" ||
  fail "the .rpm lacks its %post/%preun: $(cat "$OUT/rpm-scripts.txt")"
if [ -n "$rpm_proc" ]; then
  port=$(free_port)
  NINEROUTER_SECRET_STORE=file "$rpm_root/usr/bin/ninerouter" serve --addr "127.0.0.1:$port" --data-dir "$OUT/rpm-running-data" \
    >"$OUT/rpm-running.log" 2>&1 &
  rpm_running=$!
  cleanups+=("kill $rpm_running 2>/dev/null")
  wait_http "http://127.0.0.1:$port/healthz" 30 || fail "the rpm-installed binary's serve did not answer: $(tail -5 "$OUT/rpm-running.log")"
  rpmr -U --replacepkgs --nodeps "$rpm" >"$OUT/rpm-upgrade.log" 2>&1 || { cat "$OUT/rpm-upgrade.log"; fail "rpm -U over a running instance"; }
  cat "$OUT/rpm-upgrade.log"
  grep -q "NineRouter is running the previous version" "$OUT/rpm-upgrade.log" || fail "%post did not say to restart the running instance"
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" || fail "the running instance died during rpm -U"
  kill -TERM "$rpm_running"
  wait "$rpm_running" || fail "the running instance did not stop cleanly on SIGTERM"
fi
rpmr -e --nodeps ninerouter >"$OUT/rpm-erase.log" 2>&1 || { cat "$OUT/rpm-erase.log"; fail "rpm -e"; }
cat "$OUT/rpm-erase.log"
grep -q "Per-user state stays" "$OUT/rpm-erase.log" || fail "%preun did not say what stays in the user's home"
rpmr -q ninerouter >/dev/null 2>&1 && fail "still registered in the root's rpm database after rpm -e"
while read -r f; do [ -e "$rpm_root$f" ] && [ ! -d "$rpm_root$f" ] && fail "left behind by rpm -e: $f"; done <"$OUT/rpm-files.txt"
echo "packages: the .rpm installed into a throwaway root ($(wc -l <"$OUT/rpm-files.txt") paths, rpm -V clean), scriptlets ran, erased"
phase_done

phase "Windows exe + NSIS installer (wails build -nsis)"
# wails writes wails_tools.nsh and tmp/MicrosoftEdgeWebview2Setup.exe, then runs makensis; it exits 0 without
# an installer when makensis fails to start, so the file is checked.
rm -f "$BIN/NineRouter-amd64-installer.exe"
wails build -platform windows/amd64 -s -m -skipbindings -nsis -o ninerouter.exe >"$OUT/wails-windows.log" 2>&1 ||
  { cat "$OUT/wails-windows.log"; fail "wails build -nsis"; }
installer=$BIN/NineRouter-amd64-installer.exe
[ -f "$installer" ] || { cat "$OUT/wails-windows.log"; fail "no installer written"; }
file "$installer" | grep -q "PE32+ executable" || fail "the installer is not a 64-bit PE: $(file "$installer")"
echo "packages: $installer $(( $(stat -c %s "$installer") / 1024 )) KiB"
phase_done

phase "Wine prefix (cold start)"
export WINEPREFIX WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=" DISPLAY=
WINEPREFIX=$(mktemp -d /tmp/ninerouter-wine.XXXXXX)
cleanups+=("WINEPREFIX=$WINEPREFIX wineserver -k 2>/dev/null; rm -rf '$WINEPREFIX'")
wine wineboot -i >"$OUT/wineboot.log" 2>&1 || { cat "$OUT/wineboot.log"; fail "wineboot"; }
# Debian's Wine 8 prefixes report Windows 7; the installer (like WebView2) wants Windows 10.
wine winecfg -v win10 >>"$OUT/wineboot.log" 2>&1
wineserver -w
phase_done

phase "NSIS install (silent, per-user) under Wine"
user=$(id -un)
home_w="$WINEPREFIX/drive_c/users/$user"
instdir="$home_w/AppData/Local/Programs/NineRouter"
shortcut="$home_w/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/NineRouter.lnk"
uninst_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\NineRouter'
cp "$installer" "$WINEPREFIX/drive_c/setup.exe"
rc=0; wine 'C:\setup.exe' /S || rc=$?
wineserver -w
[ "$rc" -eq 0 ] || fail "the installer exited $rc"
cmp "$instdir/ninerouter.exe" "$BIN/ninerouter.exe" || fail "installed ninerouter.exe differs from the build"
[ -f "$instdir/uninstall.exe" ] || fail "no uninstall.exe"
[ -f "$shortcut" ] || fail "no Start-menu shortcut"
wine reg query "$uninst_key" >"$OUT/wine-uninstall-key.txt" 2>&1 || fail "no uninstall entry: $(cat "$OUT/wine-uninstall-key.txt")"
for v in DisplayName DisplayVersion UninstallString QuietUninstallString InstallLocation DisplayIcon; do
  grep -q "^ *$v " "$OUT/wine-uninstall-key.txt" || fail "uninstall entry lacks $v"
done
grep -q 'QuietUninstallString.*uninstall.exe" /S' "$OUT/wine-uninstall-key.txt" || fail "QuietUninstallString"
sed 's/^/packages:   | /' "$OUT/wine-uninstall-key.txt"
phase_done

# wine_serve NAME: starts the installed ninerouter.exe's headless serve in the background (pid in wine_pid, port
# in wine_port) and waits until /healthz answers or the process ends; true when it answers.
wine_serve() {
  wine_port=$(free_port)
  # A data dir per run: under Wine 8 the data-dir lock (instance.lock, LockFileEx) of an instance ended by a
  # kill + `wineserver -k` was still reported held by the next start; this check is about serve, not the lock.
  (cd "$instdir" && exec timeout 120 wine ninerouter.exe serve --addr "127.0.0.1:$wine_port" \
    --data-dir "C:\\ninerouter-$1") >"$OUT/$1.log" 2>&1 &
  wine_pid=$!
  local deadline=$(( $(date +%s) + 60 ))
  while [ "$(date +%s)" -lt "$deadline" ] && kill -0 "$wine_pid" 2>/dev/null; do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$wine_port/healthz" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
wine_stop() {
  kill "$wine_pid" 2>/dev/null || true
  wait "$wine_pid" 2>/dev/null || true
  wineserver -k 2>/dev/null || true
  wineserver -w
}

phase "the Windows binary's headless serve under Wine"
# Go >= 1.22 takes its randomness from ProcessPrng in bcryptprimitives.dll, which Debian's Wine 8 lacks, so the
# binary is expected to abort at start as Wine ships. Whatever happens is recorded in wine-serve.txt.
if wine_serve wine-serve; then
  echo "answers as Wine ships: /healthz -> $(curl -fsS "http://127.0.0.1:$wine_port/healthz")" >"$OUT/wine-serve.txt"
else
  echo "does not answer as Wine ships: $(grep -m1 -iE 'fatal|error|not found' "$OUT/wine-serve.log" || tail -1 "$OUT/wine-serve.log")" >"$OUT/wine-serve.txt"
fi
wine_stop
# Then with the missing function supplied: a ProcessPrng over RtlGenRandom (scripts/ci/wine-processprng.c,
# Debian's mingw-w64), in this throwaway prefix only. This must answer: it is the Windows build's real serve.
if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  echo "packages: installing gcc-mingw-w64-x86-64-win32 (for the ProcessPrng shim)"
  need_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gcc-mingw-w64-x86-64-win32 >/dev/null
fi
x86_64-w64-mingw32-gcc -O2 -shared -s -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
  scripts/ci/wine-processprng.c -ladvapi32
wine_serve wine-serve-shim || fail "ninerouter.exe serve with the ProcessPrng shim did not answer: $(tail -5 "$OUT/wine-serve-shim.log")"
echo "answers with a ProcessPrng shim: /healthz -> $(curl -fsS "http://127.0.0.1:$wine_port/healthz")" >>"$OUT/wine-serve.txt"
phase_done

phase "start at login under Wine: the per-user Run key"
# The installed ninerouter.exe turns its entry on and off (in-process: a data dir and port of its own, so no
# running instance is asked) and the registry says so: the value names the installed binary and --autostart;
# off deletes only that value (another program's entry under the same key stays); status agrees each time. It
# is left on here: the uninstaller below must remove it.
run_key='HKCU\Software\Microsoft\Windows\CurrentVersion\Run'
as_args=(--data-dir 'C:\ninerouter-autostart' --addr "127.0.0.1:$(free_port)")
as_cli() { (cd "$instdir" && wine ninerouter.exe autostart "${as_args[@]}" "$@") 2>>"$OUT/wine-autostart.log"; }
run_value() { wine reg query "$run_key" /v "$1" 2>/dev/null | tr -d '\r' | sed -n "s/^ *$1 *REG_SZ *//p"; }
wine reg add "$run_key" /v OtherApp /t REG_SZ /d 'C:\other\other.exe' /f >/dev/null
as_cli on | tee "$OUT/wine-autostart-on.txt"
want="\"$(winepath -w "$instdir/ninerouter.exe")\" --autostart"
[ "$(run_value NineRouter)" = "$want" ] || fail "after autostart on, the Run value is [$(run_value NineRouter)], want [$want]"
as_cli status | grep -q "^Start at login: on (HKCU" || fail "autostart status after on: $(as_cli status)"
as_cli off >/dev/null
wine reg query "$run_key" /v NineRouter >/dev/null 2>&1 && fail "autostart off left the Run value"
[ "$(run_value OtherApp)" = 'C:\other\other.exe' ] || fail "autostart off touched another program's Run value"
as_cli status | grep -qx "Start at login: off" || fail "autostart status after off: $(as_cli status)"
as_cli off | grep -qx "Start at login: off" || fail "turning an absent entry off again"
as_cli on >/dev/null
[ "$(run_value NineRouter)" = "$want" ] || fail "autostart on again: [$(run_value NineRouter)]"
echo "packages: Run key toggled on, off, on by the installed binary: $want"
phase_done

phase "NSIS install over a running instance"
# The installer must refuse to replace a running ninerouter.exe (silent: exit 3), and leave it running.
wine_serve wine-running || fail "could not start the installed binary: $(tail -5 "$OUT/wine-running.log")"
rc=0; wine 'C:\setup.exe' /S || rc=$?
[ "$rc" -eq 3 ] || fail "installing over a running instance exited $rc, want 3"
curl -fsS -o /dev/null "http://127.0.0.1:$wine_port/healthz" || fail "the running instance died during the refused install"
# _?= runs the uninstaller in place (normally it copies itself to %TEMP% and returns at once), so its exit code
# is the answer.
rc=0; wine "$(winepath -w "$instdir/uninstall.exe")" /S "_?=$(winepath -w "$instdir")" || rc=$?
[ "$rc" -eq 3 ] || fail "uninstalling under a running instance exited $rc, want 3"
[ -f "$instdir/ninerouter.exe" ] || fail "uninstalling under a running instance removed the binary"
curl -fsS -o /dev/null "http://127.0.0.1:$wine_port/healthz" || fail "the running instance died during the refused uninstall"
wine_stop
echo "packages: install and uninstall over a running instance both refused (exit 3), instance untouched"
phase_done

phase "NSIS uninstall (silent) under Wine"
# The uninstaller first runs `ninerouter.exe uninstall --yes --keep-data`, which reverts the coding-tool configs
# NineRouter changed. When the binary has that subcommand, prove it: a user's Claude Code settings, applied,
# then uninstalled, must come back byte for byte.
user_claude="$home_w/.claude/settings.json"
reverted=
if ! port_closed 127.0.0.1 20128; then
  # The apply and the uninstall talk to whatever NineRouter answers on the default port (a developer's own).
  echo "packages: something listens on 127.0.0.1:20128 here: the revert is not checked"
elif (cd "$instdir" && wine ninerouter.exe help 2>/dev/null) | grep -qE '^ +uninstall '; then
  mkdir -p "$(dirname "$user_claude")"
  printf '{"theme":"dark","model":"my-own"}\n' >"$user_claude"
  cp "$user_claude" "$OUT/claude-settings.orig"
  (cd "$instdir" && wine ninerouter.exe tool apply claude) >"$OUT/wine-apply.log" 2>&1 ||
    fail "tool apply claude under Wine: $(cat "$OUT/wine-apply.log")"
  cmp -s "$user_claude" "$OUT/claude-settings.orig" && fail "tool apply did not change the Claude Code settings"
  reverted=1
else
  echo "packages: this ninerouter.exe has no \`uninstall\` subcommand yet: the revert is not checked"
fi
rc=0; wine "$(winepath -w "$instdir/uninstall.exe")" /S || rc=$?
wineserver -w
[ "$rc" -eq 0 ] || fail "the uninstaller exited $rc"
[ ! -e "$instdir" ] || fail "left behind: $(find "$instdir")"
[ ! -e "$shortcut" ] || fail "the Start-menu shortcut is left"
if wine reg query "$uninst_key" >/dev/null 2>&1; then fail "the uninstall entry is left"; fi
if [ -n "$reverted" ]; then
  cmp "$user_claude" "$OUT/claude-settings.orig" || fail "the uninstaller did not restore the Claude Code settings byte for byte"
  echo "packages: the uninstaller reverted the applied Claude Code settings byte for byte"
fi
if [ -n "$reverted" ]; then
  wine reg query "$run_key" /v NineRouter >/dev/null 2>&1 && fail "the uninstaller left the start-at-login Run value"
  [ "$(run_value OtherApp)" = 'C:\other\other.exe' ] || fail "the uninstaller touched another program's Run value"
  echo "packages: the uninstaller removed the start-at-login Run value (and only it)"
fi
echo "packages: uninstalled; install dir, shortcut and uninstall entry are gone"
phase_done

phase "server files: systemd unit, Docker contract, Info.plist"
unit_home=$(mktemp -d)
cleanups+=("rm -rf '$unit_home'")
install -Dm755 "$BIN/ninerouter-headless" "$unit_home/.local/bin/ninerouter-headless"
HOME=$unit_home systemd-analyze verify build/linux/ninerouter.service
# The Dockerfile's ENV and CMD (serve on 0.0.0.0:20128 with the data in /data), run by an unprivileged user:
# without NINEROUTER_PASSWORD it must refuse the wide bind with a clear message; with it, /healthz answers.
docker_root=$(mktemp -d)
cleanups+=("rm -rf '$docker_root'")
chmod 0755 "$docker_root"
install -Dm755 "$BIN/ninerouter-headless" "$docker_root/usr/local/bin/ninerouter"
docker_data=$docker_root/data
mkdir -m 0700 "$docker_data"
[ "$(id -u)" -ne 0 ] || chown nobody "$docker_data"
port=$(free_port)
docker_env=(HOME="$docker_data" NINEROUTER_DATA_DIR="$docker_data" NINEROUTER_ADDR="0.0.0.0:$port" NINEROUTER_SECRET_STORE=file)
as_nobody=()
[ "$(id -u)" -ne 0 ] || as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
rc=0; "${as_nobody[@]}" env -i "${docker_env[@]}" "$docker_root/usr/local/bin/ninerouter" serve >"$OUT/docker-nopass.log" 2>&1 || rc=$?
[ "$rc" -ne 0 ] && grep -q "needs a dashboard password" "$OUT/docker-nopass.log" ||
  fail "a wide bind without a password: exit $rc, $(cat "$OUT/docker-nopass.log")"
"${as_nobody[@]}" env -i "${docker_env[@]}" NINEROUTER_PASSWORD=ci-docker-password-1 \
  "$docker_root/usr/local/bin/ninerouter" serve >"$OUT/docker-serve.log" 2>&1 &
docker_pid=$!
cleanups+=("kill $docker_pid 2>/dev/null")
wait_http "http://127.0.0.1:$port/healthz" 30 || fail "the container command did not answer /healthz: $(tail -5 "$OUT/docker-serve.log")"
kill -TERM "$docker_pid"; wait "$docker_pid" || fail "serve did not stop cleanly on SIGTERM"
python3 - build/darwin/Info.plist <<'PY'
import plistlib, re, sys
raw = re.sub(rb"\{\{[^}]*\}\}", b"x", open(sys.argv[1], "rb").read())
p = plistlib.loads(raw)
assert p["LSUIElement"] is True, "LSUIElement"
assert p["CFBundleIdentifier"] == "io.github.ninerouter.NineRouter", p["CFBundleIdentifier"]
PY
phase_done

echo
echo "packages: timings ($(nproc) cores)"
for t in "${timings[@]}"; do echo "    $t"; done
printf '    %-52s %4ds\n' total $(( $(date +%s) - t_start ))
echo "packages: ok"
