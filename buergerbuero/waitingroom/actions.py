"""Every change to tickets goes through these functions (``do_*`` perform; the rest check, then perform).

Invariants a reader must not break:
- A queue-changing action first locks its office row (``offices.actions.lock_office``). On PostgreSQL
  that serialises changes per office; on SQLite the IMMEDIATE transaction mode already serialises all
  writers.
- Claiming a ticket is a conditional UPDATE on its state, so exactly one of two concurrent admissions wins
  even without the office lock.
- Events leave after commit (core.events); personal data never enters the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.actions import close_office, lock_office
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import open_presences
from buergerbuero.waitingroom.events import (
    announce_queue_change,
    announce_ticket_connected,
    announce_ticket_state,
    announce_ticket_superseded,
)
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition
from buergerbuero.waitingroom.selectors import waiting_tickets
from buergerbuero.waitingroom.tokens import hash_token, new_token

_TRANSITION_FIELDS = [
    f.name
    for f in Ticket._meta.concrete_fields
    if not f.primary_key and f.name not in ("disconnected_at", "connection_id", "connected_worker")
]


def transition(
    ticket: Ticket, to_state: str, actor: Staff | None = None, now: datetime | None = None
) -> None:
    """Move a ticket to ``to_state`` and write the transition and the audit entry. The caller holds the
    office lock and has checked that the move is allowed."""
    now = now or timezone.now()
    actor_id = actor.user_id if actor else None
    from_state = ticket.state
    ticket.state = to_state
    ticket.state_changed_at = now
    # The page's connection fields are written only by connection_opened/closed, which take no office
    # lock: saving back the values read earlier would undo a reconnect (or a disconnect) made meanwhile.
    ticket.save(update_fields=_TRANSITION_FIELDS)
    TicketTransition.objects.create(
        ticket=ticket, from_state=from_state, to_state=to_state, at=now, actor_id=actor_id
    )
    record(
        ticket.office.authority_id,
        f"ticket.{to_state}",
        ticket,
        actor_id,
        office=ticket.office_id,
        **{"from": from_state},
    )


def enter_queue(
    office: Office,
    display_name: str,
    concern: str,
    language: str,
    appointment_at: datetime | None = None,
) -> tuple[Ticket, str]:
    """A citizen takes a place in the waiting area. Returns the ticket and the secret token for the
    browser session. A citizen who comes for a booked appointment (``appointment_at``) goes ahead of
    walk-ins (priority 1) and is let in even when the waiting area is full."""
    with transaction.atomic():
        office = lock_office(office.pk)
        if not open_presences(office).exists():
            raise ActionError("office_closed", _("This office is closed at the moment."))
        waiting = Ticket.objects.filter(office=office, state=TicketState.WAITING).count()
        if appointment_at is None and office.max_queue_length and waiting >= office.max_queue_length:
            raise ActionError(
                "queue_full", _("The waiting area of this office is full. Please try again later.")
            )
        token = new_token()
        now = timezone.now()
        ticket = Ticket.objects.create(
            office=office,
            display_name=display_name.strip(),
            concern=concern.strip(),
            language=language,
            priority=1 if appointment_at else 0,
            appointment_at=appointment_at,
            token_hash=hash_token(token),
            enqueued_at=now,
            created_at=now,
            state_changed_at=now,
            # Counted as disconnected until its page opens the WebSocket; the grace period applies.
            disconnected_at=now,
        )
        TicketTransition.objects.create(ticket=ticket, from_state="", to_state=TicketState.WAITING, at=now)
        record(office.authority_id, "ticket.created", ticket, office=office.pk)
        announce_queue_change(office, "add", ticket)
    return ticket, token


def new_ticket_token(ticket: Ticket) -> str:
    """A new secret for a ticket whose holder comes back on another device (an appointment's link).
    The old secret stops working; when the new page connects, an old page still open steps back
    (connection_opened)."""
    token = new_token()
    Ticket.objects.filter(pk=ticket.pk).update(token_hash=hash_token(token))
    return token


def get_ticket_by_token(token: str | None) -> Ticket | None:
    if not token:
        return None
    return Ticket.objects.select_related("office__authority").filter(token_hash=hash_token(token)).first()


def leave_queue(ticket: Ticket) -> Ticket:
    """The citizen leaves the waiting area. (Their page's "leave" also hangs up an admission whose call
    has not connected yet: calls.actions.admission.citizen_leaves.)"""
    with transaction.atomic():
        office = lock_office(ticket.office_id)
        ticket = Ticket.objects.select_related("office").get(pk=ticket.pk)
        if ticket.state != TicketState.WAITING:
            raise ActionError("not_waiting", _("You are no longer in the waiting area."))
        transition(ticket, TicketState.LEFT)
        # The queue delta announces the office's state.
        announce_queue_change(office, "remove", ticket)
        announce_ticket_state(ticket, reason="left")
    return ticket


def decline(actor: Staff, ticket: Ticket, message: str) -> Ticket:
    """An official declines a waiting citizen with a message the citizen sees."""
    with transaction.atomic():
        office = lock_office(ticket.office_id)
        ticket = Ticket.objects.select_related("office").get(pk=ticket.pk)
        if ticket.state != TicketState.WAITING:
            raise ActionError("not_waiting", _("This person is no longer waiting."))
        ticket.decline_message = message.strip()
        transition(ticket, TicketState.DECLINED, actor)
        announce_ticket_state(ticket, reason="declined", message=ticket.decline_message)
        announce_queue_change(office, "remove", ticket)
    return ticket


def connection_opened(ticket: Ticket, connection_id: str, worker: UUID | None = None) -> None:
    """A page of the citizen opened its WebSocket and now holds the ticket: the place is held without a
    deadline again, and any older page of the same ticket is told to step back. ``worker`` is the web
    worker serving the socket (core.liveness), so the page counts as closed should that worker die.

    One statement in the usual case and no transaction: every page that reconnects after a worker died
    comes through here at once, and each round trip to the database is one more turn of a single thread.
    An UPDATE locks the row it changes, so of two pages connecting at once only one finds the place
    marked away (and announces the officials' "page closed" mark gone), and an action holding the row
    (a decision on a gone page) is waited for."""
    held = {"disconnected_at": None, "connection_id": connection_id, "connected_worker": worker}
    was_away = Ticket.objects.filter(
        pk=ticket.pk, state=TicketState.WAITING, disconnected_at__isnull=False
    ).update(**held)
    if not was_away:
        Ticket.objects.filter(pk=ticket.pk).update(**held)
    announce_ticket_superseded(ticket, connection_id)
    if was_away:
        announce_ticket_connected(ticket, True)


def connection_closed(ticket: Ticket, connection_id: str) -> None:
    """A page closed its WebSocket. If it was the holder, the grace period starts now."""
    with transaction.atomic():
        gone = Ticket.objects.filter(
            pk=ticket.pk, connection_id=connection_id, disconnected_at__isnull=True
        ).update(disconnected_at=timezone.now())
        if gone and Ticket.objects.filter(pk=ticket.pk, state=TicketState.WAITING).exists():
            announce_ticket_connected(ticket, False)


def pages_of_worker_gone(worker: UUID, seen_at: datetime) -> int:
    """The web worker ``worker`` died (core.liveness.end_dead_workers, which holds the lock on its row):
    every ticket whose page it served counts as closed since ``seen_at``, its last sign of life, as if
    that page had closed then (connection_closed), so the grace periods run from there. A page that has
    meanwhile reconnected to another worker names that one and is left alone. Returns how many."""
    with transaction.atomic():
        gone = list(
            Ticket.objects.select_for_update()
            .filter(connected_worker=worker, disconnected_at__isnull=True)
            .values_list("pk", "office_id", "state")
        )
        Ticket.objects.filter(pk__in=[pk for pk, _office, _state in gone]).update(
            disconnected_at=seen_at, connected_worker=None
        )
        for pk, office_id, state in gone:
            if state == TicketState.WAITING:
                announce_ticket_connected(Ticket(pk=pk, office_id=office_id), False)
    return len(gone)


def connection_reclaimed(ticket: Ticket, connection_id: str, worker: UUID) -> bool:
    """A page that is still open, on a worker that was taken for dead (core.liveness), holds its
    ticket again, unless another page of the citizen has taken it meanwhile. Returns whether it did."""
    with transaction.atomic():
        back = Ticket.objects.filter(
            pk=ticket.pk, connection_id=connection_id, disconnected_at__isnull=False
        ).update(disconnected_at=None, connected_worker=worker)
        if back and Ticket.objects.filter(pk=ticket.pk, state=TicketState.WAITING).exists():
            announce_ticket_connected(ticket, True)
    return bool(back)


def rate(ticket: Ticket, rating: int) -> Ticket:
    if not 1 <= rating <= 5:
        raise ActionError("invalid_rating", _("Please choose between 1 and 5 stars."))
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("office").get(pk=ticket.pk)
        if ticket.state != TicketState.DONE:
            raise ActionError("not_done", _("You can rate a consultation once it has ended."))
        if ticket.rating is not None:
            raise ActionError("already_rated", _("You have already rated this consultation. Thank you!"))
        ticket.rating = rating
        ticket.save(update_fields=["rating"])
        record(ticket.office.authority_id, "ticket.rated", ticket, rating=rating)
    return ticket


def expire_stale(now: datetime | None = None) -> int:
    """End waiting tickets whose page has been gone longer than the grace period. Safe to run in several
    processes at once. Returns how many ended. (Invitations the citizen never took up:
    calls.actions.admission.expire_invitations; a citizen gone from a running consultation:
    calls.actions.liveness.end_gone_participants, with the call's grace.)"""
    now = now or timezone.now()
    grace = timedelta(seconds=settings.WAITING_GRACE_SECONDS)
    stale = list(
        Ticket.objects.filter(state=TicketState.WAITING, disconnected_at__lt=now - grace).values_list(
            "pk", "office_id"
        )
    )
    ended = 0
    for ticket_id, office_id in stale:
        with transaction.atomic():
            office = lock_office(office_id)
            # Locked too: a page reconnecting now (connection_opened) waits for this decision or, if
            # it came first, is seen here, never overwritten by a decision made on what was before.
            ticket = Ticket.objects.select_for_update().select_related("office").get(pk=ticket_id)
            if not (
                ticket.state == TicketState.WAITING
                and ticket.disconnected_at
                and ticket.disconnected_at < now - grace
            ):
                continue
            transition(ticket, TicketState.EXPIRED, now=now)
            announce_queue_change(office, "remove", ticket)
            announce_ticket_state(ticket, reason="expired")
            ended += 1
    return ended


def end_waiting_on_close(office: Office, actor: Staff | None) -> None:
    """The last official closed the office: everyone still waiting is told, and their places end.
    The caller holds the office lock."""
    for ticket in Ticket.objects.filter(office=office, state=TicketState.WAITING).select_related("office"):
        transition(ticket, TicketState.EXPIRED, actor)
        announce_queue_change(office, "remove", ticket)
        announce_ticket_state(ticket, reason="office_closed")


def delete_personal_data(older_than: datetime) -> int:
    """Retention: blank names and concerns (and messages) of tickets created before ``older_than``.
    Counts, states and times stay for statistics. Returns the number of tickets cleaned."""
    with transaction.atomic():
        return Ticket.objects.filter(created_at__lt=older_than, personal_data_deleted=False).update(
            display_name="", concern="", transfer_note="", decline_message="", personal_data_deleted=True
        )


class CloseNeedsConfirmation(ActionError):
    """Closing would end the places of ``waiting`` people that the official has not confirmed."""

    def __init__(self, waiting: int) -> None:
        super().__init__(
            "confirm_close",
            ngettext(
                "%(count)d person is waiting and will lose their place.",
                "%(count)d people are waiting and will lose their place.",
                waiting,
            )
            % {"count": waiting},
        )
        self.waiting = waiting


def check_close_office(actor: Staff, office: Office, confirmed_waiting: int) -> bool:
    """close_office() for an official who asked to: when they are the last one present and more people
    are waiting than they confirmed to send away (``confirmed_waiting``, the number their confirmation
    named), nothing changes and CloseNeedsConfirmation says how many. Counted under the office lock,
    so a person who entered after the confirmation was shown is asked about again."""
    with transaction.atomic():
        office = lock_office(office.pk)
        if not open_presences(office).exclude(staff=actor).exists():
            waiting = waiting_tickets(office).count()
            if waiting > confirmed_waiting and open_presences(office).filter(staff=actor).exists():
                raise CloseNeedsConfirmation(waiting)
        return close_office(actor, office)
