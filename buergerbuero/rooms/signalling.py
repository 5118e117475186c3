"""The media of a room's page: our server between the browser and Janus (docs/group-sessions.md, Signalling).

Every connected member gets one Janus session on the room's instance (media.placement) with two
VideoRoom handles:

- the *publisher* handle joins the Janus room as a publisher with Janus id = display = our member id,
  also for members who never publish (a listener), so the page learns which members publish (``feeds``);
  it publishes only when rooms.access.may_publish allows it, checked on our side before anything reaches
  Janus;
- the *subscriber* handle is one multistream subscription to every other member's feed, kept in step with
  the feeds by the server (Janus offers, the browser answers).

The browser is always the offerer of its publisher connection and always the answerer of its subscriber
connection, so the two sides can never glare. Janus's candidates are in its SDP; only the browser trickles.

Invariants a reader must not break:

- A frame never carries a room secret, a Janus session, handle or room number, or an instance address:
  members are named by our member ids (which are also their Janus ids) and streams by their ``mid``.
- A member has at most one feed in the Janus room: a joining page kicks a stale feed of the same member
  (a reloaded page whose old socket has not closed yet, or a page of a worker that restarted: Janus keeps
  that session until its ``reclaim_session_timeout``) with the room secret. The kicked page tells its
  browser ``media.refused`` ``replaced`` and does not come back by itself, so two tabs cannot take turns.
- Only one subscriber offer is outstanding at a time: feed changes that arrive meanwhile are applied
  after the browser's answer.
- When Janus or our connection to it goes away, the page's media is set up again (new session, a new
  ``media.config``; the browser rebuilds its connections), with backoff, until the page closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from buergerbuero.calls.ice import ice_configuration
from buergerbuero.core.consumers import BaseConsumer, FrameError, require_str
from buergerbuero.core.errors import ActionError
from buergerbuero.media import streaming
from buergerbuero.media.connections import JanusSession, MediaUnavailable, open_session
from buergerbuero.media.janus import JanusError
from buergerbuero.media.placement import JanusRoom, janus_room_for
from buergerbuero.rooms.access import may_publish
from buergerbuero.rooms.models import Member, Room

logger = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"
# Janus VideoRoom error codes we act on.
NO_SUCH_FEED = 428
PUBLISHERS_FULL = 432
NOT_PUBLISHED = 435
ID_EXISTS = 436
# An SDP of a browser with camera, microphone and screen is about 6 KB; the frame limit still applies.
MAX_SDP = 32 * 1024
MAX_CANDIDATE = 1024
# Seconds between attempts to set the media up again after Janus went away (then the last one repeats).
RECOVERY_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)
_MID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_SESSION_NAME = re.compile(r"^s=[^\r\n]*", re.MULTILINE)

Send = Callable[[dict[str, Any]], Awaitable[None]]


def _fresh_member(member_id: int) -> Member | None:
    return Member.objects.select_related("room").filter(pk=member_id).first()


def _browser_sdp(sdp: str) -> str:
    """Janus's SDP as a browser may see it. Janus names the session after its room (``s=VideoRoom
    <number>``, ``s=Mountpoint <id>``): the session name means nothing to WebRTC, so it becomes ``-``
    and no Janus room or mountpoint number reaches a page."""
    return _SESSION_NAME.sub("s=-", sdp)


def _stream_frames(streams: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Janus's subscriber streams as the page sees them: mid, member and kind (audio, video, screen)."""
    frames = []
    for stream in streams:
        if not stream.get("active", True) or not isinstance(stream.get("feed_id"), int):
            continue
        kind = stream.get("type")
        if kind not in ("audio", "video"):
            continue  # data channels: not used
        if kind == "video" and stream.get("feed_description") == "screen":
            kind = "screen"
        frames.append({"mid": str(stream.get("mid")), "member": stream["feed_id"], "kind": kind})
    return frames


def _sdp_streams(sdp: str, member: int) -> list[dict[str, Any]]:
    """The m-lines of an offer that carries one member's media (a Streaming mountpoint)."""
    streams = []
    kind = None
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind = line[2:].split(" ", 1)[0]
        elif line.startswith("a=mid:") and kind in ("audio", "video"):
            streams.append({"mid": line[len("a=mid:") :].strip(), "member": member, "kind": kind})
    return streams


