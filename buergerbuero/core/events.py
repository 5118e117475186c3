"""The action → event pipeline.

Actions call :func:`send_after_commit` inside their transaction. The event leaves only when the
transaction commits, so no client ever hears of a state that was rolled back. Consumers translate events
into frames and never add business rules. Group names are built only by the functions in
:mod:`buergerbuero.core.groups`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import weakref
from collections import deque
from collections.abc import Mapping
from typing import Any

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from buergerbuero.core.errors import LAYER_UNAVAILABLE

logger = logging.getLogger(__name__)


def _send(group: str, event: Mapping[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # Channels routes a group message to the consumer method named after "type" (dots become
    # underscores); every consumer has one generic handler, "event", and reads the real type from "event".
    message = {"type": "event", "event": dict(event)}
    loop = _serving_loop()
    if loop is not None:
        # An action in a worker thread of a web process (a consumer's database_sync_to_async, a view, a
        # job): the event loop sends it, and the thread goes on at once instead of waiting for Redis.
        loop.call_soon_threadsafe(_outbox(loop, layer).put, group, message)
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except LAYER_UNAVAILABLE as exc:
        # Redis restarting: one line, no traceback (an outage makes many); pages resync when it is back.
        logger.warning("could not send %s to %s: %r", event.get("type"), group, exc)
    except Exception:  # a lost realtime event must never undo or break a committed action
        logger.exception("could not send %s to %s", event.get("type"), group)


def _serving_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop that this thread works for (asgiref's worker thread of a web process's
    loop), or None (a management command, a test without a loop)."""
    if getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or not loop.is_running() or loop.is_closed():
        return None
    return loop


class Outbox:
    """The events of one event loop's worker threads, sent by one task of that loop one after the other,
    in the order the actions committed them (so a page never sees two events of one group swapped).

    The database thread used to wait for every event's trip to Redis: with every page of a dead worker
    reconnecting, each page's events held up the next page's queries. Held in memory only: an event is
    lost if the process dies before it is sent, as it was when it died during the send; pages read
    everything afresh when they reconnect."""

    # Beyond this many waiting events (Redis answering slowly for a long while) new ones are dropped.
    LIMIT = 50_000

    def __init__(self, loop: asyncio.AbstractEventLoop, layer: Any) -> None:
        self.loop = loop
        self.layer = layer
        self.waiting: deque[tuple[str, dict[str, Any]]] = deque()
        self.task: asyncio.Task[None] | None = None
        self.dropped = 0

    def put(self, group: str, message: dict[str, Any]) -> None:
        if len(self.waiting) >= self.LIMIT:
            self.dropped += 1
            if self.dropped == 1:
                logger.warning("%d realtime events wait for the channel layer: dropping new ones", self.LIMIT)
            return
        self.dropped = 0
        self.waiting.append((group, message))
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self.drain())

    async def drain(self) -> None:
        while self.waiting:
            group, message = self.waiting.popleft()
            try:
                await self.layer.group_send(group, message)
            except LAYER_UNAVAILABLE as exc:
                logger.warning("could not send %s to %s: %r", message["event"].get("type"), group, exc)
            except Exception:
                logger.exception("could not send %s to %s", message["event"].get("type"), group)


_outboxes: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Outbox] = weakref.WeakKeyDictionary()
_outboxes_lock = threading.Lock()


def _outbox(loop: asyncio.AbstractEventLoop, layer: Any) -> Outbox:
    with _outboxes_lock:
        outbox = _outboxes.get(loop)
        if outbox is None or outbox.layer is not layer:
            outbox = _outboxes[loop] = Outbox(loop, layer)
        return outbox


async def flush() -> None:
    """Wait until this loop's outbox has sent what it holds (tests; a server about to stop)."""
    outbox = _outboxes.get(asyncio.get_running_loop())
    while outbox is not None and outbox.task is not None and not outbox.task.done():
        await asyncio.shield(outbox.task)


def send_after_commit(group: str, event: Mapping[str, Any]) -> None:
    transaction.on_commit(lambda: _send(group, event), robust=True)
