"""Typed events about tickets and queues. Sent only from actions, after commit."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from buergerbuero.core import groups
from buergerbuero.core.events import send_after_commit
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.models import Ticket
from buergerbuero.waitingroom.selectors import queue_entries, queue_key


class QueueDeltaEvent(TypedDict):
    type: Literal["queue.delta"]
    office: int
    seq: int
    op: Literal["add", "remove"]
    key: list[int]


class OfficeQueueEvent(TypedDict):
    type: Literal["office.queue"]
    office: int
    seq: int
    entries: list[dict[str, object]]


class TicketStateEvent(TypedDict):
    type: Literal["ticket.state"]
    ticket: int
    state: str
    # Why a ticket ended: "declined", "office_closed", "expired", "transferred", "done", "left", "returned"
    reason: str
    message: str
    consultation: int | None
    call: NotRequired[dict[str, object]]  # at admission: the citizen's call.start without ICE


def bump_queue_seq(office: Office) -> int:
    """Advance the office's queue sequence inside the current transaction (the office row is locked)."""
    office.queue_seq += 1
    Office.objects.filter(pk=office.pk).update(queue_seq=office.queue_seq)
    return office.queue_seq


def announce_queue_change(office: Office, op: Literal["add", "remove"], ticket: Ticket) -> None:
    seq = bump_queue_seq(office)
    delta: QueueDeltaEvent = {
        "type": "queue.delta",
        "office": office.pk,
        "seq": seq,
        "op": op,
        "key": queue_key(ticket),
    }
    send_after_commit(groups.office_queue(office.pk), delta)
    listing: OfficeQueueEvent = {
        "type": "office.queue",
        "office": office.pk,
        "seq": seq,
        "entries": queue_entries(office),
    }
    send_after_commit(groups.office_staff(office.pk), listing)


def announce_ticket_state(
    ticket: Ticket,
    reason: str = "",
    message: str = "",
    consultation: int | None = None,
    call: dict[str, object] | None = None,
) -> None:
    event: TicketStateEvent = {
        "type": "ticket.state",
        "ticket": ticket.pk,
        "state": ticket.state,
        "reason": reason,
        "message": message,
        "consultation": consultation,
    }
    if call is not None:
        event["call"] = call
    send_after_commit(groups.ticket(ticket.pk), event)


class TicketSupersededEvent(TypedDict):
    type: Literal["ticket.superseded"]
    ticket: int
    connection: str


def announce_ticket_superseded(ticket: Ticket, connection_id: str) -> None:
    event: TicketSupersededEvent = {
        "type": "ticket.superseded",
        "ticket": ticket.pk,
        "connection": connection_id,
    }
    send_after_commit(groups.ticket(ticket.pk), event)
