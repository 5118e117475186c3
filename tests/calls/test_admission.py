"""calls.actions.admission: letting a waiting citizen in, the citizen joining, leaving before the call
connected, or never coming."""

from __future__ import annotations

from datetime import timedelta

import pytest

from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities.models import Availability
from buergerbuero.calls.actions.admission import admit, citizen_joined, citizen_leaves, expire_invitations
from buergerbuero.calls.models import Consultation, EndReason, ParticipantRole
from buergerbuero.core import groups
from buergerbuero.offices.actions import set_availability
from buergerbuero.waitingroom.actions import (
    connection_opened,
)
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition
from buergerbuero.waitingroom.selectors import position
from tests.calls.conftest import code_of
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db


def test_admit_next(world, office, events) -> None:
    first, _ = enter(office, "Erste")
    second, _ = enter(office, "Zweite")
    events.sent.clear()
    consultation = admit(world.official_a, office)
    first.refresh_from_db()
    assert consultation.ticket_id == first.pk and first.state == TicketState.INVITED
    roles = list(consultation.participants.values_list("role", "staff_id", "joined_at"))
    assert [(r, s) for r, s, _ in roles] == [
        (ParticipantRole.OFFICIAL, world.official_a.pk),
        (ParticipantRole.CITIZEN, None),
    ]
    assert roles[0][2] is not None and roles[1][2] is None
    official, citizen = consultation.participants.order_by("id")
    transition = TicketTransition.objects.get(ticket=first, to_state="invited")
    assert (transition.from_state, transition.actor_id) == ("waiting", world.official_a.user_id)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"ticket.invited", "consultation.started"} <= actions
    assert events.of(groups.ticket(first.pk)) == [
        {
            "type": "ticket.state",
            "ticket": first.pk,
            "state": "invited",
            "reason": "admitted",
            "message": "",
            "consultation": consultation.pk,
            # The citizen's call.start (without ICE), so the page's call starts without a query.
            "call": {
                "type": "call.start",
                "consultation": consultation.pk,
                "me": citizen.pk,
                "role": "citizen",
                "office": office.name,
                "participants": [
                    {"id": official.pk, "role": "official", "name": "Anna Amsel", "joined": True},
                    {"id": citizen.pk, "role": "citizen", "name": "Erste", "joined": False},
                ],
            },
        }
    ]
    assert events.of(groups.office_queue(office.pk))[0]["op"] == "remove"
    assert events.of(groups.staff(world.official_a.pk)) == [
        {
            "type": "staff.consultation",
            "consultation": consultation.pk,
            "participant": official.pk,
            # Admitted without a page (no script): the first page of the official to claim it holds it.
            "page": "",
            "call": {
                "type": "call.start",
                "consultation": consultation.pk,
                "me": official.pk,
                "role": "official",
                "office": office.name,
                "participants": [
                    {"id": official.pk, "role": "official", "name": "Anna Amsel", "joined": True},
                    {"id": citizen.pk, "role": "citizen", "name": "Erste", "joined": False},
                ],
            },
        }
    ]
    assert events.of(groups.consultation(consultation.pk))[0]["type"] == "consultation.participants"
    assert position(second) == 1


def test_admit_chosen(world, office) -> None:
    enter(office, "Erste")
    second, _ = enter(office, "Zweite")
    assert admit(world.official_a, office, second.pk).ticket_id == second.pk


def test_admit_chosen_from_another_office(world, office) -> None:
    open_(world.official_b, world.office_b)
    foreign, _ = enter(world.office_b)
    assert code_of(admit, world.official_a, office, foreign.pk) == "not_waiting"
    foreign.refresh_from_db()
    assert foreign.state == TicketState.WAITING


def test_admit_refusals(world, office, events) -> None:
    assert code_of(admit, world.official_a, office) == "queue_empty"
    enter(office)
    enter(office)
    assert code_of(admit, world.official_b, office) == "not_present"
    admit(world.official_a, office)
    assert code_of(admit, world.official_a, office) == "busy"
    set_availability(world.official_a2, Availability.BREAK)
    assert code_of(admit, world.official_a2, office) == "on_break"
    assert Consultation.objects.count() == 1


def test_admit_someone_no_longer_waiting(world, office) -> None:
    ticket, _ = enter(office)
    admit(world.official_a, office, ticket.pk)
    assert code_of(admit, world.official_a2, office, ticket.pk) == "not_waiting"


def test_citizen_joins(world, office, events) -> None:
    ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    events.sent.clear()
    citizen_joined(ticket)
    citizen_joined(ticket)  # a reload rejoins without a second transition
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.IN_CONSULTATION and consultation.connected_at
    assert consultation.participants.get(role="citizen").joined_at is not None
    assert TicketTransition.objects.filter(ticket=ticket, to_state="in_consultation").count() == 1
    assert [e["reason"] for e in events.of(groups.ticket(ticket.pk))] == ["joined"]


def test_citizen_joins_without_consultation(office) -> None:
    ticket, _ = enter(office)
    assert code_of(citizen_joined, ticket) == "no_consultation"


def test_leave_after_admission_ends_the_consultation(world, office, events) -> None:
    ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    events.sent.clear()
    citizen_leaves(ticket)
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.LEFT
    assert consultation.end_reason == EndReason.HANGUP_CITIZEN and consultation.ended_at
    assert events.of(groups.staff(world.official_a.pk)) == [
        {"type": "staff.consultation", "consultation": None}
    ]
    assert "queue.delta" not in events.types()


def test_invite_timeout(world, office, settings, events) -> None:
    settings.INVITE_TIMEOUT_SECONDS = 90
    ticket, _ = enter(office)
    connection_opened(ticket, "p")
    consultation = admit(world.official_a, office)
    invited_at = Ticket.objects.get(pk=ticket.pk).state_changed_at
    assert expire_invitations(now=invited_at + timedelta(seconds=89)) == 0
    events.sent.clear()
    assert expire_invitations(now=invited_at + timedelta(seconds=91)) == 1
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.EXPIRED
    assert consultation.end_reason == EndReason.NO_SHOW
    assert events.of(groups.consultation(consultation.pk))[-1]["type"] == "consultation.ended"
    assert events.of(groups.staff(world.official_a.pk)) == [
        {"type": "staff.consultation", "consultation": None}
    ]
    # The official is free again.
    enter(office)
    admit(world.official_a, office)
