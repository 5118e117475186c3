"""Admission and consultations, and what becomes of a ticket from its admission on (the citizen leaving or
never coming, the call's end). Every change goes through these functions; see waitingroom.actions for
the locking invariants, which apply here too (queue changes lock the office row first)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Availability, Staff
from buergerbuero.calls.events import (
    announce_colleague_invited,
    announce_ended,
    announce_moved,
    announce_participants,
    announce_staff_consultation,
    announce_staff_consultation_over,
    participants_of,
)
from buergerbuero.calls.models import Consultation, EndReason, Participant, ParticipantRole
from buergerbuero.calls.selectors import call_payload
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.actions import lock_office
from buergerbuero.offices.events import announce_office_state
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import open_presences
from buergerbuero.waitingroom.actions import leave_queue, transition
from buergerbuero.waitingroom.events import announce_queue_change, announce_ticket_state
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition
from buergerbuero.waitingroom.selectors import waiting_tickets

MAX_PARTICIPANTS = 4  # a peer-to-peer mesh stays usable up to four people


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


def admit(staff: Staff, office: Office, ticket_id: int | None = None, page: str = "") -> Consultation:
    """Let the next (or a chosen) waiting citizen in. The consultation starts at once, held by the
    official's workspace page ``page`` (the one that let them in; see hold_call)."""
    with transaction.atomic():
        office = lock_office(office.pk)
        staff = Staff.objects.get(pk=staff.pk)
        if not open_presences(office).filter(staff=staff).exists():
            raise ActionError("not_present", _("Open this office before you let someone in."))
        if staff.availability != Availability.AVAILABLE:
            raise ActionError("on_break", _("You are on a break. Set yourself available first."))
        if active_participation(staff) is not None:
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
            actor_id=staff.user_id,
        )
        record(office.authority_id, "ticket.invited", ticket, staff.user_id, office=office.pk)
        consultation = Consultation.objects.create(office=office, ticket=ticket, started_at=now)
        try:
            with transaction.atomic():
                # No connection holds the call yet: the page's socket records itself at once
                # (hold_call). Should none ever do so, the call ends after the grace (end_gone_participants).
                official = Participant.objects.create(
                    consultation=consultation,
                    role=ParticipantRole.OFFICIAL,
                    staff=staff,
                    joined_at=now,
                    call_page=page,
                    connection_lost_at=now,
                )
        except IntegrityError:
            raise ActionError("busy", _("You are already in a consultation.")) from None
        citizen = Participant.objects.create(consultation=consultation, role=ParticipantRole.CITIZEN)
        participants = participants_of(consultation)
        record(office.authority_id, "consultation.started", consultation, staff.user_id, ticket=ticket.pk)
        # The two pages of the call first; then the queue (which may be thousands of pages).
        announce_ticket_state(
            ticket,
            reason="admitted",
            consultation=consultation.pk,
            call=call_payload(consultation, citizen, participants),
        )
        announce_staff_consultation(
            staff.pk, official, call=call_payload(consultation, official, participants)
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


def _close_consultation(consultation: Consultation, reason: str, actor_user_id: int | None) -> None:
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
    record(consultation.office.authority_id, "consultation.ended", consultation, actor_user_id, reason=reason)
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
        _close_consultation(consultation, reason, None)


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


def _locked_active(consultation: Consultation) -> tuple[Consultation, Ticket]:
    lock_office(consultation.office_id)
    consultation = Consultation.objects.select_related("office", "ticket__office").get(pk=consultation.pk)
    if consultation.ended_at is not None:
        raise ActionError("ended", _("This consultation has already ended."))
    return consultation, consultation.ticket


def hang_up(consultation: Consultation, by_staff: Staff | None) -> Consultation:
    """End the consultation for everyone (official, or the citizen when ``by_staff`` is None)."""
    with transaction.atomic():
        consultation, ticket = _locked_active(consultation)
        actor = by_staff.user_id if by_staff else None
        reason = EndReason.HANGUP_OFFICIAL if by_staff else EndReason.HANGUP_CITIZEN
        if ticket.state in (TicketState.INVITED, TicketState.IN_CONSULTATION):
            final = TicketState.DONE if consultation.connected_at else TicketState.LEFT
            transition(ticket, final, actor)
            announce_ticket_state(ticket, reason="done" if final == TicketState.DONE else "left")
        _close_consultation(consultation, reason, actor)
    return consultation


def send_back(consultation: Consultation, staff: Staff) -> Ticket:
    """Send the citizen back to the waiting area, first in line."""
    with transaction.atomic():
        consultation, ticket = _locked_active(consultation)
        office = ticket.office
        ticket.priority = 1
        ticket.returned = True
        transition(ticket, TicketState.WAITING, staff.user_id)
        _close_consultation(consultation, EndReason.SENT_BACK, staff.user_id)
        announce_ticket_state(ticket, reason="returned")
        announce_queue_change(office, "add", ticket)
    return ticket


def transfer(consultation: Consultation, staff: Staff, target: Office, note: str) -> Ticket:
    """Give the citizen a place in another office of the same authority, keeping their arrival time.
    The browser's token moves to the new ticket, so the citizen's page follows without a new link."""
    with transaction.atomic():
        # Both offices are locked in one order (by id): two transfers in opposite directions at the same
        # time would otherwise deadlock on PostgreSQL.
        for office_id in sorted({consultation.office_id, target.pk}):
            lock_office(office_id)
        consultation, ticket = _locked_active(consultation)
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
        transition(ticket, TicketState.TRANSFERRED, staff.user_id)
        new_ticket.token_hash = token_hash
        new_ticket.save(update_fields=["token_hash"])
        record(
            target.authority_id,
            "ticket.created",
            new_ticket,
            staff.user_id,
            office=target.pk,
            transferred_from=ticket.pk,
        )
        _close_consultation(consultation, EndReason.TRANSFERRED, staff.user_id)
        announce_ticket_state(ticket, reason="transferred")
        announce_queue_change(target, "add", new_ticket)
    return new_ticket


def invite_colleague(consultation: Consultation, staff: Staff, colleague: Staff) -> Participant:
    with transaction.atomic():
        consultation, _ticket = _locked_active(consultation)
        if colleague.authority_id != staff.authority_id or colleague.pk == staff.pk:
            raise ActionError("invalid_colleague", _("Choose a colleague of your authority."))
        if not consultation.participants.filter(staff=staff, left_at__isnull=True).exists():
            raise ActionError("not_participant", _("You are not taking part in this consultation."))
        active = consultation.participants.filter(left_at__isnull=True)
        if active.count() >= MAX_PARTICIPANTS:
            raise ActionError("full", _("A consultation can have at most four participants."))
        if active.filter(staff=colleague).exists():
            raise ActionError("already_invited", _("This colleague is already invited."))
        participant = Participant.objects.create(
            consultation=consultation,
            role=ParticipantRole.COLLEAGUE,
            staff=colleague,
            invited_at=timezone.now(),
        )
        record(
            staff.authority_id,
            "consultation.colleague_invited",
            consultation,
            staff.user_id,
            colleague=colleague.pk,
        )
        announce_colleague_invited(colleague.pk, consultation, participant.pk, staff.display_name)
        announce_participants(consultation)
    return participant


def answer_invitation(
    participant: Participant, colleague: Staff, accept: bool, page: str = ""
) -> Participant:
    """Accept (the call is then held by the workspace page ``page``) or decline an invitation."""
    with transaction.atomic():
        participant = Participant.objects.select_related("consultation__office").get(pk=participant.pk)
        if participant.staff_id != colleague.pk or participant.joined_at or participant.left_at:
            raise ActionError("invalid_invitation", _("This invitation is no longer open."))
        consultation, _ticket = _locked_active(participant.consultation)
        now = timezone.now()
        if accept:
            if active_participation(colleague) is not None:
                raise ActionError("busy", _("You are already in a consultation."))
            participant.joined_at = now
            participant.call_page = page
            participant.connection_lost_at = now  # until a socket of the page holds it (see admit)
            try:
                with transaction.atomic():
                    participant.save(update_fields=["joined_at", "call_page", "connection_lost_at"])
            except IntegrityError:
                raise ActionError("busy", _("You are already in a consultation.")) from None
            announce_staff_consultation(colleague.pk, participant)
        else:
            participant.left_at = now
            participant.save(update_fields=["left_at"])
        record(
            colleague.authority_id,
            "consultation.colleague_" + ("joined" if accept else "declined"),
            consultation,
            colleague.user_id,
        )
        announce_participants(consultation)
        announce_office_state(consultation.office)
    return participant


def leave_as_colleague(consultation: Consultation, colleague: Staff) -> None:
    with transaction.atomic():
        consultation, _ticket = _locked_active(consultation)
        participant = consultation.participants.filter(
            staff=colleague, role=ParticipantRole.COLLEAGUE, left_at__isnull=True
        ).first()
        if participant is None:
            raise ActionError("not_participant", _("You are not taking part in this consultation."))
        participant.left_at = timezone.now()
        participant.save(update_fields=["left_at"])
        record(colleague.authority_id, "consultation.colleague_left", consultation, colleague.user_id)
        announce_participants(consultation)
        announce_staff_consultation_over(colleague.pk)
        announce_office_state(consultation.office)


def hang_up_as(participant: Participant, staff: Staff) -> None:
    """An official's hang-up button: the consultation's official ends it for everyone; an invited
    colleague only leaves it."""
    if participant.role == ParticipantRole.COLLEAGUE:
        leave_as_colleague(participant.consultation, staff)
    else:
        hang_up(participant.consultation, staff)


# --- which page of an official holds the call ------------------------------------------------------

# held: this connection holds the call, nobody needed to hear of it. reconnected: a new socket of the
# page that held it; the old one was told to let go. taken: this page holds it instead of another one;
# the others were told. elsewhere: another page holds it on an open socket; unheld: another page held
# it and its socket has closed (in both, nothing changed).
HoldOutcome = Literal["held", "reconnected", "taken", "elsewhere", "unheld"]


def hold_call(
    participant_id: int,
    staff: Staff,
    page: str,
    connection: str,
    *,
    previous: str = "",
    take_over: bool = False,
    worker: UUID | None = None,
) -> HoldOutcome:
    """Let the socket ``connection`` of the official's workspace page ``page`` hold the call of their
    participant: exactly one connection does (docs/architecture.md, "One page holds the call").

    Without ``take_over`` the page gets the call only if it holds it already (its socket reconnected),
    if ``previous`` (the page this browser tab showed before a reload) held it, or if no page ever did
    (an admission from a form sent without script). A change of connection is announced with
    ``consultation.moved``: the old connection lets go, and when the page changed, the other
    participants build new peer connections to this one. ``worker`` is the web worker serving the socket
    (core.liveness): should it die, the call counts as left by that page since its last sign of life."""
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("consultation__office")
            .filter(pk=participant_id)
            .first()
        )
        if participant is None or participant.staff_id != staff.pk or participant.joined_at is None:
            raise ActionError("not_participant", _("You are not taking part in this consultation."))
        if participant.left_at is not None or participant.consultation.ended_at is not None:
            raise ActionError("ended", _("This consultation has already ended."))
        before_page, before_connection = participant.call_page, participant.call_connection
        if (before_page, before_connection) == (page, connection):
            return "held"
        if not take_over and before_page not in ("", page, previous):
            return "elsewhere" if before_connection else "unheld"
        participant.call_page = page
        participant.call_connection = connection
        participant.call_worker = worker
        participant.connection_lost_at = None  # back in time: the call goes on
        participant.save(update_fields=["call_page", "call_connection", "call_worker", "connection_lost_at"])
        page_changed = before_page not in ("", page)
        if not page_changed and before_connection in ("", connection):
            return "held"
        if page_changed:
            record(
                staff.authority_id,
                "consultation.call_moved",
                participant.consultation,
                staff.user_id,
                participant=participant.pk,
                taken_over=take_over,
            )
        announce_moved(participant, reset=page_changed)
    return "taken" if page_changed else "reconnected"


