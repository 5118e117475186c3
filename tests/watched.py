"""A page's socket in a test, and what the page shows: the first snapshot and every delta after it,
applied the way the page's script applies them (the snapshot-plus-deltas invariant tests).

The test's own marker frames (``barrier``: sent after the events a test caused, to know they are all
through) are read but not applied."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.testing import WebsocketCommunicator

View = dict[str, Any]
Frame = dict[str, Any]


class WatchedPage:
    """``apply(view, frame)`` is the page's script: the view it shows after ``frame``."""

    barriers = 0

    def __init__(
        self, socket: WebsocketCommunicator, apply: Callable[[View | None, Frame], View | None]
    ) -> None:
        self.socket = socket
        self.apply = apply
        self.view: View | None = None
        self.frames: list[Frame] = []

    @staticmethod
    def next_barrier() -> int:
        WatchedPage.barriers += 1
        return WatchedPage.barriers

    async def read_until(self, done: Callable[[Frame], bool]) -> Frame:
        while True:
            frame = await self.socket.receive_json_from(timeout=5)
            if "barrier" not in frame:
                self.frames.append(frame)
                self.view = self.apply(self.view, frame)
            if done(frame):
                return frame
