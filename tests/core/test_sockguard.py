"""core.sockguard: an address whose sockets flood or are closed for what they sent gets no new socket
for a while; other addresses, and the address's open sockets, are not affected."""

from __future__ import annotations

import logging

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from buergerbuero.core import sockguard
from buergerbuero.core.sockguard import MAX_ADDRESSES, ViolationLedger
from tests.conftest import ORIGIN, citizen_cookie, enter, frame_of, open_

db = database_sync_to_async


def ledger_at(now: list[float], burst: int = 3, refill: float = 6) -> ViolationLedger:
    return ViolationLedger(burst, refill, clock=lambda: now[0])


def test_an_address_is_refused_after_its_burst_of_violations_and_forgiven_one_at_a_time() -> None:
    now = [0.0]
    ledger = ledger_at(now)
    for _ in range(2):
        ledger.record("203.0.113.7")
        assert not ledger.refused("203.0.113.7")
    ledger.record("203.0.113.7")
    assert ledger.refused("203.0.113.7")
    now[0] = 5.9
    assert ledger.refused("203.0.113.7")
    now[0] = 6.0  # one violation forgiven: a socket may open; the next violation closes the door again
    assert not ledger.refused("203.0.113.7")
    ledger.record("203.0.113.7")
    assert ledger.refused("203.0.113.7")


def test_other_addresses_are_not_refused_and_ipv6_counts_by_64() -> None:
    ledger = ledger_at([0.0], burst=2)
    ledger.record("2001:db8:aa:bb::1")
    ledger.record("2001:db8:aa:bb:ffff::9")
    assert ledger.refused("2001:db8:aa:bb::1234")
    assert not ledger.refused("2001:db8:aa:bc::1")
    assert not ledger.refused("203.0.113.7")


def test_a_forgiven_address_is_forgotten_and_the_ledger_stays_bounded() -> None:
    now = [0.0]
    ledger = ledger_at(now, burst=2, refill=1)
    ledger.record("203.0.113.7")
    now[0] = 1.0
    assert not ledger.refused("203.0.113.7")
    assert ledger.buckets == {}
    ledger.record("10.0.0.0")
    ledger.record("10.0.0.0")
    assert ledger.refused("10.0.0.0")
    for n in range(1, MAX_ADDRESSES + 5):
        ledger.record(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")
        ledger.record(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}")  # not forgiven within the test
    assert len(ledger.buckets) == MAX_ADDRESSES
    assert not ledger.refused("10.0.0.0")  # dropped: the least recently seen


def test_no_address_is_held_in_clear() -> None:
    ledger = ledger_at([0.0])
    ledger.record("203.0.113.7")
    ledger.record("2001:db8:aa:bb::1")
    held = " ".join(ledger.buckets)
    assert "203.0.113" not in held and "2001:db8" not in held


def test_refusals_are_logged_once_per_episode_without_the_address(caplog) -> None:
    ledger = ledger_at([0.0], burst=1)
    ledger.record("203.0.113.7")
    with caplog.at_level(logging.WARNING, logger="buergerbuero.core.sockguard"):
        for _ in range(5):
            assert ledger.refused("203.0.113.7")
    assert len(caplog.records) == 1
    assert "203.0.113" not in caplog.text


# --- on the real socket stack ---------------------------------------------------------------------------


async def open_socket(cookie: str, address: str) -> tuple[WebsocketCommunicator, bool]:
    from buergerbuero.site.asgi import websocket_application

    headers = [(b"origin", ORIGIN.encode()), (b"host", b"localhost"), (b"cookie", cookie.encode())]
    communicator = WebsocketCommunicator(websocket_application(), "/ws/ticket/", headers=headers)
    communicator.scope["client"] = (address, 40000)
    connected, _ = await communicator.connect(timeout=5)
    return communicator, connected


@pytest.fixture
def cookie(world):
    open_(world.official_a, world.office_a)
    _ticket, token = enter(world.office_a)
    return citizen_cookie(token)


@pytest.fixture
def other_cookie(world, cookie):
    _ticket, token = enter(world.office_a, "Person 2")
    return citizen_cookie(token)


@pytest.mark.django_db(transaction=True)
async def test_a_flooding_address_gets_no_new_socket_but_keeps_its_open_one(
    cookie, other_cookie, settings
) -> None:
    settings.WS_RATE_BURST = 1
    settings.WS_RATE_PER_SECOND = 1
    settings.WS_VIOLATION_BURST = 2
    settings.WS_VIOLATION_REFILL_SECONDS = 60
    sockguard.reset()
    page, connected = await open_socket(cookie, "203.0.113.7")
    assert connected
    await frame_of(page, "snapshot")
    for n in range(2):  # two floods: the first frame passes, the second is refused
        await page.send_json_to({"type": "ping", "t": 2 * n})
        await page.send_json_to({"type": "ping", "t": 2 * n + 1})
        assert await frame_of(page, "pong") == {"type": "pong", "t": 2 * n}
        assert (await frame_of(page, "error", timeout=5))["code"] == "rate_limited"
    _refused, connected = await open_socket(cookie, "203.0.113.7")
    assert not connected  # refused at the handshake
    other, connected = await open_socket(other_cookie, "198.51.100.1")
    assert connected  # another address is served as before
    await other.disconnect()
    await page.send_json_to({"type": "ping", "t": 9})
    assert await frame_of(page, "pong", timeout=5) == {"type": "pong", "t": 9}  # the open socket works
    await page.disconnect()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("code", [1009, 1007, 1002])
async def test_a_socket_closed_for_what_it_sent_counts_against_its_address(cookie, settings, code) -> None:
    settings.WS_VIOLATION_BURST = 1
    sockguard.reset()
    page, connected = await open_socket(cookie, "203.0.113.7")
    assert connected
    await page.send_input({"type": "websocket.disconnect", "code": code})
    await page.wait()
    _, connected = await open_socket(cookie, "203.0.113.7")
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_a_page_that_closes_normally_is_no_violation(cookie, settings) -> None:
    settings.WS_VIOLATION_BURST = 1
    sockguard.reset()
    for _ in range(3):
        page, connected = await open_socket(cookie, "203.0.113.7")
        assert connected
        await page.disconnect(code=1001)
