#!/usr/bin/env bash
# Installs the Debian packages a target needs, when missing and when we may (root on Debian/apt).
# Usage: system-packages.sh run|test|pg
set -euo pipefail
want=()
# need COMMAND PACKAGE: install PACKAGE when COMMAND is missing (a tool may come from elsewhere, e.g. a
# Node.js that is not Debian's: then its npm is used as it is).
need() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] || want+=("$2"); }
case "${1:-}" in
  run) need msgfmt gettext ;;
  test)
    need /usr/bin/chromium chromium; need /usr/bin/chromedriver chromium-driver; need turnserver coturn
    need msgfmt gettext; need npm npm; need ip iproute2; need unshare util-linux ;;
  pg)
    need pg_ctlcluster postgresql; need redis-server redis-server; need redis-cli redis-tools ;;
  *) echo "usage: $0 run|test|pg" >&2; exit 2 ;;
esac
[ ${#want[@]} -eq 0 ] && exit 0
if ! command -v dpkg >/dev/null || ! command -v apt-get >/dev/null; then
  echo "Please install: ${want[*]} (no apt-get here)" >&2; exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${want[*]}. Run as root or: sudo apt-get install ${want[*]}" >&2
  [ "$1" = run ] && exit 0 || exit 1
fi
echo "Installing ${want[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
