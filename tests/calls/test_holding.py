"""calls.actions.holding: which page holds the call (hold_call, release_call, hold_citizen_call)."""

from __future__ import annotations

import pytest

from buergerbuero.audit.models import AuditEntry
from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.colleagues import invite_colleague
from buergerbuero.calls.actions.course import hang_up
from buergerbuero.calls.actions.holding import hold_call, hold_citizen_call, release_call
from buergerbuero.calls.models import Participant, ParticipantRole
from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from tests.calls.conftest import code_of
from tests.conftest import enter

pytestmark = pytest.mark.django_db


def official_of(consultation) -> Participant:
    return consultation.participants.get(role=ParticipantRole.OFFICIAL)


def moved_events(events, consultation) -> list[dict]:
    return [e for e in events.of(groups.consultation(consultation.pk)) if e["type"] == "consultation.moved"]


def test_the_admitting_page_holds_the_call(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office, page="page-one-1")
    official = official_of(consultation)
    events.sent.clear()
    # Its socket writes down its connection; nobody needs to hear of that.
    assert hold_call(official.pk, world.official_a, "page-one-1", "conn-1") == "held"
    official.refresh_from_db()
    assert (official.call_page, official.call_connection) == ("page-one-1", "conn-1")
    assert events.sent == []
    # Another page of the same official does not get it by itself, and changes nothing.
    assert hold_call(official.pk, world.official_a, "page-two-1", "conn-2") == "elsewhere"
    official.refresh_from_db()
    assert (official.call_page, official.call_connection) == ("page-one-1", "conn-1")
    assert events.sent == []


def test_taking_over_is_announced_and_audited(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office, page="page-one-1")
    official = official_of(consultation)
    hold_call(official.pk, world.official_a, "page-one-1", "conn-1")
    events.sent.clear()
    assert hold_call(official.pk, world.official_a, "page-two-1", "conn-2", take_over=True) == "taken"
    official.refresh_from_db()
    assert (official.call_page, official.call_connection) == ("page-two-1", "conn-2")
    assert events.sent == [
        (
            groups.consultation(consultation.pk),
            {
                "type": "consultation.moved",
                "consultation": consultation.pk,
                "participant": official.pk,
                "page": "page-two-1",
                "connection": "conn-2",
                "reset": True,
            },
        )
    ]
    entry = AuditEntry.objects.filter(action="consultation.call_moved").get()
    assert (entry.actor_id, entry.object_id, entry.data) == (
        world.official_a.user_id,
        consultation.pk,
        {"participant": official.pk, "taken_over": True},
    )


def test_reload_and_reconnect(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office, page="page-one-1")
    official = official_of(consultation)
    hold_call(official.pk, world.official_a, "page-one-1", "conn-1")
    events.sent.clear()
    # A new socket of the same page: the old one lets go, the peer connections stay.
    assert hold_call(official.pk, world.official_a, "page-one-1", "conn-2") == "reconnected"
    assert [e["reset"] for e in moved_events(events, consultation)] == [False]
    # The tab reloaded: the new page names the old one and gets the call back without asking.
    events.sent.clear()
    assert hold_call(official.pk, world.official_a, "page-one-2", "conn-3", previous="page-one-1") == "taken"
    assert [e["reset"] for e in moved_events(events, consultation)] == [True]
    assert AuditEntry.objects.filter(action="consultation.call_moved").count() == 1


def test_a_closed_page_lets_go(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office, page="page-one-1")
    official = official_of(consultation)
    hold_call(official.pk, world.official_a, "page-one-1", "conn-1")
    release_call(official.pk, "conn-other")  # not the holding socket: nothing happens
    official.refresh_from_db()
    assert official.call_connection == "conn-1"
    release_call(official.pk, "conn-1")
    official.refresh_from_db()
    assert (official.call_page, official.call_connection) == ("page-one-1", "")
    events.sent.clear()
    assert hold_call(official.pk, world.official_a, "page-two-1", "conn-2") == "unheld"
    assert events.sent == []
    # The same tab comes back: its call, no new peer connections needed.
    assert hold_call(official.pk, world.official_a, "page-one-1", "conn-3") == "held"


def test_a_call_admitted_without_a_page_goes_to_the_first_page(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office)
    official = official_of(consultation)
    events.sent.clear()
    assert hold_call(official.pk, world.official_a, "page-one-1", "conn-1") == "held"
    assert hold_call(official.pk, world.official_a, "page-two-1", "conn-2") == "elsewhere"
    assert events.sent == []


def test_nobody_else_holds_an_officials_call(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office, page="page-one-1")
    official = official_of(consultation)
    citizen = consultation.participants.get(role=ParticipantRole.CITIZEN)
    invited = invite_colleague(consultation, world.official_a, world.official_b)
    events.sent.clear()
    for staff, participant in [
        (world.official_a2, official),  # a colleague of the same office
        (world.other_admin, official),  # another authority
        (world.official_a, citizen),  # the citizen's participant
        (world.official_b, invited),  # invited, not yet joined
    ]:
        for take_over in (False, True):
            with pytest.raises(ActionError) as exc:
                hold_call(participant.pk, staff, "page-x-0001", "conn-x", take_over=take_over)
            assert exc.value.code == "not_participant"
    assert code_of(hold_call, 424242, world.official_a, "page-x-0001", "conn-x") == "not_participant"
    official.refresh_from_db()
    assert official.call_page == "page-one-1"
    assert events.sent == []
    hang_up(consultation, world.official_a)
    assert code_of(hold_call, official.pk, world.official_a, "page-one-1", "conn-1") == "ended"


def test_hold_citizen_call_tells_a_reload_from_a_reconnect(world, office, events) -> None:
    """The first page recorded and the same page again announce nothing; another page load of the
    citizen (a reload) has the others connect afresh; after the call nothing changes."""
    enter(office)
    consultation = admit(world.official_a, office)
    citizen = consultation.participants.get(role=ParticipantRole.CITIZEN)
    events.sent.clear()
    assert hold_citizen_call(citizen.pk, "page-one-1") is False
    assert hold_citizen_call(citizen.pk, "page-one-1") is False
    assert events.of(groups.consultation(consultation.pk)) == []
    assert hold_citizen_call(citizen.pk, "page-two-2") is True
    assert events.of(groups.consultation(consultation.pk)) == [
        {
            "type": "consultation.moved",
            "consultation": consultation.pk,
            "participant": citizen.pk,
            "page": "page-two-2",
            "connection": "",
            "reset": True,
        }
    ]
    entry = AuditEntry.objects.filter(action="consultation.call_moved").get()
    assert entry.actor_id is None and entry.data == {"participant": citizen.pk, "taken_over": False}
    # Only the citizen's participant; an official's page is hold_call's business.
    official = consultation.participants.get(role=ParticipantRole.OFFICIAL)
    assert hold_citizen_call(official.pk, "page-three") is False
    hang_up(consultation, world.official_a)
    events.sent.clear()
    assert hold_citizen_call(citizen.pk, "page-four-4") is False
    assert events.of(groups.consultation(consultation.pk)) == []
    citizen.refresh_from_db()
    assert citizen.call_page == "page-two-2"
