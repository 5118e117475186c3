"""Faults survived, at a small scale (bench/bench_faults.py measures them with 200 pages): every web
worker killed with -9, PostgreSQL stopped, Redis restarted. Waiting citizens in real Chromium keep their
places and see them again; requests while the database is away get the 503 page; no traceback.

On PostgreSQL and Redis with two workers only (``make test-pg``); the module starts backends of its own,
so stopping them disturbs no other test's server."""

from __future__ import annotations

import json
import os
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e import harness
from tests.e2e import journeys as j
from tests.e2e.harness import Backends, LiveServer, OfficeSpec, SeedSpec

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        harness.backends_mode() != "postgres", reason="needs PostgreSQL, Redis and two workers (make test-pg)"
    ),
]

OFFICE = "stoerstelle"
OFFICIAL = "fritz"
# A bound for waiting on a condition, never a measured time (bench/bench_faults.py has the figures).
PATIENCE_S = 60


@pytest.fixture(scope="module")
def faults() -> Iterator[tuple[LiveServer, Backends]]:
    backends = Backends().start()
    seed = SeedSpec(
        offices=[OfficeSpec(OFFICE, "Störstelle", [(OFFICIAL, "Fritz Fink")], opened_by=[OFFICIAL])]
    )
    server = LiveServer(
        seed,
        env={
            **backends.server_env("faults"),
            "BUERGERBUERO_WAITING_ENTRIES_PER_ADDRESS": "1000000",
            "BUERGERBUERO_PRESENCE_GRACE_SECONDS": "3600",
            # While PostgreSQL is away a request waits this long for a connection before its 503.
            "BUERGERBUERO_DB_POOL_TIMEOUT_SECONDS": "3",
        },
        name="faults",
    )
    try:
        server.start(backends.server_args, timeout=120)
        yield server, backends
    finally:
        server.cleanup()
        backends.stop()


@pytest.fixture
def no_tracebacks(faults) -> Iterator[None]:
    server, _ = faults
    mark = server.log_size()
    yield
    new = server.log_since(mark)
    assert "Traceback (most recent call last)" not in new, new[-6000:]


class Sockets:
    """The waiting page's sockets as Playwright sees them: how many snapshots each page received."""

    def __init__(self, page: Any) -> None:
        self.snapshots = 0
        page.on("websocket", self._opened)

    def _opened(self, ws: Any) -> None:
        ws.on("framereceived", self._frame)

    def _frame(self, payload: Any) -> None:
        if isinstance(payload, str) and payload.startswith('{"type":"snapshot"'):
            self.snapshots += 1


def wait_until(page: Any, condition: Any, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {PATIENCE_S} s: {what}")
        page.wait_for_timeout(100)  # lets Playwright deliver the page's events


def waiting_in_order(server: LiveServer) -> list[str]:
    out = server.manage(
        "shell",
        "-c",
        "import json\n"
        "from buergerbuero.waitingroom.selectors import waiting_tickets\n"
        "from buergerbuero.offices.models import Office\n"
        f"office = Office.objects.get(slug={OFFICE!r})\n"
        "print(json.dumps([t.display_name for t in waiting_tickets(office)]))",
    )
    return list(json.loads(out.strip().splitlines()[-1]))


def get(url: str) -> tuple[int, Any, str]:
    """Status, headers (case-insensitive) and body."""
    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - loopback only
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode()


def enter(pages: Any, server: LiveServer, names: list[str], expect: Any) -> list[tuple[Any, Sockets]]:
    """Citizens enter through the office page; each sees its place (after those already waiting)."""
    entered = []
    for n, name in enumerate(names, start=len(waiting_in_order(server)) + 1):
        page = pages.new(name)
        sockets = Sockets(page)
        j.citizen_enter(page, server, OFFICE, name=name)
        j.wait_for_position(page, n, expect)
        entered.append((page, sockets))
    return entered


def test_every_worker_killed_loses_no_waiting_citizen(faults, pages, expect, no_tracebacks) -> None:
    server, _ = faults
    names = ["Anton Erster", "Berta Zweite", "Carl Dritter"]
    citizens = enter(pages, server, names, expect)
    before = server.worker_ids()
    assert len(before) == 2
    seen = [sockets.snapshots for _page, sockets in citizens]

    for pid in before:
        os.kill(pid, signal.SIGKILL)

    # uvicorn starts new workers; every page reconnects and gets a fresh snapshot from one of them.
    for (page, sockets), snapshots in zip(citizens, seen, strict=True):
        wait_until(page, lambda s=sockets, n=snapshots: s.snapshots > n, "the page got a new snapshot")
    assert server.worker_ids().isdisjoint(before)
    for n, (page, _sockets) in enumerate(citizens, start=1):
        j.wait_for_position(page, n, expect)
    assert waiting_in_order(server) == names


def test_requests_while_postgres_is_down_get_the_503_page_and_all_recovers(
    faults, pages, expect, no_tracebacks
) -> None:
    server, backends = faults
    citizens = enter(pages, server, ["Dora Vierte"], expect)
    already = len(waiting_in_order(server))
    backends.postgres.halt()
    try:
        status, headers, body = get(server.office_url(OFFICE))
    finally:
        backends.postgres.resume()
    assert status == 503, body
    assert headers.get("Retry-After") == "10", (dict(headers), body)
    assert '<html lang="de">' in body
    assert "Traceback" not in body and "psycopg" not in body

    # Back by itself: the page answers again (each worker's pool drops connections of the old server).
    deadline = time.monotonic() + PATIENCE_S
    while get(server.office_url(OFFICE))[0] != 200:
        assert time.monotonic() < deadline, "the office page did not answer 200 again"
    page, _sockets = citizens[0]
    j.wait_for_position(page, already, expect)
    assert len(waiting_in_order(server)) == already


def test_after_a_redis_restart_queue_updates_reach_the_pages(faults, pages, expect, no_tracebacks) -> None:
    server, backends = faults
    official = pages.new("official")
    j.staff_login(official, server, OFFICIAL)
    office_id = server.office(OFFICE)["id"]
    page, _sockets = enter(pages, server, ["Emil Letzter"], expect)[0]
    waiting = waiting_in_order(server)
    position = len(waiting)

    backends.redis.halt()
    backends.redis.resume()

    # The workspace and the waiting page reconnect; the admission's event reaches the waiting page.
    j.staff_admit_next(official, office_id)
    j.wait_for_position(page, position - 1, expect)
    assert waiting_in_order(server) == waiting[1:]
