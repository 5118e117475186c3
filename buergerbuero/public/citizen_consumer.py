"""The citizen's page: one WebSocket for waiting and for the consultation that follows. It lives with
the citizens' pages, above both apps it serves: the queue (waitingroom) and the call (calls).

The ticket is found through the token in the browser's Django session, never through the URL. On
connect the page gets a snapshot (ticket, position, office state, and the call if admitted); then
deltas. Queue positions follow ``queue.delta`` events: each carries the office's queue sequence and the
queue key of the ticket that came or went; a delta ahead of us moves us by one. A gap in the sequence
(events can arrive out of order across workers) makes the consumer re-read its position.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from typing import Any, cast
from urllib.parse import parse_qs
from uuid import UUID

from channels.db import database_sync_to_async
from django.utils import translation
from django.utils.translation import gettext as _

from buergerbuero.calls.actions import admission, course, holding
from buergerbuero.calls.consumers import CallMixin
from buergerbuero.calls.models import CALL_PAGE_ID_PATTERN, Participant, ParticipantRole
from buergerbuero.core import groups, liveness
from buergerbuero.core.consumers import FrameError, dumps
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.selectors import OfficeState, office_state
from buergerbuero.waitingroom import actions
from buergerbuero.waitingroom.fanout import fanout
from buergerbuero.waitingroom.models import Ticket, TicketState
from buergerbuero.waitingroom.selectors import place_of, queue_key, ticket_of_session

logger = logging.getLogger(__name__)

PAGE_ID = re.compile(CALL_PAGE_ID_PATTERN)


def _snapshot(ticket_id: int) -> dict[str, Any] | None:
    """What a page needs after every (re)connect. Every page of a worker that died comes through here
    at once, on the process's one database thread: three queries while waiting (waitingroom.selectors
    .place_of, and the office's state around the count it read)."""
    place = place_of(ticket_id)
    if place is None:
        return None
    ticket = place.ticket
    participant_id = None
    if ticket.state in (TicketState.INVITED, TicketState.IN_CONSULTATION):
        participant_id = (
            Participant.objects.filter(
                consultation__ticket=ticket, consultation__ended_at__isnull=True, role=ParticipantRole.CITIZEN
            )
            .values_list("pk", flat=True)
            .first()
        )
    return {
        "ticket": ticket,
        "seq": place.seq,
        "position": place.position if ticket.state == TicketState.WAITING else 0,
        "state": office_state(ticket.office, waiting=place.waiting),
        "participant": participant_id,
    }


def _office_state(event: dict[str, Any]) -> OfficeState:
    return OfficeState(
        office_id=event["office"],
        state=event["state"],
        waiting=event["waiting"],
        officials_present=event["officials_present"],
        officials_free=event["officials_free"],
        service_seconds=event["service_seconds"],
    )