def hold_citizen_call(participant_id: int, page: str) -> bool:
    """Record which page load of the citizen runs their call (``page``: the page's own id). The citizen's
    newest page always holds it (the ticket's other pages step back, ``ticket.superseded``); when that page
    is not the one recorded before, the page was reloaded or opened again: its media comes from new peer
    connections, so the other participants' pages are told to drop theirs to it and connect afresh
    (``consultation.moved`` with ``reset``) instead of renegotiating with a page that is gone. Returns
    whether that was announced. The first page recorded (at admission) announces nothing."""
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("consultation__office")
            .filter(pk=participant_id, role=ParticipantRole.CITIZEN)
            .first()
        )
        if participant is None or participant.left_at is not None:
            return False
        if participant.consultation.ended_at is not None:
            return False
        before = participant.call_page
        if before == page:
            return False
        participant.call_page = page
        participant.save(update_fields=["call_page"])
        if not before:
            return False
        record(
            participant.consultation.office.authority_id,
            "consultation.call_moved",
            participant.consultation,
            None,
            participant=participant.pk,
            taken_over=False,
        )
        announce_moved(participant, reset=True)
    return True


def release_call(participant_id: int, connection: str, now: datetime | None = None) -> None:
    """The socket that held a call closed. The page stays recorded: the same tab gets the call back when
    it reconnects or reloads; another page of the official may take it over. No event: whoever holds it
    next announces that. If nobody does within CALL_GRACE_SECONDS, end_gone_participants ends their
    part of the call."""
    if connection:
        Participant.objects.filter(pk=participant_id, call_connection=connection).update(
            call_connection="", call_worker=None, connection_lost_at=now or timezone.now()
        )


