"""The officials' workspace page: one WebSocket for the queues of all their offices and their current
consultation. Actions (open, admit, decline, ...) are HTTP POSTs (staff.views); this socket carries the
snapshot, the deltas, signalling and chat."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from buergerbuero.authorities.models import Staff
from buergerbuero.calls import actions as call_actions
from buergerbuero.calls.consumers import CallMixin
from buergerbuero.calls.models import Participant
from buergerbuero.core import groups
from buergerbuero.staff.selectors import workspace_snapshot


class StaffConsumer(CallMixin):
    staff_id: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        staff = None
        if user is not None and user.is_authenticated:
            staff = await database_sync_to_async(lambda: Staff.objects.filter(user=user).first())()
        if staff is None:
            await self.close(code=4403)
            return
        self.staff_id = staff.pk
        await self.accept()
        snapshot = await database_sync_to_async(workspace_snapshot)(staff)
        await self.join(groups.staff(staff.pk))
        for office in snapshot["offices"]:
            await self.join(groups.office_staff(office["id"]))
        # The snapshot is read after joining, so no delta between the two is lost.
        snapshot = await database_sync_to_async(workspace_snapshot)(staff)
        participant = snapshot.pop("participant")
        await self.send_frame(snapshot)
        if participant:
            await self.enter_call(participant)

    async def _staff(self) -> Staff:
        return await database_sync_to_async(Staff.objects.select_related("user").get)(pk=self.staff_id)

    async def frame_call_hangup(self, frame: dict[str, Any]) -> None:
        self._require_in_call()
        participant = await database_sync_to_async(Participant.objects.select_related("consultation").get)(
            pk=self.participant_id
        )
        staff = await self._staff()
        await database_sync_to_async(call_actions.hang_up_as)(participant, staff)

    async def on_event(self, event: dict[str, Any]) -> None:
        if await self.on_call_event(event):
            return
        kind = event["type"]
        if kind == "staff.consultation":
            if event["consultation"] is None:
                return
            if event.get("call"):
                await self.enter_call(event["call"]["me"], event["call"])
                return
            participant_id = await database_sync_to_async(
                lambda: (
                    Participant.objects.filter(
                        consultation_id=event["consultation"], staff_id=self.staff_id, left_at__isnull=True
                    )
                    .values_list("pk", flat=True)
                    .first()
                )
            )()
            if participant_id:
                await self.enter_call(participant_id)
        elif kind in ("office.state", "office.queue", "colleague.invited", "staff.me"):
            await self.send_frame(event)