class MemberMedia:
    """One page's media in the room's Janus: its session, its two handles and the state of the
    subscription. Everything it sends to the page goes through ``send``."""

    def __init__(
        self,
        placed: JanusRoom,
        room_id: int,
        member_id: int,
        session: JanusSession,
        send: Send,
        on_lost: Callable[[], None],
        use_streaming: bool = False,
    ) -> None:
        self.placed = placed
        self.room_id = room_id
        self.member_id = member_id
        # A viewer of a large audience watches each feed's Streaming mountpoint (media.streaming)
        # instead of a VideoRoom subscription: member -> the Streaming handle watching it.
        self.use_streaming = use_streaming
        self.watching: dict[int, int] = {}
        self.session = session
        self.send = send
        self.on_lost = on_lost
        self.publisher: int | None = None
        self.subscriber: int | None = None
        # Members who publish now (not this one) -> their Janus streams.
        self.feeds: dict[int, list[dict[str, Any]]] = {}
        # This member's own published streams (mid, type), for moderation.
        self.own_streams: list[dict[str, Any]] = []
        self.wants_subscription = False
        # Subscribed feeds -> the mids of theirs the subscription carries (a feed that adds a stream,
        # e.g. a shared screen, needs that stream subscribed too).
        self.subscribed: dict[int, set[str]] = {}
        # Feeds that left while subscribed: Janus may still hold their (dead) streams in the subscription;
        # they are unsubscribed with the next update unless the member publishes again meanwhile.
        self.dropped: set[int] = set()
        # Offers sent to the page and not answered yet (Janus may renegotiate by itself while one is out).
        self.offers_out = 0
        self.resync = False
        self.replaced = False
        self.lock = asyncio.Lock()
        self.reader: asyncio.Task[None] | None = None

    @property
    def client(self) -> Any:
        return self.session.client

    @classmethod
    async def open(
        cls,
        placed: JanusRoom,
        room_id: int,
        member_id: int,
        send: Send,
        on_lost: Callable[[], None],
        use_streaming: bool = False,
    ) -> MemberMedia:
        session = await open_session(placed.url)
        media = cls(placed, room_id, member_id, session, send, on_lost, use_streaming)
        try:
            media.publisher = await session.attach(VIDEOROOM)
            await media._join()
        except (JanusError, ConnectionError, TimeoutError) as exc:
            await session.close()
            raise MediaUnavailable(f"{placed!r}: join: {exc!r}") from exc
        media.reader = asyncio.create_task(media._read(), name=f"room-media-{member_id}")
        return media

    async def _message(
        self, handle: int | None, body: dict[str, Any], jsep: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        assert handle is not None
        data, answer_jsep = await self.client.message(self.session.id, handle, body, jsep)
        return data, answer_jsep

    async def _join(self) -> None:
        """Join as publisher (listening); a stale feed of the same member is kicked first."""
        body = {
            "request": "join",
            "ptype": "publisher",
            "room": self.placed.room,
            "id": self.member_id,
            "display": str(self.member_id),
        }
        for attempt in range(3):
            try:
                data, _jsep = await self._message(self.publisher, body)
                break
            except JanusError as exc:
                if exc.code != ID_EXISTS or attempt == 2:
                    raise
                await self.kick(self.member_id)
        self._add_publishers(data.get("publishers") or [])

    async def kick(self, member_id: int) -> None:
        with contextlib.suppress(JanusError):  # gone by itself meanwhile
            await self._message(
                self.publisher,
                {"request": "kick", "room": self.placed.room, "secret": self.placed.secret, "id": member_id},
            )

    def feed_list(self) -> list[int]:
        return sorted(self.feeds)

    def _add_publishers(self, publishers: list[dict[str, Any]]) -> bool:
        changed = False
        for publisher in publishers:
            member = publisher.get("id")
            if isinstance(member, int) and member != self.member_id:
                before = self._mids(member) if member in self.feeds else None
                self.feeds[member] = list(publisher.get("streams") or [])
                changed = changed or before != self._mids(member)
        return changed

    def _mids(self, member: int) -> set[str]:
        return {
            str(stream.get("mid"))
            for stream in self.feeds.get(member, [])
            if not stream.get("disabled") and stream.get("type") in ("audio", "video")
        }

    # --- publishing ---------------------------------------------------------------------------------

    async def publish(self, sdp: str, screen_mid: str | None) -> str:
        """Hand Janus the browser's offer; returns Janus's answer. ``configure`` both starts publishing
        and renegotiates (a screen added or removed)."""
        body: dict[str, Any] = {"request": "configure"}
        if screen_mid:
            body["descriptions"] = [{"mid": screen_mid, "description": "screen"}]
        data, jsep = await self._message(self.publisher, body, {"type": "offer", "sdp": sdp})
        if not jsep or jsep.get("type") != "answer":
            raise JanusError(0, "no answer")
        self.own_streams = [s for s in data.get("streams") or [] if s.get("type") in ("audio", "video")]
        return _browser_sdp(str(jsep["sdp"]))

    @property
    def publishing(self) -> bool:
        return bool(self.own_streams)

    async def unpublish(self) -> None:
        self.own_streams = []
        with contextlib.suppress(JanusError):  # 435: not published
            await self._message(self.publisher, {"request": "unpublish"})

    async def moderate(self, *, audio_muted: bool, video_stopped: bool) -> None:
        """Let Janus drop (or relay again) this member's audio and video: a moderator's mute holds even
        against a browser that ignores it."""
        for stream in self.own_streams:
            mute = audio_muted if stream.get("type") == "audio" else video_stopped
            await self._message(
                self.publisher,
                {
                    "request": "moderate",
                    "room": self.placed.room,
                    "secret": self.placed.secret,
                    "id": self.member_id,
                    "mid": str(stream.get("mid")),
                    "mute": mute,
                },
            )

    # --- subscribing --------------------------------------------------------------------------------

    async def subscribe(self) -> None:
        self.wants_subscription = True
        await self.sync()

    async def sync(self) -> None:
        """Bring the subscription in step with the feeds (one offer outstanding at a time)."""
        async with self.lock:
            if not self.wants_subscription or self.replaced:
                return
            if self.use_streaming:
                await self._sync_streams()
                return
            if self.offers_out:
                self.resync = True
                return
            for _attempt in range(5):
                wanted = set(self.feeds)
                subscribed = set(self.subscribed)
                add: list[dict[str, Any]] = [{"feed": member} for member in sorted(wanted - subscribed)]
                add += [
                    {"feed": member, "mid": mid}
                    for member in sorted(wanted & subscribed)
                    for mid in sorted(self._mids(member) - self.subscribed[member])
                ]
                remove: list[dict[str, Any]] = [
                    {"feed": member} for member in sorted((subscribed | self.dropped) - wanted)
                ]
                remove += [
                    {"feed": member, "mid": mid}
                    for member in sorted(wanted & subscribed)
                    for mid in sorted(self.subscribed[member] - self._mids(member))
                ]
                if not add and not remove:
                    return
                try:
                    if self.subscriber is None:
                        if not add:
                            return
                        handle = await self.session.attach(VIDEOROOM)
                        try:
                            data, jsep = await self._message(
                                handle,
                                {
                                    "request": "join",
                                    "ptype": "subscriber",
                                    "room": self.placed.room,
                                    "streams": add,
                                },
                            )
                        except JanusError:
                            with contextlib.suppress(JanusError, ConnectionError, TimeoutError):
                                await self.client.detach(self.session.id, handle)
                            raise
                        self.subscriber = handle
                    else:
                        body: dict[str, Any] = {"request": "update"}
                        if add:
                            body["subscribe"] = add
                        if remove:
                            body["unsubscribe"] = remove
                        data, jsep = await self._message(self.subscriber, body)
                except JanusError as exc:
                    if exc.code != NO_SUCH_FEED:
                        raise
                    # A feed left before the subscription reached it: forget it and try again.
                    gone = re.search(r"\((\d+)\)", exc.reason)
                    if gone:
                        self.feeds.pop(int(gone.group(1)), None)
                    else:
                        self.feeds = {m: s for m, s in self.feeds.items() if m in self.subscribed}
                    continue
                self.subscribed = {member: self._mids(member) for member in wanted}
                self.dropped = set()
                if jsep is not None:
                    await self._offer(data, jsep)
                return

    async def _sync_streams(self) -> None:
        """Watch the mountpoint of every feed; stop watching those that ended. Each is a connection of
        its own in the browser (``media.offer`` with ``stream``), answered once."""
        for member in sorted(set(self.watching) - set(self.feeds)):
            handle = self.watching.pop(member)
            with contextlib.suppress(JanusError, ConnectionError, TimeoutError):
                await streaming.stop_watching(self.session, handle)
                await self.client.detach(self.session.id, handle)
        for member in sorted(set(self.feeds) - set(self.watching)):
            try:
                mountpoint = await streaming.ensure_mountpoint(self.room_id, member)
                handle = await self.session.attach(streaming.STREAMING)
                jsep = await streaming.watch(self.session, handle, mountpoint)
            except JanusError as exc:
                if exc.code == NO_SUCH_FEED:  # it ended meanwhile
                    self.feeds.pop(member, None)
                    continue
                raise
            self.watching[member] = handle
            sdp = _browser_sdp(str(jsep.get("sdp", "")))
            await self.send(
                {"type": "media.offer", "stream": member, "sdp": sdp, "streams": _sdp_streams(sdp, member)}
            )

    async def _offer(self, data: dict[str, Any], jsep: dict[str, Any]) -> None:
        self.offers_out += 1
        await self.send(
            {
                "type": "media.offer",
                "sdp": _browser_sdp(str(jsep.get("sdp", ""))),
                "streams": _stream_frames(data.get("streams") or []),
            }
        )

    async def answer(self, sdp: str, stream: int | None = None) -> None:
        if stream is not None:
            handle = self.watching.get(stream)
            if handle is None:
                logger.info("media of member %s: an answer for a stream not watched, dropped", self.member_id)
                return
            await streaming.start(self.session, handle, {"type": "answer", "sdp": sdp})
            return
        if self.subscriber is None or not self.offers_out:
            # An answer to an offer of a session that is gone (the media was set up again meanwhile).
            logger.info("media of member %s: an answer without an offer, dropped", self.member_id)
            return
        try:
            await self._message(self.subscriber, {"request": "start"}, {"type": "answer", "sdp": sdp})
        finally:
            async with self.lock:
                self.offers_out -= 1
                again = self.resync and not self.offers_out
                if again:
                    self.resync = False
        if again:
            await self.sync()

    async def trickle(self, target: str, candidate: dict[str, Any] | None, stream: int | None = None) -> None:
        if target == "stream":
            handle = self.watching.get(stream) if stream is not None else None
        else:
            handle = self.publisher if target == "publisher" else self.subscriber
        if handle is None:
            return  # a candidate of a connection that is gone: nothing to do
        with contextlib.suppress(JanusError):
            await self.client.trickle(self.session.id, handle, candidate)

    # --- Janus's events -----------------------------------------------------------------------------

    async def _read(self) -> None:
        queue = self.session.events
        while True:
            event = await queue.get()
            kind = event.get("janus")
            if kind in ("lost", "timeout"):
                logger.info("media of member %s: Janus session %s", self.member_id, kind)
                self.on_lost()
                return
            if kind != "event":
                continue
            data = (event.get("plugindata") or {}).get("data") or {}
            try:
                if event.get("sender") == self.publisher:
                    await self._room_event(data)
                elif event.get("sender") == self.subscriber and event.get("jsep"):
                    # Janus renegotiates by itself when a subscribed feed goes away.
                    async with self.lock:
                        await self._offer(data, event["jsep"])
            except (JanusError, ConnectionError, TimeoutError, MediaUnavailable) as exc:
                logger.warning("media of member %s: %r", self.member_id, exc)
            except Exception:
                # The reader must go on: it is all this page's media hears of Janus.
                logger.exception("media of member %s: event handling failed", self.member_id)
            if self.replaced:
                # Kicked out of the Janus room: the session is of no further use.
                await self.session.close()
                return

    async def _room_event(self, data: dict[str, Any]) -> None:
        before = set(self.feeds)
        changed = self._add_publishers(data.get("publishers") or [])
        for key in ("unpublished", "leaving", "kicked"):
            who = data.get(key)
            if isinstance(who, int) and who in self.feeds:
                del self.feeds[who]
                if who in self.subscribed:
                    # Janus ends the feed's streams in the subscription; when the member publishes
                    # again (a reload), that is a new feed to subscribe to.
                    del self.subscribed[who]
                    self.dropped.add(who)
                changed = True
        if data.get("leaving") == "ok" and data.get("reason") == "kicked":
            # Another page of this member took over the member's feed.
            self.replaced = True
            self.own_streams = []
            await self.send({"type": "media.refused", "reason": "replaced"})
            return
        if set(self.feeds) != before:
            await self.send({"type": "media.feeds", "feeds": self.feed_list()})
        if changed:
            await self.sync()

    async def close(self) -> None:
        if self.reader is not None and self.reader is not asyncio.current_task():
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader
        await self.session.close()


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
        if recovery is not None and recovery is not asyncio.current_task():
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await recovery
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
