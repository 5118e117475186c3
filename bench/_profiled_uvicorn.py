"""uvicorn with a cProfile of its event-loop thread and a timeline, both switched on and off by signal:
SIGUSR1 starts, SIGUSR2 stops and writes the profile to $BB_BENCH_PROFILE and the timeline (JSON) to
$BB_BENCH_PROFILE.timeline.json. Used by ``PROFILE=1 python bench/bench_waiting.py`` to see where the time
of one fan-out goes.

The timeline holds, as ``time.perf_counter()`` values (CLOCK_MONOTONIC, so comparable with the
benchmark's clients on the same machine): frames received by consumers, every channel-layer group_send
(start, end, group size) and every frame the server wrote to a WebSocket.

    python bench/_profiled_uvicorn.py -m uvicorn buergerbuero.asgi:application ...
"""

from __future__ import annotations

import cProfile
import json
import os
import signal
import sys
import time
from typing import Any

profile = cProfile.Profile()
timeline: dict[str, list[Any]] = {"received": [], "group_send": [], "sent": [], "spans": []}
tracing = False
# PROFILE=trace: the timeline alone, without cProfile's overhead distorting it.
use_cprofile = os.environ.get("BB_BENCH_CPROFILE", "1") == "1"


def _start(signum: int, frame: Any) -> None:
    global tracing
    tracing = True
    if use_cprofile:
        profile.enable()


def _stop(signum: int, frame: Any) -> None:
    global tracing
    profile.disable()
    tracing = False
    path = os.environ["BB_BENCH_PROFILE"]
    if use_cprofile:
        profile.dump_stats(path)
    with open(path + ".timeline.json", "w", encoding="utf-8") as out:
        json.dump(timeline, out)


def _instrument() -> None:
    from channels.layers import InMemoryChannelLayer
    from uvicorn.protocols.websockets import websockets_sansio_impl

    group_send = InMemoryChannelLayer.group_send

    async def traced_group_send(self: Any, group: str, message: dict[str, Any]) -> None:
        started = time.perf_counter()
        await group_send(self, group, message)
        if tracing:
            members = len(self.groups.get(group, {}))
            timeline["group_send"].append([started, time.perf_counter(), group, members])

    InMemoryChannelLayer.group_send = traced_group_send  # type: ignore[method-assign]

    protocol = websockets_sansio_impl.WebSocketsSansIOProtocol
    send = protocol.send

    async def traced_send(self: Any, message: Any) -> None:
        await send(self, message)
        if tracing and message.get("type") == "websocket.send":
            timeline["sent"].append(time.perf_counter())

    protocol.send = traced_send  # type: ignore[method-assign]

    from buergerbuero.calls.actions import admission as call_admission
    from buergerbuero.core import consumers
    from buergerbuero.core import events as core_events
    from buergerbuero.waitingroom import events as queue_events

    def span(module: Any, name: str) -> None:
        original = getattr(module, name)

        def traced(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                if tracing:
                    timeline["spans"].append([started, time.perf_counter(), f"{module.__name__}.{name}"])

        setattr(module, name, traced)

    span(call_admission, "citizen_leaves")
    span(call_admission, "admit")
    span(queue_events, "queue_entries")
    span(core_events, "_send")

    receive = consumers.BaseConsumer.receive

    async def traced_receive(
        self: Any, text_data: str | None = None, bytes_data: bytes | None = None
    ) -> None:
        if tracing:
            timeline["received"].append(time.perf_counter())
        await receive(self, text_data, bytes_data)

    consumers.BaseConsumer.receive = traced_receive  # type: ignore[method-assign]


def main() -> None:
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
    args = sys.argv[1:]
    if args[:2] == ["-m", "uvicorn"]:
        args = args[2:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
    import django

    django.setup()
    _instrument()
    from uvicorn.main import main as uvicorn_main

    sys.argv = ["uvicorn", *args]
    uvicorn_main()


if __name__ == "__main__":
    main()
