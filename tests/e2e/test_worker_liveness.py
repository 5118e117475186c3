"""A web worker killed with SIGKILL runs no disconnect code. The pages it served, if they never come
back, must not stay "connected" for ever: the other workers' background job counts them as gone since
the dead worker's last heartbeat (core/liveness.py), so a waiting place expires after its grace and a
call whose holding page died with the worker ends after the call grace. A page that reconnects to a new
worker holds its place again.

The pages here are plain WebSocket clients (they do not reconnect, like a browser closed at the moment
the worker died); the server runs two uvicorn workers, which uvicorn restarts when one is killed. Only
the database is asserted on, through ``manage.py shell``, so the in-memory channel layer of the SQLite
mode does not matter."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from tests.e2e.harness import LiveServer, OfficeSpec, SeedSpec

pytestmark = pytest.mark.browser

OFFICE = "wachstube"
OFFICIAL = "wilma"
# A bound for waiting on a condition, never a measured time.
PATIENCE_S = 90
# The smallest timeout the settings allow: the dead worker is noticed within seconds.
WORKER_TIMEOUT_S = 6
CALL_GRACE_S = 5


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    seed = SeedSpec(
        offices=[OfficeSpec(OFFICE, "Wachstube", [(OFFICIAL, "Wilma Wolf")], opened_by=[OFFICIAL])]
    )
    live = LiveServer(
        seed,
        env={
            "BUERGERBUERO_WAITING_ENTRIES_PER_ADDRESS": "1000000",
            "BUERGERBUERO_WORKER_TIMEOUT_SECONDS": str(WORKER_TIMEOUT_S),
            "BUERGERBUERO_CALL_GRACE_SECONDS": str(CALL_GRACE_S),
            "BUERGERBUERO_WAITING_GRACE_SECONDS": "3600",
        },
        name="liveness",
    )
    try:
        live.start(["--workers", "2"], timeout=120)
        yield live
    finally:
        live.cleanup()


@pytest.fixture
def no_tracebacks(server: LiveServer) -> Iterator[None]:
    mark = server.log_size()
    yield
    new = server.log_since(mark)
    assert "Traceback (most recent call last)" not in new, new[-6000:]


def shell(server: LiveServer, code: str) -> Any:
    """Run ``code`` in the server's database; it prints one JSON value last."""
    out = server.manage("shell", "-c", code)
    return json.loads(out.strip().splitlines()[-1])


NEW_TICKET = """
import json
from django.contrib.sessions.backends.db import SessionStore
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.actions import enter_queue
from buergerbuero.waitingroom.tokens import remember
ticket, token = enter_queue(Office.objects.get(slug=%r), %r, "Schlüssel", "de")
session = SessionStore()
remember(session, token)
session.create()
print(json.dumps({"ticket": ticket.pk, "session": session.session_key}))
"""

TICKET = """
import json
from buergerbuero.core.models import WorkerProcess
from buergerbuero.waitingroom.models import Ticket
t = Ticket.objects.get(pk=%d)
workers = [str(w) for w in WorkerProcess.objects.values_list("pk", flat=True)]
print(json.dumps({"disconnected_at": t.disconnected_at and t.disconnected_at.timestamp(),
    "worker": t.connected_worker and str(t.connected_worker), "state": t.state, "workers": workers}))
"""

