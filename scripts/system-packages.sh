#!/usr/bin/env bash
# Installs the Debian packages a make target needs, when missing and when we may (root with apt-get).
# Usage: system-packages.sh run|test|pg
set -euo pipefail
want=()
# need COMMAND|PATH PACKAGE: install PACKAGE when COMMAND is not found, or the file PATH does not exist (a
# font, say). A tool may come from elsewhere, e.g. a Node.js that is not Debian's: then its npm is used.
need() { command -v "$1" >/dev/null 2>&1 || { [[ "$1" == /* ]] && [ -e "$1" ]; } || want+=("$2"); }
python=${PYTHON:-python3}
case "${1:-}" in
  run)
    need "$python" python3
    # Debian splits venv/ensurepip off python3; without it `python3 -m venv` leaves a venv without pip.
    if command -v "$python" >/dev/null 2>&1 && ! "$python" -c 'import ensurepip, venv' 2>/dev/null; then
      want+=(python3-venv)
    fi
    need msgfmt gettext ;;
  test)
    need /usr/bin/chromium chromium; need /usr/bin/chromedriver chromium-driver; need turnserver coturn
    need msgfmt gettext; need npm npm; need ip iproute2; need unshare util-linux; need janus janus
    need socat socat  # bench-faults: a citizen's web traffic across its veth pair
    # Certificates use DejaVu Sans for names beyond Western European letters.
    need /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf fonts-dejavu-core ;;
  pg)
    need pg_ctlcluster postgresql; need psql postgresql-client; need redis-server redis-server
    need redis-cli redis-tools ;;
  *) echo "usage: $0 run|test|pg" >&2; exit 2 ;;
esac
[ ${#want[@]} -eq 0 ] && exit 0
optional=no
# For `make run` gettext is optional (the compiled translations are committed); python3-venv is not.
[ "$1" = run ] && [ "${want[*]}" = gettext ] && optional=yes
if ! command -v apt-get >/dev/null || [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${want[*]}. Install them, e.g.: sudo apt-get install ${want[*]}" >&2
  [ $optional = yes ] && exit 0 || exit 1
fi
echo "Installing ${want[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
# Debian's janus package enables a system-wide Janus with its example configuration (HTTP API on every
# interface). We start our own from deploy/janus/ where we need one: keep that one off.
if [[ " ${want[*]} " == *" janus "* ]] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now janus >/dev/null 2>&1 || true
fi
