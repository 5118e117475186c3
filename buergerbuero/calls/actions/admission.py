"""Admission: an official lets a waiting citizen in, the citizen joins the call, or leaves or never
comes before it connected. See waitingroom.actions for the locking invariants, which apply here too
(queue changes lock the office row first)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Availability, Staff
from buergerbuero.calls.actions.course import end_active_consultation_of_ticket
from buergerbuero.calls.events import (
    announce_participants,
    announce_staff_consultation,
    participants_of,
)
from buergerbuero.calls.models import Consultation, EndReason, Participant, ParticipantRole
from buergerbuero.calls.selectors import call_payload
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.actions import lock_office
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import open_presences
from buergerbuero.waitingroom.actions import leave_queue, transition
from buergerbuero.waitingroom.events import announce_queue_change, announce_ticket_state
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition
from buergerbuero.waitingroom.selectors import waiting_tickets


def active_participation(staff: Staff) -> Participant | None:
    return (
        Participant.objects.select_related("consultation")
        .filter(staff=staff, joined_at__isnull=False, left_at__isnull=True)
        .first()
    )


def claim_ticket(ticket_id: int, office_id: int) -> bool:
    """Atomically move a waiting ticket to INVITED. Exactly one concurrent caller gets True."""
    now = timezone.now()
    return bool(
        Ticket.objects.filter(pk=ticket_id, office_id=office_id, state=TicketState.WAITING).update(
            state=TicketState.INVITED, state_changed_at=now
        )
    )


def admit(actor: Staff, office: Office, ticket_id: int | None = None, page: str = "") -> Consultation:
    """Let the next (or a chosen) waiting citizen in. The consultation starts at once, held by the
    official's workspace page ``page`` (the one that let them in; see hold_call)."""
    with transaction.atomic():
        office = lock_office(office.pk)
        actor = Staff.objects.get(pk=actor.pk)
        if not open_presences(office).filter(staff=actor).exists():
            raise ActionError("not_present", _("Open this office before you let someone in."))
        if actor.availability != Availability.AVAILABLE:
            raise ActionError("on_break", _("You are on a break. Set yourself available first."))
        if active_participation(actor) is not None:
            raise ActionError("busy", _("You are already in a consultation."))
        if ticket_id is None:
            ticket_id = waiting_tickets(office).values_list("pk", flat=True).first()
            if ticket_id is None:
                raise ActionError("queue_empty", _("Nobody is waiting."))
        if not claim_ticket(ticket_id, office.pk):
            raise ActionError("not_waiting", _("This person is no longer waiting."))
        ticket = Ticket.objects.select_related("office").get(pk=ticket_id)
        now = timezone.now()
        # claim_ticket moved the state; write its transition and audit entry like transition() does.
        TicketTransition.objects.create(
            ticket=ticket,
            from_state=TicketState.WAITING,
            to_state=TicketState.INVITED,
            at=now,
            actor_id=actor.user_id,
        )
        record(office.authority_id, "ticket.invited", ticket, actor.user_id, office=office.pk)
        consultation = Consultation.objects.create(office=office, ticket=ticket, started_at=now)
        try:
            with transaction.atomic():
                # No connection holds the call yet: the page's socket records itself at once
                # (hold_call). Should none ever do so, the call ends after the grace (end_gone_participants).
                official = Participant.objects.create(
                    consultation=consultation,
                    role=ParticipantRole.OFFICIAL,
                    staff=actor,
                    joined_at=now,
                    call_page=page,
                    connection_lost_at=now,
                )
        except IntegrityError:
            raise ActionError("busy", _("You are already in a consultation.")) from None
        citizen = Participant.objects.create(consultation=consultation, role=ParticipantRole.CITIZEN)
        participants = participants_of(consultation)
        record(office.authority_id, "consultation.started", consultation, actor.user_id, ticket=ticket.pk)
        # The two pages of the call first; then the queue (which may be thousands of pages).
        announce_ticket_state(
            ticket,
            reason="admitted",
            consultation=consultation.pk,
            call=call_payload(consultation, citizen, participants),
        )
        announce_staff_consultation(
            actor.pk, official, call=call_payload(consultation, official, participants)
        )
        announce_participants(consultation)
        announce_queue_change(office, "remove", ticket)
    return consultation


def citizen_joined(ticket: Ticket) -> Consultation:
    """The admitted citizen's browser joined the call: the consultation is connected."""
    with transaction.atomic():
        lock_office(ticket.office_id)
        ticket = Ticket.objects.select_related("office").get(pk=ticket.pk)
        consultation = Consultation.objects.filter(ticket=ticket, ended_at__isnull=True).first()
        if consultation is None:
            raise ActionError("no_consultation", _("There is no consultation to join."))
        now = timezone.now()
        if ticket.state == TicketState.INVITED:
            transition(ticket, TicketState.IN_CONSULTATION, now=now)
            consultation.connected_at = now
            consultation.save(update_fields=["connected_at"])
            consultation.participants.filter(role=ParticipantRole.CITIZEN, joined_at__isnull=True).update(
                joined_at=now
            )
            announce_ticket_state(ticket, reason="joined", consultation=consultation.pk)
            announce_participants(consultation)
    return consultation


def citizen_leaves(ticket: Ticket) -> Ticket:
    """The citizen's "leave": out of the waiting area (waitingroom.actions.leave_queue), or, admitted
    but not yet in the call, they hang up before it connected."""
    with transaction.atomic():
        lock_office(ticket.office_id)
        ticket = Ticket.objects.select_related("office").get(pk=ticket.pk)
        if ticket.state != TicketState.INVITED:
            return leave_queue(ticket)
        transition(ticket, TicketState.LEFT)
        # The consultation's end announces the office's state.
        end_active_consultation_of_ticket(ticket, EndReason.HANGUP_CITIZEN)
        announce_ticket_state(ticket, reason="left")
    return ticket


def expire_invitations(now: datetime | None = None) -> int:
    """End the admissions whose citizen has not joined the call within INVITE_TIMEOUT_SECONDS: the
    ticket expires, the consultation ends (``no_show``). Run by the background jobs; safe in several
    processes at once. Returns how many ended."""
    now = now or timezone.now()
    deadline = now - timedelta(seconds=settings.INVITE_TIMEOUT_SECONDS)
    stale = list(
        Ticket.objects.filter(state=TicketState.INVITED, state_changed_at__lt=deadline).values_list(
            "pk", "office_id"
        )
    )
    ended = 0
    for ticket_id, office_id in stale:
        with transaction.atomic():
            lock_office(office_id)
            # Read again under the office lock: the citizen may have joined meanwhile (citizen_joined
            # takes the same lock, so it waits for this decision or was first and is seen here).
            ticket = Ticket.objects.select_for_update().select_related("office").get(pk=ticket_id)
            if ticket.state != TicketState.INVITED or ticket.state_changed_at >= deadline:
                continue
            transition(ticket, TicketState.EXPIRED, now=now)
            end_active_consultation_of_ticket(ticket, EndReason.NO_SHOW)
            announce_ticket_state(ticket, reason="expired")
            ended += 1
    return ended
