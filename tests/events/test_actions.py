"""events.actions: state after each action, its audit entry, the room and its members, and refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from buergerbuero.audit.models import AuditEntry
from buergerbuero.core.errors import ActionError
from buergerbuero.events import tokens
from buergerbuero.events.actions import lifecycle, registrations, retention, rules
from buergerbuero.events.models import CancelledBy, Event, Registration, RegistrationMode
from buergerbuero.rooms.access import member_for_token
from buergerbuero.rooms.models import MemberRole, RoomKind, RoomMode, RoomState
from tests.events.helpers import make_event, register, soon

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_mail(monkeypatch):
    """Mails are tested in test_mails.py with a real SMTP server."""
    monkeypatch.setattr("buergerbuero.events.mails.send", lambda *a, **k: True)


def audit(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


def test_create_makes_the_room_with_moderators_and_speakers(world) -> None:
    event = make_event(world, moderators=[world.official_a], speakers=[world.official_a2], lobby=True)
    room = event.room
    assert (room.kind, room.mode, room.lobby, room.title) == (
        RoomKind.EVENT,
        RoomMode.CONFERENCE,
        True,
        event.title,
    )
    assert room.authority == world.authority and room.office == world.office_a
    roles = {m.user_id: m.role for m in room.members.all()}
    assert roles == {
        world.official_a.user_id: MemberRole.MODERATOR,
        world.official_a2.user_id: MemberRole.SPEAKER,
    }
    (entry,) = audit("event.created")
    assert entry.object_id == event.pk and entry.actor_id == world.official_a.user_id
    assert entry.authority_id == world.authority.pk
    # Only the invitation token's hash is stored; the token comes again from the salt.
    assert event.invitation_token_hash == tokens.hash_token(tokens.invitation_token(event.invitation_salt))


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"ends_at": soon() - dt.timedelta(minutes=1)}, "ends_before_start"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 51}, "capacity"),
    ],
)
def test_create_refuses_bad_details_and_leaves_nothing(world, change, code) -> None:
    with override_settings(GROUP_CONFERENCE_MAX=50), pytest.raises(ActionError) as refused:
        make_event(world, **change)
    assert refused.value.code == code
    assert not Event.objects.exists()


def test_a_webinar_may_be_bigger_than_a_conference(world) -> None:
    event = make_event(world, mode=RoomMode.WEBINAR, capacity=500)
    assert event.room.mode == RoomMode.WEBINAR


def test_moderators_of_another_authority_are_refused(world) -> None:
    with pytest.raises(ActionError) as refused:
        make_event(world, moderators=[world.other_admin])
    assert refused.value.code == "moderators"
    assert not Event.objects.exists()


def test_an_official_needs_an_office_an_admin_does_not(world) -> None:
    with pytest.raises(ActionError):
        make_event(world, office=None)
    event = make_event(world, office=None, actor=world.admin)
    assert event.office is None


def test_register_gives_a_personal_join_link_to_a_participant(world) -> None:
    event = make_event(world)
    registration = register(event)
    member = member_for_token(registrations.join_token(registration))
    assert member == registration.member
    assert member.role == MemberRole.PARTICIPANT and member.room == event.room
    assert member.display_name == "Erika Muster"
    assert rules.seats_left(event) == 19
    (entry,) = audit("event.registered")
    assert entry.data == {"event": event.pk}  # nothing personal in the audit log
    assert entry.actor_id is None


def test_in_a_webinar_registrants_are_viewers(world) -> None:
    event = make_event(world, mode=RoomMode.WEBINAR)
    assert register(event).member.role == MemberRole.VIEWER


def test_registration_is_refused_when_full_cancelled_or_over(world) -> None:
    event = make_event(world, capacity=1)
    register(event)
    with pytest.raises(ActionError) as refused:
        register(event, email="zweite@example.org")
    assert refused.value.code == "full"
    assert Registration.objects.count() == 1

    later = make_event(world)
    lifecycle.cancel_event(later, world.official_a)
    with pytest.raises(ActionError) as refused:
        register(later)
    assert refused.value.code == "cancelled"

    past = make_event(world)
    with pytest.raises(ActionError) as refused:
        register(past, now=past.ends_at + dt.timedelta(minutes=1))
    assert refused.value.code == "ended"


def test_cancel_registration_frees_the_place_and_the_link_stops(world) -> None:
    event = make_event(world, capacity=1)
    registration = register(event)
    registrations.cancel_registration(registration)
    registration.refresh_from_db()
    assert registration.cancelled_by == CancelledBy.REGISTRANT and registration.cancelled_at
    registration.member.refresh_from_db()
    assert registration.member.removed_at is not None
    assert rules.seats_left(event) == 1
    register(event, email="next@example.org")
    with pytest.raises(ActionError) as refused:
        registrations.cancel_registration(registration)
    assert refused.value.code == "not_registered"
    (entry,) = audit("event.registration_cancelled")
    assert entry.data == {"by_office": False}


def test_removal_by_the_office_is_audited_with_the_official(world) -> None:
    event = make_event(world)
    registration = registrations.cancel_registration(register(event), actor=world.official_a)
    assert registration.cancelled_by == CancelledBy.OFFICE
    (entry,) = audit("event.registration_cancelled")
    assert entry.actor_id == world.official_a.user_id


def test_a_removal_holds_for_the_event(world) -> None:
    """Removed people who register again with the same address get no new working join link."""
    from buergerbuero.rooms.actions.members import remove_member

    event = make_event(world)
    registrations.cancel_registration(register(event, email="erika@example.org"), actor=world.official_a)
    with pytest.raises(ActionError) as refused:
        register(event, email=" Erika@Example.org ")
    assert refused.value.code == "removed"
    # Removed by a moderator inside the room: the registration stands, the member is out.
    removed = register(event, name="Max", email="max@example.org")
    moderator = event.room.members.get(user_id=world.official_a.user_id)
    remove_member(removed.member, actor=moderator)
    with pytest.raises(ActionError) as refused:
        register(event, name="Max", email="max@example.org")
    assert refused.value.code == "removed"
    assert Registration.objects.filter(event=event).count() == 2
    # Cancelling oneself is no removal; another event is not barred either.
    registrations.cancel_registration(register(event, name="Ida", email="ida@example.org"))
    assert register(event, name="Ida", email="ida@example.org").is_active
    assert register(make_event(world), email="erika@example.org").is_active


def test_renewing_the_invitation_ends_the_old_link(world) -> None:
    event = make_event(world, registration=RegistrationMode.INVITATION)
    old = tokens.invitation_token(event.invitation_salt)
    assert lifecycle.event_by_invitation(old) == event
    new = lifecycle.renew_invitation(event, world.official_a)
    assert new != old
    assert lifecycle.event_by_invitation(old) is None
    assert lifecycle.event_by_invitation(new) == event
    assert lifecycle.event_by_invitation("forged" + new[6:]) is None
    assert len(audit("event.invitation_renewed")) == 1


def test_an_open_event_has_no_invitation_page(world) -> None:
    event = make_event(world)
    assert lifecycle.event_by_invitation(tokens.invitation_token(event.invitation_salt)) is None


def test_hall_link_joins_as_the_hall_and_a_new_one_replaces_it(world) -> None:
    event = make_event(world)
    first = lifecycle.make_hall_link(event, world.official_a)
    event.refresh_from_db()
    hall = member_for_token(first)
    assert hall is not None and hall.is_hall and hall.role == MemberRole.PARTICIPANT
    assert lifecycle.hall_token(event) == first
    second = lifecycle.make_hall_link(event, world.official_a)
    event.refresh_from_db()
    assert lifecycle.hall_token(event) == second
    hall.refresh_from_db()
    assert hall.removed_at is not None  # the old link no longer opens the room
    assert member_for_token(second).is_hall


def test_the_hall_speaks_in_a_webinar(world) -> None:
    event = make_event(world, mode=RoomMode.WEBINAR)
    token = lifecycle.make_hall_link(event, world.official_a)
    assert member_for_token(token).role == MemberRole.SPEAKER


def test_update_changes_event_and_room_and_roles(world) -> None:
    event = make_event(world, moderators=[world.official_a])
    start = soon(days=8)
    lifecycle.update_event(
        event,
        world.official_a,
        office=world.office_a,
        title="Neuer Titel",
        description="",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        mode=RoomMode.WEBINAR,
        lobby=True,
        registration=RegistrationMode.INVITATION,
        capacity=100,
        moderators=[world.official_a2],
        speakers=[],
    )
    event.refresh_from_db()
    event.room.refresh_from_db()
    assert (event.title, event.capacity, event.mode) == ("Neuer Titel", 100, RoomMode.WEBINAR)
    assert (event.room.title, event.room.mode, event.room.lobby) == ("Neuer Titel", RoomMode.WEBINAR, True)
    roles = {m.user_id: m.role for m in event.room.members.all()}
    assert roles[world.official_a2.user_id] == MemberRole.MODERATOR
    assert roles[world.official_a.user_id] == MemberRole.VIEWER  # dropped: may watch, not moderate
    (entry,) = audit("event.changed")
    assert entry.data == {"calendar": True}


def test_update_refuses_a_capacity_below_the_registrations_and_a_mode_change(world) -> None:
    event = make_event(world)
    register(event)
    register(event, email="b@example.org")
    fields = {
        "office": world.office_a,
        "title": event.title,
        "description": "",
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "mode": RoomMode.CONFERENCE,
        "lobby": False,
        "registration": RegistrationMode.OPEN,
        "capacity": 1,
        "moderators": [],
        "speakers": [],
    }
    with pytest.raises(ActionError) as refused:
        lifecycle.update_event(event, world.official_a, **fields)
    assert refused.value.code == "capacity"
    with pytest.raises(ActionError) as refused:
        lifecycle.update_event(
            event, world.official_a, **{**fields, "capacity": 20, "mode": RoomMode.WEBINAR}
        )
    assert refused.value.code == "mode"
    event.refresh_from_db()
    assert event.capacity == 20


def test_cancel_event_once_and_a_live_room_ends(world) -> None:
    event = make_event(world)
    lifecycle.start_event(event, world.official_a)
    event.room.refresh_from_db()
    assert event.room.state == RoomState.LIVE
    lifecycle.cancel_event(event, world.official_a, "Krankheit")
    event.refresh_from_db()
    event.room.refresh_from_db()
    assert event.is_cancelled and event.cancel_message == "Krankheit"
    assert event.room.state == RoomState.ENDED
    with pytest.raises(ActionError) as refused:
        lifecycle.cancel_event(event, world.official_a)
    assert refused.value.code == "cancelled"
    with pytest.raises(ActionError):
        lifecycle.start_event(event, world.official_a)


def test_start_twice_leaves_the_room_live(world) -> None:
    event = make_event(world)
    lifecycle.start_event(event, world.official_a)
    lifecycle.start_event(event, world.official_a)
    event.room.refresh_from_db()
    assert event.room.state == RoomState.LIVE
    assert len(audit("event.started")) == 1


def test_delete_personal_data_of_past_events_keeps_the_counts(world) -> None:
    past = make_event(world)
    kept = make_event(world, starts_at=soon(days=30))
    old = register(past)
    new = register(kept)
    cutoff = past.ends_at + dt.timedelta(days=1)
    assert retention.delete_personal_data(cutoff) == 1
    assert retention.delete_personal_data(cutoff) == 0
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.name, old.email, old.join_link_sealed) == ("", "", "")
    assert old.personal_data_deleted_at is not None
    assert new.name == "Erika Muster"
    assert past.registrations.count() == 1
