"""Queue events to the waiting pages of this process, in one pass.

An office's queue events (``queue.delta``, ``office.state``; group ``office-<id>-queue``) concern every
page waiting there: thousands at busy times. Were each page a member of the group, one event would be
one channel-layer message, one task wake-up and one trip through the consumer's dispatch per page,
about 80 µs each: 400 ms before the last of 5,000 pages heard of an admission (bench/bench_waiting.py).

So each process joins the group once, with a channel of its own, while it has pages waiting in the
office, and hands every event to its pages here, one after the other: each page turns it into its own
frame (``CitizenConsumer.queue_frame``, no I/O) and writes it (``BaseConsumer.send_text``, which never
waits for a slow reader). With several workers (Redis), each worker's channel is in the group, so an
event still costs one message per worker, not per page.

Invariants: a page is registered (``add``) before its snapshot is read, so no event after the snapshot
is missed; the pages of an office are served in registration order; a page that raises is logged and
skipped, never the rest.

The listener outlives a channel layer that goes away (Redis restarting): it retries with backoff, and
once Redis answers again it joins the groups of its offices again (a restarted Redis has forgotten them)
and has every page read its position afresh (``WaitingPage.resync``), since events sent meanwhile are
lost.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any, Protocol

from buergerbuero.core import groups

logger = logging.getLogger(__name__)

# Pages served between two turns of the event loop (about 4 ms of work).
YIELD_EVERY = 200
# Retrying a channel layer that went away: first after RETRY_MIN_SECONDS, doubling up to RETRY_MAX_SECONDS.
RETRY_MIN_SECONDS = 0.2
RETRY_MAX_SECONDS = 2.0


class WaitingPage(Protocol):
    channel_name: str

    def queue_frame(self, event: dict[str, Any]) -> str | None: ...

    async def send_text(self, text: str) -> None: ...

    def resync(self) -> None:
        """Read the position again (events may have been lost); must not wait."""


class QueueFanout:
    """The waiting pages of one process (one event loop) by office, and the listener that serves them."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.offices: dict[int, dict[str, WaitingPage]] = {}
        self.listener: asyncio.Task[None] | None = None
        self.lock = asyncio.Lock()

    async def add(self, office_id: int, page: WaitingPage) -> None:
        async with self.lock:
            if self.channel is None:
                # The layer's default prefix: channels_redis reads all channels of a process with that
                # prefix through one list, and a channel of another prefix would hold that read up.
                self.channel = await self.layer.new_channel()
                self.listener = asyncio.create_task(self._listen(self.channel))
            pages = self.offices.setdefault(office_id, {})
            # Joined again with every page: that also renews the membership where it expires (Redis).
            await self.layer.group_add(groups.office_queue(office_id), self.channel)
            pages[page.channel_name] = page

    async def discard(self, office_id: int, page: WaitingPage) -> None:
        async with self.lock:
            pages = self.offices.get(office_id)
            if not pages or pages.pop(page.channel_name, None) is None:
                return
            if pages:
                return
            del self.offices[office_id]
            assert self.channel is not None
            try:
                await self.layer.group_discard(groups.office_queue(office_id), self.channel)
            except Exception as exc:  # Redis away: the membership expires (or went with Redis)
                logger.warning("leaving the queue of office %s failed: %r", office_id, exc)
            if not self.offices and self.listener is not None:
                self.listener.cancel()
                self.listener = None
                self.channel = None

    def pages(self, office_id: int) -> list[WaitingPage]:
        return list(self.offices.get(office_id, {}).values())

    async def deliver(self, event: dict[str, Any]) -> None:
        for n, page in enumerate(self.pages(event["office"]), start=1):
            try:
                text = page.queue_frame(event)
                if text is not None:
                    await page.send_text(text)
            except OSError:
                # The page went away a moment ago (uvicorn's ClientDisconnected); its consumer's
                # disconnect takes it off the list.
                logger.debug("a waiting page left during a queue event")
            except Exception:
                logger.exception("a waiting page could not take a queue event")
            if n % YIELD_EVERY == 0:
                # Writes complete without waiting, so without this the loop would serve nobody else
                # (an official's request, a call's signalling) until the last page has its frame.
                await asyncio.sleep(0)

    async def _listen(self, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the layer's server is gone (Redis restarting)
                logger.warning("queue events cannot be read (%r); waiting for the channel layer", exc)
                await self._rejoin(channel)
                continue
            if message.get("type") == "event":
                await self.deliver(message["event"])

    async def _rejoin(self, channel: str) -> None:
        """Wait until the channel layer answers again, join the offices' groups again (a restarted Redis
        has forgotten them) and have every page read its position afresh (events sent meanwhile are
        lost)."""
        delay = RETRY_MIN_SECONDS
        while True:
            await asyncio.sleep(delay)
            try:
                for office_id in list(self.offices):
                    await self.layer.group_add(groups.office_queue(office_id), channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                delay = min(RETRY_MAX_SECONDS, delay * 2)
                continue
            break
        logger.warning("queue events flow again (%d offices)", len(self.offices))
        for office_id in list(self.offices):
            for page in self.pages(office_id):
                page.resync()


_fanouts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, QueueFanout] = weakref.WeakKeyDictionary()


def fanout(layer: Any) -> QueueFanout:
    """This event loop's fan-out (one per process in production; tests run a loop each)."""
    loop = asyncio.get_running_loop()
    current = _fanouts.get(loop)
    if current is None or current.layer is not layer:
        current = _fanouts[loop] = QueueFanout(layer)
    return current
