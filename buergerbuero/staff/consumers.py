"""The officials' workspace page: one WebSocket for the queues of all their offices and their current
consultation. Actions (open, admit, decline, ...) are HTTP POSTs (staff.views); this socket carries the
snapshot, the deltas, signalling and chat.

An official may have the workspace open in several tabs, but exactly one connection holds the call
(docs/architecture.md, "One page holds the call"): only it is in the participant's and the consultation's
groups and gets ``call.start``; the others get ``call.elsewhere`` and may take the call over
(``call.take_over``). Each page load names itself with a random ``page`` id in the socket's query string,
and a reloaded tab names the page it showed before (``previous``), so it gets its call back. The
database (``Participant.call_page``/``call_connection``) decides, never the state of one process: the
pages of one official may be served by different workers.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.authorities.models import Staff
from buergerbuero.calls.actions import colleagues, holding
from buergerbuero.calls.consumers import CallMixin
from buergerbuero.calls.models import Consultation, Participant
from buergerbuero.calls.selectors import active_participant, call_start_frame
from buergerbuero.core import groups, liveness
from buergerbuero.core.consumers import require_int
from buergerbuero.core.errors import ActionError
from buergerbuero.offices import actions as office_actions
from buergerbuero.staff.access import WorkspaceAccess, session_expires_at, workspace_access
from buergerbuero.staff.forms import PAGE_ID_PATTERN
from buergerbuero.staff.selectors import workspace_snapshot

logger = logging.getLogger(__name__)

PAGE_ID = re.compile(PAGE_ID_PATTERN)
# After this connection took a call over from another page, signals addressed to the participant that
# were sent before the others heard of the move belong to the old page's peer connections. They are
# dropped until this connection's own ``consultation.moved`` arrives, or at most this long.
STALE_SIGNAL_SECONDS = 5.0


def own_consultation(participant_id: int, staff_id: int) -> int | None:
    """The running consultation of one of the official's own joined participants, or None."""
    return (
        Participant.objects.filter(
            pk=participant_id,
            staff_id=staff_id,
            joined_at__isnull=False,
            left_at__isnull=True,
            consultation__ended_at__isnull=True,
        )
        .values_list("consultation_id", flat=True)
        .first()
    )


def end_reason(consultation_id: int) -> str:
    reason = Consultation.objects.filter(pk=consultation_id).values_list("end_reason", flat=True).first()
    return reason or "left"


