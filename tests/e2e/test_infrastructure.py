"""The harness itself: the session is sealed in its own network namespace, the live server answers, and
coturn relays media between two peer connections of one page. When these fail, the other browser tests'
failures say nothing about the product."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

RELAY_PAIR_JS = """
async ([url, username, credential]) => {
  const config = {iceServers: [{urls: [url], username, credential}], iceTransportPolicy: 'relay'};
  const a = new RTCPeerConnection(config), b = new RTCPeerConnection(config);
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  const stream = await navigator.mediaDevices.getUserMedia({video: true});
  stream.getTracks().forEach((t) => a.addTrack(t, stream));
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
  const started = performance.now();
  try {
    while (performance.now() - started < 15000) {
      const stats = await b.getStats();
      let frames = 0, local = null;
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'video') frames = r.framesDecoded || 0;
        if (r.type === 'transport' && r.selectedCandidatePairId) {
          const pair = stats.get(r.selectedCandidatePairId);
          local = pair && (stats.get(pair.localCandidateId) || {}).candidateType;
        }
      });
      if (frames > 0 && local) return {frames, local};
      await new Promise((r) => setTimeout(r, 20));
    }
    return {frames: 0, local: null};
  } finally { a.close(); b.close(); stream.getTracks().forEach((t) => t.stop()); }
}
"""


def test_session_runs_in_a_namespace_with_only_loopback() -> None:
    # /proc/net follows the process's network namespace (/sys/class/net follows the mount's).
    lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    interfaces = sorted(line.split(":")[0].strip() for line in lines)
    # Besides loopback only the veth pair the group-session tests make inside this namespace
    # (janusnet.ensure_veth): both of its ends are here, so it leads nowhere else.
    from tests.e2e.janusnet import VETH

    assert [name for name in interfaces if name not in VETH] == ["lo"], interfaces
    assert not set(interfaces) & set(VETH) or set(VETH) <= set(interfaces), interfaces
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, pytest.raises(OSError):
        s.connect(("192.0.2.1", 9))  # TEST-NET-1: no route exists here, so nothing can leave


def test_live_server_answers(app) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(app.url + "/static/does-not-exist.css", timeout=5)  # noqa: S310
    assert answer.value.code == 404
    assert app.proc is not None and app.proc.poll() is None


@pytest.mark.media
def test_coturn_relays_between_two_peer_connections(turn, app, pages) -> None:
    username = f"{int(time.time()) + 600}:bbharness"
    credential = base64.b64encode(
        hmac.new(turn.secret.encode(), username.encode(), hashlib.sha1).digest()
    ).decode()
    page = pages.new("harness")
    page.goto(app.url + "/staff/login/")  # any page of a secure origin
    result = page.evaluate(RELAY_PAIR_JS, [turn.url, username, credential])
    assert result["frames"] > 0 and result["local"] == "relay", result


def test_events_cross_processes(app, backends) -> None:
    """With PostgreSQL and Redis the server runs two uvicorn workers: public sockets held by each worker
    hear of an office opened by a third process (through Redis)."""
    if backends is None:
        pytest.skip("one server process and an in-memory channel layer (BB_E2E_BACKENDS=postgres tests this)")
    import contextlib
    import json

    from websockets.sync.client import connect

    url = app.url.replace("http://", "ws://") + f"/ws/public/{app.ids['authority']}/"
    by_worker: dict[int, object] = {}
    with contextlib.ExitStack() as sockets:
        # The kernel hands each connection to whichever worker accepts first: connect until both hold one.
        for _ in range(40):
            ws = sockets.enter_context(connect(url, origin=app.url, open_timeout=10))
            assert json.loads(ws.recv(timeout=10))["type"] == "snapshot"
            pid = app.process_serving(ws.socket.getsockname()[1])
            assert pid is not None and pid != app.proc.pid, pid
            by_worker.setdefault(pid, ws)
            if len(by_worker) == backends.WORKERS:
                break
        assert len(by_worker) == backends.WORKERS, f"all connections went to {list(by_worker)}"

        office = app.office("standesamt")
        app.open_office_elsewhere("standesamt", "hanna")
        for pid, ws in by_worker.items():
            deadline = time.monotonic() + 10
            while True:
                try:
                    frame = json.loads(ws.recv(timeout=max(0.0, deadline - time.monotonic())))
                except TimeoutError:
                    pytest.fail(f"worker {pid}: no office.state of the office opened by another process")
                if frame["type"] == "office.state" and frame["office"] == office["id"]:
                    assert frame["state"] != "closed", frame
                    break


def test_pages_retry_quickly_first_then_back_off(app, pages) -> None:
    """socket.js: a worker restart or a short Redis or PostgreSQL outage is usually over within about
    45 s (a worker restarting on a busy machine too), so the first twenty tries come at most 3 s apart;
    after that the waits double to 30 s, so thousands of pages do not hammer a server that stays down."""
    page = pages.new("harness")
    page.goto(app.url + "/staff/login/")
    ceilings = page.evaluate(
        "import('/static/core/socket.js').then((m) => [...Array(26).keys()].map(m.retryCeiling))"
    )
    assert ceilings == [1000, 2000] + [3000] * 18 + [6000, 12000, 24000] + [30000] * 3
