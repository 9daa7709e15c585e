#!/usr/bin/env bash
# macos-objc.sh: the macOS-only Objective-C files (app/tray_darwin.m, app/dock/dock_darwin.m) cannot be compiled
# here (no macOS SDK), so this is the closest check Linux allows: clang's Objective-C front end, with ARC and
# blocks as cgo builds them, against GNUstep's AppKit/Foundation headers (the same class, method and constant
# names as Apple's). Each file is checked together with the cgo preamble of its Go file, so a C signature that
# differs between the two is an error too. GNUstep lacks a few macOS-only declarations (macos-only.h below) and
# libdispatch's header (two declarations); errors inside the system headers themselves (gcc's objc runtime
# header does not suit clang) are ignored, errors in our files fail the step. It proves syntax and names, not
# behaviour: docs/packaging.md lists what needs a Mac.
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
command -v clang >/dev/null || need+=(clang)
[ -f /usr/include/GNUstep/AppKit/AppKit.h ] || need+=(libgnustep-gui-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "macos-objc: installing ${need[*]} (Debian)"
  sudo_=(); [ "$(id -u)" -eq 0 ] || sudo_=(sudo)
  "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
    { "${sudo_[@]}" apt-get update -qq && "${sudo_[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi
gcc_objc=$(dirname "$(dirname "$(gcc -print-file-name=include/objc/objc.h)")")
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
mkdir -p "$stub/objc" "$stub/dispatch"
cat >"$stub/objc/blocks_runtime.h" <<'H'
void *_Block_copy(const void *);
void _Block_release(const void *);
H
cat >"$stub/dispatch/dispatch.h" <<'H'
typedef struct dispatch_queue_s *dispatch_queue_t;
typedef void (^dispatch_block_t)(void);
dispatch_queue_t dispatch_get_main_queue(void);
void dispatch_async(dispatch_queue_t queue, dispatch_block_t block);
H
cat >"$stub/macos-only.h" <<'H'
// macOS SDK declarations GNUstep 0.29 lacks (signatures as in Apple's AppKit reference).
#import <AppKit/AppKit.h>
@interface NSApplication (NineRouterMacOSOnly)
- (BOOL)setActivationPolicy:(NSApplicationActivationPolicy)activationPolicy;
@end
H
fails=0
for pair in app/tray_darwin.m:app/tray_darwin.go app/dock/dock_darwin.m:app/dock/dock_darwin.go; do
  m=${pair%%:*} go=${pair##*:}
  # The cgo preamble: the comment right above `import "C"`.
  awk '/^\/\*$/{p=1;next} /^\*\/$/{p=0} p && !/^#cgo/' "$go" >"$stub/preamble.h"
  out=$(clang -fsyntax-only -ferror-limit=0 -x objective-c -fobjc-arc -fblocks -fobjc-runtime=gnustep-2.0 \
    -I"$stub" -idirafter "$gcc_objc" -include dispatch/dispatch.h -include macos-only.h -include "$stub/preamble.h" \
    $(gnustep-config --objc-flags | sed 's/-MMD -MP//') "$m" 2>&1 || true)
  ours=$(printf '%s\n' "$out" | grep -E "^($m|$stub/preamble.h):[0-9]+:[0-9]+: (error|warning)" || true)
  if [ -n "$ours" ]; then
    echo "macos-objc: $m:"; printf '%s\n' "$out" | grep -E -A3 "^($m|$stub/preamble.h):" || true
    fails=$((fails + 1))
  else
    echo "macos-objc: $m ok (with the cgo preamble of $go)"
  fi
done
[ "$fails" -eq 0 ] || { echo "macos-objc: $fails file(s) with errors"; exit 1; }
echo "macos-objc: 2 passed, 0 failed"
