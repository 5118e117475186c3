"""A network inside the test's own network namespace on which Janus can gather ICE candidates, and a Janus
started on it.

Janus 1.1.2 skips loopback interfaces when it gathers ICE candidates: in a namespace that has only
``lo`` every publish fails with error 490. :func:`ensure_veth` creates a veth pair
whose two ends both stay in the current namespace, each with a private address, and :func:`start_janus`
starts Janus from our configuration with ``-E <one end>`` so that its only candidate is that address.
Chromium in the same namespace reaches it like any local address; nothing leaves the namespace.

Only call these inside a namespace the test run created (``harness.in_netns()``): they change the
network configuration of the namespace they run in, and refuse to do so outside one.

It imports no Django and no pytest, so benchmarks can use it as a plain module.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.e2e import harness

# Private addresses of the two ends (RFC 1918, a /30 of its own).
VETH = ("bbjanus0", "bbjanus1")
ADDRESSES = ("10.213.7.1", "10.213.7.2")


@dataclass(frozen=True)
class Veth:
    janus_interface: str
    janus_address: str
    peer_address: str


def available() -> bool:
    return shutil.which("janus") is not None


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


# --- a live server with Janus, and group sessions on it -----------------------------------------------

# Runs in the server's environment (its database): makes a room with members, prints their ids and tokens.
_MAKE_ROOM = r"""
import json, sys
import django
django.setup()
from buergerbuero.authorities.models import Authority
from buergerbuero.rooms.actions import lifecycle
from buergerbuero.rooms.actions import members
from buergerbuero.rooms.models import RoomKind
spec = json.loads(sys.stdin.read())
authority = Authority.objects.get(slug=spec["authority"])
room = lifecycle.create_room(authority, kind=RoomKind(spec["kind"]), title=spec["title"], mode=spec["mode"])
out = {"room": room.pk, "members": {}}
for name, role in spec["members"]:
    member, token = members.add_member(room, display_name=name, role=role)
    out["members"][name] = {"id": member.pk, "token": token}
if spec["start"]:
    lifecycle.start_room(room, actor=None)
print(json.dumps(out))
"""

_ROOM_SECRET = r"""
import sys
import django
django.setup()
from buergerbuero.rooms.models import Room
print(Room.objects.get(pk=int(sys.argv[1])).janus_secret)
"""


@dataclass
class GroupRoom:
    id: int
    members: dict[str, dict[str, Any]]

    def member(self, name: str) -> int:
        return int(self.members[name]["id"])

    def token(self, name: str) -> str:
        return str(self.members[name]["token"])


class GroupServer:
    """A Janus on the veth pair and a live server (harness.LiveServer) that drives it."""

    def __init__(
        self,
        seed: harness.SeedSpec,
        name: str = "group",
        env: dict[str, str] | None = None,
        rtp_ports: tuple[int, int] = (30000, 30999),
    ) -> None:
        import tempfile

        self.folder = Path(tempfile.mkdtemp(prefix="bb-e2e-janus-"))
        self.seed = seed
        self.name = name
        self.extra_env = env or {}
        self.rtp_ports = rtp_ports
        self.janus: Any = None
        self.server: harness.LiveServer | None = None

    def start(self) -> GroupServer:
        self.janus = start_janus(self.folder, self.rtp_ports)
        env = {
            **self.extra_env,
            "BUERGERBUERO_JANUS_URLS": self.janus.url,
            "BUERGERBUERO_JANUS_API_SECRET": self.janus.api_secret,
            "BUERGERBUERO_JANUS_ADMIN_KEY": self.janus.admin_key,
        }
        try:
            self.server = harness.LiveServer(self.seed, env=env, name=self.name).start()
        except Exception:
            self.janus.stop()
            raise
        return self

    @property
    def live(self) -> harness.LiveServer:
        assert self.server is not None
        return self.server

    @property
    def url(self) -> str:
        return self.live.url

    def _python(self, code: str, *args: str, stdin: str = "") -> str:
        import sys

        result = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=harness.REPO,
            env=self.live.env,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"script failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""

    def make_room(
        self,
        members: list[tuple[str, str]],
        *,
        title: str = "Gruppensitzung",
        kind: str = "event",
        mode: str = "conference",
        start: bool = True,
    ) -> GroupRoom:
        """A room of the seed's authority with members (name, role), started unless ``start`` is False."""
        spec = {
            "authority": self.seed.authority_slug,
            "kind": kind,
            "title": title,
            "mode": mode,
            "members": members,
            "start": start,
        }
        import json

        out = json.loads(self._python(_MAKE_ROOM, stdin=json.dumps(spec)))
        return GroupRoom(int(out["room"]), out["members"])

    def crash_and_restart(self) -> None:
        """Kill the server's process (SIGKILL: nothing is cleaned up, its Janus sessions stay until
        Janus's reclaim timeout) and start it again on the same port, so pages reconnect to it."""
        from unittest import mock

        live = self.live
        port = live.port
        if live.proc is not None:
            live.proc.kill()
            live.proc.wait()
        with mock.patch.object(harness, "free_port", return_value=port):
            live.start()

    def room_secret(self, room_id: int) -> str:
        """The Janus room secret stored for the room (empty until its media was placed)."""
        return self._python(_ROOM_SECRET, str(room_id))

    def join_url(self, token: str) -> str:
        return f"{self.url}/raum/{token}/"

    def log(self, lines: int = 200) -> str:
        return (
            (self.live.log(lines) if self.server else "")
            + "\n--- janus ---\n"
            + (self.janus.log() if self.janus else "")
        )

    def stop(self) -> None:
        if self.server is not None:
            self.server.cleanup()
        if self.janus is not None:
            self.janus.stop()


