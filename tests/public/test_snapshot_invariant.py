"""The citizen's waiting page (/ws/ticket/): its first snapshot plus every frame after it, applied the way
``public/static/public/waiting.js`` applies them, shows what a fresh snapshot of a new page shows.

Real actions drive the queue: people come and go ahead of and behind the citizen, officials open and
close, change their availability, admit, send back and finish; the citizen's own page is reloaded (a new
page takes over from the open one), closed and opened again, admitted and sent back. At each check the
page has received everything sent so far (``settle``), then a new page opens and its snapshot must equal
what the old page shows; the new page is watched from there on.
"""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from buergerbuero.authorities.models import Availability
from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.course import hang_up, send_back
from buergerbuero.core import groups
from buergerbuero.offices.actions import close_office, set_availability
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import office_state
from buergerbuero.waitingroom.actions import leave_queue
from buergerbuero.waitingroom.models import Ticket
from tests.conftest import citizen_cookie, connect, enter, open_
from tests.watched import View, WatchedPage

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def apply(view: View | None, frame: dict[str, Any]) -> View | None:
    """What the waiting page shows after ``frame`` (waiting.js: applySnapshot, showPosition,
    applyTicketState and the office.state case of onFrame). Position and expected wait are shown only
    while the ticket waits; a change of the ticket's state leaves them unknown until a frame says them."""
    kind = frame["type"]
    if kind == "snapshot":
        state = frame["ticket"]["state"]
        waiting = state == "waiting"
        return {
            "office": frame["office"],
            "state": state,
            "position": frame["position"] if waiting else None,
            "wait": frame["expected_wait_seconds"] if waiting else None,
            "back_in_line": frame["ticket"]["returned"] if waiting else None,
        }
    if view is None:
        return None  # waiting.js starts from the server-rendered page; frames before a snapshot: none here
    waiting = view["state"] == "waiting"
    if kind == "position" and waiting:
        return {**view, "position": frame["position"], "wait": frame["expected_wait_seconds"]}
    if kind == "office.state" and waiting and isinstance(frame.get("position"), int):
        return {**view, "position": frame["position"], "wait": frame["my_expected_wait_seconds"]}
    if kind == "ticket.state":
        back = True if frame["reason"] in ("returned", "official_gone", "official_gone_alone") else None
        return {**view, "state": frame["state"], "position": None, "wait": None, "back_in_line": back}
    return view


class Page(WatchedPage):
    """One waiting page: its socket and what it shows."""

    def __init__(self, socket: WebsocketCommunicator, office_id: int) -> None:
        super().__init__(socket, apply)
        self.office_id = office_id

    @classmethod
    async def open(cls, token: str, office_id: int) -> Page:
        socket, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)(token))
        assert connected, code
        page = cls(socket, office_id)
        await page.read_until(lambda frame: frame["type"] == "snapshot")
        return page

    async def settle(self, *expected: tuple[str, str | None]) -> None:
        """Read until every frame caused by the actions so far has arrived. Queue events reach the page
        through its process's fan-out in order, so an ``office.state`` of the true state sent after them
        (marked, and not applied: it only says that the queue's events are through) comes last; the
        ticket's own events come through the ticket's group, so the ones the test caused (``expected``:
        (type, reason) in order) are awaited by name."""
        barrier = self.next_barrier()
        event = {"type": "office.state", **(await db(self._office_state)()), "barrier": barrier}
        await get_channel_layer().group_send(
            groups.office_queue(self.office_id), {"type": "event", "event": event}
        )
        waiting_for = list(expected)
        seen_barrier = False

        def done(frame: dict[str, Any]) -> bool:
            nonlocal seen_barrier
            seen_barrier = seen_barrier or frame.get("barrier") == barrier
            if waiting_for and _matches(frame, *waiting_for[0]):
                waiting_for.pop(0)
            return seen_barrier and not waiting_for

        await self.read_until(done)

    def _office_state(self) -> dict[str, object]:
        return office_state(Office.objects.get(pk=self.office_id)).as_event()


