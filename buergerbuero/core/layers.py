"""The in-memory channel layer of the embedded installation (one process, no Redis).

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
import time
from copy import deepcopy
from typing import Any

from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer

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
