"""Typed events about tickets and queues. Sent only from actions, after commit."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from buergerbuero.core import groups
from buergerbuero.core.events import send_after_commit
from buergerbuero.offices.events import announce_office_state
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.models import Ticket
from buergerbuero.waitingroom.selectors import queue_entries, queue_key


class QueueDeltaEvent(TypedDict):
    type: Literal["queue.delta"]
    office: int
    seq: int
    op: Literal["add", "remove"]
    key: list[int]
    office_state: dict[str, object]  # as in office.state, after this change


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
    """A ticket came into or left the queue. Call it after the action's other changes to the office:
    it also announces the office's state, and the waiting pages get that state inside the delta, so one
    change costs each waiting page one event and at most one frame (bench/bench_waiting.py)."""
    seq = bump_queue_seq(office)
    state = announce_office_state(office, waiting_pages=False)
    delta: QueueDeltaEvent = {
        "type": "queue.delta",
        "office": office.pk,
        "seq": seq,
        "op": op,
        "key": queue_key(ticket),
        "office_state": state,
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


class QueueConnectedEvent(TypedDict):
    type: Literal["queue.connected"]
    office: int
    ticket: int
    connected: bool


def announce_ticket_connected(ticket: Ticket, connected: bool) -> None:
    """A waiting citizen's page opened or closed its socket: one small event for the officials' list
    (its "page closed" mark), never a full listing, and nothing for the other waiting pages, so
    thousands of pages coming and going cost the office's few workspaces one frame each."""
    event: QueueConnectedEvent = {
        "type": "queue.connected",
        "office": ticket.office_id,
        "ticket": ticket.pk,
        "connected": connected,
    }
    send_after_commit(groups.office_staff(ticket.office_id), event)


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