def _matches(frame: dict[str, Any], kind: str, reason: str | None) -> bool:
    return frame["type"] == kind and reason in (None, frame.get("reason"))


async def check(page: Page, token: str, *, close_first: bool = False) -> Page:
    """A new page of the same ticket (a reload, or with ``close_first`` the page closed and opened
    again): its snapshot shows what the old page shows. Returns the new page, watched from now on."""
    if close_first:
        await page.socket.disconnect()
    fresh = await Page.open(token, page.office_id)
    assert page.view == fresh.view, f"frames since the last snapshot: {page.frames}"
    if not close_first:
        # The old page steps back; what it still got before (the call's frames) changed nothing shown.
        await page.read_until(lambda frame: frame["type"] == "superseded")
        assert page.view == fresh.view
        assert await page.socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4409}
        await page.socket.disconnect()
    return fresh


async def test_snapshot_plus_deltas_equals_a_fresh_snapshot(world) -> None:
    office = world.office_a
    a, a2 = world.official_a, world.official_a2
    await db(open_)(a, office)
    (first, _), _second = [await db(enter)(office, f"Vorne {i}") for i in range(2)]
    mine, token = await db(enter)(office, "Erika Muster")
    (behind, _) = await db(enter)(office, "Hinten")
    page = await Page.open(token, office.pk)
    assert page.view == {
        "office": {"id": office.pk, "name": office.name, "slug": office.slug},
        "state": "waiting",
        "position": 3,
        "wait": page.view["wait"],
        "back_in_line": False,
    }
    assert page.view["wait"] > 0  # one official, busy with nobody yet: two ahead of the free one

    # A second official comes; someone behind and someone ahead leave.
    await db(open_)(a2, office)
    await db(leave_queue)(behind)
    await db(leave_queue)(first)
    await page.settle()
    assert page.view["position"] == 2
    page = await check(page, token)

    # Availability: one official takes a break and comes back; the first in line is admitted and sent
    # back (first in line again, ahead of this page), then admitted again and finished.
    before = page.view["wait"]
    await db(set_availability)(a2, Availability.BREAK)
    await page.settle()
    assert page.view["wait"] > before  # one official fewer is free
    page = await check(page, token)
    await db(set_availability)(a2, Availability.AVAILABLE)
    consultation = await db(admit)(a, office)
    await page.settle()
    assert page.view["position"] == 1
    await db(send_back)(consultation, a)
    await page.settle()
    assert page.view["position"] == 2
    page = await check(page, token, close_first=True)

    consultation = await db(admit)(a, office)
    await db(hang_up)(consultation, a)
    await db(close_office)(a2, office)
    await page.settle()
    assert page.view["position"] == 1
    page = await check(page, token)

    # The citizen's own turn: admitted, then sent back (first in line, told so), with a newcomer behind.
    mine_consultation = await db(admit)(a, office, mine.pk)
    await page.settle(("ticket.state", "admitted"))
    assert page.view["state"] == "invited"
    page = await check(page, token)
    await db(send_back)(mine_consultation, a)
    await page.settle(("ticket.state", "returned"), ("snapshot", None))
    await db(enter)(office, "Neu")
    await db(open_)(a2, office)
    await page.settle()
    assert (page.view["state"], page.view["position"], page.view["back_in_line"]) == ("waiting", 1, True)
    page = await check(page, token, close_first=True)

    # The office closes: the place ends, and no new page opens for it.
    await db(close_office)(a2, office)
    await db(close_office)(a, office)
    await page.settle(("ticket.state", "office_closed"))
    assert page.view["state"] == await db(lambda: Ticket.objects.get(pk=mine.pk).state)()
    _socket, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert (connected, code) == (False, 4404)
    await page.socket.disconnect()
