"""The channel layers: Redis for several processes, in memory for the embedded installation.

Redis (``RedisChannelLayer``): channels_redis, with the clean-up it starts after every message it
hands out watched (below).

In memory (``ThrottledInMemoryChannelLayer``), for one process without Redis:

Channels' InMemoryChannelLayer has two costs that grow with the number of pages in a group
(bench/bench_waiting.py, 2,000 waiting pages):
- it looks through every channel and group membership for expired messages on *every* send and
  receive, so one event sent to a group of N pages costs O(N²) (1.2 s). Messages expire after 60 s, so
  doing that sweep at most once a second changes nothing a client can see;
- it deep-copies the message once per member (0.1 s). Our events are never mutated after they are
  sent (consumers only read them), so a group message is copied once and shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer as ChannelsRedisLayer

from buergerbuero.core.errors import LAYER_UNAVAILABLE

logger = logging.getLogger(__name__)

CLEAN_INTERVAL_SECONDS = 1.0


class ThrottledInMemoryChannelLayer(InMemoryChannelLayer):
    _last_clean = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_clean < CLEAN_INTERVAL_SECONDS:
            return
        self._last_clean = now
        super()._clean_expired()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        assert isinstance(message, dict), "Message is not a dict"
        self.require_valid_group_name(group)
        self._clean_expired()
        shared = deepcopy(message)
        expires = time.time() + self.expiry
        for channel in list(self.groups.get(group, {})):
            queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
            # A page that stopped reading loses this event; its next snapshot repairs it.
            with contextlib.suppress(asyncio.QueueFull, ChannelFull):
                queue.put_nowait((expires, shared))


class RedisChannelLayer(ChannelsRedisLayer):
    """channels_redis hands out a message and then, in a task of its own that nobody awaits, removes it
    from the channel's backup queue. When Redis goes away in between, that task fails, and asyncio logs
    "Task exception was never retrieved" with a traceback for every such message, though nothing is lost
    (the message was delivered; at worst the backup gives it once more). Here each of those tasks is
    watched: a failure is one warning line, as every other effect of a Redis outage is."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._watched: weakref.WeakSet[asyncio.Future[Any]] = weakref.WeakSet()

    async def receive(self, channel: str) -> dict[str, Any]:
        message = await super().receive(channel)
        for cleaner in list(self.receive_cleaners):
            if cleaner not in self._watched:
                self._watched.add(cleaner)
                cleaner.add_done_callback(_cleaner_done)
        return message


def _cleaner_done(cleaner: asyncio.Future[Any]) -> None:
    if cleaner.cancelled():
        return
    exc = cleaner.exception()  # retrieved: asyncio logs nothing of its own
    if isinstance(exc, LAYER_UNAVAILABLE):
        logger.warning("a received message stays in its backup queue (Redis away): %r", exc)
    elif exc is not None:
        logger.error("removing a received message from its backup queue failed: %r", exc)
