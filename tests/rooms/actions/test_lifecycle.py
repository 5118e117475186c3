"""rooms.actions.lifecycle: starting, ending (also by the background job), locking, retention.

The state after each action, its audit entry, its events, who may do it, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms.actions import activity, lifecycle, members, moderation
from buergerbuero.rooms.models import (
    Attendance,
    Room,
    RoomState,
)
from tests.rooms.conftest import Session, audited, fresh, make_session

pytestmark = pytest.mark.django_db


def test_start_room_goes_live_and_tells_waiting_pages(world, events) -> None:
    s = make_session(world, live=False)
    lifecycle.start_room(s.room, actor=s.moderator)
    s.room.refresh_from_db()
    assert s.room.state == RoomState.LIVE and s.room.started_at is not None
    assert audited("room.started")[0].actor_id == world.official_a.user_id
    (inside,) = events.of(groups.room(s.room.pk))
    assert inside["type"] == "room.state" and inside["audience"] == "inside"
    assert inside["room"]["state"] == "live"
    assert events.of(groups.room_member(s.erika.pk))[0]["audience"] == "waiting"


def test_start_room_refused_for_participants_and_twice(world, session: Session) -> None:
    with pytest.raises(ActionError) as err:
        lifecycle.start_room(session.room, actor=session.erika)
    assert err.value.code == "forbidden"
    with pytest.raises(ActionError) as err:
        lifecycle.start_room(session.room, actor=session.moderator)
    assert err.value.code == "already_live"


def test_start_room_by_a_staff_user(world) -> None:
    s = make_session(world, live=False)
    lifecycle.start_room(s.room, actor=world.official_a.user)
    assert fresh(s.erika).room.state == RoomState.LIVE


def test_end_room_ends_everything_for_everyone(session: Session, events) -> None:
    members.join(session.erika, "c1")
    lifecycle.end_room(session.room, actor=session.moderator)
    session.room.refresh_from_db()
    assert session.room.state == RoomState.ENDED and session.room.ended_at is not None
    assert not Attendance.objects.filter(left_at__isnull=True).exists()
    assert audited("room.ended")
    state_events = [e for e in events.of(groups.room_member(session.erika.pk)) if e["type"] == "room.state"]
    assert state_events[-1]["room"]["state"] == "ended"
    with pytest.raises(ActionError) as err:
        lifecycle.end_room(session.room, actor=session.moderator)
    assert err.value.code == "ended"
    with pytest.raises(ActionError) as err:
        moderation.raise_hand(session.erika)
    assert err.value.code == "ended"


def test_end_room_refused_for_participants(session: Session) -> None:
    with pytest.raises(ActionError) as err:
        lifecycle.end_room(session.room, actor=session.erika)
    assert err.value.code == "forbidden"
    assert fresh(session.erika).room.state == RoomState.LIVE


def test_lock_keeps_newcomers_out_but_lets_returners_back(session: Session, events) -> None:
    members.join(session.erika, "c1")
    members.leave(session.erika, "c1")
    lifecycle.lock(session.room, actor=session.moderator)
    assert fresh(session.erika).room.locked
    assert audited("room.locked")
    assert events.of(groups.room(session.room.pk))[-1]["room"]["locked"] is True
    members.join(session.erika, "c2")  # was inside before
    with pytest.raises(ActionError) as err:
        members.join(session.max, "c3")
    assert err.value.code == "locked"
    lifecycle.unlock(session.room, actor=session.moderator)
    members.join(session.max, "c3")
    assert audited("room.unlocked")


def test_lock_refused_for_participants(session: Session) -> None:
    with pytest.raises(ActionError) as err:
        lifecycle.lock(session.room, actor=session.erika)
    assert err.value.code == "forbidden"


def test_retention_clears_names_and_chat_of_rooms_ended_before_the_cutoff(world, session: Session) -> None:
    members.join(session.erika, "c1")
    activity.send_chat(session.erika, "Ich habe eine Frage.")
    lifecycle.end_room(session.room, actor=session.moderator)
    running = make_session(world)
    never_run = make_session(world, live=False)
    Room.objects.filter(pk=never_run.room.pk).update(starts_at=timezone.now() - dt.timedelta(days=2))
    attended = Attendance.objects.filter(member=session.erika).count()

    # A day ago: only the room planned two days ago that never ran; the ended one is newer.
    assert lifecycle.delete_personal_data(timezone.now() - dt.timedelta(days=1)) == 1
    assert lifecycle.delete_personal_data(timezone.now() + dt.timedelta(seconds=1)) == 1
    assert lifecycle.delete_personal_data(timezone.now() + dt.timedelta(seconds=1)) == 0  # idempotent

    assert set(session.room.members.values_list("display_name", flat=True)) == {""}
    assert list(session.room.chat.values_list("text", flat=True)) == [""]
    assert set(never_run.room.members.values_list("display_name", flat=True)) == {""}
    assert "" not in running.room.members.values_list("display_name", flat=True)  # a live room is kept
    assert Attendance.objects.filter(member=session.erika).count() == attended  # figures stay
    assert len(audited("room.personal_data_deleted")) == 2


def _started(room: Room, ago: dt.timedelta) -> None:
    Room.objects.filter(pk=room.pk).update(started_at=timezone.now() - ago)


def test_end_idle_rooms_ends_a_room_nobody_was_in_for_a_while(session: Session, events, settings) -> None:
    settings.ROOM_IDLE_END_MINUTES = 30
    _started(session.room, dt.timedelta(hours=2))
    attendance = members.join(session.erika, "c1")
    members.leave(session.erika, "c1")
    Attendance.objects.filter(pk=attendance.pk).update(
        joined_at=timezone.now() - dt.timedelta(minutes=50), left_at=timezone.now() - dt.timedelta(minutes=31)
    )

    assert lifecycle.end_idle_rooms(timezone.now()) == 1
    session.room.refresh_from_db()
    assert session.room.state == RoomState.ENDED
    (entry,) = audited("room.ended")
    assert entry.actor_id is None and entry.data["reason"] == "idle"
    state_events = [e for e in events.of(groups.room_member(session.erika.pk)) if e["type"] == "room.state"]
    assert state_events[-1]["room"]["state"] == "ended"
    assert lifecycle.end_idle_rooms(timezone.now()) == 0  # once


@pytest.mark.parametrize("what", ["someone_inside", "left_recently", "started_recently"])
def test_end_idle_rooms_keeps_a_room_in_use(session: Session, settings, what: str) -> None:
    settings.ROOM_IDLE_END_MINUTES = 30
    _started(session.room, dt.timedelta(minutes=10 if what == "started_recently" else 120))
    if what != "started_recently":
        attendance = members.join(session.erika, "c1")
        joined = timezone.now() - dt.timedelta(minutes=90)
        Attendance.objects.filter(pk=attendance.pk).update(joined_at=joined)
    if what == "left_recently":
        members.leave(session.erika, "c1")
        Attendance.objects.filter(pk=attendance.pk).update(left_at=timezone.now() - dt.timedelta(minutes=29))

    assert lifecycle.end_idle_rooms(timezone.now()) == 0
    assert fresh(session.erika).room.state == RoomState.LIVE


def test_end_idle_rooms_ends_a_room_live_too_long(session: Session, settings) -> None:
    # An attendance left open by a worker that died must not keep the room live for ever.
    settings.ROOM_MAX_LIVE_HOURS = 12
    _started(session.room, dt.timedelta(hours=13))
    members.join(session.erika, "dead-worker")

    assert lifecycle.end_idle_rooms(timezone.now()) == 1
    assert fresh(session.erika).room.state == RoomState.ENDED
    assert not Attendance.objects.filter(left_at__isnull=True).exists()
    assert audited("room.ended")[0].data["reason"] == "too_long"


def test_end_idle_rooms_leaves_scheduled_and_ended_rooms(world, settings) -> None:
    scheduled = make_session(world, live=False)
    Room.objects.filter(pk=scheduled.room.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    ended = make_session(world)
    lifecycle.end_room(ended.room, actor=ended.moderator)

    assert lifecycle.end_idle_rooms(timezone.now() + dt.timedelta(days=2)) == 0
    assert fresh(scheduled.erika).room.state == RoomState.SCHEDULED
