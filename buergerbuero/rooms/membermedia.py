"""One page's media in the room's Janus: a Janus session with two VideoRoom handles, driven by our server
on the page's behalf (docs/group-sessions.md, Signalling). The socket frames that reach it are
rooms.signalling's.

Every connected member gets one Janus session on the room's instance (media.placement) with two
VideoRoom handles:

- the *publisher* handle joins the Janus room as a publisher with Janus id = display = our member id,
  also for members who never publish (a listener), so the page learns which members publish (``feeds``);
  it publishes only when rooms.access.may_publish allows it, checked on our side (rooms.signalling)
  before anything reaches Janus;
- the *subscriber* handle is one multistream subscription to every other member's feed, kept in step with
  the feeds by the server (Janus offers, the browser answers).

The browser is always the offerer of its publisher connection and always the answerer of its subscriber
connection, so the two sides can never glare. Janus's candidates are in its SDP; only the browser trickles.

Invariants a reader must not break:

- Nothing sent to the page carries a room secret, a Janus session, handle or room number, or an instance
  address: members are named by our member ids (which are also their Janus ids) and streams by their
  ``mid``; Janus's SDP is cleaned of its session name (``_browser_sdp``).
- A member has at most one feed in the Janus room: a joining page kicks a stale feed of the same member
  (a reloaded page whose old socket has not closed yet, or a page of a worker that restarted: Janus keeps
  that session until its ``reclaim_session_timeout``) with the room secret. The kicked page tells its
  browser ``media.refused`` ``replaced`` and does not come back by itself, so two tabs cannot take turns.
- Only one subscriber offer is outstanding at a time: feed changes that arrive meanwhile are applied
  after the browser's answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from buergerbuero.core.tasks import cancel_and_wait
from buergerbuero.media import streaming
from buergerbuero.media.connections import JanusSession, MediaUnavailable, open_session
from buergerbuero.media.janus import JanusError
from buergerbuero.media.placement import JanusRoom

logger = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"
# Janus VideoRoom error codes we act on.
NO_SUCH_FEED = 428
PUBLISHERS_FULL = 432
NOT_PUBLISHED = 435
ID_EXISTS = 436
_SESSION_NAME = re.compile(r"^s=[^\r\n]*", re.MULTILINE)

Send = Callable[[dict[str, Any]], Awaitable[None]]


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
        await cancel_and_wait(self.reader)
        await self.session.close()
