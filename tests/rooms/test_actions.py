"""rooms.actions: the state after each action, its audit entry, its events, who may do it, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from buergerbuero.audit.models import AuditEntry
from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms import actions
from buergerbuero.rooms.models import (
    Attendance,
    ChatMessage,
    LobbyWait,
    MemberRole,
    PresenceAnswer,
    RemovalReason,
    Room,
    RoomState,
)
from tests.rooms.conftest import Session, fresh, make_session

pytestmark = pytest.mark.django_db


def audited(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_start_room_goes_live_and_tells_waiting_pages(world, events) -> None:
    s = make_session(world, live=False)
    actions.start_room(s.room, actor=s.moderator)
    s.room.refresh_from_db()
    assert s.room.state == RoomState.LIVE and s.room.started_at is not None
    assert audited("room.started")[0].actor_id == world.official_a.user_id
    (inside,) = events.of(groups.room(s.room.pk))
    assert inside["type"] == "room.state" and inside["audience"] == "inside"
    assert inside["room"]["state"] == "live"
    assert events.of(groups.room_member(s.erika.pk))[0]["audience"] == "waiting"


def test_start_room_refused_for_participants_and_twice(world, session: Session) -> None:
    with pytest.raises(ActionError) as err:
        actions.start_room(session.room, actor=session.erika)
    assert err.value.code == "forbidden"
    with pytest.raises(ActionError) as err:
        actions.start_room(session.room, actor=session.moderator)
    assert err.value.code == "already_live"


def test_start_room_by_a_staff_user(world) -> None:
    s = make_session(world, live=False)
    actions.start_room(s.room, actor=world.official_a.user)
    assert fresh(s.erika).room.state == RoomState.LIVE


def test_end_room_ends_everything_for_everyone(session: Session, events) -> None:
    actions.join(session.erika, "c1")
    actions.end_room(session.room, actor=session.moderator)
    session.room.refresh_from_db()
    assert session.room.state == RoomState.ENDED and session.room.ended_at is not None
    assert not Attendance.objects.filter(left_at__isnull=True).exists()
    assert audited("room.ended")
    state_events = [e for e in events.of(groups.room_member(session.erika.pk)) if e["type"] == "room.state"]
    assert state_events[-1]["room"]["state"] == "ended"
    with pytest.raises(ActionError) as err:
        actions.end_room(session.room, actor=session.moderator)
    assert err.value.code == "ended"
    with pytest.raises(ActionError) as err:
        actions.raise_hand(session.erika)
    assert err.value.code == "ended"


def test_end_room_refused_for_participants(session: Session) -> None:
    with pytest.raises(ActionError) as err:
        actions.end_room(session.room, actor=session.erika)
    assert err.value.code == "forbidden"
    assert fresh(session.erika).room.state == RoomState.LIVE


def test_join_and_leave_record_attendance_per_connection(session: Session, events) -> None:
    actions.join(session.erika, "c1")
    actions.join(session.erika, "c2")
    assert Attendance.objects.filter(member=session.erika, left_at__isnull=True).count() == 2
    member_events = [e for e in events.of(groups.room(session.room.pk)) if e["type"] == "room.member"]
    assert len(member_events) == 1 and member_events[0]["member"]["present"] is True  # once: came in
    actions.leave(session.erika, "c1")
    assert Attendance.objects.get(channel="c1").left_at is not None
    assert Attendance.objects.get(channel="c2").left_at is None
    actions.leave(session.erika, "c2")
    actions.leave(session.erika, "c2")  # idempotent
    member_events = [e for e in events.of(groups.room(session.room.pk)) if e["type"] == "room.member"]
    assert member_events[-1]["member"]["present"] is False
    assert len(audited("room.joined")) == 2 and len(audited("room.left")) == 2


def test_join_refused_before_the_start_and_for_removed(world) -> None:
    s = make_session(world, live=False)
    with pytest.raises(ActionError) as err:
        actions.join(s.erika, "c1")
    assert err.value.code == "not_live"
    actions.start_room(s.room, actor=s.moderator)
    actions.remove_member(s.erika, actor=s.moderator)
    with pytest.raises(ActionError) as err:
        actions.join(s.erika, "c1")
    assert err.value.code == "removed"
    assert not Attendance.objects.exists()


def test_lock_keeps_newcomers_out_but_lets_returners_back(session: Session, events) -> None:
    actions.join(session.erika, "c1")
    actions.leave(session.erika, "c1")
    actions.lock(session.room, actor=session.moderator)
    assert fresh(session.erika).room.locked
    assert audited("room.locked")
    assert events.of(groups.room(session.room.pk))[-1]["room"]["locked"] is True
    actions.join(session.erika, "c2")  # was inside before
    with pytest.raises(ActionError) as err:
        actions.join(session.max, "c3")
    assert err.value.code == "locked"
    actions.unlock(session.room, actor=session.moderator)
    actions.join(session.max, "c3")
    assert audited("room.unlocked")


def test_lock_refused_for_participants(session: Session) -> None:
    with pytest.raises(ActionError) as err:
        actions.lock(session.room, actor=session.erika)
    assert err.value.code == "forbidden"


def test_hands_form_a_queue_in_order_of_raising(session: Session, events) -> None:
    actions.join(session.erika, "c1")
    actions.join(session.max, "c2")
    actions.raise_hand(session.max)
    actions.raise_hand(session.erika)
    actions.raise_hand(session.max)  # again: keeps its place
    hands = [e for e in events.of(groups.room(session.room.pk)) if e["type"] == "room.hands"]
    assert hands[-1]["hands"] == [session.max.pk, session.erika.pk]
    assert len(audited("room.hand_raised")) == 2
    actions.lower_hand(session.max, actor=session.max)
    hands = [e for e in events.of(groups.room(session.room.pk)) if e["type"] == "room.hands"]
    assert hands[-1]["hands"] == [session.erika.pk]


def test_only_moderators_lower_other_hands(session: Session) -> None:
    actions.raise_hand(session.erika)
    with pytest.raises(ActionError) as err:
        actions.lower_hand(session.erika, actor=session.max)
    assert err.value.code == "forbidden"
    actions.lower_hand(session.erika, actor=session.moderator)
    assert fresh(session.erika).hand_raised_at is None


def test_lower_all_hands(session: Session, events) -> None:
    actions.raise_hand(session.erika)
    actions.raise_hand(session.max)
    assert actions.lower_all_hands(session.room, actor=session.moderator) == 2
    assert fresh(session.erika).hand_raised_at is None and fresh(session.max).hand_raised_at is None
    assert events.of(groups.room(session.room.pk))[-1] == {
        "type": "room.hands",
        "room": session.room.pk,
        "hands": [],
    }
    assert audited("room.hands_lowered")[0].data["count"] == 2
    with pytest.raises(ActionError):
        actions.lower_all_hands(session.room, actor=session.erika)


def test_grant_and_revoke_speak(world, events) -> None:
    s = make_session(world)
    s.room.mode = "webinar"
    s.room.save()
    erika = fresh(s.erika)
    actions.raise_hand(erika)
    actions.grant_speak(erika, actor=s.moderator)
    erika = fresh(erika)
    assert erika.may_speak and erika.hand_raised_at is None
    member_event = [e for e in events.of(groups.room(s.room.pk)) if e["type"] == "room.member"][-1]
    assert member_event["permissions"] is True and member_event["member"]["may_publish"] is True
    assert audited("room.speak_granted")
    actions.revoke_speak(erika, actor=s.moderator)
    erika = fresh(erika)
    assert not erika.may_speak
    member_event = [e for e in events.of(groups.room(s.room.pk)) if e["type"] == "room.member"][-1]
    assert member_event["member"]["may_publish"] is False
    with pytest.raises(ActionError):
        actions.grant_speak(s.max, actor=erika)


def test_promote_and_demote(session: Session) -> None:
    actions.promote(session.erika, actor=session.moderator)
    assert fresh(session.erika).role == MemberRole.SPEAKER
    actions.demote(session.erika, actor=session.moderator)
    assert fresh(session.erika).role == MemberRole.PARTICIPANT
    assert audited("room.promoted") and audited("room.demoted")
    with pytest.raises(ActionError) as err:
        actions.demote(session.moderator, actor=session.moderator)
    assert err.value.code == "is_moderator"
    with pytest.raises(ActionError) as err:
        actions.promote(session.max, actor=session.erika)
    assert err.value.code == "forbidden"


def test_mute_member_stop_video_and_lift_mute(session: Session, events) -> None:
    actions.mute_member(session.erika, actor=session.moderator)
    actions.stop_video(session.erika, actor=session.moderator)
    erika = fresh(session.erika)
    assert erika.audio_muted and erika.video_stopped
    assert audited("room.muted") and audited("room.video_stopped")
    # A hard mute: the member cannot lift it, only a moderator (issue 10, 11).
    assert not hasattr(actions, "unmute_self")
    with pytest.raises(ActionError) as err:
        actions.lift_mute(erika, "audio", actor=erika)
    assert err.value.code == "forbidden"
    assert fresh(erika).audio_muted
    before = len(events.sent)
    actions.lift_mute(erika, "audio", actor=session.moderator)
    assert not fresh(erika).audio_muted and fresh(erika).video_stopped
    assert audited("room.unmuted")
    assert [e["permissions"] for _g, e in events.sent[before:] if e["type"] == "room.member"] == [True]
    actions.lift_mute(erika, "video", actor=session.moderator)
    assert not fresh(erika).video_stopped and audited("room.video_allowed")
    for kind in ("smell", None, 1):
        with pytest.raises(ActionError) as err:
            actions.lift_mute(erika, kind, actor=session.moderator)  # type: ignore[arg-type]
        assert err.value.code == "invalid"
    with pytest.raises(ActionError):
        actions.mute_member(session.max, actor=session.erika)
    assert not fresh(session.max).audio_muted


def test_mute_all_spares_moderators(session: Session, events) -> None:
    assert actions.mute_all(session.room, actor=session.moderator) == 2
    assert fresh(session.erika).audio_muted and fresh(session.max).audio_muted
    assert not fresh(session.moderator).audio_muted
    event = events.of(groups.room(session.room.pk))[-1]
    assert event["type"] == "room.members" and event["permissions"] is True
    assert audited("room.muted_all")[0].data["count"] == 2
    with pytest.raises(ActionError):
        actions.mute_all(session.room, actor=session.erika)


def test_remove_member_blocks_rejoining(session: Session, events) -> None:
    actions.join(session.erika, "c1")
    actions.raise_hand(session.erika)
    actions.remove_member(session.erika, actor=session.moderator)
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
        actions.join(erika, "c2")
    assert err.value.code == "removed"
    with pytest.raises(ActionError) as err:
        actions.remove_member(erika, actor=session.moderator)
    assert err.value.code == "removed"


def test_remove_refused_for_participants_and_oneself(session: Session) -> None:
    with pytest.raises(ActionError) as err:
        actions.remove_member(session.max, actor=session.erika)
    assert err.value.code == "forbidden"
    with pytest.raises(ActionError) as err:
        actions.remove_member(session.moderator, actor=session.moderator)
    assert err.value.code == "forbidden"
    assert fresh(session.max).removed_at is None


def test_moderator_of_another_room_cannot_act_here(world, session: Session) -> None:
    other = make_session(world)
    with pytest.raises(ActionError) as err:
        actions.mute_member(session.erika, actor=other.moderator)
    assert err.value.code == "forbidden"
    with pytest.raises(ActionError) as err:
        actions.lock(session.room, actor=other.moderator)
    assert err.value.code == "forbidden"


def test_lobby_knock_admit_and_decline(world, events) -> None:
    s = make_session(world, lobby=True)
    with pytest.raises(ActionError) as err:
        actions.join(s.erika, "c1")
    assert err.value.code == "in_lobby"
    actions.knock(s.erika, "c1")
    actions.knock(s.max, "c2")
    lobby = [e for e in events.of(groups.room(s.room.pk)) if e["type"] == "room.lobby_list"][-1]
    assert [w["id"] for w in lobby["waiting"]] == [s.erika.pk, s.max.pk]
    actions.admit_from_lobby(s.erika, actor=s.moderator)
    assert fresh(s.erika).admitted_at is not None
    assert events.of(groups.room_member(s.erika.pk))[-1]["type"] == "room.admitted"
    actions.join(s.erika, "c1")
    actions.decline(s.max, actor=s.moderator)
    max_ = fresh(s.max)
    assert max_.removed_reason == RemovalReason.DECLINED
    assert not LobbyWait.objects.exists()
    assert events.of(groups.room_member(s.max.pk))[-1]["reason"] == "declined"
    assert audited("room.admitted") and audited("room.declined")
    with pytest.raises(ActionError):
        actions.admit_from_lobby(s.max, actor=s.erika)


def test_knock_refused_without_lobby(session: Session) -> None:
    with pytest.raises(ActionError) as err:
        actions.knock(session.erika, "c1")
    assert err.value.code == "not_in_lobby"


def test_send_chat_and_delete(session: Session, events, settings) -> None:
    message = actions.send_chat(session.erika, "  Eine Frage zu Folie 3  ")
    assert message.text == "Eine Frage zu Folie 3"
    event = events.of(groups.room(session.room.pk))[-1]
    assert event["type"] == "room.chat" and event["message"]["name"] == "Erika Muster"
    entry = audited("room.chat_sent")[0]
    assert "Folie" not in str(entry.data)
    with pytest.raises(ActionError):
        actions.delete_chat(message, actor=session.max)
    actions.delete_chat(message, actor=session.moderator)
    message.refresh_from_db()
    assert message.deleted_at is not None and message.deleted_by_id == session.moderator.pk
    assert events.of(groups.room(session.room.pk))[-1] == {
        "type": "room.chat_deleted",
        "room": session.room.pk,
        "message": message.pk,
    }


@pytest.mark.parametrize("text,code", [("", "empty"), ("   ", "empty"), ("x" * 2001, "too_long")])
def test_send_chat_bad_input(session: Session, text: str, code: str, settings) -> None:
    settings.CHAT_MAX_LENGTH = 2000
    with pytest.raises(ActionError) as err:
        actions.send_chat(session.erika, text)
    assert err.value.code == code
    assert not ChatMessage.objects.exists()


def test_chat_refused_in_the_lobby(world) -> None:
    s = make_session(world, lobby=True)
    with pytest.raises(ActionError) as err:
        actions.send_chat(s.erika, "Hallo")
    assert err.value.code == "in_lobby"


def test_presence_check_answers_in_time_only(session: Session, events) -> None:
    check = actions.start_presence_check(session.room, 30, actor=session.moderator)
    assert (check.deadline_at - check.sent_at) == dt.timedelta(seconds=30)
    event = events.of(groups.room(session.room.pk))[-1]
    assert event["type"] == "room.presence_check" and event["seconds"] == 30
    answer = actions.answer_presence_check(check, session.erika)
    again = actions.answer_presence_check(check, session.erika)
    assert again.pk == answer.pk and PresenceAnswer.objects.count() == 1
    assert events.of(groups.room(session.room.pk))[-1]["type"] == "room.presence_answer"
    check.deadline_at = timezone.now() - dt.timedelta(seconds=1)
    check.save()
    with pytest.raises(ActionError) as err:
        actions.answer_presence_check(check, session.max)
    assert err.value.code == "too_late"
    assert PresenceAnswer.objects.count() == 1
    assert audited("room.presence_check") and audited("room.presence_answered")


@pytest.mark.parametrize("seconds", [0, 5, 601, True, "30", None])
def test_presence_check_bad_duration(session: Session, seconds) -> None:
    with pytest.raises(ActionError) as err:
        actions.start_presence_check(session.room, seconds, actor=session.moderator)
    assert err.value.code == "invalid"


def test_presence_check_rules(world, session: Session) -> None:
    with pytest.raises(ActionError) as err:
        actions.start_presence_check(session.room, 30, actor=session.erika)
    assert err.value.code == "forbidden"
    check = actions.start_presence_check(session.room, 30, actor=session.moderator)
    with pytest.raises(ActionError) as err:
        actions.start_presence_check(session.room, 30, actor=session.moderator)
    assert err.value.code == "check_running"
    other = make_session(world)
    with pytest.raises(ActionError) as err:
        actions.answer_presence_check(check, other.erika)
    assert err.value.code == "no_check"
    scheduled = make_session(world, live=False)
    with pytest.raises(ActionError) as err:
        actions.start_presence_check(scheduled.room, 30, actor=scheduled.moderator)
    assert err.value.code == "not_live"


def test_set_stage(session: Session, events) -> None:
    stage = {"kind": "material", "url": "/media/folien.pdf", "title": "Folien", "page": 2}
    actions.set_stage(session.room, stage, session.moderator)
    session.room.refresh_from_db()
    assert session.room.stage == stage
    assert events.of(groups.room(session.room.pk))[-1] == {
        "type": "room.stage",
        "room": session.room.pk,
        "stage": stage,
    }
    actions.set_stage(session.room, {"kind": "screen"}, session.moderator)
    session.room.refresh_from_db()
    assert session.room.stage == {"kind": "screen", "member": session.moderator.pk}
    actions.set_stage(session.room, {}, session.moderator)
    session.room.refresh_from_db()
    assert session.room.stage == {}
    assert len(audited("room.stage_set")) == 3
    with pytest.raises(ActionError) as err:
        actions.set_stage(session.room, {}, session.erika)
    assert err.value.code == "forbidden"


@pytest.mark.parametrize(
    "stage",
    [
        [],
        {"kind": "video"},
        {"kind": "material"},
        {"kind": "material", "url": "javascript:alert(1)"},
        {"kind": "material", "url": "http://example.org/x.pdf"},
        {"kind": "material", "url": "//evil.example/x.pdf"},
        {"kind": "material", "url": "/x.pdf", "page": 0},
        {"kind": "material", "url": "/x.pdf", "title": "x" * 201},
    ],
)
def test_set_stage_bad_input(session: Session, stage) -> None:
    with pytest.raises(ActionError) as err:
        actions.set_stage(session.room, stage, session.moderator)
    assert err.value.code == "invalid"
    session.room.refresh_from_db()
    assert session.room.stage == {}


def test_admin_enters_as_moderator_once(world) -> None:
    s = make_session(world)
    member = actions.enter_as_admin(s.room, world.admin.user, "Ada Admin")
    assert member.role == MemberRole.MODERATOR
    assert actions.enter_as_admin(s.room, world.admin.user, "Ada Admin").pk == member.pk


def test_retention_clears_names_and_chat_of_rooms_ended_before_the_cutoff(world, session: Session) -> None:
    actions.join(session.erika, "c1")
    actions.send_chat(session.erika, "Ich habe eine Frage.")
    actions.end_room(session.room, actor=session.moderator)
    running = make_session(world)
    never_run = make_session(world, live=False)
    Room.objects.filter(pk=never_run.room.pk).update(starts_at=timezone.now() - dt.timedelta(days=2))
    attended = Attendance.objects.filter(member=session.erika).count()

    # A day ago: only the room planned two days ago that never ran; the ended one is newer.
    assert actions.delete_personal_data(timezone.now() - dt.timedelta(days=1)) == 1
    assert actions.delete_personal_data(timezone.now() + dt.timedelta(seconds=1)) == 1
    assert actions.delete_personal_data(timezone.now() + dt.timedelta(seconds=1)) == 0  # idempotent

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
    attendance = actions.join(session.erika, "c1")
    actions.leave(session.erika, "c1")
    Attendance.objects.filter(pk=attendance.pk).update(
        joined_at=timezone.now() - dt.timedelta(minutes=50), left_at=timezone.now() - dt.timedelta(minutes=31)
    )

    assert actions.end_idle_rooms(timezone.now()) == 1
    session.room.refresh_from_db()
    assert session.room.state == RoomState.ENDED
    (entry,) = audited("room.ended")
    assert entry.actor_id is None and entry.data["reason"] == "idle"
    state_events = [e for e in events.of(groups.room_member(session.erika.pk)) if e["type"] == "room.state"]
    assert state_events[-1]["room"]["state"] == "ended"
    assert actions.end_idle_rooms(timezone.now()) == 0  # once


@pytest.mark.parametrize("what", ["someone_inside", "left_recently", "started_recently"])
def test_end_idle_rooms_keeps_a_room_in_use(session: Session, settings, what: str) -> None:
    settings.ROOM_IDLE_END_MINUTES = 30
    _started(session.room, dt.timedelta(minutes=10 if what == "started_recently" else 120))
    if what != "started_recently":
        attendance = actions.join(session.erika, "c1")
        joined = timezone.now() - dt.timedelta(minutes=90)
        Attendance.objects.filter(pk=attendance.pk).update(joined_at=joined)
    if what == "left_recently":
        actions.leave(session.erika, "c1")
        Attendance.objects.filter(pk=attendance.pk).update(left_at=timezone.now() - dt.timedelta(minutes=29))

    assert actions.end_idle_rooms(timezone.now()) == 0
    assert fresh(session.erika).room.state == RoomState.LIVE


def test_end_idle_rooms_ends_a_room_live_too_long(session: Session, settings) -> None:
    # An attendance left open by a worker that died must not keep the room live for ever.
    settings.ROOM_MAX_LIVE_HOURS = 12
    _started(session.room, dt.timedelta(hours=13))
    actions.join(session.erika, "dead-worker")

    assert actions.end_idle_rooms(timezone.now()) == 1
    assert fresh(session.erika).room.state == RoomState.ENDED
    assert not Attendance.objects.filter(left_at__isnull=True).exists()
    assert audited("room.ended")[0].data["reason"] == "too_long"


def test_end_idle_rooms_leaves_scheduled_and_ended_rooms(world, settings) -> None:
    scheduled = make_session(world, live=False)
    Room.objects.filter(pk=scheduled.room.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    ended = make_session(world)
    actions.end_room(ended.room, actor=ended.moderator)

    assert actions.end_idle_rooms(timezone.now() + dt.timedelta(days=2)) == 0
    assert fresh(scheduled.erika).room.state == RoomState.SCHEDULED
