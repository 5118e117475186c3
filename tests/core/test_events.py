"""core.events: an action's events leave after commit; from a web process's worker thread the event loop
sends them (the thread does not wait for the channel layer), in the order they were committed."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from redis.exceptions import ConnectionError as RedisConnectionError

from buergerbuero.core import events


class SlowLayer:
    """A channel layer whose sends take a while and are recorded in order; the first ``failures`` fail."""

    def __init__(self, failures: int = 0) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.failures = failures

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await asyncio.sleep(0.01)
        if self.failures:
            self.failures -= 1
            raise RedisConnectionError("Redis is restarting")
        self.sent.append((group, message["event"]))


@pytest.fixture
def slow_layer(monkeypatch) -> SlowLayer:
    layer = SlowLayer()
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)
    return layer


async def test_a_worker_thread_does_not_wait_for_the_send(slow_layer) -> None:
    def action() -> int:
        for n in range(20):
            events._send("office-1-queue", {"type": "queue.delta", "seq": n})
        return len(slow_layer.sent)  # nothing has left yet: the thread went on at once

    sent_before_return = await sync_to_async(action)()
    assert sent_before_return == 0
    await events.flush()
    assert [event["seq"] for _group, event in slow_layer.sent] == list(range(20))


async def test_events_of_several_threads_keep_their_order_per_thread(slow_layer) -> None:
    def action(tag: str) -> None:
        for n in range(10):
            events._send(f"group-{tag}", {"type": "x", "n": n})

    await asyncio.gather(
        sync_to_async(action, thread_sensitive=False)("a"), sync_to_async(action, thread_sensitive=False)("b")
    )
    await events.flush()
    for tag in "ab":
        assert [e["n"] for g, e in slow_layer.sent if g == f"group-{tag}"] == list(range(10))


async def test_a_layer_away_loses_that_event_only(monkeypatch, caplog) -> None:
    layer = SlowLayer(failures=1)
    monkeypatch.setattr(events, "get_channel_layer", lambda: layer)

    def action() -> None:
        events._send("g", {"type": "first"})
        events._send("g", {"type": "second"})

    with caplog.at_level(logging.WARNING, logger="buergerbuero.core.events"):
        await sync_to_async(action)()
        await events.flush()
    assert [event["type"] for _group, event in layer.sent] == ["second"]
    assert "could not send first to g" in caplog.text and "Traceback" not in caplog.text


async def test_a_full_outbox_drops_new_events_with_one_warning(monkeypatch, caplog) -> None:
    monkeypatch.setattr(events.Outbox, "LIMIT", 3)
    layer = SlowLayer()
    outbox = events.Outbox(asyncio.get_running_loop(), layer)
    with caplog.at_level(logging.WARNING, logger="buergerbuero.core.events"):
        for n in range(6):  # no await in between: the sending task has not run yet
            outbox.put("g", {"type": "event", "event": {"type": "x", "n": n}})
        assert outbox.task is not None
        await outbox.task
    assert [event["n"] for _group, event in layer.sent] == [0, 1, 2]
    assert caplog.text.count("dropping new ones") == 1


def test_without_a_serving_loop_the_send_happens_before_returning(slow_layer) -> None:
    """A management command or a job process: no event loop to hand the event to."""
    events._send("g", {"type": "now"})
    assert slow_layer.sent == [("g", {"type": "now"})]
