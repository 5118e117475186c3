"""The officials' workspace socket /ws/staff/."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from buergerbuero.calls.actions import admit
from buergerbuero.core import groups
from buergerbuero.offices.actions import open_office
from buergerbuero.waitingroom.actions import leave_queue
from tests.conftest import (
    PASSWORD,
    all_group_members,
    connect,
    drain,
    enter,
    frame_of,
    frame_where,
    open_,
    staff_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def workspace(staff):
    communicator, connected, code = await connect("/ws/staff/", await db(staff_cookie)(staff))
    assert connected, code
    return communicator


async def test_snapshot(world) -> None:
    await db(open_)(world.official_a, world.office_a)
    ticket, _ = await db(enter)(world.office_a, "Erika", "Heizung")
    page = await workspace(world.official_a)
    snapshot = await page.receive_json_from()
    assert snapshot["type"] == "snapshot"
    assert snapshot["me"] == {"id": world.official_a.pk, "name": "Anna Amsel", "availability": "available"}
    (office,) = snapshot["offices"]  # only the offices the official is assigned to
    assert (office["id"], office["assigned"], office["present"], office["seq"]) == (
        world.office_a.pk,
        True,
        True,
        1,
    )
    assert office["state"]["state"] == "open_free"
    assert [(e["ticket"], e["name"], e["concern"]) for e in office["queue"]] == [
        (ticket.pk, "Erika", "Heizung")
    ]
    assert {c["name"] for c in snapshot["colleagues"]} == {"Alex Adler", "Bernd Bussard", "Ada Admin"}
    assert {t["name"] for t in snapshot["transfer_targets"]} == {"Energieberatung", "Gartenkultur"}
    assert snapshot["invitations"] == []
    assert "participant" not in snapshot
    await page.disconnect()


async def test_authority_admin_sees_every_office_of_the_authority(world) -> None:
    page = await workspace(world.admin)
    snapshot = await frame_of(page, "snapshot")
    assert {(o["name"], o["assigned"]) for o in snapshot["offices"]} == {
        ("Energieberatung", False),
        ("Gartenkultur", False),
    }
    await page.disconnect()


async def test_queue_and_state_deltas_only_for_own_offices(world) -> None:
    page_a = await workspace(world.official_a)
    page_b = await workspace(world.official_b)
    await frame_of(page_a, "snapshot")
    await frame_of(page_b, "snapshot")
    await db(open_office)(world.official_a, world.office_a, True)
    state = await frame_of(page_a, "office.state")
    assert (state["office"], state["state"]) == (world.office_a.pk, "open_free")
    ticket, _ = await db(enter)(world.office_a, "Erika")
    queue = await frame_of(page_a, "office.queue")
    assert (queue["office"], [e["name"] for e in queue["entries"]]) == (world.office_a.pk, ["Erika"])
    await db(leave_queue)(ticket)
    assert (await frame_of(page_a, "office.queue"))["entries"] == []
    assert [f for f in await drain(page_b) if f.get("office") == world.office_a.pk] == []
    await page_a.disconnect()
    await page_b.disconnect()


async def test_admission_starts_the_call_on_the_workspace(world) -> None:
    await db(open_)(world.official_a, world.office_a)
    await db(enter)(world.office_a, "Erika")
    page = await workspace(world.official_a)
    await frame_of(page, "snapshot")
    consultation = await db(admit)(world.official_a, world.office_a)
    start = await frame_of(page, "call.start")
    assert (start["consultation"], start["role"], start["office"]) == (
        consultation.pk,
        "official",
        "Energieberatung",
    )
    assert {p["role"] for p in start["participants"]} == {"official", "citizen"}
    assert set(start["ice"]) == {"iceServers", "iceTransportPolicy"}
    await page.disconnect()

    # A reload during the consultation gets the snapshot and then the call again.
    page = await workspace(world.official_a)
    await frame_of(page, "snapshot")
    assert (await page.receive_json_from())["type"] == "call.start"
    await page.send_json_to({"type": "call.hangup"})
    assert (await frame_where(page, type="call.ended"))["reason"] == "hangup_official"
    await page.disconnect()


async def test_invitation_in_snapshot(world) -> None:
    from buergerbuero.calls.actions import invite_colleague

    await db(open_)(world.official_a, world.office_a)
    await db(enter)(world.office_a)
    consultation = await db(admit)(world.official_a, world.office_a)
    participant = await db(invite_colleague)(consultation, world.official_a, world.official_b)
    page = await workspace(world.official_b)
    snapshot = await frame_of(page, "snapshot")
    assert snapshot["invitations"] == [
        {"participant": participant.pk, "consultation": consultation.pk, "office": "Energieberatung"}
    ]
    await page.disconnect()


async def test_unauthenticated_is_closed_4403(world) -> None:
    _, connected, code = await connect("/ws/staff/")
    assert (connected, code) == (False, 4403)


async def test_user_without_staff_is_closed_4403(world) -> None:
    def cookie() -> str:
        from django.test import Client

        get_user_model().objects.create_user(username="nobody", password=PASSWORD)
        client = Client()
        assert client.login(username="nobody", password=PASSWORD)
        return f"sessionid={client.cookies['sessionid'].value}"

    _, connected, code = await connect("/ws/staff/", await db(cookie)())
    assert (connected, code) == (False, 4403)


async def test_foreign_origin_is_refused(world) -> None:
    _, connected, _ = await connect(
        "/ws/staff/", await db(staff_cookie)(world.official_a), origin="https://evil.example"
    )
    assert not connected


async def test_no_group_membership_after_disconnect(world) -> None:
    await db(open_)(world.official_a, world.office_a)
    await db(enter)(world.office_a)
    page = await workspace(world.official_a)
    await frame_of(page, "snapshot")
    consultation = await db(admit)(world.official_a, world.office_a)
    start = await frame_of(page, "call.start")
    names = [
        groups.staff(world.official_a.pk),
        groups.office_staff(world.office_a.pk),
        groups.consultation(consultation.pk),
        groups.participant(start["me"]),
    ]
    assert set(await all_group_members(names)) == set(names)
    await page.disconnect()
    assert await all_group_members(names) == {}


async def test_own_presence_and_availability_reach_every_tab(world) -> None:
    from buergerbuero.offices.actions import close_office, set_availability

    communicator = await workspace(world.official_a)
    await frame_of(communicator, "snapshot")
    await db(open_)(world.official_a, world.office_a)
    assert (await frame_of(communicator, "staff.me")) == {
        "type": "staff.me",
        "availability": "available",
        "present": [world.office_a.pk],
    }
    await db(set_availability)(world.official_a, "break")
    assert (await frame_of(communicator, "staff.me"))["availability"] == "break"
    await db(close_office)(world.official_a, world.office_a)
    assert (await frame_of(communicator, "staff.me"))["present"] == []
    await communicator.disconnect()
