"""rooms.actions.members: joining and leaving, the lobby, removal, an administrator entering.

The state after each action, its audit entry, its events, who may do it, bad input."""

from __future__ import annotations

import pytest

from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms.actions import lifecycle, members, moderation
from buergerbuero.rooms.models import (
    Attendance,
    LobbyWait,
    MemberRole,
    RemovalReason,
)
from tests.rooms.conftest import Session, audited, fresh, make_session

pytestmark = pytest.mark.django_db


def test_join_and_leave_record_attendance_per_connection(session: Session, events) -> None:
    members.join(session.erika, "c1")
    members.join(session.erika, "c2")
    assert Attendance.objects.filter(member=session.erika, left_at__isnull=True).count() == 2
    member_events = [e for e in events.of(groups.room(session.room.pk)) if e["type"] == "room.member"]
    assert len(member_events) == 1 and member_events[0]["member"]["present"] is True  # once: came in
    members.leave(session.erika, "c1")
    assert Attendance.objects.get(channel="c1").left_at is not None
    assert Attendance.objects.get(channel="c2").left_at is None
    members.leave(session.erika, "c2")
    members.leave(session.erika, "c2")  # idempotent
    member_events = [e for e in events.of(groups.room(session.room.pk)) if e["type"] == "room.member"]
    assert member_events[-1]["member"]["present"] is False
    assert len(audited("room.joined")) == 2 and len(audited("room.left")) == 2


def test_join_refused_before_the_start_and_for_removed(world) -> None:
    s = make_session(world, live=False)
    with pytest.raises(ActionError) as err:
        members.join(s.erika, "c1")
    assert err.value.code == "not_live"
    lifecycle.start_room(s.room, actor=s.moderator)
    members.remove_member(s.erika, actor=s.moderator)
    with pytest.raises(ActionError) as err:
        members.join(s.erika, "c1")
    assert err.value.code == "removed"
    assert not Attendance.objects.exists()


def test_remove_member_blocks_rejoining(session: Session, events) -> None:
    members.join(session.erika, "c1")
    moderation.raise_hand(session.erika)
    members.remove_member(session.erika, actor=session.moderator)
    erika = fresh(session.erika)
    assert erika.removed_at is not None and erika.removed_reason == RemovalReason.REMOVED
    assert erika.hand_raised_at is None
    assert not Attendance.objects.filter(member=erika, left_at__isnull=True).exists()
    assert events.of(groups.room_member(erika.pk))[-1] == {
        "type": "room.removed",
        "room": session.room.pk,
        "member": erika.pk,
        "reason": "removed",
    }
    assert audited("room.removed")
    with pytest.raises(ActionError) as err:
        members.join(erika, "c2")
    assert err.value.code == "removed"
    with pytest.raises(ActionError) as err:
        members.remove_member(erika, actor=session.moderator)
    assert err.value.code == "removed"


def test_remove_refused_for_participants_and_oneself(session: Session) -> None:
    with pytest.raises(ActionError) as err:
        members.remove_member(session.max, actor=session.erika)
    assert err.value.code == "forbidden"
    with pytest.raises(ActionError) as err:
        members.remove_member(session.moderator, actor=session.moderator)
    assert err.value.code == "forbidden"
    assert fresh(session.max).removed_at is None


def test_lobby_knock_admit_and_decline(world, events) -> None:
    s = make_session(world, lobby=True)
    with pytest.raises(ActionError) as err:
        members.join(s.erika, "c1")
    assert err.value.code == "in_lobby"
    members.knock(s.erika, "c1")
    members.knock(s.max, "c2")
    lobby = [e for e in events.of(groups.room(s.room.pk)) if e["type"] == "room.lobby_list"][-1]
    assert [w["id"] for w in lobby["waiting"]] == [s.erika.pk, s.max.pk]
    members.admit_from_lobby(s.erika, actor=s.moderator)
    assert fresh(s.erika).admitted_at is not None
    assert events.of(groups.room_member(s.erika.pk))[-1]["type"] == "room.admitted"
    members.join(s.erika, "c1")
    members.decline(s.max, actor=s.moderator)
    max_ = fresh(s.max)
    assert max_.removed_reason == RemovalReason.DECLINED
    assert not LobbyWait.objects.exists()
    assert events.of(groups.room_member(s.max.pk))[-1]["reason"] == "declined"
    assert audited("room.admitted") and audited("room.declined")
    with pytest.raises(ActionError):
        members.admit_from_lobby(s.max, actor=s.erika)


def test_knock_refused_without_lobby(session: Session) -> None:
    with pytest.raises(ActionError) as err:
        members.knock(session.erika, "c1")
    assert err.value.code == "not_in_lobby"


def test_admin_enters_as_moderator_once(world) -> None:
    s = make_session(world)
    member = members.enter_as_admin(s.room, world.admin.user, "Ada Admin")
    assert member.role == MemberRole.MODERATOR
    assert members.enter_as_admin(s.room, world.admin.user, "Ada Admin").pk == member.pk
