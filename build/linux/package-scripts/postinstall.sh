#!/bin/sh
# After install or upgrade (.deb postinst, .rpm %post). Icon cache and desktop database are refreshed by the
# distributions' own triggers (hicolor-icon-theme, desktop-file-utils), so this only tells a user whose
# NineRouter is still running the replaced binary that it must be restarted: the package never kills a user's
# session process.
set -e
running=
for exe in /proc/[0-9]*/exe; do
  case "$(readlink "$exe" 2>/dev/null)" in
    "/usr/bin/ninerouter (deleted)") running=1 ;;
  esac
done
if [ -n "$running" ]; then
  echo "NineRouter is running the previous version: choose Quit in its tray menu and start it again to use the new one."
fi
exit 0
