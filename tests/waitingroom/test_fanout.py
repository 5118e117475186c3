"""The fan-out of queue events to the waiting pages of one process: one group member per process, not
per page; every page gets its own frame; one failing page does not stop the others; held events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from buergerbuero.core import groups
from buergerbuero.public.citizen_consumer import CitizenConsumer
from buergerbuero.waitingroom.fanout import QueueFanout, fanout
from buergerbuero.waitingroom.models import TicketState
from tests.conftest import citizen_cookie, connect, enter, frame_of, group_members, open_

db = database_sync_to_async


class Page:
    def __init__(self, name: str, fail: bool = False) -> None:
        self.channel_name = name
        self.fail = fail
        self.sent: list[str] = []

    def queue_frame(self, event: dict[str, Any]) -> str | None:
        if self.fail:
            raise RuntimeError("broken page")
        return f"{self.channel_name}:{event['seq']}"

    async def send_text(self, text: str) -> None:
        self.sent.append(text)


async def test_one_group_member_per_process_and_none_when_the_last_page_leaves() -> None:
    layer = get_channel_layer()
    hub = QueueFanout(layer)
    first, second = Page("a"), Page("b")
    await hub.add(7, first)
    await hub.add(7, second)
    assert await group_members(groups.office_queue(7)) == {hub.channel}
    await hub.discard(7, first)
    assert await group_members(groups.office_queue(7)) == {hub.channel}
    listener = hub.listener
    await hub.discard(7, second)
    assert not await group_members(groups.office_queue(7))
    await asyncio.sleep(0)
    assert listener is not None and listener.cancelled()
    assert hub.channel is None and hub.listener is None
    await hub.discard(7, second)  # twice is harmless


async def test_a_group_event_reaches_every_page_of_its_office_once_and_a_failing_page_is_skipped() -> None:
    layer = get_channel_layer()
    hub = QueueFanout(layer)
    pages = [Page("a"), Page("broken", fail=True), Page("c")]
    other_office = Page("elsewhere")
    for page in pages:
        await hub.add(1, page)
    await hub.add(2, other_office)
    await layer.group_send(groups.office_queue(1), {"type": "event", "event": {"office": 1, "seq": 5}})
    for _ in range(50):
        if pages[2].sent:
            break
        await asyncio.sleep(0.01)
    assert pages[0].sent == ["a:5"]
    assert pages[2].sent == ["c:5"]
    assert other_office.sent == []
    for page in pages:
        await hub.discard(1, page)
    await hub.discard(2, other_office)


async def test_each_event_loop_has_its_own_fanout() -> None:
    layer = get_channel_layer()
    assert fanout(layer) is fanout(layer)


def test_events_that_come_while_the_position_is_read_are_held_then_replayed() -> None:
    page = CitizenConsumer()
    page._held = []
    delta = {"type": "queue.delta", "office": 1, "seq": 4, "op": "remove", "key": [0, 1, 1]}
    assert page.queue_frame(delta) is None
    assert page._held == [delta]

    sent: list[str] = []

    async def send_text(text: str) -> None:
        sent.append(text)

    from buergerbuero.offices.selectors import OfficeState

    page._held = None
    page.send_text = send_text  # type: ignore[method-assign]
    page.ticket_state, page.seq, page.key, page.position = TicketState.WAITING, 3, [0, 5, 5], 3
    page.office_state = OfficeState(1, "open_free", 3, 1, 1, 600)
    asyncio.run(page.replay([delta, {**delta, "seq": 3}]))
    assert page.position == 2 and page.seq == 4
    assert sent == ['{"type":"position","position":2,"expected_wait_seconds":600}']


@pytest.mark.django_db(transaction=True)
async def test_waiting_pages_share_one_member_of_the_office_group(world) -> None:
    office = world.office_a
    await db(open_)(world.official_a, office)
    tokens = [(await db(enter)(office, f"P{i}"))[1] for i in range(3)]
    pages = []
    for token in tokens:
        page, connected, _ = await connect("/ws/ticket/", await db(citizen_cookie)(token))
        assert connected
        await frame_of(page, "snapshot")
        pages.append(page)
    members = await group_members(groups.office_queue(office.pk))
    assert members == {fanout(get_channel_layer()).channel}
    for page in pages:
        await page.disconnect()
    assert not await group_members(groups.office_queue(office.pk))


class GonePage(Page):
    async def send_text(self, text: str) -> None:
        raise ConnectionResetError("the page went away")  # what uvicorn's ClientDisconnected is


async def test_a_page_that_just_left_is_skipped_quietly(caplog) -> None:
    hub = QueueFanout(get_channel_layer())
    gone, staying = GonePage("gone"), Page("staying")
    await hub.add(3, gone)
    await hub.add(3, staying)
    with caplog.at_level("INFO", logger="buergerbuero.waitingroom.fanout"):
        await hub.deliver({"office": 3, "seq": 9})
    assert staying.sent == ["staying:9"]
    assert not caplog.records
    await hub.discard(3, gone)
    await hub.discard(3, staying)


async def test_a_page_closed_by_the_server_gets_no_more_frames() -> None:
    from tests.core.test_consumers import SlowReader, consumer_on

    reader = SlowReader()
    reader.writable.set()
    consumer = consumer_on(reader)
    await consumer.close(code=4404)
    await consumer.send_text("late")
    assert reader.sent == [{"type": "websocket.close", "code": 4404}]
