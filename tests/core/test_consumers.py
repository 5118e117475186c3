"""The base consumer's frame handling, on the citizen's socket: every bad frame gets an error frame,
changes nothing, and leaves the connection open."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque

import pytest
from channels.db import database_sync_to_async

from buergerbuero.core.consumers import MAX_BACKLOG, BaseConsumer
from buergerbuero.waitingroom.models import Ticket, TicketState
from tests.conftest import citizen_cookie, connect, enter, frame_of, open_, staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


@pytest.fixture
def page_token(world):
    open_(world.official_a, world.office_a)
    return enter(world.office_a)


async def open_page(token: str):
    page, connected, _ = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert connected
    await frame_of(page, "snapshot")
    return page


async def still_open_and_unchanged(page, ticket: Ticket) -> None:
    await page.send_json_to({"type": "ping", "t": 1})
    assert await page.receive_json_from() == {"type": "pong", "t": 1}
    refreshed = await db(Ticket.objects.get)(pk=ticket.pk)
    assert refreshed.state == TicketState.WAITING


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"type": "leave"', "malformed"),
        ("not json", "malformed"),
        ('["leave"]', "malformed"),
        ('"leave"', "malformed"),
        ("null", "malformed"),
        ('{"kind": "leave"}', "malformed"),
        ('{"type": ""}', "malformed"),
        ('{"type": 5}', "malformed"),
        ('{"type": "teleport"}', "unknown_type"),
        ('{"type": "__init__"}', "unknown_type"),
        ('{"type": "leave/../x"}', "unknown_type"),
        ('{"type": "' + "a" * 65 + '"}', "unknown_type"),
    ],
)
async def test_bad_frames(page_token, text: str, code: str) -> None:
    ticket, token = page_token
    page = await open_page(token)
    await page.send_to(text_data=text)
    error = await page.receive_json_from()
    assert error["type"] == "error" and error["code"] == code and error["message"]
    await still_open_and_unchanged(page, ticket)
    await page.disconnect()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Deeper than json's recursion limit, under the size limit (was RecursionError).
        ("[" * 1400, "malformed"),
        ('{"type": "ping", "t": ' + "[" * 1400 + "]" * 1400 + "}", "malformed"),
        # Deeper than any frame of ours.
        ('{"type": "ping", "t": ' + "[" * 40 + "]" * 40 + "}", "malformed"),
        # Text nothing downstream can store or forward: lone surrogates, control characters; keys too.
        ('{"type": "leave", "t": "\\ud800"}', "invalid"),
        ('{"type": "leave", "t": ["ok", {"x": "a\\udfffb"}]}', "invalid"),
        ('{"type": "leave", "\\ud800": 1}', "invalid"),
        ('{"type": "leave", "t": "a\\u0000b"}', "invalid"),
        ('{"type": "leave", "t": "\\u001b[2J"}', "invalid"),
        ('{"type": "leave", "t": "\\u007f"}', "invalid"),
        ('{"type": "leave", "t": "\\u0085"}', "invalid"),
        ('{"type": "\\u0000"}', "invalid"),
        # Not JSON, though Python's json takes them (and PostgreSQL's jsonb refuses them).
        ('{"type": "leave", "t": NaN}', "malformed"),
        ('{"type": "leave", "t": [-Infinity]}', "malformed"),
        # Past 64 bits neither the Redis channel layer (msgpack) nor the database can carry a number.
        ('{"type": "leave", "t": {"x": 100000000000000000000000000000}}', "invalid"),
        ('{"type": "leave", "t": -9007199254740993}', "invalid"),
    ],
)
async def test_hostile_frames_are_refused_without_a_traceback(page_token, caplog, text, code) -> None:
    ticket, token = page_token
    page = await open_page(token)
    for _ in range(3):
        await page.send_to(text_data=text)
        error = await page.receive_json_from()
        assert (error["type"], error["code"]) == ("error", code) and error["message"]
    await still_open_and_unchanged(page, ticket)
    await page.disconnect()
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    # Logged once for the connection, not once per frame, and without the frame.
    refused = [r for r in caplog.records if r.name == "buergerbuero.core.consumers"]
    assert len(refused) == 1 and refused[0].levelno == logging.WARNING
    assert text[:20] not in refused[0].getMessage()


async def test_text_a_person_writes_passes(page_token) -> None:
    """Tab, line breaks (SDP ends its lines in CR LF), umlauts and astral characters (a surrogate pair
    in JSON is one character) are text, not control characters."""
    _ticket, token = page_token
    page = await open_page(token)
    t = "Grüße\tan\r\nalle 😀 \U0001d11e ‏ﬁ"
    await page.send_json_to({"type": "ping", "t": t})
    assert await page.receive_json_from() == {"type": "pong", "t": t}
    await page.send_to(text_data='{"type": "ping", "t": "\\ud83d\\ude00"}')
    assert await page.receive_json_from() == {"type": "pong", "t": "\U0001f600"}
    await page.disconnect()


@pytest.mark.parametrize("number", [2**53 + 1, 2**63, 10**40])
async def test_a_number_no_database_can_hold_is_invalid(world, number) -> None:
    page, connected, _ = await connect("/ws/staff/", await db(staff_cookie)(world.official_a))
    assert connected
    await frame_of(page, "snapshot")
    await page.send_json_to({"type": "call.take_over", "participant": number})
    error = await frame_of(page, "error")
    assert error["code"] == "invalid"
    await page.disconnect()


async def test_binary_frame(page_token) -> None:
    ticket, token = page_token
    page = await open_page(token)
    await page.send_to(bytes_data=json.dumps({"type": "leave"}).encode())
    assert (await page.receive_json_from())["code"] == "malformed"
    await still_open_and_unchanged(page, ticket)
    await page.disconnect()


async def test_oversized_frame(page_token, settings) -> None:
    settings.WS_MAX_FRAME_BYTES = 1024
    ticket, token = page_token
    page = await open_page(token)
    await page.send_to(text_data=json.dumps({"type": "leave", "pad": "x" * 1100}))
    assert (await page.receive_json_from())["code"] == "too_large"
    await still_open_and_unchanged(page, ticket)
    await page.disconnect()


async def test_rate_limit(page_token, settings) -> None:
    settings.WS_RATE_BURST = 3
    settings.WS_RATE_PER_SECOND = 1
    ticket, token = page_token
    page = await open_page(token)
    for n in range(3):
        await page.send_json_to({"type": "ping", "t": n})
        assert await page.receive_json_from() == {"type": "pong", "t": n}
    await page.send_json_to({"type": "leave"})
    assert (await page.receive_json_from())["code"] == "rate_limited"
    refreshed = await db(Ticket.objects.get)(pk=ticket.pk)
    assert refreshed.state == TicketState.WAITING
    await page.disconnect()


async def test_a_flooding_page_is_not_read_until_its_bucket_refills(page_token, settings) -> None:
    # After a refused frame the socket is not read for the two seconds the bucket needs for one frame
    # (rate 0.5/s): the frame behind the refused one is then answered, instead of being refused at once.
    settings.WS_RATE_BURST = 1
    settings.WS_RATE_PER_SECOND = 0.5
    _ticket, token = page_token
    page = await open_page(token)
    for n in range(3):
        await page.send_json_to({"type": "ping", "t": n})
    assert await page.receive_json_from() == {"type": "pong", "t": 0}
    assert (await page.receive_json_from())["code"] == "rate_limited"
    assert await page.receive_json_from(timeout=10) == {"type": "pong", "t": 2}
    await page.disconnect()


async def test_messages_follow_the_language_cookie(page_token) -> None:
    _ticket, token = page_token
    cookie = await db(citizen_cookie)(token)
    page, _, _ = await connect("/ws/ticket/", f"{cookie}; django_language=en")
    await frame_of(page, "snapshot")
    await page.send_to(text_data="{")
    assert (await page.receive_json_from())["message"] == "This message is not valid JSON."
    await page.disconnect()


async def test_a_failing_handler_answers_internal_and_keeps_the_socket(page_token, monkeypatch) -> None:
    from buergerbuero.calls.actions import admission

    def broken(ticket: Ticket) -> None:
        raise RuntimeError("database away")

    monkeypatch.setattr(admission, "citizen_leaves", broken)
    ticket, token = page_token
    page = await open_page(token)
    await page.send_json_to({"type": "leave"})
    error = await page.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "internal")
    assert "database" not in error["message"]  # no internals reach the page
    await still_open_and_unchanged(page, ticket)
    await page.disconnect()


async def test_a_rule_saying_no_answers_with_its_code(page_token) -> None:
    ticket, token = page_token
    page = await open_page(token)
    await page.send_json_to({"type": "call.join"})
    error = await page.receive_json_from()
    assert (error["type"], error["code"]) == ("error", "not_invited")
    await still_open_and_unchanged(page, ticket)
    await page.disconnect()


async def test_bad_frames_on_the_public_socket(world) -> None:
    page, connected, _ = await connect("/ws/public/testkreis/")
    assert connected
    await frame_of(page, "snapshot")
    for text, code in [
        ("{", "malformed"),
        ('{"type": "leave"}', "unknown_type"),
        ('{"type": "chat"}', "unknown_type"),
    ]:
        await page.send_to(text_data=text)
        assert (await page.receive_json_from())["code"] == code
    await page.send_json_to({"type": "ping", "t": 2})
    assert await page.receive_json_from() == {"type": "pong", "t": 2}
    await page.disconnect()


class SlowReader:
    """uvicorn's side of one connection, as BaseConsumer sees it: ``send`` is a bound method of a
    protocol whose ``writable`` event is clear while the client does not read."""

    def __init__(self) -> None:
        self.writable = asyncio.Event()
        self.sent: list[dict] = []

    async def send(self, message: dict) -> None:
        await self.writable.wait()
        self.sent.append(message)


def bare_consumer(send, cls: type[BaseConsumer] = BaseConsumer) -> BaseConsumer:
    """A consumer outside any server, writing through ``send``."""
    consumer = cls()
    consumer._backlog = deque()
    consumer.base_send = send
    return consumer


def consumer_on(reader: SlowReader) -> BaseConsumer:
    consumer = bare_consumer(reader.send)
    consumer._writable = reader.writable
    return consumer


async def test_a_slow_reader_never_holds_up_the_sender_and_gets_its_frames_in_order() -> None:
    reader = SlowReader()
    consumer = consumer_on(reader)
    await asyncio.wait_for(consumer.send_text("1"), timeout=0.1)  # does not wait for the reader
    await asyncio.wait_for(consumer.send_text("2"), timeout=0.1)
    assert reader.sent == []
    reader.writable.set()
    await consumer.send_text("3")  # behind the backlog, not before it
    for _ in range(50):
        if len(reader.sent) == 3:
            break
        await asyncio.sleep(0.01)
    assert [m["text"] for m in reader.sent] == ["1", "2", "3"]
    await consumer.send_text("4")  # backlog empty again: written at once
    assert reader.sent[-1]["text"] == "4"


async def test_a_reader_that_falls_too_far_behind_is_closed() -> None:
    reader = SlowReader()
    consumer = consumer_on(reader)
    for n in range(MAX_BACKLOG + 10):
        await consumer.send_text(str(n))
    assert not consumer._backlog
    reader.writable.set()
    for _ in range(50):
        if reader.sent:
            break
        await asyncio.sleep(0.01)
    assert reader.sent == [{"type": "websocket.close", "code": 4008}]


async def test_a_page_that_has_gone_fails_no_sender_and_no_close() -> None:
    # What uvicorn does once the client went (ClientDisconnected is an OSError): a Janus event or a
    # fan-out that writes to such a page, and the close after it, must not raise.
    sent: list[dict] = []

    async def gone(message: dict) -> None:
        sent.append(message)
        raise ConnectionResetError("client disconnected")

    consumer = bare_consumer(gone)
    await consumer.send_text("1")
    await consumer.send_text("2")  # nothing more is tried
    await consumer.close(code=4403)
    assert [m["type"] for m in sent] == ["websocket.send", "websocket.close"]  # both failed quietly


async def test_a_socket_the_server_closed_itself_takes_a_second_close_quietly() -> None:
    # uvicorn closes a socket itself for a frame over --ws-max-size; a close of ours after that (a
    # "superseded" event arriving then) is answered with RuntimeError "Unexpected ASGI message". It must
    # neither raise nor be sent twice.
    sent: list[dict] = []

    async def closed_by_server(message: dict) -> None:
        sent.append(message)
        raise RuntimeError("Unexpected ASGI message 'websocket.close', after sending 'websocket.close'")

    consumer = bare_consumer(closed_by_server)
    await consumer.close(code=4409)
    await consumer.close(code=4008)
    assert sent == [{"type": "websocket.close", "code": 4409}]


async def test_events_for_a_page_being_closed_are_dropped() -> None:
    # Another page took the ticket over (close 4409) and the consumer forgot its ticket; a ticket.state
    # event still queued for it must not reach its handlers (it used to fail an assertion there).
    handled: list[dict] = []

    class Page(BaseConsumer):
        async def on_event(self, event: dict) -> None:
            handled.append(event)

    async def sink(message: dict) -> None:
        pass

    consumer = bare_consumer(sink, Page)
    consumer.language = "de"
    await consumer.event({"type": "event", "event": {"type": "ticket.state"}})
    await consumer.close(code=4409)
    await consumer.event({"type": "event", "event": {"type": "ticket.state"}})
    assert handled == [{"type": "ticket.state"}]
