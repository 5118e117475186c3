"""The officials' workspace socket /ws/staff/."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.models import Participant
from buergerbuero.core import groups
from buergerbuero.offices.actions import open_office
from buergerbuero.waitingroom.actions import leave_queue
from tests.conftest import (
    PASSWORD,
    all_group_members,
    citizen_cookie,
    connect,
    drain,
    enter,
    frame_of,
    frame_where,
    group_members,
    open_,
    staff_cookie,
)
from tests.staff.helpers import actions_of

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def workspace(staff, page: str | None = None, previous: str | None = None):
    """A workspace page; ``page``: the id the page gives itself, ``previous``: the id of the page its
    tab showed before a reload (workspace.js sends both in the query string)."""
    query = "&".join(f"{key}={value}" for key, value in (("page", page), ("previous", previous)) if value)
    path = "/ws/staff/" + (f"?{query}" if query else "")
    communicator, connected, code = await connect(path, await db(staff_cookie)(staff))
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
    assert snapshot["consultation"] is None  # in no call
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
    page = await workspace(world.official_a, page="tab-1-load-1")
    await frame_of(page, "snapshot")
    consultation = await db(admit)(world.official_a, world.office_a, page="tab-1-load-1")
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
    page = await workspace(world.official_a, page="tab-1-load-2", previous="tab-1-load-1")
    await frame_of(page, "snapshot")
    assert (await page.receive_json_from())["type"] == "call.start"
    await page.send_json_to({"type": "call.hangup"})
    assert (await frame_where(page, type="call.ended"))["reason"] == "hangup_official"
    await page.disconnect()


async def test_invitation_in_snapshot(world) -> None:
    from buergerbuero.calls.actions.colleagues import invite_colleague

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


# --- one page holds the call (docs/architecture.md, "One page holds the call") -------------------------

OFFER = {"type": "offer", "sdp": "v=0\r\n"}


async def citizen_page(token: str):
    communicator, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert connected, code
    await frame_of(communicator, "snapshot")
    return communicator


async def two_pages_and_a_citizen(world, admitted_by: str = "tab-of-anna-1"):
    """Official A with the workspace open in two pages (tab-of-anna-1 and -2), a citizen let in from one."""
    await db(open_)(world.official_a, world.office_a)
    _, token = await db(enter)(world.office_a, "Erika")
    first = await workspace(world.official_a, page="tab-of-anna-1")
    second = await workspace(world.official_a, page="tab-of-anna-2")
    await frame_of(first, "snapshot")
    await frame_of(second, "snapshot")
    citizen = await citizen_page(token)
    consultation = await db(admit)(world.official_a, world.office_a, page=admitted_by)
    citizen_start = await frame_of(citizen, "call.start")
    return consultation, first, second, citizen, citizen_start


def participant_of(staff, consultation) -> Participant:
    return Participant.objects.get(staff=staff, consultation=consultation)


async def only_errors_and_states(page) -> list[dict]:
    """What a page got besides office and queue updates: no call frames, no signals."""
    return [f for f in await drain(page) if f["type"] not in ("office.state", "office.queue", "staff.me")]


async def test_two_pages_only_the_admitting_one_gets_the_call(world) -> None:
    consultation, first, second, citizen, citizen_start = await two_pages_and_a_citizen(world)
    start = await frame_of(first, "call.start")
    official_id = start["me"]
    assert await frame_of(second, "call.elsewhere") == {
        "type": "call.elsewhere",
        "consultation": consultation.pk,
        "participant": official_id,
        "held": True,
    }
    # The citizen's offer and candidates reach the admitting page only.
    await citizen.send_json_to({"type": "signal", "to": official_id, "description": OFFER})
    assert (await frame_of(first, "signal"))["from"] == citizen_start["me"]
    assert len(await group_members(groups.participant(official_id))) == 1
    assert len(await group_members(groups.consultation(consultation.pk))) == 2  # the page and the citizen
    # The other page is not in the call: it cannot signal or chat, and hears nothing of it.
    await second.send_json_to({"type": "signal", "to": citizen_start["me"], "description": OFFER})
    assert (await frame_of(second, "error"))["code"] == "not_in_call"
    await citizen.send_json_to({"type": "chat", "text": "Hallo"})
    await frame_of(first, "chat")
    assert await only_errors_and_states(second) == []
    # The admitting page's connection is written down (beside its frame loop).
    for _ in range(50):
        official = await db(participant_of)(world.official_a, consultation)
        if official.call_connection:
            break
        await asyncio.sleep(0.02)
    assert official.call_page == "tab-of-anna-1" and official.call_connection
    for page in (first, second, citizen):
        await page.disconnect()


async def test_take_over_moves_the_call_and_its_signals(world) -> None:
    consultation, first, second, citizen, citizen_start = await two_pages_and_a_citizen(world)
    official_id = (await frame_of(first, "call.start"))["me"]
    await frame_of(second, "call.elsewhere")
    citizen_id = citizen_start["me"]

    await second.send_json_to({"type": "call.take_over", "participant": official_id})
    start = await frame_of(second, "call.start")
    assert (start["consultation"], start["me"]) == (consultation.pk, official_id)
    # The page that had it lets go and offers to take it back.
    assert await frame_of(first, "call.elsewhere") == {
        "type": "call.elsewhere",
        "consultation": consultation.pk,
        "participant": official_id,
        "held": True,
    }
    # The citizen's page builds a new connection to the official.
    assert await frame_of(citizen, "call.moved") == {
        "type": "call.moved",
        "consultation": consultation.pk,
        "participant": official_id,
    }
    await citizen.send_json_to({"type": "signal", "to": official_id, "description": OFFER})
    assert await frame_of(second, "signal") == {"type": "signal", "from": citizen_id, "description": OFFER}
    await second.send_json_to({"type": "signal", "to": citizen_id, "description": OFFER})
    assert (await frame_of(citizen, "signal"))["from"] == official_id
    await first.send_json_to({"type": "signal", "to": citizen_id, "description": OFFER})
    assert (await frame_of(first, "error"))["code"] == "not_in_call"
    assert [f for f in await drain(first) if f["type"] in ("signal", "chat", "call.start")] == []
    assert len(await group_members(groups.participant(official_id))) == 1

    official = await db(participant_of)(world.official_a, consultation)
    assert official.call_page == "tab-of-anna-2"
    assert "consultation.call_moved" in await db(actions_of)(world.authority)

    # And back again; the page that holds the call can end it.
    await first.send_json_to({"type": "call.take_over", "participant": official_id})
    await frame_of(first, "call.start")
    await frame_of(second, "call.elsewhere")
    await first.send_json_to({"type": "call.hangup"})
    assert (await frame_of(first, "call.ended"))["reason"] == "hangup_official"
    # The page without the call hears that it ended, too.
    assert await frame_of(second, "call.ended") == {
        "type": "call.ended",
        "consultation": consultation.pk,
        "reason": "hangup_official",
    }
    for page in (first, second, citizen):
        await page.disconnect()


async def test_reload_of_the_holding_page_gets_the_call_back(world) -> None:
    consultation, first, second, citizen, _citizen_start = await two_pages_and_a_citizen(world)
    official_id = (await frame_of(first, "call.start"))["me"]
    await frame_of(second, "call.elsewhere")
    await first.disconnect()

    # The reloaded tab names the page it showed before: the call is its own again at once.
    reloaded = await workspace(world.official_a, page="tab-of-anna-1-reloaded", previous="tab-of-anna-1")
    await frame_of(reloaded, "snapshot")
    assert (await reloaded.receive_json_from())["type"] == "call.start"
    assert (await frame_of(citizen, "call.moved"))["participant"] == official_id
    await citizen.send_json_to({"type": "signal", "to": official_id, "description": OFFER})
    assert (await frame_of(reloaded, "signal"))["description"] == OFFER
    # The other page still shows the call as running elsewhere; it heard nothing new.
    assert await only_errors_and_states(second) == []
    official = await db(participant_of)(world.official_a, consultation)
    assert official.call_page == "tab-of-anna-1-reloaded"
    for page in (reloaded, second, citizen):
        await page.disconnect()


async def test_reload_before_the_old_socket_closed(world) -> None:
    """The reloaded page may connect before the server noticed that the old one closed."""
    _consultation, first, second, citizen, _citizen_start = await two_pages_and_a_citizen(world)
    await frame_of(first, "call.start")
    reloaded = await workspace(world.official_a, page="tab-of-anna-1-reloaded", previous="tab-of-anna-1")
    await frame_of(reloaded, "snapshot")
    assert (await reloaded.receive_json_from())["type"] == "call.start"
    assert (await frame_of(first, "call.elsewhere"))["held"] is True
    for page in (first, reloaded, second, citizen):
        await page.disconnect()


async def test_socket_reconnect_keeps_the_call_without_new_peer_connections(world) -> None:
    _consultation, first, second, citizen, _citizen_start = await two_pages_and_a_citizen(world)
    official_id = (await frame_of(first, "call.start"))["me"]
    await first.disconnect()
    again = await workspace(world.official_a, page="tab-of-anna-1")  # the same page, a new socket
    # The snapshot names the running call: the page keeps its peer connections until call.start comes.
    assert (await frame_of(again, "snapshot"))["consultation"] == _consultation.pk
    assert (await again.receive_json_from())["type"] == "call.start"
    await citizen.send_json_to({"type": "chat", "text": "Sind Sie noch da?"})
    await frame_of(again, "chat")
    assert [f for f in await drain(citizen) if f["type"] == "call.moved"] == []
    await citizen.send_json_to({"type": "signal", "to": official_id, "description": OFFER})
    assert (await frame_of(again, "signal"))["description"] == OFFER
    for page in (again, second, citizen):
        await page.disconnect()


async def test_page_of_a_closed_tab_is_offered_the_call(world) -> None:
    """The holding tab was closed: a page opened later shows the call as held by no open page."""
    consultation, first, second, citizen, _citizen_start = await two_pages_and_a_citizen(world)
    official_id = (await frame_of(first, "call.start"))["me"]
    await frame_of(second, "call.elsewhere")
    await first.disconnect()
    third = await workspace(world.official_a, page="tab-of-anna-3")
    await frame_of(third, "snapshot")
    assert await third.receive_json_from() == {
        "type": "call.elsewhere",
        "consultation": consultation.pk,
        "participant": official_id,
        "held": False,
    }
    await third.send_json_to({"type": "call.take_over", "participant": official_id})
    assert (await frame_of(third, "call.start"))["me"] == official_id
    assert (await frame_of(citizen, "call.moved"))["participant"] == official_id
    for page in (second, third, citizen):
        await page.disconnect()


async def test_admission_without_a_page_goes_to_exactly_one_page(world) -> None:
    """A form sent without script names no page: the first page that claims the call holds it."""
    consultation, first, second, citizen, _citizen_start = await two_pages_and_a_citizen(
        world, admitted_by=""
    )
    kinds = []
    for page in (first, second):
        frame = await page.receive_json_from()
        while frame["type"] not in ("call.start", "call.elsewhere"):
            frame = await page.receive_json_from()
        kinds.append(frame["type"])
    assert sorted(kinds) == ["call.elsewhere", "call.start"]
    official = await db(participant_of)(world.official_a, consultation)
    assert official.call_page in ("tab-of-anna-1", "tab-of-anna-2")
    for page in (first, second, citizen):
        await page.disconnect()


async def test_accepting_an_invitation_on_one_page(world) -> None:
    from buergerbuero.calls.actions.colleagues import answer_invitation, invite_colleague

    consultation, first, second, citizen, _citizen_start = await two_pages_and_a_citizen(world)
    colleague_pages = [
        await workspace(world.official_b, page="tab-of-bernd-1"),
        await workspace(world.official_b, page="tab-of-bernd-2"),
    ]
    for page in colleague_pages:
        await frame_of(page, "snapshot")
    invitation = await db(invite_colleague)(consultation, world.official_a, world.official_b)
    await db(answer_invitation)(invitation, world.official_b, True, page="tab-of-bernd-2")
    assert (await frame_of(colleague_pages[1], "call.start"))["me"] == invitation.pk
    elsewhere = await frame_of(colleague_pages[0], "call.elsewhere")
    assert (elsewhere["participant"], elsewhere["held"]) == (invitation.pk, True)
    for page in (first, second, citizen, *colleague_pages):
        await page.disconnect()


async def test_an_outsider_cannot_take_over(world) -> None:
    consultation, first, second, citizen, citizen_start = await two_pages_and_a_citizen(world)
    official_id = (await frame_of(first, "call.start"))["me"]
    colleague = await workspace(world.official_a2, page="tab-of-alex")  # same office, not in the call
    outsider = await workspace(world.official_b, page="tab-of-bernd")
    other_admin = await workspace(world.other_admin, page="tab-of-otto")
    for page in (colleague, outsider, other_admin):
        await frame_of(page, "snapshot")
        for participant in (official_id, citizen_start["me"]):
            await page.send_json_to({"type": "call.take_over", "participant": participant})
            error = await frame_of(page, "error")
            assert (error["code"], bool(error["message"])) == ("not_participant", True)
    # The citizen cannot take the official's place either: its socket knows no such frame.
    await citizen.send_json_to({"type": "call.take_over", "participant": official_id})
    assert (await frame_of(citizen, "error"))["code"] == "unknown_type"
    # Nothing changed: the admitting page still gets the signals, nobody else joined a group.
    await citizen.send_json_to({"type": "signal", "to": official_id, "description": OFFER})
    assert (await frame_of(first, "signal"))["description"] == OFFER
    assert len(await group_members(groups.participant(official_id))) == 1
    assert len(await group_members(groups.consultation(consultation.pk))) == 2
    assert (await db(participant_of)(world.official_a, consultation)).call_page == "tab-of-anna-1"
    assert "consultation.call_moved" not in await db(actions_of)(world.authority)
    for page in (first, second, citizen, colleague, outsider, other_admin):
        await page.disconnect()


async def test_bad_take_over_frames(world) -> None:
    consultation, first, second, citizen, _citizen_start = await two_pages_and_a_citizen(world)
    official_id = (await frame_of(first, "call.start"))["me"]
    await frame_of(second, "call.elsewhere")
    for frame, code in [
        ({"type": "call.take_over"}, "invalid"),
        ({"type": "call.take_over", "participant": "1"}, "invalid"),
        ({"type": "call.take_over", "participant": 0}, "invalid"),
        ({"type": "call.take_over", "participant": True}, "invalid"),
        ({"type": "call.take_over", "participant": 424242}, "not_participant"),
    ]:
        await second.send_json_to(frame)
        error = await frame_of(second, "error")
        assert (error["code"], bool(error["message"])) == (code, True), frame
    assert len(await group_members(groups.participant(official_id))) == 1
    assert (await db(participant_of)(world.official_a, consultation)).call_page == "tab-of-anna-1"

    # After the end of the consultation there is nothing to take over.
    await first.send_json_to({"type": "call.hangup"})
    await frame_of(second, "call.ended")
    await second.send_json_to({"type": "call.take_over", "participant": official_id})
    assert (await frame_of(second, "error"))["code"] == "not_participant"
    assert await group_members(groups.participant(official_id)) == set()
    for page in (first, second, citizen):
        await page.disconnect()


@pytest.mark.parametrize("query", ["page=short", "page=tab%20of%20anna", "page=tab-of-anna-1&previous=x%2Fy"])
async def test_a_malformed_page_id_gets_an_error_and_a_working_socket(world, query) -> None:
    communicator, connected, code = await connect(
        f"/ws/staff/?{query}", await db(staff_cookie)(world.official_a)
    )
    assert connected, code
    error = await communicator.receive_json_from()
    assert (error["type"], error["code"], bool(error["message"])) == ("error", "invalid", True)
    assert (await communicator.receive_json_from())["type"] == "snapshot"
    await communicator.send_json_to({"type": "ping", "t": 1})
    assert await frame_of(communicator, "pong") == {"type": "pong", "t": 1}
    await communicator.disconnect()


async def test_no_group_membership_after_the_pages_close(world) -> None:
    consultation, first, second, citizen, citizen_start = await two_pages_and_a_citizen(world)
    official_id = (await frame_of(first, "call.start"))["me"]
    await frame_of(second, "call.elsewhere")
    await second.send_json_to({"type": "call.take_over", "participant": official_id})
    await frame_of(second, "call.start")
    await frame_of(first, "call.elsewhere")
    for page in (first, second, citizen):
        await page.disconnect()
    names = [
        groups.staff(world.official_a.pk),
        groups.consultation(consultation.pk),
        groups.participant(official_id),
        groups.participant(citizen_start["me"]),
    ]
    assert await all_group_members(names) == {}
    # The page that held the call let go of it: any page of the official may take it over now.
    official = await db(participant_of)(world.official_a, consultation)
    assert (official.call_page, official.call_connection) == ("tab-of-anna-2", "")
