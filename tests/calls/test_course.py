"""calls.actions.course: a running consultation hung up, the citizen sent back or transferred."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from buergerbuero.calls.actions.admission import admit, citizen_joined
from buergerbuero.calls.actions.course import hang_up, send_back, transfer
from buergerbuero.calls.models import EndReason
from buergerbuero.core import groups
from buergerbuero.waitingroom.actions import (
    connection_closed,
    connection_opened,
    expire_stale,
    get_ticket_by_token,
)
from buergerbuero.waitingroom.models import TicketState
from buergerbuero.waitingroom.selectors import waiting_tickets
from tests.calls.conftest import code_of
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db


def test_hang_up_by_official(world, office, events) -> None:
    ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    citizen_joined(ticket)
    events.sent.clear()
    hang_up(consultation, world.official_a)
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.DONE
    assert consultation.end_reason == EndReason.HANGUP_OFFICIAL
    assert not consultation.participants.filter(left_at__isnull=True).exists()
    assert events.of(groups.consultation(consultation.pk))[-1] == {
        "type": "consultation.ended",
        "consultation": consultation.pk,
        "reason": "hangup_official",
    }
    assert events.of(groups.ticket(ticket.pk))[0]["reason"] == "done"
    assert code_of(hang_up, consultation, world.official_a) == "ended"
    # The official is free for the next citizen.
    enter(office)
    admit(world.official_a, office)


def test_hang_up_by_citizen_before_joining(world, office) -> None:
    ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    hang_up(consultation, None)
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert (ticket.state, consultation.end_reason) == (TicketState.LEFT, EndReason.HANGUP_CITIZEN)


def test_hang_up_by_citizen_after_joining(world, office) -> None:
    ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    citizen_joined(ticket)
    hang_up(consultation, None)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DONE


def test_send_back_first_in_line(world, office, events) -> None:
    a, _ = enter(office, "A")
    b, _ = enter(office, "B")
    c, _ = enter(office, "C")
    consultation = admit(world.official_a, office, b.pk)
    citizen_joined(b)
    events.sent.clear()
    send_back(consultation, world.official_a)
    b.refresh_from_db()
    consultation.refresh_from_db()
    assert (b.state, b.priority, b.returned) == (TicketState.WAITING, 1, True)
    assert consultation.end_reason == EndReason.SENT_BACK
    assert [t.pk for t in waiting_tickets(office)] == [b.pk, a.pk, c.pk]
    assert events.of(groups.ticket(b.pk))[0]["reason"] == "returned"
    assert [e["op"] for e in events.of(groups.office_queue(office.pk)) if e["type"] == "queue.delta"] == [
        "add"
    ]
    # A second one sent back queues behind the first, in arrival order.
    consultation = admit(world.official_a, office, c.pk)
    send_back(consultation, world.official_a)
    assert [t.pk for t in waiting_tickets(office)] == [b.pk, c.pk, a.pk]


def test_transfer_keeps_arrival_time_and_moves_the_token(world, office, events) -> None:
    open_(world.official_b, world.office_b)
    ticket, token = enter(office, "Erika", "Heizung")
    consultation = admit(world.official_a, office)
    citizen_joined(ticket)
    later, _ = enter(world.office_b, "Später")
    events.sent.clear()

    new = transfer(consultation, world.official_a, world.office_b, " Bitte Förderung prüfen ")
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.TRANSFERRED and ticket.token_hash is None
    assert consultation.end_reason == EndReason.TRANSFERRED
    assert (new.office_id, new.state, new.enqueued_at) == (
        world.office_b.pk,
        TicketState.WAITING,
        ticket.enqueued_at,
    )
    assert (new.display_name, new.concern, new.transfer_note) == (
        "Erika",
        "Heizung",
        "Bitte Förderung prüfen",
    )
    assert new.transferred_from_id == ticket.pk
    assert get_ticket_by_token(token) == new
    assert [t.pk for t in waiting_tickets(world.office_b)] == [new.pk, later.pk]
    assert events.of(groups.ticket(ticket.pk))[0]["reason"] == "transferred"
    assert [
        e["op"] for e in events.of(groups.office_queue(world.office_b.pk)) if e["type"] == "queue.delta"
    ] == ["add"]
    listing = next(
        e for e in events.of(groups.office_staff(world.office_b.pk)) if e["type"] == "office.queue"
    )["entries"]
    assert listing[0]["transferred_from"] == office.name


def test_transfer_of_a_citizen_whose_page_is_gone_still_expires(world, office, settings) -> None:
    settings.WAITING_GRACE_SECONDS = 60
    open_(world.official_b, world.office_b)
    ticket, _ = enter(office)
    connection_opened(ticket, "p")
    consultation = admit(world.official_a, office)
    citizen_joined(ticket)
    connection_closed(ticket, "p")
    new = transfer(consultation, world.official_a, world.office_b, "")
    assert expire_stale(now=timezone.now() + timedelta(seconds=61)) == 1
    new.refresh_from_db()
    assert new.state == TicketState.EXPIRED


def test_transfer_refusals(world, office) -> None:
    enter(office)
    consultation = admit(world.official_a, office)
    assert code_of(transfer, consultation, world.official_a, world.office_b, "") == "target_closed"
    assert code_of(transfer, consultation, world.official_a, office, "") == "invalid_target"
    assert code_of(transfer, consultation, world.official_a, world.other_office, "") == "invalid_target"
    consultation.refresh_from_db()
    assert consultation.ended_at is None