# --- a bare room page for tests of the media alone ----------------------------------------------------

# Served by the test (Playwright route) on the live server's origin, so the room's socket gets the
# session cookie the join link set. It runs rooms/static/rooms/groupmedia.js and nothing else of the room
# page: window.bbMedia (the GroupMedia), window.bbFrames (every frame received), window.bbSend(frame).
TEST_PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>media test</title></head>
<body><main id="videos"></main></body></html>
"""
# Run by page.evaluate (the server's Content Security Policy forbids inline script, rightly).
TEST_SCRIPT = """async (room) => {
const { GroupMedia } = await import("/static/rooms/groupmedia.js");
window.bbFrames = [];
window.bbRefused = [];
window.bbErrors = [];
window.bbGone = [];
let ws = null;
const send = (frame) => { if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame)); };
window.bbSend = send;
window.bbMedia = new GroupMedia(send, {
  onRemoteStream(member, stream, kind) {
    let video = document.getElementById(`v-${member}-${kind}`);
    if (!stream) {
      if (video) video.remove();
      return;
    }
    if (!video) {
      video = document.createElement("video");
      video.id = `v-${member}-${kind}`;
      video.autoplay = true;
      video.muted = true;
      video.playsInline = true;
      document.getElementById("videos").append(video);
    }
    video.srcObject = stream;
  },
  onRemoteGone(member) {
    window.bbGone.push(member);
    for (const video of document.querySelectorAll(`[id^="v-${member}-"]`)) video.remove();
  },
  onRefused(reason) { window.bbRefused.push(reason); },
  onError(message) { window.bbErrors.push(message); },
});
ws = new WebSocket(`ws://${location.host}/ws/room/${room}/`);
ws.onmessage = (event) => {
  const frame = JSON.parse(event.data);
  window.bbFrames.push(frame);
  window.bbMedia.handleFrame(frame);
};
}"""
# A page of the live server without script of its own, whose document the test page replaces: the test
# page then has the server's origin (the session cookie, and Chromium's local network access checks let
# it open the socket, which a page fulfilled by a Playwright route may not).
BLANK_PATH = "/staff/login/"


def open_test_page(page: Any, group: GroupServer, room: GroupRoom, name: str) -> Any:
    """Open the bare media page of ``room`` as member ``name`` in ``page`` (its context gets the member's
    session through the real join link, fetched without running the room page's own script). Calling
    it again on the same page is a reload."""
    page.context.request.get(group.join_url(room.token(name)))
    page.goto(f"{group.url}{BLANK_PATH}")
    page.set_content(TEST_PAGE)
    page.evaluate(TEST_SCRIPT, room.id)
    page.wait_for_function(
        "() => window.bbFrames && window.bbFrames.some((f) => f.type === 'media.config')", timeout=30_000
    )
    return page


def poll(page: Any, script: str, arg: Any = None, timeout: float = 30.0, what: str = "") -> Any:
    """Evaluate ``script`` (it may be async) in ``page`` every 250 ms until it returns something truthy;
    returns that. (``wait_for_function`` does not wait for a promise.)"""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what or script} not true within {timeout} s (last: {value!r})")
        page.wait_for_timeout(250)


def decodes(page: Any, member: int, more_than: int = 0, timeout: float = 30.0) -> int:
    """Wait until ``page`` has decoded more than ``more_than`` video frames of ``member``; returns them."""
    return int(
        poll(
            page,
            """async ([member, more]) => {
                const s = (await window.bbMedia.stats())[member];
                return s && s.framesDecoded > more ? Math.max(s.framesDecoded, 1) : 0;
            }""",
            [member, more_than],
            timeout,
            f"frames of member {member} decoded (more than {more_than})",
        )
    )


def frames(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate("() => window.bbFrames"))
