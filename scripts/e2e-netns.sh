#!/bin/sh
# Run a command in a fresh network namespace that has only loopback, as the browser tests and the
# benchmarks do by themselves (tests/e2e/harness.py). Useful for a shell in which to start a server,
# coturn or Chromium by hand without touching the host's network:
#
#   scripts/e2e-netns.sh bash
#   scripts/e2e-netns.sh .venv/bin/pytest -q tests/e2e -p no:cacheprovider
#
# BB_NETNS=1 tells the test conftest and the benchmarks that they are already inside.
set -eu
if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]" >&2
    exit 2
fi
if [ "$(id -u)" -eq 0 ]; then
    flags="-n"
else
    flags="-r -n"  # needs unprivileged user namespaces
fi
# shellcheck disable=SC2086
exec unshare $flags -- sh -c 'ip link set lo up && BB_NETNS=1 exec "$@"' e2e-netns "$@"
