"""Changes made outside the room reach its open pages at once: a registration cancelled
or removed, a hall link replaced, an official dropped from an event's moderators or a training's
presenters. Before, only the database changed and the pages kept the room (chat, media) until they
reconnected."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from buergerbuero.audit.models import AuditEntry
from buergerbuero.core import groups
from buergerbuero.events.actions import lifecycle, registrations
from buergerbuero.rooms.models import Attendance, Member, MemberRole
from buergerbuero.trainings.actions import sessions as session_actions
from tests.conftest import all_group_members, connect, drain, frame_of, staff_cookie
from tests.events.helpers import make_event, register
from tests.rooms.conftest import token_cookie
from tests.trainings.helpers import make_session as make_training_session
from tests.trainings.helpers import make_type

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def open_page(room_id: int, cookie: str):
    communicator, connected, code = await connect(f"/ws/room/{room_id}/", cookie)
    assert connected, code
    return communicator


async def closed_with(communicator, code: int) -> None:
    output = await communicator.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await communicator.receive_output(timeout=3)
    assert output["code"] == code


def live_event(world, **fields):
    event = make_event(world, **fields)
    lifecycle.start_event(event, world.official_a)
    event.refresh_from_db()
    return event


async def test_a_registration_cancelled_by_the_office_closes_the_open_page(world) -> None:
    event = await db(live_event)(world)
    registration = await db(register)(event)
    token = await db(registrations.join_token)(registration)
    moderator = await open_page(event.room_id, await db(staff_cookie)(world.official_a))
    await frame_of(moderator, "room.snapshot")
    page = await open_page(event.room_id, await db(token_cookie)(event.room_id, token))
    await frame_of(page, "room.snapshot")
    await drain(moderator)

    await db(registrations.cancel_registration)(registration, actor=world.official_a)

    removed = await frame_of(page, "room.removed")
    assert removed["reason"] == "removed" and removed["message"]
    await closed_with(page, 4403)
    gone = await frame_of(moderator, "room.member")
    assert gone["member"]["id"] == registration.member_id and gone["member"]["removed"] is True
    # No attendance left open, no group kept: chat sent now does not reach that person.
    assert not await db(Attendance.objects.filter(member_id=registration.member_id, left_at=None).exists)()
    found = await all_group_members([groups.room(event.room_id), groups.room_member(registration.member_id)])
    assert groups.room_member(registration.member_id) not in found
    assert len(found[groups.room(event.room_id)]) == 1  # the moderator's page
    assert await db(AuditEntry.objects.filter(action="room.member_revoked").count)() == 1
    # The link does not open the room again.
    again = await open_page(event.room_id, await db(token_cookie)(event.room_id, token))
    assert (await frame_of(again, "room.refused"))["reason"] == "removed"
    await closed_with(again, 4403)
    await moderator.disconnect()


async def test_a_registrant_cancelling_closes_their_own_open_page(world) -> None:
    event = await db(live_event)(world)
    registration = await db(register)(event)
    token = await db(registrations.join_token)(registration)
    page = await open_page(event.room_id, await db(token_cookie)(event.room_id, token))
    await frame_of(page, "room.snapshot")
    await db(registrations.cancel_registration)(registration)
    await frame_of(page, "room.removed")
    await closed_with(page, 4403)


async def test_a_new_hall_link_closes_the_old_halls_page(world) -> None:
    event = await db(live_event)(world)
    old_token = await db(lifecycle.make_hall_link)(event, world.official_a)
    event = await db(type(event).objects.get)(pk=event.pk)
    old_hall = event.hall_member_id
    hall = await open_page(event.room_id, await db(token_cookie)(event.room_id, old_token))
    await frame_of(hall, "room.snapshot")

    new_token = await db(lifecycle.make_hall_link)(event, world.official_a)

    assert (await frame_of(hall, "room.removed"))["reason"] == "removed"
    await closed_with(hall, 4403)
    assert await db(lambda: Member.objects.get(pk=old_hall).removed_at is not None)()
    fresh_hall = await open_page(event.room_id, await db(token_cookie)(event.room_id, new_token))
    assert (await frame_of(fresh_hall, "room.snapshot"))["me"]["is_hall"] is True
    await fresh_hall.disconnect()


async def test_an_official_dropped_from_the_moderators_loses_the_rights_at_once(world) -> None:
    """Events change their staff while the room is scheduled; moderators may be inside preparing it."""
    event = await db(make_event)(world, moderators=[world.official_a, world.official_a2])
    fields = await db(
        lambda: {
            "office": world.office_a,
            "title": event.title,
            "description": event.description,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "mode": event.mode,
            "lobby": event.lobby,
            "registration": event.registration,
            "capacity": event.capacity,
        }
    )()
    page = await open_page(event.room_id, await db(staff_cookie)(world.official_a2))
    snap = await frame_of(page, "room.snapshot")
    assert snap["me"]["moderator"] is True and snap["lobby"] == []

    await db(lifecycle.update_event)(
        event, world.official_a, **fields, moderators=[world.official_a], speakers=[]
    )

    again = await frame_of(page, "room.snapshot")
    assert again["me"]["role"] == MemberRole.VIEWER and again["me"]["moderator"] is False
    assert "lobby" not in again
    await page.send_json_to({"type": "room.lock", "locked": True})
    assert (await frame_of(page, "error"))["code"] == "forbidden"
    await page.disconnect()


async def test_a_presenter_dropped_from_a_training_session_loses_the_rights_at_once(world) -> None:
    def prepare():
        training_type = make_type(world.office_a, world.official_a)
        session = make_training_session(training_type, world.official_a)
        session_actions.update_session(
            session,
            starts_at=session.starts_at,
            capacity=session.capacity,
            presenters=[world.official_a, world.official_a2],
            actor=world.official_a,
        )
        return session

    session = await db(prepare)()
    page = await open_page(session.room_id, await db(staff_cookie)(world.official_a2))
    assert (await frame_of(page, "room.snapshot"))["me"]["moderator"] is True

    await db(session_actions.update_session)(
        session,
        starts_at=session.starts_at,
        capacity=session.capacity,
        presenters=[world.official_a],
        actor=world.official_a,
    )

    again = await frame_of(page, "room.snapshot")
    assert again["me"]["role"] == MemberRole.VIEWER and again["me"]["moderator"] is False
    member = await db(Member.objects.get)(room_id=session.room_id, user_id=world.official_a2.user_id)
    assert member.role == MemberRole.VIEWER
    await page.disconnect()
