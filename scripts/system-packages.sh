#!/usr/bin/env bash
# Installs the Debian packages a target needs, when missing and when we may (root on Debian/apt).
# Usage: system-packages.sh run|test|pg
set -euo pipefail
want=()
need() { dpkg -s "$1" >/dev/null 2>&1 || want+=("$1"); }
case "${1:-}" in
  run) need gettext ;;
  test) need chromium; need chromium-driver; need coturn; need gettext; need nodejs; need npm; need iproute2; need util-linux ;;
  pg) need postgresql; need redis-server ;;
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
