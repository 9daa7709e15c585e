#!/bin/sh
# Before removal or upgrade (.deb prerm, .rpm %preun). On removal, say what the package cannot do for each user:
# revert the coding tools' configs NineRouter wrote and delete the per-user data (both live in the user's home,
# and `ninerouter uninstall` does them). A running instance keeps running until its user quits it.
set -e
case "$1" in
  remove|0) ;;
  *) exit 0 ;;
esac
for exe in /proc/[0-9]*/exe; do
  if [ "$(readlink "$exe" 2>/dev/null)" = /usr/bin/ninerouter ]; then
    echo "NineRouter is still running: it keeps running until you choose Quit in its tray menu."
    break
  fi
done
echo "Removing NineRouter. Per-user state stays: the data in ~/.config/ninerouter and any coding-tool configs or"
echo "start-at-login entry it wrote. To revert those as well, keep the package, run \`ninerouter uninstall\` as each"
echo "user, then remove it."
exit 0
