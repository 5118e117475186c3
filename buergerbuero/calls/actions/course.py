"""The course of a running consultation: it ends (hang-up), the citizen goes back to the waiting area or
to another office. Queue changes lock the office row first (waitingroom.actions)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.calls.events import (
    announce_ended,
    announce_staff_consultation_over,
)
from buergerbuero.calls.models import Consultation, EndReason
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.actions import lock_office
from buergerbuero.offices.events import announce_office_state
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import open_presences
from buergerbuero.waitingroom.actions import transition
from buergerbuero.waitingroom.events import announce_queue_change, announce_ticket_state
from buergerbuero.waitingroom.models import Ticket, TicketState


def close_consultation(consultation: Consultation, reason: str, actor: Staff | None) -> None:
    """End ``consultation`` for everyone still in it and announce that. The caller holds the office lock
    and has moved the ticket on."""
    now = timezone.now()
    consultation.ended_at = now
    consultation.end_reason = reason
    consultation.save(update_fields=["ended_at", "end_reason"])
    staff_ids = list(
        consultation.participants.filter(left_at__isnull=True, staff__isnull=False).values_list(
            "staff_id", flat=True
        )
    )
    consultation.participants.filter(left_at__isnull=True).update(left_at=now)
    actor_id = actor.user_id if actor else None
    record(consultation.office.authority_id, "consultation.ended", consultation, actor_id, reason=reason)
    announce_ended(consultation)
    for staff_id in staff_ids:
        announce_staff_consultation_over(staff_id)
    announce_office_state(consultation.office)


def end_active_consultation_of_ticket(ticket: Ticket, reason: str) -> None:
    """Close the running consultation of a ticket that has already moved on. Caller holds the lock."""
    consultation = (
        Consultation.objects.select_related("office").filter(ticket=ticket, ended_at__isnull=True).first()
    )
    if consultation is not None:
        close_consultation(consultation, reason, None)


def locked_active(consultation: Consultation) -> tuple[Consultation, Ticket]:
    """Lock the consultation's office and read the consultation again; it must still be running."""
    lock_office(consultation.office_id)
    consultation = Consultation.objects.select_related("office", "ticket__office").get(pk=consultation.pk)
    if consultation.ended_at is not None:
        raise ActionError("ended", _("This consultation has already ended."))
    return consultation, consultation.ticket


def hang_up(consultation: Consultation, actor: Staff | None) -> Consultation:
    """End the consultation for everyone (official, or the citizen when ``actor`` is None)."""
    with transaction.atomic():
        consultation, ticket = locked_active(consultation)
        reason = EndReason.HANGUP_OFFICIAL if actor else EndReason.HANGUP_CITIZEN
        if ticket.state in (TicketState.INVITED, TicketState.IN_CONSULTATION):
            final = TicketState.DONE if consultation.connected_at else TicketState.LEFT
            transition(ticket, final, actor)
            announce_ticket_state(ticket, reason="done" if final == TicketState.DONE else "left")
        close_consultation(consultation, reason, actor)
    return consultation


def send_back(consultation: Consultation, actor: Staff) -> Ticket:
    """Send the citizen back to the waiting area, first in line."""
    with transaction.atomic():
        consultation, ticket = locked_active(consultation)
        office = ticket.office
        ticket.priority = 1
        ticket.returned = True
        transition(ticket, TicketState.WAITING, actor)
        close_consultation(consultation, EndReason.SENT_BACK, actor)
        announce_ticket_state(ticket, reason="returned")
        announce_queue_change(office, "add", ticket)
    return ticket


def transfer(consultation: Consultation, actor: Staff, target: Office, note: str) -> Ticket:
    """Give the citizen a place in another office of the same authority, keeping their arrival time.
    The browser's token moves to the new ticket, so the citizen's page follows without a new link."""
    with transaction.atomic():
        # Both offices are locked in one order (by id): two transfers in opposite directions at the same
        # time would otherwise deadlock on PostgreSQL.
        for office_id in sorted({consultation.office_id, target.pk}):
            lock_office(office_id)
        consultation, ticket = locked_active(consultation)
        if target.authority_id != ticket.office.authority_id or target.pk == ticket.office_id:
            raise ActionError("invalid_target", _("Choose another office of your authority."))
        target = lock_office(target.pk)
        if not open_presences(target).exists():
            raise ActionError("target_closed", _("The other office is closed at the moment."))
        now = timezone.now()
        new_ticket = Ticket.objects.create(
            office=target,
            display_name=ticket.display_name,
            concern=ticket.concern,
            language=ticket.language,
            token_hash=None,
            enqueued_at=ticket.enqueued_at,
            created_at=now,
            state_changed_at=now,
            transferred_from=ticket,
            transfer_note=note.strip(),
            # The citizen's page follows the token; until it does, the new place is held exactly as the
            # old one was, so a page that is already gone still expires after the grace period.
            disconnected_at=ticket.disconnected_at,
            connection_id=ticket.connection_id,
        )
        token_hash, ticket.token_hash = ticket.token_hash, None
        transition(ticket, TicketState.TRANSFERRED, actor)
        new_ticket.token_hash = token_hash
        new_ticket.save(update_fields=["token_hash"])
        record(
            target.authority_id,
            "ticket.created",
            new_ticket,
            actor.user_id,
            office=target.pk,
            transferred_from=ticket.pk,
        )
        close_consultation(consultation, EndReason.TRANSFERRED, actor)
        announce_ticket_state(ticket, reason="transferred")
        announce_queue_change(target, "add", new_ticket)
    return new_ticket