ADMIT = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from buergerbuero.authorities.models import Staff
from buergerbuero.calls.actions.admission import admit
from buergerbuero.offices.models import Office
staff = Staff.objects.select_related("user").get(user__username=%r)
consultation = admit(staff, Office.objects.get(slug=%r), %d, page=%r)
session = SessionStore()
session[SESSION_KEY] = str(staff.user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = staff.user.get_session_auth_hash()
session.create()
print(json.dumps({"consultation": consultation.pk, "session": session.session_key}))
"""

CALL = """
import json
from buergerbuero.calls.models import Consultation, ParticipantRole
c = Consultation.objects.get(pk=%d)
p = c.participants.get(role=ParticipantRole.OFFICIAL)
print(json.dumps({"worker": p.call_worker and str(p.call_worker), "connection": p.call_connection,
    "lost_at": p.connection_lost_at and p.connection_lost_at.timestamp(), "end_reason": c.end_reason,
    "ended": c.ended_at is not None}))
"""


@contextlib.contextmanager
def open_socket(server: LiveServer, path: str, session: str, first: str) -> Iterator[ClientConnection]:
    """A page's socket with the browser's session cookie, once the frame ``first`` arrived."""
    with ws_connect(
        f"ws://127.0.0.1:{server.port}{path}",
        origin=server.url,  # type: ignore[arg-type]
        additional_headers={"Cookie": f"sessionid={session}"},
        open_timeout=30,
    ) as ws:
        deadline = time.monotonic() + PATIENCE_S
        while json.loads(ws.recv(timeout=PATIENCE_S))["type"] != first:
            assert time.monotonic() < deadline, f"no {first} frame"
        yield ws


def kill_worker_serving(server: LiveServer, ws: ClientConnection) -> float:
    """SIGKILL the uvicorn worker holding the other end of ``ws``; returns the time it died."""
    client_port = ws.socket.getsockname()[1]
    pid = server.process_serving(client_port)
    assert pid is not None and server.proc is not None and pid != server.proc.pid
    os.kill(pid, signal.SIGKILL)
    return time.time()


def eventually(server: LiveServer, code: str, condition: Any, what: str) -> dict[str, Any]:
    deadline = time.monotonic() + PATIENCE_S
    while True:
        value = shell(server, code)
        if condition(value):
            return value
        assert time.monotonic() < deadline, f"not within {PATIENCE_S} s: {what} (last: {value})"


def test_a_waiting_page_of_a_killed_worker_counts_as_closed(server, no_tracebacks) -> None:
    entered = shell(server, NEW_TICKET % (OFFICE, "Karl Klein"))
    with open_socket(server, "/ws/ticket/", entered["session"], "snapshot") as ws:
        held = shell(server, TICKET % entered["ticket"])
        assert held["disconnected_at"] is None and held["worker"] in held["workers"]
        killed_at = kill_worker_serving(server, ws)
    # The page never comes back.

    gone = eventually(
        server,
        TICKET % entered["ticket"],
        lambda t: t["disconnected_at"] is not None,
        "the page of the killed worker counts as closed",
    )
    # Closed since the dead worker's last heartbeat, not since the job noticed it.
    assert gone["disconnected_at"] <= killed_at
    assert gone["worker"] is None and held["worker"] not in gone["workers"]
    assert "counted as gone" in server.log(400)

    # The page comes back after all (to a new worker): it holds its place again.
    with open_socket(server, "/ws/ticket/", entered["session"], "snapshot"):
        back = shell(server, TICKET % entered["ticket"])
    assert back["disconnected_at"] is None and back["worker"] in back["workers"]
    assert back["worker"] != held["worker"]


def test_a_call_held_on_a_killed_worker_ends_after_the_grace(server, no_tracebacks) -> None:
    entered = shell(server, NEW_TICKET % (OFFICE, "Lena Lang"))
    with contextlib.ExitStack() as pages:
        citizen = pages.enter_context(open_socket(server, "/ws/ticket/", entered["session"], "snapshot"))
        admitted = shell(server, ADMIT % (OFFICIAL, OFFICE, entered["ticket"], "tab-of-wilma-1"))
        # The citizen joins the call (else the invitation would time out as a no-show).
        citizen.send(json.dumps({"type": "call.join"}))
        eventually(server, TICKET % entered["ticket"], lambda t: t["state"] == "in_consultation", "joined")
        # The workspace page that let the citizen in connects and holds the call.
        staff_path = "/ws/staff/?page=tab-of-wilma-1"
        with open_socket(server, staff_path, admitted["session"], "call.start") as official:
            held = eventually(
                server, CALL % admitted["consultation"], lambda c: c["worker"] is not None, "the call is held"
            )
            assert held["lost_at"] is None and not held["ended"]
            killed_at = kill_worker_serving(server, official)
        # The official's page never comes back. The citizen's stays: a second socket of it, opened before
        # the first one closes, in case the killed worker served that one too. So it is the official's
        # absence that ends the call.
        pages.enter_context(open_socket(server, "/ws/ticket/", entered["session"], "snapshot"))
        ended = eventually(
            server,
            CALL % admitted["consultation"],
            lambda c: c["ended"],
            "the call of the killed worker ends",
        )
    assert ended["end_reason"] == "official_gone"
    assert ended["lost_at"] is not None and ended["lost_at"] <= killed_at
