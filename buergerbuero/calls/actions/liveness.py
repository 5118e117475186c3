"""Nobody waits in a call for someone who has gone: the part of a participant whose page has been gone
for longer than CALL_GRACE_SECONDS ends (run by the background jobs)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from buergerbuero.audit.actions import record
from buergerbuero.calls.actions.course import close_consultation, end_active_consultation_of_ticket
from buergerbuero.calls.events import (
    announce_participants,
    announce_staff_consultation_over,
)
from buergerbuero.calls.models import Consultation, EndReason, Participant, ParticipantRole
from buergerbuero.offices.actions import lock_office
from buergerbuero.offices.events import announce_office_state
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import open_presences
from buergerbuero.waitingroom.actions import transition
from buergerbuero.waitingroom.events import announce_queue_change, announce_ticket_state
from buergerbuero.waitingroom.models import Ticket, TicketState


def _gone_deadline(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.CALL_GRACE_SECONDS)


def end_gone_participants(now: datetime | None = None) -> int:
    """End the part in a running call of everyone whose page has been gone for longer than
    CALL_GRACE_SECONDS: an official or colleague no connection has held the call for (release_call), a
    citizen whose page has been closed (``Ticket.disconnected_at``). Run by the background jobs; safe in
    several processes at once, as every case is decided again under the locks. Returns how many ended."""
    now = now or timezone.now()
    deadline = _gone_deadline(now)
    officials = list(
        Participant.objects.filter(
            staff__isnull=False,
            joined_at__isnull=False,
            left_at__isnull=True,
            consultation__ended_at__isnull=True,
            connection_lost_at__lt=deadline,
        ).values_list("pk", flat=True)
    )
    citizens = list(
        Ticket.objects.filter(state=TicketState.IN_CONSULTATION, disconnected_at__lt=deadline).values_list(
            "pk", flat=True
        )
    )
    ended = sum(staff_participant_gone(pk, now) for pk in officials)
    return ended + sum(citizen_gone(pk, now) for pk in citizens)


def staff_participant_gone(participant_id: int, now: datetime) -> bool:
    """The page of an official or invited colleague has been gone for the whole grace. A colleague just
    leaves the consultation; when the consultation's official has gone, it ends (``official_gone``) and
    the citizen goes back to the head of the waiting area. False when they came back meanwhile."""
    office_id = (
        Participant.objects.filter(pk=participant_id)
        .values_list("consultation__office_id", flat=True)
        .first()
    )
    if office_id is None:
        return False
    with transaction.atomic():
        office = lock_office(office_id)
        # Locked too: hold_call (the page coming back) waits for this decision, or was first and is seen.
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("consultation__office", "consultation__ticket__office")
            .get(pk=participant_id)
        )
        consultation = participant.consultation
        lost_at = participant.connection_lost_at
        if (
            participant.left_at is not None
            or participant.joined_at is None
            or participant.staff_id is None
            or consultation.ended_at is not None
            or lost_at is None
            or lost_at >= _gone_deadline(now)
        ):
            return False
        if participant.role == ParticipantRole.COLLEAGUE:
            participant.left_at = now
            participant.save(update_fields=["left_at"])
            record(
                office.authority_id,
                "consultation.colleague_gone",
                consultation,
                None,
                colleague=participant.staff_id,
            )
            announce_participants(consultation)
            announce_staff_consultation_over(participant.staff_id)
            announce_office_state(office)
            return True
        _official_gone(consultation, participant.staff_id, office, now)
    return True


def _official_gone(consultation: Consultation, staff_id: int, office: Office, now: datetime) -> None:
    """End a consultation whose official has gone. The citizen is first in line again (like "sent
    back"), told whether anyone else is attending the office; if the office has closed meanwhile, the
    place ends as at closing time. The caller holds the office lock."""
    ticket = consultation.ticket
    reason = ""
    requeue = False
    if ticket.state in (TicketState.INVITED, TicketState.IN_CONSULTATION):
        if open_presences(office).exists():
            ticket.priority = 1
            ticket.returned = True
            transition(ticket, TicketState.WAITING, now=now)
            attended = open_presences(office).exclude(staff_id=staff_id).exists()
            reason = "official_gone" if attended else "official_gone_alone"
            requeue = True
        else:
            transition(ticket, TicketState.EXPIRED, now=now)
            reason = "office_closed"
    close_consultation(consultation, EndReason.OFFICIAL_GONE, None)
    if reason:
        announce_ticket_state(ticket, reason=reason)
    if requeue:
        announce_queue_change(office, "add", ticket)


def citizen_gone(ticket_id: int, now: datetime) -> bool:
    """The citizen's page has been closed for the whole grace during the consultation: it ends
    (``citizen_gone``), the officials' workspaces say so, and the place is freed. False when the page
    came back meanwhile."""
    office_id = Ticket.objects.filter(pk=ticket_id).values_list("office_id", flat=True).first()
    if office_id is None:
        return False
    with transaction.atomic():
        lock_office(office_id)
        # Locked: a page reconnecting now (connection_opened) waits for this decision or is seen here.
        ticket = Ticket.objects.select_for_update().select_related("office").get(pk=ticket_id)
        if (
            ticket.state != TicketState.IN_CONSULTATION
            or ticket.disconnected_at is None
            or ticket.disconnected_at >= _gone_deadline(now)
        ):
            return False
        transition(ticket, TicketState.DONE, now=now)
        end_active_consultation_of_ticket(ticket, EndReason.CITIZEN_GONE)
        announce_ticket_state(ticket, reason="done")
    return True
