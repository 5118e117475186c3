"""Read-only queries about the waiting area."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Q, QuerySet

from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.models import Ticket, TicketState

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def queue_key(ticket: Ticket) -> list[int]:
    """A total order of waiting tickets as plain integers, sent to clients with queue deltas:
    smaller means further ahead."""
    micros = int((ticket.enqueued_at - EPOCH).total_seconds() * 1_000_000)
    return [-ticket.priority, micros, ticket.pk]


def waiting_tickets(office: Office) -> QuerySet[Ticket]:
    return Ticket.objects.filter(office=office, state=TicketState.WAITING).order_by(
        "-priority", "enqueued_at", "id"
    )


def position(ticket: Ticket) -> int:
    """1-based place of a waiting ticket in its office's queue."""
    ahead = Ticket.objects.filter(office_id=ticket.office_id, state=TicketState.WAITING).filter(
        Q(priority__gt=ticket.priority)
        | Q(priority=ticket.priority, enqueued_at__lt=ticket.enqueued_at)
        | Q(priority=ticket.priority, enqueued_at=ticket.enqueued_at, id__lt=ticket.pk)
    )
    return ahead.count() + 1


def queue_entries(office: Office) -> list[dict[str, object]]:
    """The queue as officials see it."""
    return [
        {
            "ticket": t.pk,
            "name": t.display_name,
            "concern": t.concern,
            "waiting_since": t.created_at.isoformat(),
            "returned": t.returned,
            "transferred_from": t.transferred_from.office.name if t.transferred_from_id else "",
            "transfer_note": t.transfer_note,
            "connected": t.disconnected_at is None,
        }
        for t in waiting_tickets(office).select_related("transferred_from__office")
    ]
