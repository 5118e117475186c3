"""Nobody waits in a call for someone who has gone (calls.actions.liveness.end_gone_participants): an
official, colleague or citizen whose page has been gone for longer than CALL_GRACE_SECONDS loses their part in
the call; a page that comes back in time keeps it. The clock is moved explicitly (``now``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from buergerbuero.audit.models import AuditEntry
from buergerbuero.calls.actions.admission import admit, citizen_joined
from buergerbuero.calls.actions.colleagues import answer_invitation, invite_colleague
from buergerbuero.calls.actions.holding import hold_call, release_call
from buergerbuero.calls.actions.liveness import end_gone_participants
from buergerbuero.calls.models import Consultation, EndReason, Participant, ParticipantRole
from buergerbuero.core import groups
from buergerbuero.offices.models import Presence
from buergerbuero.waitingroom.actions import connection_closed, connection_opened
from buergerbuero.waitingroom.models import Ticket, TicketState
from buergerbuero.waitingroom.selectors import waiting_tickets
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db

GRACE = 30


@pytest.fixture(autouse=True)
def _grace(settings) -> None:
    settings.CALL_GRACE_SECONDS = GRACE


def official_of(consultation: Consultation) -> Participant:
    return consultation.participants.get(role=ParticipantRole.OFFICIAL)


def running_call(world, office, page: str = "page-anna-1", connection: str = "conn-1"):
    """Anna admits the second of two waiting citizens; her page's socket holds the call; the citizen
    joined."""
    first, _ = enter(office, "Erste")
    ticket, _token = enter(office, "Zweite")
    connection_opened(ticket, "citizen-conn")
    consultation = admit(world.official_a, office, ticket.pk, page=page)
    hold_call(official_of(consultation).pk, world.official_a, page, connection)
    citizen_joined(ticket)
    return consultation, ticket, first


def test_official_gone_past_the_grace_puts_the_citizen_first_in_line(world, office, events) -> None:
    consultation, ticket, first = running_call(world, office)
    official = official_of(consultation)
    gone_at = timezone.now()
    release_call(official.pk, "conn-1", now=gone_at)
    events.sent.clear()

    assert end_gone_participants(gone_at + timedelta(seconds=GRACE + 1)) == 1

    consultation.refresh_from_db()
    ticket.refresh_from_db()
    official.refresh_from_db()
    assert consultation.end_reason == EndReason.OFFICIAL_GONE and consultation.ended_at is not None
    assert official.left_at is not None
    assert (ticket.state, ticket.priority, ticket.returned) == (TicketState.WAITING, 1, True)
    assert [t.pk for t in waiting_tickets(office)] == [ticket.pk, first.pk]
    entry = AuditEntry.objects.get(action="consultation.ended", object_id=consultation.pk)
    assert (entry.actor_id, entry.data["reason"]) == (None, "official_gone")
    # Alex is still attending the office: the citizen just waits for the next free official.
    assert [e["reason"] for e in events.of(groups.ticket(ticket.pk))] == ["official_gone"]
    assert events.of(groups.consultation(consultation.pk)) == [
        {"type": "consultation.ended", "consultation": consultation.pk, "reason": "official_gone"}
    ]
    assert {"type": "staff.consultation", "consultation": None} in events.of(
        groups.staff(world.official_a.pk)
    )
    queue = [e for e in events.of(groups.office_queue(office.pk)) if e["type"] == "queue.delta"]
    assert [e["op"] for e in queue] == ["add"]
    # The office is no longer busy because of a call nobody is in.
    states = [e for e in events.of(groups.office_staff(office.pk)) if e["type"] == "office.state"]
    assert states[-1]["officials_free"] == 2


def test_official_gone_within_the_grace_keeps_the_call(world, office) -> None:
    consultation, ticket, _first = running_call(world, office)
    gone_at = timezone.now()
    release_call(official_of(consultation).pk, "conn-1", now=gone_at)

    assert end_gone_participants(gone_at + timedelta(seconds=GRACE - 1)) == 0

    consultation.refresh_from_db()
    ticket.refresh_from_db()
    assert consultation.ended_at is None and ticket.state == TicketState.IN_CONSULTATION


@pytest.mark.parametrize(
    ("page", "previous", "take_over"),
    [("page-anna-1", "", False), ("page-anna-2", "page-anna-1", False), ("page-anna-3", "", True)],
    ids=["socket reconnects", "tab reloads", "another tab takes over"],
)
def test_official_back_in_time_keeps_the_call(world, office, page, previous, take_over) -> None:
    consultation, _ticket, _first = running_call(world, office)
    official = official_of(consultation)
    gone_at = timezone.now()
    release_call(official.pk, "conn-1", now=gone_at)
    outcome = hold_call(official.pk, world.official_a, page, "conn-2", previous=previous, take_over=take_over)
    assert outcome in ("held", "reconnected", "taken")

    assert end_gone_participants(gone_at + timedelta(seconds=GRACE + 60)) == 0

    consultation.refresh_from_db()
    assert consultation.ended_at is None
    official.refresh_from_db()
    assert official.connection_lost_at is None


def test_a_page_that_only_looks_does_not_keep_the_call(world, office) -> None:
    """Another tab that shows "running in another window" without taking the call over keeps nobody
    waiting: the call still ends after the grace."""
    consultation, _ticket, _first = running_call(world, office)
    official = official_of(consultation)
    gone_at = timezone.now()
    release_call(official.pk, "conn-1", now=gone_at)
    assert hold_call(official.pk, world.official_a, "page-anna-9", "conn-9") == "unheld"

    assert end_gone_participants(gone_at + timedelta(seconds=GRACE + 1)) == 1


def test_official_gone_with_nobody_else_attending(world, events) -> None:
    office = world.office_a
    open_(world.official_a, office)
    consultation, ticket, _first = running_call(world, office)
    gone_at = timezone.now()
    release_call(official_of(consultation).pk, "conn-1", now=gone_at)
    events.sent.clear()

    end_gone_participants(gone_at + timedelta(seconds=GRACE + 1))

    ticket.refresh_from_db()
    # The place is kept (the official may come back, and closing the office tells everyone waiting);
    # the page says that nobody else is attending and what the citizen can do.
    assert (ticket.state, ticket.priority) == (TicketState.WAITING, 1)
    assert [e["reason"] for e in events.of(groups.ticket(ticket.pk))] == ["official_gone_alone"]


def test_official_gone_after_the_office_closed(world, events) -> None:
    office = world.office_a
    open_(world.official_a, office)
    consultation, ticket, _first = running_call(world, office)
    gone_at = timezone.now()
    release_call(official_of(consultation).pk, "conn-1", now=gone_at)
    Presence.objects.filter(office=office).update(ended_at=gone_at)
    events.sent.clear()

    end_gone_participants(gone_at + timedelta(seconds=GRACE + 1))

    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.EXPIRED
    assert consultation.end_reason == EndReason.OFFICIAL_GONE
    assert [e["reason"] for e in events.of(groups.ticket(ticket.pk))] == ["office_closed"]


def test_admission_no_page_ever_holds_ends_after_the_grace(world, office) -> None:
    """The page that let the citizen in died before its socket held the call."""
    ticket, _ = enter(office, "Erika")
    before = timezone.now()
    consultation = admit(world.official_a, office, ticket.pk, page="page-anna-1")

    assert end_gone_participants(before + timedelta(seconds=GRACE - 1)) == 0
    assert end_gone_participants(timezone.now() + timedelta(seconds=GRACE + 1)) == 1

    consultation.refresh_from_db()
    ticket.refresh_from_db()
    assert consultation.end_reason == EndReason.OFFICIAL_GONE and ticket.state == TicketState.WAITING


def test_colleague_gone_just_leaves(world, office, events) -> None:
    consultation, ticket, _first = running_call(world, office)
    colleague = invite_colleague(consultation, world.official_a, world.official_a2)
    answer_invitation(colleague, world.official_a2, accept=True, page="page-alex-1")
    hold_call(colleague.pk, world.official_a2, "page-alex-1", "conn-alex")
    gone_at = timezone.now()
    release_call(colleague.pk, "conn-alex", now=gone_at)
    events.sent.clear()

    assert end_gone_participants(gone_at + timedelta(seconds=GRACE + 1)) == 1

    colleague.refresh_from_db()
    consultation.refresh_from_db()
    ticket.refresh_from_db()
    assert colleague.left_at is not None
    assert consultation.ended_at is None and ticket.state == TicketState.IN_CONSULTATION
    entry = AuditEntry.objects.get(action="consultation.colleague_gone")
    assert (entry.object_id, entry.actor_id, entry.data) == (
        consultation.pk,
        None,
        {"colleague": world.official_a2.pk},
    )
    (participants,) = events.of(groups.consultation(consultation.pk))
    assert participants["type"] == "consultation.participants"
    assert colleague.pk not in {p["id"] for p in participants["participants"]}
    assert events.of(groups.staff(world.official_a2.pk)) == [
        {"type": "staff.consultation", "consultation": None}
    ]
    assert events.of(groups.ticket(ticket.pk)) == []


def test_citizen_gone_past_the_call_grace_frees_the_official(world, office, events) -> None:
    consultation, ticket, _first = running_call(world, office)
    connection_closed(ticket, "citizen-conn")
    ticket.refresh_from_db()
    assert ticket.disconnected_at is not None
    events.sent.clear()

    assert end_gone_participants(ticket.disconnected_at + timedelta(seconds=GRACE - 1)) == 0
    assert end_gone_participants(ticket.disconnected_at + timedelta(seconds=GRACE + 1)) == 1

    consultation.refresh_from_db()
    ticket.refresh_from_db()
    assert consultation.end_reason == EndReason.CITIZEN_GONE
    assert ticket.state == TicketState.DONE
    assert not Participant.objects.filter(consultation=consultation, left_at__isnull=True).exists()
    assert events.of(groups.consultation(consultation.pk)) == [
        {"type": "consultation.ended", "consultation": consultation.pk, "reason": "citizen_gone"}
    ]
    assert {"type": "staff.consultation", "consultation": None} in events.of(
        groups.staff(world.official_a.pk)
    )
    entry = AuditEntry.objects.get(action="consultation.ended", object_id=consultation.pk)
    assert entry.data["reason"] == "citizen_gone"


def test_citizen_back_in_time_keeps_the_call(world, office) -> None:
    consultation, ticket, _first = running_call(world, office)
    connection_closed(ticket, "citizen-conn")
    connection_opened(ticket, "citizen-conn-2")

    assert end_gone_participants(timezone.now() + timedelta(seconds=GRACE + 60)) == 0

    consultation.refresh_from_db()
    assert consultation.ended_at is None


def test_ended_once_when_run_twice(world, office) -> None:
    consultation, ticket, _first = running_call(world, office)
    gone_at = timezone.now()
    release_call(official_of(consultation).pk, "conn-1", now=gone_at)
    later = gone_at + timedelta(seconds=GRACE + 1)

    assert end_gone_participants(later) == 1
    assert end_gone_participants(later) == 0
    assert AuditEntry.objects.filter(action="consultation.ended").count() == 1
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.WAITING
