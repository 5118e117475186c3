"""The base of every WebSocket consumer: frame parsing, limits, heartbeat and error frames.

A frame is a JSON object with a string ``type``. Malformed, oversized, unknown or out-of-order frames
are answered with ``{"type": "error", "code": ..., "message": ...}`` and change nothing; the connection
stays open. Subclasses implement ``frame_<type>`` handlers (dots in the type become underscores) and
``on_event`` to translate channel-layer events into frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from typing import Any

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from buergerbuero.core import sockguard, untrusted
from buergerbuero.core.errors import DATABASE_UNAVAILABLE, LAYER_UNAVAILABLE, ActionError
from buergerbuero.core.ratelimit import TokenBucket

logger = logging.getLogger(__name__)


class FrameError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


# Frames a page may have waiting for its connection before it is closed (it reconnects and gets a
# snapshot): a reader that slow is gone or cannot keep up.
MAX_BACKLOG = 500
# "Try again later" (RFC 6455): a socket that cannot reach the database or the channel layer (Redis) is
# closed with it; the page reconnects with backoff and gets a fresh snapshot once they are back.
TRY_AGAIN_LATER = 1013
UNAVAILABLE = (*DATABASE_UNAVAILABLE, *LAYER_UNAVAILABLE)


class BaseConsumer(AsyncWebsocketConsumer):
    groups_joined: set[str]
    _backlog: deque[str]
    _drainer: asyncio.Task[None] | None = None
    _writable: asyncio.Event | None = None
    _overflowed = False
    _closing = False
    _close_sent = False
    _accepted = False
    _closer: asyncio.Task[None] | None = None
    _refused_logged = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # uvicorn's ASGI send waits while the connection's write buffer is full (a slow or vanished
        # reader). Its protocol tells whether that is the case now, so send_text can keep such a page
        # from holding up a fan-out. With other servers every write is simply awaited.
        writable = getattr(getattr(send, "__self__", None), "writable", None)
        self._writable = writable if isinstance(writable, asyncio.Event) else None
        self._backlog = deque()
        try:
            await super().__call__(scope, receive, send)
        except LAYER_UNAVAILABLE as exc:
            # Reading this page's channel failed: the page's groups and messages are gone with Redis.
            await self.unavailable({"type": "channel.receive"}, exc)
            # No websocket.disconnect will be dispatched any more: leave the groups and the fan-out.
            with contextlib.suppress(*UNAVAILABLE):
                await self.disconnect(TRY_AGAIN_LATER)

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        self.groups_joined = set()
        self.bucket = TokenBucket(settings.WS_RATE_PER_SECOND, settings.WS_RATE_BURST)
        self.language = self._language()
        await super().websocket_connect(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        if message.get("code") in sockguard.VIOLATION_CLOSE_CODES:
            sockguard.record_violation(self.scope)  # closed by the server for what the client sent
        await super().websocket_disconnect(message)

    def _language(self) -> str:
        session = self.scope.get("session")
        cookies = self.scope.get("cookies", {})
        lang = cookies.get(settings.LANGUAGE_COOKIE_NAME) or (session.get("_language") if session else None)
        return lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE

    async def join(self, group: str) -> None:
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def leave(self, group: str) -> None:
        if group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.discard(group)

    async def leave_all(self) -> None:
        for group in list(self.groups_joined):
            await self.leave(group)

    async def disconnect(self, code: int) -> None:
        if self._drainer is not None:
            self._drainer.cancel()
        await self.leave_all()

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.send_text(dumps(frame))

    async def send_text(self, text: str) -> None:
        """Write one frame. While the connection cannot take more, frames wait in order in a backlog
        that a task of this page writes, so the caller (e.g. a fan-out to thousands of pages) never
        waits for one slow reader; a page whose backlog overflows is closed."""
        if self._closing:
            return  # closed by us: the server refuses anything after the close frame
        if self._backlog or (self._writable is not None and not self._writable.is_set()):
            if self._overflowed:
                return
            if len(self._backlog) >= MAX_BACKLOG:
                # 4008 (policy): the page reconnects and starts again from a snapshot.
                self._overflowed = True
                self._backlog.clear()
                self._closer = asyncio.create_task(self.close(code=4008))
                return
            self._backlog.append(text)
            if self._drainer is None:
                self._drainer = asyncio.create_task(self._drain())
            return
        try:
            await self.base_send({"type": "websocket.send", "text": text})
        except OSError:
            # The page has gone (uvicorn's ClientDisconnected): its disconnect follows; nothing more
            # can reach it, and the sender (a fan-out, a Janus event) must not fail for it.
            self._closing = True

    async def accept(self, subprotocol: str | None = None, headers: Any = None) -> None:
        await super().accept(subprotocol=subprotocol, headers=headers)
        self._accepted = True

    async def close(self, code: int | bool | None = None, reason: str | None = None) -> None:
        if self._close_sent:
            return  # a second close (an event raced the first one) would be a protocol error
        self._closing = self._close_sent = True
        # The page may have gone first (uvicorn's ClientDisconnected is an OSError), or the server may
        # have closed the socket itself (a frame over --ws-max-size: uvicorn answers any later message
        # with RuntimeError "Unexpected ASGI message"): closed either way.
        with contextlib.suppress(OSError, RuntimeError):
            await super().close(code=code, reason=reason)

    async def _drain(self) -> None:
        try:
            while self._backlog:
                await self.base_send({"type": "websocket.send", "text": self._backlog[0]})
                self._backlog.popleft()
        except Exception:
            self._backlog.clear()  # the connection is gone
        finally:
            self._drainer = None

    async def send_error(self, code: str, message: str, ref: Any = None) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if ref is not None:
            frame["ref"] = ref
        await self.send_frame(frame)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        with translation.override(self.language):
            try:
                frame = self._parse(text_data, bytes_data)
                handler = getattr(self, "frame_" + frame["type"].replace(".", "_"), None)
                if handler is None:
                    raise FrameError("unknown_type", _("Unknown message type."))
                await handler(frame)
            except FrameError as exc:
                await self.send_error(exc.code, exc.message)
                if exc.code == "rate_limited":
                    # A flood: the address's new sockets are refused once it keeps this up.
                    sockguard.record_violation(self.scope)
                    # Stop reading this socket until a second's worth of frames is allowed again. Its
                    # frames queue up in the server (uvicorn holds a few, then stops reading), so a
                    # flood is held back by TCP instead of costing a parse and an answer per frame,
                    # and the other pages of this process are served as before.
                    await asyncio.sleep(self.bucket.seconds_until(max(1.0, self.bucket.rate)))
            except ActionError as exc:
                await self.send_error(exc.code, exc.message)
            except UNAVAILABLE:
                raise  # dispatch closes the socket: the page reconnects and starts from a snapshot
            except Exception:
                logger.exception("frame handler failed")
                await self.send_error("internal", _("Something went wrong. Please try again."))

    def _parse(self, text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
        if not self.bucket.take():
            raise FrameError("rate_limited", _("Too many messages. Please slow down."))
        if text_data is None:
            raise FrameError("malformed", _("Messages must be JSON text."))
        if len(text_data.encode("utf-8")) > settings.WS_MAX_FRAME_BYTES:
            raise FrameError("too_large", _("This message is too large."))
        try:
            frame = untrusted.loads(text_data)
        except ValueError:
            self._log_refused("not JSON or nested too deeply")
            raise FrameError("malformed", _("This message is not valid JSON.")) from None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str) or not frame["type"]:
            raise FrameError("malformed", _("A message must be an object with a type."))
        # Every string of every frame, before any handler sees it: nothing downstream (database, Redis
        # channel layer, Janus) can take a lone surrogate, and control characters have no place in text.
        problem = untrusted.unclean_text(frame)
        if problem == "depth":
            self._log_refused("nested too deeply")
            raise FrameError("malformed", _("This message is nested too deeply."))
        if problem == "number":
            self._log_refused("a number out of range")
            raise FrameError("invalid", _("This message contains a number that is too large."))
        if problem is not None:
            self._log_refused("invalid characters")
            raise FrameError("invalid", _("This message contains characters that are not allowed."))
        if len(frame["type"]) > 64 or not frame["type"].replace(".", "").replace("_", "").isalnum():
            raise FrameError("unknown_type", _("Unknown message type."))
        return frame

    def _log_refused(self, why: str) -> None:
        """One line per connection, without the frame or a traceback: a client sending such frames in a
        loop must not fill the log (each frame is still answered with an error frame)."""
        if not self._refused_logged:
            self._refused_logged = True
            logger.warning("refused a malformed frame on %s: %s", type(self).__name__, why)

    async def frame_ping(self, frame: dict[str, Any]) -> None:
        await self.send_frame({"type": "pong", "t": frame.get("t")})

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels hops to the database thread before every message to close stale connections. For
        # channel-layer events that hop serialises a fan-out to thousands of waiting pages on one thread
        # (bench/bench_waiting.py); our handlers reach the database only through database_sync_to_async,
        # which closes stale connections itself, so events skip it.
        try:
            if message.get("type") == "event":
                await self.event(message)
                return
            await super().dispatch(message)
        except UNAVAILABLE as exc:
            await self.unavailable(message, exc)

    async def unavailable(self, message: dict[str, Any], exc: Exception) -> None:
        """The database or the channel layer could not be reached while handling ``message``: one log
        line (an outage makes many), and the socket is closed with "try again later" instead of
        failing with a traceback. What the handler did not commit is rolled back; the page's reconnect
        reads everything afresh."""
        what = "database" if isinstance(exc, DATABASE_UNAVAILABLE) else "channel layer"
        logger.warning(
            "%s unavailable on %s (%s): %r", what, self.scope.get("path"), message.get("type"), exc
        )
        if message.get("type") == "websocket.disconnect":
            # The page is gone already; the consumer must still end.
            raise StopConsumer()
        if self._closing:
            return
        if not self._accepted:
            # Refusing the handshake would look like a rejection; accept it to say why it closes.
            with contextlib.suppress(OSError):
                await super().accept()
        await self.close(code=TRY_AGAIN_LATER)

    async def event(self, message: dict[str, Any]) -> None:
        if self._closing:
            return  # the page is being closed: events still queued for it have nobody to reach
        with translation.override(self.language):
            try:
                await self.on_event(message["event"])
            except UNAVAILABLE:
                raise
            except Exception:
                logger.exception("event handler failed")

    async def on_event(self, event: dict[str, Any]) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


def dumps(frame: dict[str, Any]) -> str:
    """A frame as compact JSON (what every page's socket.js parses)."""
    return json.dumps(frame, separators=(",", ":"), default=str)


def require_int(frame: dict[str, Any], key: str) -> int:
    value = frame.get(key)
    # Above 2**53 a number is no id of ours (nor exact in the page's JavaScript), and above 2**63 the
    # database drivers fail on it.
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= untrusted.MAX_INT:
        raise FrameError(
            "invalid", _("The field “%(field)s” must be a positive whole number.") % {"field": key}
        )
    return value


def require_str(frame: dict[str, Any], key: str, max_length: int, allow_empty: bool = False) -> str:
    value = frame.get(key)
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise FrameError("invalid", _("The field “%(field)s” must be text.") % {"field": key})
    if len(value) > max_length:
        raise FrameError(
            "too_large",
            _("The field “%(field)s” is too long (at most %(max)d characters).")
            % {"field": key, "max": max_length},
        )
    return value
