"""The media frames of a room's page: our server between the browser and Janus (docs/group-sessions.md,
Signalling). ``MediaMixin`` checks each ``media.*`` frame and hands it to the page's ``MemberMedia``
(rooms.membermedia), which talks to Janus.

Invariants a reader must not break:

- A frame never carries a room secret, a Janus session, handle or room number, or an instance address:
  members are named by our member ids (which are also their Janus ids) and streams by their ``mid``.
- A member publishes only when rooms.access.may_publish allows it, checked here against the member read
  afresh: a refused offer never reaches Janus.
- When Janus or our connection to it goes away, the page's media is set up again (new session, a new
  ``media.config``; the browser rebuilds its connections), with backoff, until the page closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from buergerbuero.calls.ice import ice_configuration
from buergerbuero.core.consumers import BaseConsumer, FrameError, require_str
from buergerbuero.core.errors import ActionError
from buergerbuero.core.tasks import cancel_and_wait
from buergerbuero.media import streaming
from buergerbuero.media.connections import MediaUnavailable
from buergerbuero.media.janus import JanusError
from buergerbuero.media.placement import janus_room_for
from buergerbuero.rooms.access import may_publish
from buergerbuero.rooms.membermedia import PUBLISHERS_FULL, MemberMedia
from buergerbuero.rooms.models import Member, Room

logger = logging.getLogger(__name__)

# An SDP of a browser with camera, microphone and screen is about 6 KB; the frame limit still applies.
MAX_SDP = 32 * 1024
MAX_CANDIDATE = 1024
# Seconds between attempts to set the media up again after Janus went away (then the last one repeats).
RECOVERY_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)
_MID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


def _fresh_member(member_id: int) -> Member | None:
    return Member.objects.select_related("room").filter(pk=member_id).first()


class MediaMixin(BaseConsumer):
    """The media frames of the room consumer. The consumer sets ``room`` and ``member`` and calls
    ``media_ready`` once inside, ``media_permissions_changed`` after a change of the member's
    permissions (``member`` re-read) and ``media_close`` before it leaves."""

    room: Room | None
    member: Member | None
    _media: MemberMedia | None = None
    _media_recovery: asyncio.Task[None] | None = None
    _media_active = False

    # --- called by the consumer ---------------------------------------------------------------------

    async def media_ready(self) -> None:
        self._media_active = True
        await self._media_start()

    async def _media_start(self) -> bool:
        """Set up this page's media and send ``media.config``; False when Janus is not available."""
        assert self.room is not None and self.member is not None
        await self._media_drop()
        try:
            placed = await janus_room_for(self.room.pk)
            big = not may_publish(self.member, self.room) and streaming.use_streaming(
                await database_sync_to_async(_audience)(self.room.pk)
            )
            media = await MemberMedia.open(
                placed, self.room.pk, self.member.pk, self.send_frame, self._media_lost, use_streaming=big
            )
        except MediaUnavailable as exc:
            logger.warning("media of member %s: %s", self.member.pk, exc)
            await self.send_frame({"type": "media.refused", "reason": "unavailable", "message": exc.message})
            return False
        except ActionError as exc:
            await self.send_frame({"type": "media.refused", "reason": exc.code, "message": exc.message})
            return False
        if not self._media_active:  # the page closed meanwhile
            await media.close()
            return False
        self._media = media
        await self.send_frame(
            {
                "type": "media.config",
                **self._ice(),
                **self._permissions(),
                "feeds": media.feed_list(),
            }
        )
        return True

    async def media_permissions_changed(self) -> None:
        """After a change of the member's role, ``may_speak``, ``audio_muted`` or ``video_stopped``:
        stop a publication that is no longer allowed, apply a moderator's mute in Janus, and tell the page."""
        media = self._media
        if media is None or self.member is None or self.room is None:
            return
        permissions = self._permissions()
        if media.publishing:
            try:
                if not permissions["may_publish"]:
                    await media.unpublish()
                else:
                    await media.moderate(
                        audio_muted=self.member.audio_muted, video_stopped=self.member.video_stopped
                    )
            except (JanusError, ConnectionError, TimeoutError) as exc:
                logger.warning("media of member %s: %r", self.member.pk, exc)
        await self.send_frame({"type": "media.permissions", **permissions})

    async def media_close(self) -> None:
        self._media_active = False
        await self._media_drop()

    async def on_media_event(self, event: dict[str, Any]) -> None:
        """Channel-layer events of type ``media.*``: ``media.permissions`` (the member's permissions
        changed elsewhere; the consumer has re-read ``member``)."""
        if event.get("type") == "media.permissions":
            await self.media_permissions_changed()

    # --- frames -------------------------------------------------------------------------------------

    async def frame_media_publish(self, frame: dict[str, Any]) -> None:
        media = self._require_media()
        sdp = require_str(frame, "sdp", MAX_SDP)
        screen = frame.get("screen")
        if screen is not None and (not isinstance(screen, str) or not _MID.match(screen)):
            raise FrameError("invalid", _("The field “%(field)s” is not valid.") % {"field": "screen"})
        assert self.member is not None
        member = await database_sync_to_async(_fresh_member)(self.member.pk)
        if member is None or not may_publish(member, member.room):
            # Refused here: the offer never reaches Janus.
            await self.send_frame({"type": "media.refused", "reason": "not_allowed"})
            return
        try:
            answer = await media.publish(sdp, screen)
            await media.moderate(audio_muted=member.audio_muted, video_stopped=member.video_stopped)
        except JanusError as exc:
            logger.info("publish of member %s refused by Janus: %r", member.pk, exc)
            if exc.code == PUBLISHERS_FULL:
                await self.send_frame({"type": "media.refused", "reason": "full"})
                return
            raise FrameError(
                "media_failed", _("Your camera could not be connected. Please try again.")
            ) from None
        await self.send_frame({"type": "media.answer", "sdp": answer})

    async def frame_media_unpublish(self, frame: dict[str, Any]) -> None:
        await self._require_media().unpublish()

    async def frame_media_subscribe(self, frame: dict[str, Any]) -> None:
        await self._require_media().subscribe()

    async def frame_media_answer(self, frame: dict[str, Any]) -> None:
        media = self._require_media()
        sdp = require_str(frame, "sdp", MAX_SDP)
        stream = _stream_of(frame)
        try:
            await media.answer(sdp, stream)
        except JanusError as exc:
            logger.info("subscriber answer of member %s refused by Janus: %r", media.member_id, exc)
            raise FrameError(
                "media_failed", _("The video could not be connected. Please try again.")
            ) from None

    async def frame_media_candidate(self, frame: dict[str, Any]) -> None:
        media = self._require_media()
        target = frame.get("target")
        if target not in ("publisher", "subscriber", "stream"):
            raise FrameError("invalid", _("The field “%(field)s” is not valid.") % {"field": "target"})
        stream = _stream_of(frame)
        if (target == "stream") != (stream is not None):
            raise FrameError("invalid", _("The field “%(field)s” is not valid.") % {"field": "stream"})
        candidate = frame.get("candidate")
        if candidate is not None:
            candidate = _candidate(candidate)
        await media.trickle(target, candidate, stream)

    # --- internals ----------------------------------------------------------------------------------

    def _require_media(self) -> MemberMedia:
        if self._media is None or self._media.replaced:
            raise FrameError("media_not_ready", _("The video connection is not ready yet."))
        return self._media

    def _permissions(self) -> dict[str, Any]:
        assert self.member is not None and self.room is not None
        return {
            "may_publish": may_publish(self.member, self.room),
            "audio_muted": self.member.audio_muted,
            "video_stopped": self.member.video_stopped,
        }

    def _ice(self) -> dict[str, Any]:
        assert self.member is not None
        ice = ice_configuration(self.member.pk)
        return {"ice_servers": ice["iceServers"], "ice_transport_policy": ice["iceTransportPolicy"]}

    async def _media_drop(self) -> None:
        recovery, self._media_recovery = self._media_recovery, None
        await cancel_and_wait(recovery)
        media, self._media = self._media, None
        if media is not None:
            with contextlib.suppress(Exception):
                await media.close()

    def _media_lost(self) -> None:
        """Janus or the connection to it went away: set the media up again (the page gets a new
        ``media.config`` and rebuilds its connections)."""
        if self._media_active and self._media_recovery is None:
            self._media_recovery = asyncio.create_task(self._media_recover())

    async def _media_recover(self) -> None:
        lost, self._media = self._media, None
        if lost is not None:
            with contextlib.suppress(Exception):
                await lost.session.close()
        attempt = 0
        while self._media_active:
            await asyncio.sleep(RECOVERY_BACKOFF[min(attempt, len(RECOVERY_BACKOFF) - 1)])
            attempt += 1
            if not self._media_active:
                return
            try:
                self._media_recovery = None  # _media_start must not cancel this very task
                if await self._media_start():
                    return
            except Exception:
                logger.exception("media of member %s: recovery failed", getattr(self.member, "pk", None))
            finally:
                if self._media is None and self._media_active:
                    self._media_recovery = asyncio.current_task()  # type: ignore[assignment]