def calls_of_worker_gone(worker: UUID, seen_at: datetime) -> int:
    """The web worker ``worker`` died (core.liveness.end_dead_workers, which holds the lock on its row):
    every call whose holding connection it served is let go as if that socket had closed at
    ``seen_at``, its last sign of life (release_call), so CALL_GRACE_SECONDS runs from there. A page
    that has meanwhile held the call on another worker names that one and is left alone. Returns how
    many. (A citizen's page in a call is a ticket's page: waitingroom.actions.pages_of_worker_gone.)"""
    return (
        Participant.objects.filter(call_worker=worker, left_at__isnull=True)
        .filter(consultation__ended_at__isnull=True)
        .exclude(call_connection="")
        .update(call_connection="", call_worker=None, connection_lost_at=seen_at)
    )


def call_reclaimed(participant_id: int, page: str, connection: str, worker: UUID) -> bool:
    """A socket that still holds a call, on a worker that was taken for dead (core.liveness), holds it
    again, unless another connection has taken it or its part has ended meanwhile. No event: the
    other participants never lost this connection. Returns whether it did."""
    return bool(
        Participant.objects.filter(
            pk=participant_id,
            call_page=page,
            call_connection="",
            connection_lost_at__isnull=False,
            left_at__isnull=True,
            consultation__ended_at__isnull=True,
        ).update(call_connection=connection, call_worker=worker, connection_lost_at=None)
    )


# --- nobody waits for someone who has gone ---------------------------------------------------------


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
    _close_consultation(consultation, EndReason.OFFICIAL_GONE, None)
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
