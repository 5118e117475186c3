"""The in-memory channel layer of the embedded installation (one process, no Redis).

Channels' InMemoryChannelLayer looks through every channel and every group membership for expired
messages on *every* receive, so one event sent to a group of N waiting pages costs O(N²) (bench/
bench_waiting.py: 1.2 s of a 2,000-page fan-out). Messages expire after 60 s, so doing that sweep at
most once a second changes nothing a client can see.
"""

from __future__ import annotations

import time

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
