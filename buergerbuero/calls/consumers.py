"""Signalling and chat inside a consultation, shared by the citizen's and the officials' consumers.

The server is the only signalling peer: a ``signal`` frame is forwarded only from a joined participant
of a running consultation to another participant of the same consultation; everything else is refused.
Signalling and chat change no state, so they are relayed here rather than through actions. Chat is not
stored (docs/privacy.md).

Only the connection that holds a participant's call is in the participant's group, so signals reach
exactly one page. An official's pages decide which one that is (staff.consumers,
calls.actions.holding.hold_call); when it changes, ``consultation.moved`` tells the other participants'
pages to build new peer connections to that participant (frame ``call.moved``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.calls.ice import ice_configuration, renewal_delay
from buergerbuero.calls.selectors import active_participant, call_start_frame, with_ice
from buergerbuero.core import groups
from buergerbuero.core.consumers import BaseConsumer, FrameError, require_int, require_str

SIGNAL_KEYS = ("description", "candidate")


def reachable(participant: dict[str, Any]) -> bool:
    """Who takes part in signalling: every joined participant, and the admitted citizen even before
    the page reports ``call.join`` (the official let them in; their first offer must not wait for the
    join to be written). Invited colleagues count only once they accepted."""
    return bool(participant["joined"]) or participant["role"] == "citizen"


class CallMixin(BaseConsumer):
    consultation_id: int | None = None
    participant_id: int | None = None
    participant_name: str = ""
    # Whether this page's participant may signal: officials and colleagues once they joined, the citizen
    # from admission on (see reachable()).
    joined: bool = False
    peers: set[int]
    # Sends the page fresh TURN credentials while this connection holds a call (calls/ice.py).
    _ice_renewal: asyncio.Task[None] | None = None

    async def enter_call(self, participant_id: int, payload: dict[str, Any] | None = None) -> None:
        """Take part in a consultation: join its groups and send ``call.start``. With ``payload`` (from
        the admission event) no query is needed; otherwise the participant is read and checked."""
        if self.participant_id == participant_id:
            return
        if payload is not None:
            frame = with_ice(payload)
        else:
            participant = await database_sync_to_async(active_participant)(participant_id)
            if participant is None:
                return
            frame = await database_sync_to_async(call_start_frame)(participant)
        await self.exit_call()
        self.consultation_id = frame["consultation"]
        self.participant_id = participant_id
        self.participant_name = next(
            (p["name"] for p in frame["participants"] if p["id"] == participant_id), ""
        )
        self.peers = {p["id"] for p in frame["participants"] if p["id"] != participant_id and reachable(p)}
        self.joined = any(p["id"] == participant_id and reachable(p) for p in frame["participants"])
        await self.join(groups.consultation(frame["consultation"]))
        await self.join(groups.participant(participant_id))
        await self.send_frame(frame)
        self._stop_ice_renewal()
        if settings.TURN_URLS:
            self._ice_renewal = asyncio.create_task(self._renew_ice())

    async def _renew_ice(self) -> None:
        """``call.ice`` with fresh TURN credentials before the page's ones expire, for as long as this
        connection holds the call (cancelled when it lets go or closes). The page hands them to its peer
        connections (setConfiguration), so an ICE restart and a new connection can allocate a relay."""
        while True:
            await asyncio.sleep(renewal_delay())
            if self.participant_id is None or self.consultation_id is None:
                return
            await self.send_frame(
                {
                    "type": "call.ice",
                    "consultation": self.consultation_id,
                    "ice": ice_configuration(self.participant_id),
                }
            )

    def _stop_ice_renewal(self) -> None:
        if self._ice_renewal is not None:
            self._ice_renewal.cancel()
            self._ice_renewal = None

    async def disconnect(self, code: int) -> None:
        self._stop_ice_renewal()
        await super().disconnect(code)

    async def exit_call(self) -> None:
        self._stop_ice_renewal()
        if self.consultation_id is not None:
            await self.leave(groups.consultation(self.consultation_id))
        if self.participant_id is not None:
            await self.leave(groups.participant(self.participant_id))
        self.consultation_id = None
        self.participant_id = None
        self.joined = False
        self.peers = set()

    def _require_in_call(self) -> None:
        if self.consultation_id is None or self.participant_id is None:
            raise FrameError("not_in_call", _("You are not in a consultation."))

    async def frame_signal(self, frame: dict[str, Any]) -> None:
        self._require_in_call()
        to = require_int(frame, "to")
        if not self.joined or to not in self.peers:
            raise FrameError("forbidden", _("You cannot send to this participant."))
        payload = {key: frame[key] for key in SIGNAL_KEYS if key in frame}
        if len(payload) != 1 or not isinstance(next(iter(payload.values())), dict | type(None)):
            raise FrameError("invalid", _("A signal carries exactly one description or candidate."))
        await self.channel_layer.group_send(
            groups.participant(to),
            {"type": "event", "event": {"type": "signal", "from": self.participant_id, **payload}},
        )

    async def frame_chat(self, frame: dict[str, Any]) -> None:
        self._require_in_call()
        text = require_str(frame, "text", settings.CHAT_MAX_LENGTH)
        assert self.consultation_id is not None
        await self.channel_layer.group_send(
            groups.consultation(self.consultation_id),
            {
                "type": "event",
                "event": {
                    "type": "chat",
                    "consultation": self.consultation_id,
                    "from": self.participant_id,
                    "name": self.participant_name,
                    "text": text.strip(),
                    "at": timezone.now().isoformat(),
                },
            },
        )

    async def on_own_call_moved(self, event: dict[str, Any]) -> None:
        """This page's participant is held by another connection now (``consultation.moved``). Only an
        official's call moves between pages; the citizen's page has its own take-over (superseded)."""

    async def on_call_event(self, event: dict[str, Any]) -> bool:
        """Translate a consultation event into a frame. Returns False when it was not one."""
        kind = event["type"]
        if kind == "consultation.moved":
            if event["consultation"] != self.consultation_id:
                return True
            if event["participant"] == self.participant_id:
                await self.on_own_call_moved(event)
            elif event["reset"]:
                # The participant's media now comes from another page: the connection to the old one is
                # of no use, and the new page expects a new one.
                await self.send_frame(
                    {
                        "type": "call.moved",
                        "consultation": event["consultation"],
                        "participant": event["participant"],
                    }
                )
            return True
        if kind == "signal":
            if event["from"] in self.peers:
                await self.send_frame(event)
            return True
        if kind == "chat":
            if event["consultation"] == self.consultation_id:
                await self.send_frame(event)
            return True
        if kind == "consultation.participants":
            if event["consultation"] != self.consultation_id:
                return True
            self.peers = {
                p["id"] for p in event["participants"] if p["id"] != self.participant_id and reachable(p)
            }
            self.joined = any(p["id"] == self.participant_id and reachable(p) for p in event["participants"])
            if self.participant_id not in {p["id"] for p in event["participants"]}:
                await self.send_frame(
                    {"type": "call.ended", "consultation": event["consultation"], "reason": "left"}
                )
                await self.exit_call()
                return True
            await self.send_frame(
                {"type": "call.participants", **{k: v for k, v in event.items() if k != "type"}}
            )
            return True
        if kind == "consultation.ended":
            if event["consultation"] == self.consultation_id:
                await self.send_frame(
                    {"type": "call.ended", "consultation": event["consultation"], "reason": event["reason"]}
                )
                await self.exit_call()
            return True
        return False
