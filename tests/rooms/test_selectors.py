"""Completion inputs computed by hand: attendance seconds (overlaps once, clipped to the live period)
and presence checks (only those sent while the member was inside count)."""

from __future__ import annotations

import datetime as dt

import pytest

from buergerbuero.rooms.actions import activity, members, moderation
from buergerbuero.rooms.models import Attendance, PresenceAnswer, PresenceCheck, RoomState
from buergerbuero.rooms.selectors import attendance_seconds, presence_summary, snapshot
from tests.rooms.conftest import Session, fresh

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def live_from_9_to_10(session: Session) -> None:
    room = session.room
    room.started_at = at(0)
    room.ended_at = at(60)
    room.state = RoomState.ENDED
    room.save()


def attend(member, start: float, end: float | None, channel: str = "c") -> None:
    Attendance.objects.create(
        member=member, joined_at=at(start), left_at=at(end) if end is not None else None, channel=channel
    )


def test_attendance_seconds_by_hand(session: Session) -> None:
    live_from_9_to_10(session)
    # Joined 5 minutes early (counts from 9:00), 9:00-9:20; a second tab 9:10-9:30 overlaps (+10 min);
    # away until 9:40; then open until the end at 10:00 (+20 min): 50 minutes.
    attend(session.erika, -5, 20, "a")
    attend(session.erika, 10, 30, "b")
    attend(session.erika, 40, None, "c")
    assert attendance_seconds(fresh(session.erika)) == 50 * 60
    assert attendance_seconds(fresh(session.max)) == 0


def test_attendance_of_a_live_room_counts_up_to_now(session: Session) -> None:
    room = session.room
    room.started_at = at(0)
    room.ended_at = None
    room.save()
    attend(session.erika, 15, None)
    assert attendance_seconds(fresh(session.erika), now=at(45)) == 30 * 60


def test_attendance_of_a_room_never_started_is_zero(world) -> None:
    from tests.rooms.conftest import make_session

    s = make_session(world, live=False)
    attend(s.erika, 0, 10)
    assert attendance_seconds(fresh(s.erika)) == 0


def test_presence_summary_by_hand(session: Session) -> None:
    live_from_9_to_10(session)
    attend(session.erika, 0, 20, "a")
    attend(session.erika, 30, None, "b")
    checks = [
        PresenceCheck.objects.create(room=session.room, sent_at=at(m), deadline_at=at(m + 1))
        for m in (10, 25, 35, 50)
    ]
    # Sent while Erika was inside: 9:10, 9:35, 9:50 (at 9:25 she was away). She answered two.
    PresenceAnswer.objects.create(presence_check=checks[0], member=session.erika, answered_at=at(10.2))
    PresenceAnswer.objects.create(presence_check=checks[2], member=session.erika, answered_at=at(35.5))
    assert presence_summary(fresh(session.erika)) == (2, 3)
    assert presence_summary(fresh(session.max)) == (0, 0)


def test_presence_summary_leaving_at_the_moment_of_a_check(session: Session) -> None:
    live_from_9_to_10(session)
    attend(session.erika, 0, 10)
    PresenceCheck.objects.create(room=session.room, sent_at=at(10), deadline_at=at(11))
    assert presence_summary(fresh(session.erika)) == (0, 0)


def test_snapshot_shows_what_the_page_shows(session: Session) -> None:
    members.join(session.erika, "c1")
    moderation.raise_hand(session.erika)
    activity.send_chat(session.erika, "Hallo")
    deleted = activity.send_chat(session.erika, "weg")
    activity.delete_chat(deleted, actor=session.moderator)
    activity.start_presence_check(session.room, 60, actor=session.moderator)
    snap = snapshot(fresh(session.erika))
    assert snap["type"] == "room.snapshot"
    assert snap["room"]["state"] == "live"
    assert snap["me"]["id"] == session.erika.pk and snap["me"]["moderator"] is False
    assert [m["name"] for m in snap["members"]] == ["Anna Amsel", "Erika Muster", "Max Mustermann"]
    assert snap["hands"] == [session.erika.pk]
    assert [m["text"] for m in snap["chat"]] == ["Hallo"]
    assert snap["presence"]["answered"] is False and "answers" not in snap["presence"]
    assert "lobby" not in snap
    mod = snapshot(fresh(session.moderator))
    assert mod["lobby"] == [] and mod["presence"]["answers"] == 0
    assert "janus" not in str(mod).lower()