class StaffConsumer(CallMixin):
    staff: Staff
    staff_id: int | None = None
    user_id: int | None = None
    session_key: str | None = None
    # What the socket was last authorised for, and the offices whose staff groups it is in.
    access: WorkspaceAccess | None = None
    office_ids: set[int] = set()  # replaced, never changed in place
    page: str = ""
    previous: str = ""
    connection: str = ""
    # The web worker serving this socket, named on the call it holds (core.liveness).
    worker: UUID | None = None
    # The consultation (and participant) that this official takes part in through another page.
    elsewhere: tuple[int, int] | None = None
    _stale_until: float = 0.0
    _tasks: set[asyncio.Task[None]]

    async def connect(self) -> None:
        user = self.scope.get("user")
        staff = None
        if user is not None and user.is_authenticated:
            staff = await database_sync_to_async(lambda: Staff.objects.filter(user=user).first())()
        if staff is None:
            await self.close(code=4403)
            return
        self.staff = staff
        self.staff_id = staff.pk
        self.connection = secrets.token_hex(8)
        self.peers = set()
        self._tasks = set()
        await self.accept()
        # Written on every call this socket holds, so the call is let go should this worker die.
        self.worker = await liveness.this_worker(self)
        # The official is present in their open offices while a workspace page is connected.
        await database_sync_to_async(office_actions.note_workspace_alive)(staff.pk)
        self.spawn(self._heartbeat())
        bad_ids = self._read_page_ids()
        self.user_id = user.pk
        self.session_key = self.scope["session"].session_key
        await self.join(groups.staff(staff.pk))
        # Checked after joining the official's group: any change from here on reaches this socket as
        # ``staff.access`` (recheck_access), so none falls between the check and the joins.
        access = await database_sync_to_async(workspace_access)(self.session_key, self.user_id)
        if access is None:
            await self.leave_all()
            await self.close(code=4403)
            return
        self.access = access
        self.staff = access.staff
        self.spawn(self._until_session_ends())
        await self._follow_offices(access.offices)
        if bad_ids:
            await self.send_error("invalid", _("This page identifies itself wrongly. Please reload it."))
        await self._send_snapshot()

    async def _follow_offices(self, office_ids: frozenset[int]) -> None:
        """Be in the staff groups of exactly these offices (their queues carry names and concerns)."""
        for office_id in sorted(self.office_ids - office_ids):
            await self.leave(groups.office_staff(office_id))
        for office_id in sorted(office_ids - self.office_ids):
            await self.join(groups.office_staff(office_id))
        self.office_ids = set(office_ids)

    async def _send_snapshot(self) -> None:
        # Read after joining the groups, so no delta between the two is lost.
        snapshot = await database_sync_to_async(workspace_snapshot)(self.staff)
        participant = snapshot.pop("participant")
        await self.send_frame(snapshot)
        if self.participant_id is not None:
            # A fresh snapshot is followed by the call it shows, as after a reconnect (the page keeps
            # its peer connections).
            held = await database_sync_to_async(active_participant)(self.participant_id)
            if held is not None:
                await self.send_frame(await database_sync_to_async(call_start_frame)(held))
                return
        if participant:
            await self.hold_if_running(participant)

    async def recheck_access(self) -> None:
        """Something this socket was authorised on changed (staff.signals): check again. A page that may
        no longer use the workspace leaves every group before it closes (4403), so not one more event
        of an office reaches it; one whose offices changed follows them and gets a fresh snapshot."""
        if self._closing or self.access is None:
            return
        access = await database_sync_to_async(workspace_access)(self.session_key, self.user_id)
        if access is None:
            await self.leave_all()
            await self.close(code=4403)
            return
        self.staff = access.staff
        if access == self.access:
            return
        self.access = access
        await self._follow_offices(access.offices)
        await self._send_snapshot()

    async def _until_session_ends(self) -> None:
        """A session that simply runs out changes nothing a signal could announce: wait for its end
        (read again each time, since use may have extended it) and check access then."""
        while not self._closing:
            expires = await database_sync_to_async(session_expires_at)(self.session_key)
            if expires is None:
                return
            left = (expires - timezone.now()).total_seconds()
            if left <= 0:
                await self.recheck_access()
                return
            await asyncio.sleep(min(left + 0.1, 3600.0))

    def _read_page_ids(self) -> bool:
        """The page's own id and the one its tab showed before a reload, from the query string. A
        missing or malformed id gets a random one (the page then cannot claim a call by name)."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        page = (query.get("page") or [""])[0]
        previous = (query.get("previous") or [""])[0]
        bad = bool(page and not PAGE_ID.fullmatch(page)) or bool(previous and not PAGE_ID.fullmatch(previous))
        self.page = page if PAGE_ID.fullmatch(page) else "srv-" + secrets.token_hex(12)
        self.previous = previous if PAGE_ID.fullmatch(previous) and previous != self.page else ""
        return bad

    async def reclaim(self) -> None:
        """This worker was taken for dead while the page stayed open (core.liveness): hold its call
        again unless another connection has taken it meanwhile."""
        if self.participant_id is None or self.worker is None or self._closing:
            return
        await database_sync_to_async(holding.call_reclaimed)(
            self.participant_id, self.page, self.connection, self.worker
        )

    async def disconnect(self, code: int) -> None:
        liveness.release(self)
        try:
            for task in list(getattr(self, "_tasks", ())):
                task.cancel()
            if self.staff_id is not None:
                # The grace before the official's offices close counts from the page's departure.
                await database_sync_to_async(office_actions.note_workspace_alive)(self.staff_id)
            if self.participant_id is not None:
                await database_sync_to_async(holding.release_call)(self.participant_id, self.connection)
        finally:
            await super().disconnect(code)

    async def _heartbeat(self) -> None:
        """Keep the official present while this page is connected. A worker that dies stops this loop
        with everything else, and the presence ends once the grace has passed."""
        interval = min(30.0, settings.PRESENCE_GRACE_SECONDS / 4)
        while True:
            await asyncio.sleep(interval)
            try:
                await database_sync_to_async(office_actions.note_workspace_alive)(self.staff_id)
            except Exception:
                logger.exception("presence heartbeat failed")

    async def _staff(self) -> Staff:
        return await database_sync_to_async(Staff.objects.select_related("user").get)(pk=self.staff_id)

    # --- which page holds the call ------------------------------------------------------------------

    async def hold(self, participant_id: int, *, take_over: bool = False) -> None:
        """Hold the call of the official's participant on this connection if calls.actions.holding.hold_call
        lets it, and start it (``call.start``); else show it as running elsewhere."""
        if self.participant_id == participant_id:
            return
        assert self.staff_id is not None
        consultation_id = await database_sync_to_async(own_consultation)(participant_id, self.staff_id)
        if consultation_id is None:
            raise ActionError("not_participant", _("You are not taking part in this consultation."))
        # Joined before the call is ours (and only after the check above): when the others hear of the
        # move, their new offers must find this connection in the group.
        call_groups = [groups.consultation(consultation_id), groups.participant(participant_id)]
        for group in call_groups:
            await self.join(group)
        try:
            outcome = await database_sync_to_async(holding.hold_call)(
                participant_id,
                self.staff,
                self.page,
                self.connection,
                previous=self.previous,
                take_over=take_over,
                worker=self.worker,
            )
        except BaseException:
            await self._leave_unless_in_call(call_groups)
            raise
        if outcome in ("elsewhere", "unheld"):
            await self._leave_unless_in_call(call_groups)
            await self.show_elsewhere(consultation_id, participant_id, held=outcome == "elsewhere")
            return
        if outcome == "taken":
            self._stale_until = asyncio.get_running_loop().time() + STALE_SIGNAL_SECONDS
        self.elsewhere = None
        await self.enter_call(participant_id)

    async def hold_if_running(self, participant_id: int) -> None:
        """hold() for a call the server found, not the page: one that ended meanwhile is no error."""
        try:
            await self.hold(participant_id)
        except ActionError:
            return  # the consultation ended in between; its end reaches the page as an event

    async def _leave_unless_in_call(self, call_groups: list[str]) -> None:
        mine = set()
        if self.consultation_id is not None and self.participant_id is not None:
            mine = {groups.consultation(self.consultation_id), groups.participant(self.participant_id)}
        for group in call_groups:
            if group not in mine:
                await self.leave(group)

    async def show_elsewhere(self, consultation_id: int, participant_id: int, *, held: bool) -> None:
        self.elsewhere = (consultation_id, participant_id)
        await self.send_frame(
            {
                "type": "call.elsewhere",
                "consultation": consultation_id,
                "participant": participant_id,
                "held": held,
            }
        )

    async def on_own_call_moved(self, event: dict[str, Any]) -> None:
        if event["connection"] == self.connection:
            self._stale_until = 0.0  # from here on, signals are meant for this page
            return
        consultation_id, participant_id = event["consultation"], event["participant"]
        await self.exit_call()
        await self.show_elsewhere(consultation_id, participant_id, held=True)

    async def _record_hold(self, participant_id: int) -> None:
        """After entering a call from the admission event (without a query, so the citizen's first offer
        finds this connection in time), write down which connection holds it."""
        try:
            outcome = await database_sync_to_async(holding.hold_call)(
                participant_id, self.staff, self.page, self.connection, worker=self.worker
            )
        except ActionError:
            return  # the call ended meanwhile; its end arrives as an event
        except Exception:
            logger.exception("recording the call's connection failed")
            return
        if outcome in ("elsewhere", "unheld") and self.participant_id == participant_id:
            consultation_id = self.consultation_id
            await self.exit_call()
            if consultation_id is not None:
                await self.show_elsewhere(consultation_id, participant_id, held=outcome == "elsewhere")

    def spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- frames from the page --------------------------------------------------------------------------

    async def frame_call_take_over(self, frame: dict[str, Any]) -> None:
        await self.hold(require_int(frame, "participant"), take_over=True)

    async def frame_call_hangup(self, frame: dict[str, Any]) -> None:
        self._require_in_call()
        participant = await database_sync_to_async(Participant.objects.select_related("consultation").get)(
            pk=self.participant_id
        )
        staff = await self._staff()
        await database_sync_to_async(colleagues.hang_up_as)(participant, staff)

    # --- events ----------------------------------------------------------------------------------------

    async def on_event(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "signal" and self._stale_until:
            if asyncio.get_running_loop().time() < self._stale_until:
                return
            self._stale_until = 0.0
        if await self.on_call_event(event):
            return
        if kind == "staff.access":
            await self.recheck_access()
        elif kind == "staff.consultation":
            await self.on_staff_consultation(event)
        elif kind in ("office.state", "office.queue", "queue.connected", "colleague.invited", "staff.me"):
            await self.send_frame(event)

    async def on_staff_consultation(self, event: dict[str, Any]) -> None:
        if event["consultation"] is None:
            # The official's consultation is over. A page that held it heard it from the consultation's
            # group; the others are told here.
            if self.elsewhere is not None:
                consultation_id = self.elsewhere[0]
                self.elsewhere = None
                reason = await database_sync_to_async(end_reason)(consultation_id)
                await self.send_frame(
                    {"type": "call.ended", "consultation": consultation_id, "reason": reason}
                )
            return
        participant_id = event["participant"]
        if event["page"] == self.page:
            # This page let the citizen in (or accepted the invitation): it holds the call. Admission
            # carries the call, so the call starts without a query.
            self.elsewhere = None
            if event.get("call"):
                await self.enter_call(participant_id, event["call"])
            else:
                await self.enter_call(participant_id)
            self.spawn(self._record_hold(participant_id))
        elif not event["page"]:
            await self.hold_if_running(participant_id)
        else:
            await self.show_elsewhere(event["consultation"], participant_id, held=True)
