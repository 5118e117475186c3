"""The officials' list marks a citizen whose page is closed, live both ways: the
citizen's page opening or closing its socket reaches the workspace as one small ``queue.connected``
frame, without a full queue listing and without any frame to the other waiting pages."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from tests.conftest import citizen_cookie, connect, drain, enter, frame_of, open_, staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def test_the_mark_follows_the_citizens_page_both_ways(world) -> None:
    await db(open_)(world.official_a, world.office_a)
    ticket, token = await db(enter)(world.office_a, "Erika")
    other, other_token = await db(enter)(world.office_a, "Max")
    workspace, ok, _ = await connect("/ws/staff/", await db(staff_cookie)(world.official_a))
    assert ok
    snapshot = await frame_of(workspace, "snapshot")
    # A new place counts as "page closed" until its page connects.
    assert [e["connected"] for e in snapshot["offices"][0]["queue"]] == [False, False]
    waiting_other, ok, _ = await connect("/ws/ticket/", await db(citizen_cookie)(other_token))
    assert ok
    await frame_of(waiting_other, "snapshot")
    assert await frame_of(workspace, "queue.connected") == {
        "type": "queue.connected",
        "office": world.office_a.pk,
        "ticket": other.pk,
        "connected": True,
    }

    page, ok, _ = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert ok
    await frame_of(page, "snapshot")
    frame = await frame_of(workspace, "queue.connected")
    assert (frame["ticket"], frame["connected"]) == (ticket.pk, True)

    await page.disconnect()
    frame = await frame_of(workspace, "queue.connected")
    assert (frame["ticket"], frame["connected"]) == (ticket.pk, False)
    # A fresh snapshot agrees, and the other waiting page heard nothing of it.
    assert [f["type"] for f in await drain(workspace)] == []
    assert await drain(waiting_other) == []
    await waiting_other.disconnect()
    await workspace.disconnect()


async def test_a_page_of_a_ticket_that_is_not_waiting_sends_no_mark(world) -> None:
    from buergerbuero.calls.actions.admission import admit

    await db(open_)(world.official_a, world.office_a)
    _ticket, token = await db(enter)(world.office_a, "Erika")
    await db(admit)(world.official_a, world.office_a)
    workspace, ok, _ = await connect("/ws/staff/", await db(staff_cookie)(world.official_a))
    assert ok
    await frame_of(workspace, "snapshot")
    await drain(workspace)
    page, ok, _ = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert ok
    await frame_of(page, "snapshot")
    await page.disconnect()
    assert "queue.connected" not in [f["type"] for f in await drain(workspace)]
    await workspace.disconnect()
