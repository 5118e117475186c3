"""The officials' workspace (/ws/staff/): its first snapshot plus every frame after it, applied the way
``staff/static/staff/workspace.js`` applies them, shows what a fresh snapshot of a new page shows.

Real actions drive an office: the official opens it, citizens come, their pages close and come back,
a colleague opens too, both change their availability, citizens are admitted, sent back, finished,
declined or leave, the office closes with people waiting and opens again. At each check the page has
received everything sent so far (``settle``), then a second workspace page opens and its snapshot must
equal what the first one shows; the first page then closes and the new one is watched from there on.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from buergerbuero.authorities.models import Availability, Staff
from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.course import hang_up, send_back
from buergerbuero.core import groups
from buergerbuero.offices.actions import close_office, set_availability
from buergerbuero.waitingroom.actions import decline, leave_queue
from buergerbuero.waitingroom.models import Ticket
from tests.conftest import citizen_cookie, connect, enter, open_, staff_cookie
from tests.watched import View, WatchedPage

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async
# What workspace.js keeps of an office and draws (renderOffice, renderOfficeState, renderQueue, ...).
OFFICE_FIELDS = ("name", "slug", "assigned", "present", "state", "queue", "seq")


def apply(view: View | None, frame: dict[str, Any]) -> View | None:
    """What the workspace shows after ``frame`` (workspace.js: applySnapshot, applyOfficeState,
    applyOfficeQueue, applyQueueConnected, applyMe). Frames of an office the page does not show change
    nothing, and a queue older than the one shown is dropped, as there."""
    kind = frame["type"]
    if kind == "snapshot":
        return {
            "availability": frame["me"]["availability"],
            "offices": {o["id"]: {k: copy.deepcopy(o[k]) for k in OFFICE_FIELDS} for o in frame["offices"]},
        }
    if view is None:
        return None
    view = copy.deepcopy(view)
    office = view["offices"].get(frame.get("office"))
    if kind == "office.state" and office is not None:
        office["state"] = {k: v for k, v in frame.items() if k != "type"}
    elif kind == "office.queue" and office is not None and frame["seq"] >= office["seq"]:
        office["seq"] = frame["seq"]
        office["queue"] = frame["entries"]
    elif kind == "queue.connected" and office is not None:
        for entry in office["queue"]:
            if entry["ticket"] == frame["ticket"]:
                entry["connected"] = frame["connected"]
    elif kind == "staff.me":
        view["availability"] = frame["availability"]
        for office_id, shown in view["offices"].items():
            shown["present"] = office_id in frame["present"]
    return view


class Workspace(WatchedPage):
    """One workspace page of an official: its socket and what it shows."""

    def __init__(self, socket: WebsocketCommunicator, staff: Staff) -> None:
        super().__init__(socket, apply)
        self.staff = staff

    @classmethod
    async def open(cls, staff: Staff) -> Workspace:
        socket, connected, code = await connect("/ws/staff/", await db(staff_cookie)(staff))
        assert connected, code
        page = cls(socket, staff)
        await page.read_until(lambda frame: frame["type"] == "snapshot")
        return page

    async def settle(self) -> None:
        """Read until every frame caused by the actions so far has arrived: the events reach this page's
        one channel in the order they were sent, so a marked ``office.state`` of an office nobody shows
        (dropped by workspace.js too), sent after them, comes last."""
        barrier = self.next_barrier()
        event = {"type": "office.state", "office": 0, "barrier": barrier}
        await get_channel_layer().group_send(groups.staff(self.staff.pk), {"type": "event", "event": event})
        await self.read_until(lambda frame: frame.get("barrier") == barrier)


async def check(page: Workspace) -> Workspace:
    """A second workspace page's snapshot shows what ``page`` shows; then ``page`` closes (the official
    keeps the new one, which is watched from now on)."""
    await page.settle()
    fresh = await Workspace.open(page.staff)
    assert page.view == fresh.view, f"frames since the last snapshot: {page.frames}"
    await page.socket.disconnect()
    await fresh.settle()
    assert page.view == fresh.view  # the old page's going changed nothing shown
    return fresh


async def citizen_page(token: str) -> WebsocketCommunicator:
    socket, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert connected, code
    # The page holds its place (and the officials hear that it is back) before its snapshot is sent.
    assert (await socket.receive_json_from(timeout=5))["type"] == "snapshot"
    return socket


async def test_snapshot_plus_deltas_equals_a_fresh_snapshot(world) -> None:
    office = world.office_a
    a, a2 = world.official_a, world.official_a2
    page = await Workspace.open(a)
    assert page.view is not None
    assert page.view["offices"][office.pk]["state"]["state"] == "closed"

    # Open; citizens come, one page opens and closes again, another stays open.
    await db(open_)(a, office)
    (first, first_token), (second, second_token), (third, _) = [
        await db(enter)(office, f"Person {i}") for i in range(3)
    ]
    first_page = await citizen_page(first_token)
    second_page = await citizen_page(second_token)
    await second_page.disconnect()
    await page.settle()
    shown = page.view["offices"][office.pk]
    assert shown["present"] is True
    assert [e["ticket"] for e in shown["queue"]] == [first.pk, second.pk, third.pk]
    # Until a page opens its socket, a place counts as without a page, like one whose page closed.
    assert [e["connected"] for e in shown["queue"]] == [True, False, False]
    page = await check(page)

    # A colleague opens; both take a break and come back; the page of the second citizen comes back.
    await db(open_)(a2, office)
    await db(set_availability)(a2, Availability.BREAK)
    await db(set_availability)(a, Availability.BREAK)
    await page.settle()
    assert page.view["availability"] == "break"
    assert page.view["offices"][office.pk]["state"]["officials_free"] == 0
    await db(set_availability)(a, Availability.AVAILABLE)
    await db(set_availability)(a2, Availability.AVAILABLE)
    second_page = await citizen_page(second_token)
    page = await check(page)

    # The first is admitted and sent back (first in line again), then admitted by the colleague and
    # finished; the third leaves; the second is declined.
    consultation = await db(admit)(a, office)
    await page.settle()
    assert [e["ticket"] for e in page.view["offices"][office.pk]["queue"]] == [second.pk, third.pk]
    await db(send_back)(consultation, a)
    await page.settle()
    assert page.view["offices"][office.pk]["queue"][0]["returned"] is True
    page = await check(page)
    consultation = await db(admit)(a2, office)
    await db(hang_up)(consultation, a2)
    await db(leave_queue)(third)
    await db(decline)(a, second, "Bitte kommen Sie morgen wieder.")
    await page.settle()
    assert page.view["offices"][office.pk]["queue"] == []
    page = await check(page)

    # The office closes with people waiting (their places end), and opens again.
    (late, _) = await db(enter)(office, "Spät")
    await db(close_office)(a2, office)
    await db(close_office)(a, office)
    await page.settle()
    shown = page.view["offices"][office.pk]
    assert (shown["present"], shown["state"]["state"], shown["queue"]) == (False, "closed", [])
    assert await db(lambda: Ticket.objects.get(pk=late.pk).state)() == "expired"
    await db(open_)(a, office)
    (newcomer, _) = await db(enter)(office, "Neu")
    await page.settle()
    assert [e["ticket"] for e in page.view["offices"][office.pk]["queue"]] == [newcomer.pk]
    page = await check(page)

    await first_page.disconnect()
    await second_page.disconnect()
    await page.socket.disconnect()
