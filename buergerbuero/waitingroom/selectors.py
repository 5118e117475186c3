"""Read-only queries about the waiting area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.models import Ticket, TicketState
from buergerbuero.waitingroom.tokens import session_hash

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def queue_key(ticket: Ticket) -> list[int]:
    """A total order of waiting tickets as plain integers, sent to clients with queue deltas:
    smaller means further ahead."""
    micros = int((ticket.enqueued_at - EPOCH).total_seconds() * 1_000_000)
    return [-ticket.priority, micros, ticket.pk]


def ticket_of_session(session: Any) -> Ticket | None:
    """The ticket whose token hash the browser's session holds (waitingroom.tokens)."""
    token_hash = session_hash(session)
    if token_hash is None:
        return None
    return Ticket.objects.select_related("office__authority").filter(token_hash=token_hash).first()


def waiting_tickets(office: Office) -> QuerySet[Ticket]:
    return Ticket.objects.filter(office=office, state=TicketState.WAITING).order_by(
        "-priority", "enqueued_at", "id"
    )


def waiting_counts(office_ids: list[int]) -> dict[int, int]:
    """How many people wait in each of the offices, in one query; offices without anyone are left out
    (the office's live state, offices.selectors.LiveSources, set in waitingroom/apps.py)."""
    return dict(
        Ticket.objects.filter(office_id__in=office_ids, state=TicketState.WAITING)
        .values("office_id")
        .annotate(n=Count("id"))
        .values_list("office_id", "n")
    )


def _ahead_of(ticket: Ticket) -> QuerySet[Ticket]:
    return Ticket.objects.filter(office_id=ticket.office_id, state=TicketState.WAITING).filter(
        Q(priority__gt=ticket.priority)
        | Q(priority=ticket.priority, enqueued_at__lt=ticket.enqueued_at)
        | Q(priority=ticket.priority, enqueued_at=ticket.enqueued_at, id__lt=ticket.pk)
    )


def position(ticket: Ticket) -> int:
    """1-based place of a waiting ticket in its office's queue."""
    return _ahead_of(ticket).count() + 1


@dataclass(frozen=True)
class Place:
    """A ticket (with its office and authority) and where it stands, as one statement read them."""

    ticket: Ticket
    position: int  # 1-based place among the waiting; meaningful only while the ticket waits
    seq: int  # the office's queue sequence (queue.delta events with a higher one came after)
    waiting: int  # how many wait in the office


def place_of(ticket_id: int) -> Place | None:
    """The ticket, its position, the office's queue sequence and how many wait there, in ONE statement:
    a waiting page's snapshot after every reconnect, so it costs one round trip, and its parts describe
    the same committed state."""
    waiting = Ticket.objects.filter(office_id=OuterRef("office_id"), state=TicketState.WAITING)
    ahead = waiting.filter(
        Q(priority__gt=OuterRef("priority"))
        | Q(priority=OuterRef("priority"), enqueued_at__lt=OuterRef("enqueued_at"))
        | Q(priority=OuterRef("priority"), enqueued_at=OuterRef("enqueued_at"), id__lt=OuterRef("pk"))
    )

    def count(queryset: QuerySet[Ticket]) -> Coalesce:
        return Coalesce(
            Subquery(queryset.order_by().values("office_id").annotate(n=Count("pk")).values("n")), 0
        )

    ticket = (
        Ticket.objects.select_related("office__authority")
        .annotate(ahead=count(ahead), waiting_here=count(waiting), seq=F("office__queue_seq"))
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return None
    # The annotations ride on the instance; read them by name.
    values = vars(ticket)
    return Place(ticket, values["ahead"] + 1, values["seq"], values["waiting_here"])


# Officials see the head of the queue; beyond it only the count matters (and it keeps every queue
# change cheap when thousands wait).
STAFF_QUEUE_LIMIT = 100


def queue_entries(office: Office, limit: int = STAFF_QUEUE_LIMIT) -> list[dict[str, object]]:
    """The head of the queue as officials see it (the total is in ``office.state``'s ``waiting``)."""
    return [
        {
            "ticket": t.pk,
            "name": t.display_name,
            "concern": t.concern,
            "waiting_since": t.created_at.isoformat(),
            "returned": t.returned,
            "transferred_from": t.transferred_from.office.name if t.transferred_from is not None else "",
            "transfer_note": t.transfer_note,
            "connected": t.disconnected_at is None,
            "appointment": t.appointment_at.isoformat() if t.appointment_at else "",
            # "14:30": the start in the office's time, as the official reads it from the booking list.
            "appointment_time": (
                t.appointment_at.astimezone(office.tz).strftime("%H:%M") if t.appointment_at else ""
            ),
        }
        for t in waiting_tickets(office).select_related("transferred_from__office")[:limit]
    ]