class CitizenConsumer(CallMixin):
    ticket_id: int | None = None
    # The page load's own id (``?page=``), "" when missing or malformed: a reload has a new one, a
    # reconnect of the socket the same (calls.actions.holding.hold_citizen_call).
    page: str = ""
    # The web worker serving this socket, named on the ticket (core.liveness).
    worker: UUID | None = None
    queue_office: int | None = None
    # This page's place, from its snapshot and then the queue events (see queue_frame).
    seq: int
    key: list[int]
    position: int
    office_state: OfficeState
    # Queue events held while the position is (re)read from the database; None otherwise.
    _held: list[dict[str, Any]] | None = None
    _tasks: set[asyncio.Task[None]]

    async def connect(self) -> None:
        self.connection_id = secrets.token_hex(8)
        self._tasks = set()
        session = self.scope.get("session")
        ticket = await database_sync_to_async(ticket_of_session)(session)
        if ticket is None or ticket.state not in (
            TicketState.WAITING,
            TicketState.INVITED,
            TicketState.IN_CONSULTATION,
        ):
            await self.close(code=4404)
            return
        await self.accept()
        page = (parse_qs(self.scope.get("query_string", b"").decode("latin-1")).get("page") or [""])[0]
        self.page = page if PAGE_ID.fullmatch(page) else ""
        if page and not self.page:
            await self.send_error("invalid", _("This page identifies itself wrongly. Please reload it."))
        await self.attach(ticket)

    async def attach(self, ticket: Ticket) -> None:
        self.ticket_id = ticket.pk
        self.office_id = ticket.office_id
        await self.join(groups.ticket(ticket.pk))
        # Queue events come through this process's fan-out (waitingroom/fanout.py), from now on: the
        # ones before the snapshot is read are held and replayed after it.
        self._held = []
        self.queue_office = ticket.office_id
        await fanout(self.channel_layer).add(ticket.office_id, self)
        self.worker = await liveness.this_worker(self)
        await database_sync_to_async(actions.connection_opened)(ticket, self.connection_id, self.worker)
        await self.send_snapshot()

    async def leave_all(self) -> None:
        if self.queue_office is not None:
            office, self.queue_office = self.queue_office, None
            await fanout(self.channel_layer).discard(office, self)
        await super().leave_all()

    async def send_snapshot(self) -> None:
        assert self.ticket_id is not None
        if self._held is None:
            self._held = []
        snap = await database_sync_to_async(_snapshot)(self.ticket_id)
        if snap is None:
            self._held = None
            await self.close(code=4404)
            return
        ticket: Ticket = snap["ticket"]
        self.ticket_state = ticket.state
        self._take_position(snap)
        held, self._held = self._held, None
        await self.send_frame(
            {
                "type": "snapshot",
                "ticket": {
                    "id": ticket.pk,
                    "state": ticket.state,
                    "name": ticket.display_name,
                    "returned": ticket.returned,
                    "transferred": bool(ticket.transferred_from_id),
                },
                "office": {"id": ticket.office_id, "name": ticket.office.name, "slug": ticket.office.slug},
                "position": self.position,
                "expected_wait_seconds": self.office_state.expected_wait_seconds(self.position),
                "office_state": self.office_state.as_event(),
            }
        )
        await self.replay(held)
        if snap["participant"]:
            if self.page:
                # Before call.start: the other pages must hear of a reload before this page's first offer.
                await database_sync_to_async(holding.hold_citizen_call)(snap["participant"], self.page)
            await self.enter_call(snap["participant"])

    async def reclaim(self) -> None:
        """This worker was taken for dead while the page stayed open (core.liveness): hold the ticket
        again unless another page of the citizen has taken it."""
        if self.ticket_id is None or self.worker is None or self._closing:
            return
        ticket = await database_sync_to_async(Ticket.objects.filter(pk=self.ticket_id).first)()
        if ticket is not None:
            reclaim = database_sync_to_async(actions.connection_reclaimed)
            await reclaim(ticket, self.connection_id, self.worker)

    async def disconnect(self, code: int) -> None:
        liveness.release(self)
        if self.ticket_id is not None:
            ticket = await database_sync_to_async(Ticket.objects.filter(pk=self.ticket_id).first)()
            if ticket is not None:
                await database_sync_to_async(actions.connection_closed)(ticket, self.connection_id)
        await super().disconnect(code)

    # --- frames from the page -------------------------------------------------------------------

    async def _ticket(self) -> Ticket:
        ticket_id = self.ticket_id
        ticket = (
            await database_sync_to_async(Ticket.objects.select_related("office").filter(pk=ticket_id).first)()
            if ticket_id is not None
            else None
        )
        if ticket is None:
            raise FrameError("no_ticket", _("Your place in the waiting area has ended."))
        return ticket

    async def frame_leave(self, frame: dict[str, Any]) -> None:
        await database_sync_to_async(admission.citizen_leaves)(await self._ticket())

    async def frame_call_join(self, frame: dict[str, Any]) -> None:
        # Recording the join takes a write transaction; the page's first offer follows this frame at
        # once and must not queue behind it, so the action runs beside the frame loop. The citizen may
        # signal from admission on anyway (calls.consumers.reachable).
        self.spawn(self._record_join())

    async def _record_join(self) -> None:
        with translation.override(self.language):
            try:
                ticket = await self._ticket()
                if ticket.state not in (TicketState.INVITED, TicketState.IN_CONSULTATION):
                    raise FrameError("not_invited", _("You have not been let in yet."))
                await database_sync_to_async(admission.citizen_joined)(ticket)
            except (FrameError, ActionError) as exc:
                await self.send_error(exc.code, exc.message)
            except Exception:
                logger.exception("recording the join failed")
                await self.send_error("internal", _("Something went wrong. Please try again."))

    async def _record_page(self, participant_id: int) -> None:
        """Write down the page that runs the call from admission on, beside the frame loop (the first
        offer must not wait for it), so that a later reload is told apart from a reconnect."""
        if not self.page:
            return
        try:
            await database_sync_to_async(holding.hold_citizen_call)(participant_id, self.page)
        except Exception:
            logger.exception("recording the call's page failed")

    async def frame_call_hangup(self, frame: dict[str, Any]) -> None:
        self._require_in_call()
        participant_id = cast(int, self.participant_id)
        consultation = await database_sync_to_async(
            lambda: Participant.objects.select_related("consultation").get(pk=participant_id).consultation
        )()
        await database_sync_to_async(course.hang_up)(consultation, None)

    # --- events -----------------------------------------------------------------------------------

    async def on_event(self, event: dict[str, Any]) -> None:
        if await self.on_call_event(event):
            return
        kind = event["type"]
        if kind == "ticket.state":
            await self.apply_ticket_state(event)
        elif kind == "ticket.superseded" and event["connection"] != self.connection_id:
            # Another page of this citizen took over (reload, second tab): step back without
            # starting the grace period.
            await self.send_frame({"type": "superseded"})
            self.ticket_id = None
            await self.leave_all()
            await self.close(code=4409)

    # --- queue events (from the fan-out; synchronous, no I/O) -----------------------------------------

    def queue_frame(self, event: dict[str, Any]) -> str | None:
        """This page's frame for an event of its office's queue, or None. ``queue.delta`` moves the
        position by one when the change was ahead of us; a gap in the sequence (events can overtake
        each other across workers) has the position read again."""
        if self._held is not None:
            self._held.append(event)
            return None
        kind = event["type"]
        if kind == "queue.delta":
            return self._delta_frame(event)
        if kind == "office.state":
            self.office_state = _office_state(event)
            # One frame: the office's state together with this page's own expected wait.
            frame = dict(event)
            if self.ticket_state == TicketState.WAITING:
                frame["position"] = self.position
                frame["my_expected_wait_seconds"] = self.office_state.expected_wait_seconds(self.position)
            return dumps(frame)
        return None

    def _delta_frame(self, event: dict[str, Any]) -> str | None:
        if self.ticket_state != TicketState.WAITING or event["seq"] <= self.seq:
            return None
        before = (self.position, self.office_state.expected_wait_seconds(self.position))
        if "office_state" in event:
            self.office_state = _office_state(event["office_state"])
        if event["seq"] != self.seq + 1:
            self._held = [event]
            self.spawn(self.resync_position())
            return None
        self.seq = event["seq"]
        if event["key"] != self.key and event["key"] < self.key:
            self.position += 1 if event["op"] == "add" else -1
        # At most one frame per change, and none when this page's figures stay the same.
        if (self.position, self.office_state.expected_wait_seconds(self.position)) == before:
            return None
        return self._position_text()

    def _position_text(self) -> str:
        return dumps(
            {
                "type": "position",
                "position": self.position,
                "expected_wait_seconds": self.office_state.expected_wait_seconds(self.position),
            }
        )

    async def replay(self, held: list[dict[str, Any]] | None) -> None:
        """Apply the queue events that came while the position was being read."""
        for event in held or ():
            text = self.queue_frame(event)
            if text is not None:
                await self.send_text(text)

    def resync(self) -> None:
        """The fan-out lost events (the channel layer was away): read the position again."""
        if self._held is None and self.ticket_id is not None and self.ticket_state == TicketState.WAITING:
            self._held = []
            self.spawn(self.resync_position())

    async def resync_position(self) -> None:
        if self._held is None:
            self._held = []
        snap = await database_sync_to_async(_snapshot)(self.ticket_id)
        held, self._held = self._held, None
        if snap is None:
            return
        self._take_position(snap)
        await self.send_text(self._position_text())
        await self.replay(held)

    def _take_position(self, snap: dict[str, Any]) -> None:
        """Position, queue key, sequence and office state as read from the database (_snapshot)."""
        self.seq = snap["seq"]
        self.key = queue_key(snap["ticket"])
        self.position = snap["position"]
        self.office_state = snap["state"]

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def apply_ticket_state(self, event: dict[str, Any]) -> None:
        self.ticket_state = event["state"]
        await self.send_frame(event)
        if event["reason"] == "transferred":
            # The token now belongs to the ticket in the other office: follow it.
            await self.leave_all()
            await self.exit_call()
            session = self.scope.get("session")
            ticket = await database_sync_to_async(ticket_of_session)(session)
            if ticket is not None:
                await self.attach(ticket)
            return
        if event["state"] == TicketState.WAITING:
            # Sent back: the queue key changed (priority), so re-read everything.
            await self.send_snapshot()
        elif event["state"] == TicketState.INVITED and event.get("call"):
            # Admission carries the call, so the call starts without a query.
            await self.enter_call(event["call"]["me"], event["call"])
            self.spawn(self._record_page(event["call"]["me"]))
        elif event["state"] == TicketState.INVITED and event.get("consultation"):
            participant_id = await database_sync_to_async(
                lambda: (
                    Participant.objects.filter(
                        consultation_id=event["consultation"], role=ParticipantRole.CITIZEN
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
            )()
            if participant_id:
                await self.enter_call(participant_id)
                self.spawn(self._record_page(participant_id))
