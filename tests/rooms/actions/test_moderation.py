"""rooms.actions.moderation: hands, the right to speak, roles, hard mutes.

The state after each action, its audit entry, its events, who may do it, bad input."""

from __future__ import annotations

import pytest

from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms.actions import activity, lifecycle, members, moderation
from buergerbuero.rooms.models import (
    MemberRole,
)
from tests.rooms.conftest import Session, audited, fresh, make_session

pytestmark = pytest.mark.django_db


def test_hands_form_a_queue_in_order_of_raising(session: Session, events) -> None:
    members.join(session.erika, "c1")
    members.join(session.max, "c2")
    moderation.raise_hand(session.max)
    moderation.raise_hand(session.erika)
    moderation.raise_hand(session.max)  # again: keeps its place
    hands = [e for e in events.of(groups.room(session.room.pk)) if e["type"] == "room.hands"]
    assert hands[-1]["hands"] == [session.max.pk, session.erika.pk]
    assert len(audited("room.hand_raised")) == 2
    moderation.lower_hand(session.max, actor=session.max)
    hands = [e for e in events.of(groups.room(session.room.pk)) if e["type"] == "room.hands"]
    assert hands[-1]["hands"] == [session.erika.pk]


def test_only_moderators_lower_other_hands(session: Session) -> None:
    moderation.raise_hand(session.erika)
    with pytest.raises(ActionError) as err:
        moderation.lower_hand(session.erika, actor=session.max)
    assert err.value.code == "forbidden"
    moderation.lower_hand(session.erika, actor=session.moderator)
    assert fresh(session.erika).hand_raised_at is None


def test_lower_all_hands(session: Session, events) -> None:
    moderation.raise_hand(session.erika)
    moderation.raise_hand(session.max)
    assert moderation.lower_all_hands(session.room, actor=session.moderator) == 2
    assert fresh(session.erika).hand_raised_at is None and fresh(session.max).hand_raised_at is None
    assert events.of(groups.room(session.room.pk))[-1] == {
        "type": "room.hands",
        "room": session.room.pk,
        "hands": [],
    }
    assert audited("room.hands_lowered")[0].data["count"] == 2
    with pytest.raises(ActionError):
        moderation.lower_all_hands(session.room, actor=session.erika)


def test_grant_and_revoke_speak(world, events) -> None:
    s = make_session(world)
    s.room.mode = "webinar"
    s.room.save()
    erika = fresh(s.erika)
    moderation.raise_hand(erika)
    moderation.grant_speak(erika, actor=s.moderator)
    erika = fresh(erika)
    assert erika.may_speak and erika.hand_raised_at is None
    member_event = [e for e in events.of(groups.room(s.room.pk)) if e["type"] == "room.member"][-1]
    assert member_event["permissions"] is True and member_event["member"]["may_publish"] is True
    assert audited("room.speak_granted")
    moderation.revoke_speak(erika, actor=s.moderator)
    erika = fresh(erika)
    assert not erika.may_speak
    member_event = [e for e in events.of(groups.room(s.room.pk)) if e["type"] == "room.member"][-1]
    assert member_event["member"]["may_publish"] is False
    with pytest.raises(ActionError):
        moderation.grant_speak(s.max, actor=erika)


def test_promote_and_demote(session: Session) -> None:
    moderation.promote(session.erika, actor=session.moderator)
    assert fresh(session.erika).role == MemberRole.SPEAKER
    moderation.demote(session.erika, actor=session.moderator)
    assert fresh(session.erika).role == MemberRole.PARTICIPANT
    assert audited("room.promoted") and audited("room.demoted")
    with pytest.raises(ActionError) as err:
        moderation.demote(session.moderator, actor=session.moderator)
    assert err.value.code == "is_moderator"
    with pytest.raises(ActionError) as err:
        moderation.promote(session.max, actor=session.erika)
    assert err.value.code == "forbidden"


def test_mute_member_stop_video_and_lift_mute(session: Session, events) -> None:
    moderation.mute_member(session.erika, actor=session.moderator)
    moderation.stop_video(session.erika, actor=session.moderator)
    erika = fresh(session.erika)
    assert erika.audio_muted and erika.video_stopped
    assert audited("room.muted") and audited("room.video_stopped")
    # A hard mute: the member cannot lift it, only a moderator.
    assert not any(hasattr(module, "unmute_self") for module in (activity, lifecycle, members, moderation))
    with pytest.raises(ActionError) as err:
        moderation.lift_mute(erika, "audio", actor=erika)
    assert err.value.code == "forbidden"
    assert fresh(erika).audio_muted
    before = len(events.sent)
    moderation.lift_mute(erika, "audio", actor=session.moderator)
    assert not fresh(erika).audio_muted and fresh(erika).video_stopped
    assert audited("room.unmuted")
    assert [e["permissions"] for _g, e in events.sent[before:] if e["type"] == "room.member"] == [True]
    moderation.lift_mute(erika, "video", actor=session.moderator)
    assert not fresh(erika).video_stopped and audited("room.video_allowed")
    for kind in ("smell", None, 1):
        with pytest.raises(ActionError) as err:
            moderation.lift_mute(erika, kind, actor=session.moderator)  # type: ignore[arg-type]
        assert err.value.code == "invalid"
    with pytest.raises(ActionError):
        moderation.mute_member(session.max, actor=session.erika)
    assert not fresh(session.max).audio_muted


def test_mute_all_spares_moderators(session: Session, events) -> None:
    assert moderation.mute_all(session.room, actor=session.moderator) == 2
    assert fresh(session.erika).audio_muted and fresh(session.max).audio_muted
    assert not fresh(session.moderator).audio_muted
    event = events.of(groups.room(session.room.pk))[-1]
    assert event["type"] == "room.members" and event["permissions"] is True
    assert audited("room.muted_all")[0].data["count"] == 2
    with pytest.raises(ActionError):
        moderation.mute_all(session.room, actor=session.erika)


def test_moderator_of_another_room_cannot_act_here(world, session: Session) -> None:
    other = make_session(world)
    with pytest.raises(ActionError) as err:
        moderation.mute_member(session.erika, actor=other.moderator)
    assert err.value.code == "forbidden"
    with pytest.raises(ActionError) as err:
        lifecycle.lock(session.room, actor=other.moderator)
    assert err.value.code == "forbidden"
