"""rooms.actions.activity: the chat, presence checks, the stage.

The state after each action, its audit entry, its events, who may do it, bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms.actions import activity
from buergerbuero.rooms.models import (
    ChatMessage,
    PresenceAnswer,
)
from tests.rooms.conftest import Session, audited, make_session

pytestmark = pytest.mark.django_db


def test_send_chat_and_delete(session: Session, events, settings) -> None:
    message = activity.send_chat(session.erika, "  Eine Frage zu Folie 3  ")
    assert message.text == "Eine Frage zu Folie 3"
    event = events.of(groups.room(session.room.pk))[-1]
    assert event["type"] == "room.chat" and event["message"]["name"] == "Erika Muster"
    entry = audited("room.chat_sent")[0]
    assert "Folie" not in str(entry.data)
    with pytest.raises(ActionError):
        activity.delete_chat(message, actor=session.max)
    activity.delete_chat(message, actor=session.moderator)
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
        activity.send_chat(session.erika, text)
    assert err.value.code == code
    assert not ChatMessage.objects.exists()


def test_chat_refused_in_the_lobby(world) -> None:
    s = make_session(world, lobby=True)
    with pytest.raises(ActionError) as err:
        activity.send_chat(s.erika, "Hallo")
    assert err.value.code == "in_lobby"


def test_presence_check_answers_in_time_only(session: Session, events) -> None:
    check = activity.start_presence_check(session.room, 30, actor=session.moderator)
    assert (check.deadline_at - check.sent_at) == dt.timedelta(seconds=30)
    event = events.of(groups.room(session.room.pk))[-1]
    assert event["type"] == "room.presence_check" and event["seconds"] == 30
    answer = activity.answer_presence_check(check, session.erika)
    again = activity.answer_presence_check(check, session.erika)
    assert again.pk == answer.pk and PresenceAnswer.objects.count() == 1
    assert events.of(groups.room(session.room.pk))[-1]["type"] == "room.presence_answer"
    check.deadline_at = timezone.now() - dt.timedelta(seconds=1)
    check.save()
    with pytest.raises(ActionError) as err:
        activity.answer_presence_check(check, session.max)
    assert err.value.code == "too_late"
    assert PresenceAnswer.objects.count() == 1
    assert audited("room.presence_check") and audited("room.presence_answered")


@pytest.mark.parametrize("seconds", [0, 5, 601, True, "30", None])
def test_presence_check_bad_duration(session: Session, seconds) -> None:
    with pytest.raises(ActionError) as err:
        activity.start_presence_check(session.room, seconds, actor=session.moderator)
    assert err.value.code == "invalid"


def test_presence_check_rules(world, session: Session) -> None:
    with pytest.raises(ActionError) as err:
        activity.start_presence_check(session.room, 30, actor=session.erika)
    assert err.value.code == "forbidden"
    check = activity.start_presence_check(session.room, 30, actor=session.moderator)
    with pytest.raises(ActionError) as err:
        activity.start_presence_check(session.room, 30, actor=session.moderator)
    assert err.value.code == "check_running"
    other = make_session(world)
    with pytest.raises(ActionError) as err:
        activity.answer_presence_check(check, other.erika)
    assert err.value.code == "no_check"
    scheduled = make_session(world, live=False)
    with pytest.raises(ActionError) as err:
        activity.start_presence_check(scheduled.room, 30, actor=scheduled.moderator)
    assert err.value.code == "not_live"


def test_set_stage(session: Session, events) -> None:
    stage = {"kind": "material", "url": "/media/folien.pdf", "title": "Folien", "page": 2}
    activity.set_stage(session.room, stage, session.moderator)
    session.room.refresh_from_db()
    assert session.room.stage == stage
    assert events.of(groups.room(session.room.pk))[-1] == {
        "type": "room.stage",
        "room": session.room.pk,
        "stage": stage,
    }
    activity.set_stage(session.room, {"kind": "screen"}, session.moderator)
    session.room.refresh_from_db()
    assert session.room.stage == {"kind": "screen", "member": session.moderator.pk}
    activity.set_stage(session.room, {}, session.moderator)
    session.room.refresh_from_db()
    assert session.room.stage == {}
    assert len(audited("room.stage_set")) == 3
    with pytest.raises(ActionError) as err:
        activity.set_stage(session.room, {}, session.erika)
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
        activity.set_stage(session.room, stage, session.moderator)
    assert err.value.code == "invalid"
    session.room.refresh_from_db()
    assert session.room.stage == {}
