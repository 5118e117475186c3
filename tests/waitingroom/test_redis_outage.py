"""The fan-out of queue events survives Redis restarting: a real redis-server of the test's own is
stopped and started again (forgetting every group), and the events of the office reach the waiting pages
of this process again, which are first told to read their position afresh.

Also: a waiting page's socket whose channel Redis cannot serve any more closes with 1013 and leaves the
fan-out, instead of ending in a traceback. Skipped where redis-server is missing."""

from __future__ import annotations

import asyncio
import gc
import logging
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer

from buergerbuero.core import groups
from buergerbuero.core.consumers import TRY_AGAIN_LATER
from buergerbuero.core.layers import RedisChannelLayer
from buergerbuero.waitingroom.fanout import QueueFanout, fanout
from tests.conftest import citizen_cookie, connect, enter, frame_of, open_
from tests.e2e.harness import RedisServer

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")

# A bound for waiting on a condition, never a measured time.
PATIENCE_S = 30


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


class Page:
    def __init__(self, name: str) -> None:
        self.channel_name = name
        self.sent: list[str] = []
        self.resyncs = 0

    def queue_frame(self, event: dict[str, Any]) -> str | None:
        return f"{self.channel_name}:{event['seq']}"

    async def send_text(self, text: str) -> None:
        self.sent.append(text)

    def resync(self) -> None:
        self.resyncs += 1


async def until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {PATIENCE_S} s: {what}"
        await asyncio.sleep(0.02)


def event(seq: int) -> dict[str, Any]:
    return {"type": "event", "event": {"type": "queue.delta", "office": 7, "seq": seq}}


async def test_queue_events_reach_the_pages_again_after_redis_restarts(redis: RedisServer) -> None:
    layer = RedisChannelLayer(hosts=[redis.url(0)])
    hub = QueueFanout(layer)
    page = Page("a")
    await hub.add(7, page)
    await layer.group_send(groups.office_queue(7), event(1))
    await until(lambda: page.sent == ["a:1"], "the first event arrived")

    redis.halt()
    redis.resume()  # empty: the group membership is gone

    # Once the listener has seen the outage and joined again, the page is told to read its position
    # afresh, and events flow again.
    await until(lambda: page.resyncs == 1, "the page was told to resync")
    await layer.group_send(groups.office_queue(7), event(2))
    await until(lambda: page.sent == ["a:1", "a:2"], "the event after the restart arrived")
    assert hub.listener is not None and not hub.listener.done()
    await hub.discard(7, page)
    await layer.close_pools()


@pytest.mark.django_db(transaction=True)
async def test_a_waiting_page_whose_channel_layer_goes_away_closes_to_try_again(
    redis: RedisServer, settings, world, caplog
) -> None:
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "buergerbuero.core.layers.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": redis.url(1), "socket_timeout": 15}]},
        }
    }
    channel_layers.backends.clear()
    db = database_sync_to_async
    await db(open_)(world.official_a, world.office_a)
    _ticket, token = await db(enter)(world.office_a)
    page, connected, _ = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert connected
    await frame_of(page, "snapshot")
    hub = fanout(get_channel_layer())
    assert len(hub.pages(world.office_a.pk)) == 1

    redis.halt()
    while (output := await page.receive_output(timeout=PATIENCE_S))["type"] != "websocket.close":
        pass
    assert output["code"] == TRY_AGAIN_LATER
    await page.wait(timeout=PATIENCE_S)  # the consumer has ended
    # It left the fan-out (no queue event is written to a closed socket), and nothing was logged with
    # a traceback.
    assert hub.pages(world.office_a.pk) == []
    assert not [r for r in caplog.records if r.exc_info]
    redis.resume()
    await get_channel_layer().close_pools()


async def test_a_message_received_just_before_redis_goes_away_costs_one_line(
    redis: RedisServer, caplog
) -> None:
    """channels_redis removes a delivered message from its backup queue in a task nobody awaits; with
    Redis gone meanwhile that task fails, which asyncio would log with a traceback per message."""
    layer = RedisChannelLayer(hosts=[{"address": redis.url(2), "socket_timeout": 15}])
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "x"})
    with caplog.at_level(logging.WARNING):
        assert (await layer.receive(channel))["type"] == "x"
        redis.halt()  # before the clean-up task has had a turn
        cleaners = list(layer.receive_cleaners)
        assert cleaners
        while not all(cleaner.done() for cleaner in cleaners):
            await asyncio.sleep(0.01)
        del cleaners
        gc.collect()  # an exception nobody retrieved is logged when its task is collected
        await asyncio.sleep(0)
    assert "stays in its backup queue" in caplog.text
    assert not [record for record in caplog.records if record.exc_info]
