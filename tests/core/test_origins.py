"""The origin check of every socket (core.asgi.SiteOriginValidator): a page of another site must not open a
socket with the visitor's cookies, and that includes other schemes and ports of our own host."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from buergerbuero.core.asgi import normalise_origin
from buergerbuero.site.asgi import websocket_application
from tests.conftest import connect, frame_of, staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


async def staff_socket(world, origin: str | None, host: str = "localhost", scheme: str = "ws"):
    headers = [(b"cookie", (await db(staff_cookie)(world.official_a)).encode()), (b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    page = WebsocketCommunicator(websocket_application(), "/ws/staff/", headers=headers)
    page.scope["scheme"] = scheme  # as uvicorn sets it (wss behind a TLS proxy with --proxy-headers)
    connected, _ = await page.connect(timeout=5)
    return page, connected


@pytest.mark.parametrize(
    "origin",
    [
        "https://127.0.0.1:1",  # the example: another scheme and port of an allowed host
        "http://localhost:1",
        "https://localhost",
        "http://localhost:80.evil.example",
        "http://127.0.0.1",  # an allowed host, but not the one the socket was opened at
        "http://evil.example",
        "null",  # sandboxed frames and file:// pages
        "localhost",
        "",
        "http://user@localhost",
        "http://localhost/path",
    ],
)
async def test_an_official_socket_from_another_origin_gets_nothing(world, origin) -> None:
    page, connected = await staff_socket(world, origin)
    assert not connected
    await page.disconnect()


async def test_no_origin_header_is_refused(world) -> None:
    page, connected = await staff_socket(world, None)
    assert not connected
    await page.disconnect()


@pytest.mark.parametrize("origin", ["http://localhost", "HTTP://LocalHost:80", "http://localhost/"])
async def test_the_page_of_the_same_origin_gets_the_snapshot(world, origin) -> None:
    page, connected = await staff_socket(world, origin)
    assert connected
    await frame_of(page, "snapshot")
    await page.disconnect()


async def test_a_port_is_part_of_the_origin(world) -> None:
    page, connected = await staff_socket(world, "http://localhost:8000", host="localhost:8000")
    assert connected
    await page.disconnect()
    page, connected = await staff_socket(world, "http://localhost:8001", host="localhost:8000")
    assert not connected
    await page.disconnect()


async def test_behind_tls_only_https_is_the_same_origin(world) -> None:
    page, connected = await staff_socket(world, "https://localhost", scheme="wss")
    assert connected
    await page.disconnect()
    page, connected = await staff_socket(world, "http://localhost", scheme="wss")
    assert not connected
    await page.disconnect()


async def test_a_host_outside_allowed_hosts_is_no_origin_of_ours(world, settings) -> None:
    settings.ALLOWED_HOSTS = ["buergerbuero.example"]
    page, connected = await staff_socket(world, "http://evil.example", host="evil.example")
    assert not connected
    await page.disconnect()


async def test_site_url_is_accepted_whatever_the_host(world, settings) -> None:
    settings.SITE_URL = "https://termine.musterkreis.de/buergerbuero"
    page, connected = await staff_socket(world, "https://termine.musterkreis.de", host="127.0.0.1:8000")
    assert connected
    await page.disconnect()
    page, connected = await staff_socket(world, "http://termine.musterkreis.de", host="127.0.0.1:8000")
    assert not connected
    await page.disconnect()


async def test_extra_origins_are_exact(world, settings) -> None:
    settings.WEBSOCKET_ALLOWED_ORIGINS = ["https://widget.example.org:8443", "kiosk.example.org"]
    for origin, expected in [
        ("https://widget.example.org:8443", True),
        ("https://widget.example.org", False),
        ("http://widget.example.org:8443", False),
        ("https://kiosk.example.org", True),  # a bare host: https on the default port
        ("http://kiosk.example.org", False),
        ("https://kiosk.example.org:444", False),
    ]:
        page, connected, _ = await connect("/ws/public/testkreis/", origin=origin)
        assert connected is expected, origin
        await page.disconnect()


def test_malformed_extra_origins_stop_the_start(settings) -> None:
    from django.core.exceptions import ImproperlyConfigured

    settings.WEBSOCKET_ALLOWED_ORIGINS = ["ftp://example.org"]
    with pytest.raises(ImproperlyConfigured, match="WEBSOCKET_ALLOWED_ORIGINS"):
        websocket_application()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://Example.org:443", "https://example.org"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("example.org", "https://example.org"),
        ("https://example.org:99999", None),
        ("https://example.org/x", None),
        ("javascript://example.org", None),
        ("https://", None),
    ],
)
def test_normalise_origin(value, expected) -> None:
    assert normalise_origin(value) == expected