def _stream_of(frame: dict[str, Any]) -> int | None:
    """The member whose stream (a Streaming connection of its own) a frame is about, or None."""
    stream = frame.get("stream")
    if stream is None:
        return None
    if not isinstance(stream, int) or isinstance(stream, bool) or stream <= 0:
        raise FrameError("invalid", _("The field “%(field)s” is not valid.") % {"field": "stream"})
    return stream


def _audience(room_id: int) -> int:
    """How many members of the room watch without publishing (viewers, a webinar's participants)."""
    members = Member.objects.select_related("room").filter(room_id=room_id, removed_at__isnull=True)
    return sum(1 for member in members if not may_publish(member, member.room))


def _candidate(value: Any) -> dict[str, Any]:
    """A browser's ``RTCIceCandidate.toJSON()``: candidate text, sdpMid, sdpMLineIndex."""
    if not isinstance(value, dict):
        raise FrameError("invalid", _("The field “%(field)s” is not valid.") % {"field": "candidate"})
    text = value.get("candidate")
    mid = value.get("sdpMid")
    index = value.get("sdpMLineIndex")
    if (
        not isinstance(text, str)
        or len(text) > MAX_CANDIDATE
        or (mid is not None and (not isinstance(mid, str) or not _MID.match(mid)))
        or (
            index is not None
            and (not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 64)
        )
    ):
        raise FrameError("invalid", _("The field “%(field)s” is not valid.") % {"field": "candidate"})
    return {"candidate": text, "sdpMid": mid, "sdpMLineIndex": index}
