"""A network inside the test's own network namespace on which Janus can gather ICE candidates, and a Janus
started on it.

Janus 1.1.2 skips loopback interfaces when it gathers ICE candidates (../shared/LANDSCAPE.md): in a
namespace that has only ``lo`` every publish fails with error 490. :func:`ensure_veth` creates a veth pair
whose two ends both stay in the current namespace, each with a private address, and :func:`start_janus`
starts Janus from our configuration with ``-E <one end>`` so that its only candidate is that address.
Chromium in the same namespace reaches it like any local address; nothing leaves the namespace.

Only call these inside a namespace the test run created (``harness.in_netns()``): they change the
network configuration of the namespace they run in, and refuse to do so outside one.

It imports no Django and no pytest, so benchmarks can use it as a plain module.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.e2e import harness

# Private addresses of the two ends (RFC 1918, a /30 of its own).
VETH = ("bbjanus0", "bbjanus1")
ADDRESSES = ("10.213.7.1", "10.213.7.2")


@dataclass(frozen=True)
class Veth:
    janus_interface: str
    janus_address: str
    peer_address: str


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=False)


def ensure_veth() -> Veth:
    """The veth pair of this namespace, created on first use (idempotent)."""
    if not harness.in_netns():
        raise RuntimeError("janusnet: refusing to change the host's network (not inside a test namespace)")
    first, second = VETH
    if _ip("link", "show", first).returncode != 0:
        for args in (
            ("link", "add", first, "type", "veth", "peer", "name", second),
            ("addr", "add", f"{ADDRESSES[0]}/30", "dev", first),
            ("addr", "add", f"{ADDRESSES[1]}/30", "dev", second),
            ("link", "set", first, "up"),
            ("link", "set", second, "up"),
        ):
            result = _ip(*args)
            if result.returncode != 0:
                raise RuntimeError(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return Veth(janus_interface=first, janus_address=ADDRESSES[0], peer_address=ADDRESSES[1])


def start_janus(folder: Path, rtp_ports: tuple[int, int] = (30000, 30999)):  # type: ignore[no-untyped-def]
    """A Janus from our configuration (tests/media/janusproc.py) whose ICE candidates are on the veth
    pair. Returns the started ``janusproc.Janus`` (``url``, ``api_secret``, ``admin_key``, ``stop()``)."""
    from tests.media.janusproc import Janus

    veth = ensure_veth()
    return Janus(folder, rtp_ports=rtp_ports, ice_interface=veth.janus_interface).start()
