"""A database that cannot be reached: pages answer 503 with a page that says so (no traceback) and
``Retry-After``; sockets close with 1013 ("try again later") so pages reconnect; nothing is changed;
and once the database is back everything works again by itself.

The outage is real: the SQLite file's folder is moved away, so connecting fails with the driver's
OperationalError as it does while PostgreSQL restarts (tests/e2e/test_faults.py and
bench/bench_faults.py stop a real PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.db import connection
from django.test import Client

from buergerbuero.core.consumers import TRY_AGAIN_LATER
from buergerbuero.waitingroom.models import Ticket, TicketState
from tests.conftest import citizen_cookie, connect, enter, frame_of, open_

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
        reason="moves the SQLite file away; PostgreSQL outages: tests/e2e/test_faults.py",
    ),
]

db = database_sync_to_async


@contextmanager
def unreachable_database() -> Iterator[None]:
    """Until the block ends, this thread cannot connect to the database: its connection is closed and
    the database file's folder is elsewhere ("unable to open database file")."""
    folder = Path(connection.settings_dict["NAME"]).parent
    away = folder.with_name(folder.name + "-away")
    connection.close()
    folder.rename(away)
    try:
        yield
    finally:
        connection.close()
        away.rename(folder)


def test_a_page_answers_503_while_the_database_is_unreachable_and_recovers(world, caplog) -> None:
    client = Client()
    with unreachable_database():
        response = client.get("/testkreis/")
        english = client.get("/testkreis/", headers={"accept-language": "en"})
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"]  # outer middleware still ran
    page = response.content.decode()
    assert '<html lang="de">' in page
    assert "Traceback" not in page and "OperationalError" not in page
    assert english.status_code == 503
    assert "The virtual citizen office is briefly unavailable." in english.content.decode()
    assert "If you are waiting in a queue, you keep your place." in english.content.decode()
    # One warning per request, no logged traceback.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.exc_info for r in caplog.records if "database unavailable" in r.getMessage()] == [None, None]

    assert client.get("/testkreis/").status_code == 200


async def test_a_socket_opened_while_the_database_is_unreachable_closes_to_try_again(world, caplog) -> None:
    await db(open_)(world.official_a, world.office_a)
    _ticket, token = await db(enter)(world.office_a)
    cookie = await db(citizen_cookie)(token)

    outage = unreachable_database()
    await db(outage.__enter__)()
    try:
        page, connected, _ = await connect("/ws/ticket/", cookie)
        assert connected
        closed = await page.receive_output(timeout=5)
        assert (closed["type"], closed["code"]) == ("websocket.close", TRY_AGAIN_LATER)
    finally:
        await db(outage.__exit__)(None, None, None)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    # Back: the page's reconnect gets its snapshot.
    page, connected, _ = await connect("/ws/ticket/", cookie)
    assert connected
    await frame_of(page, "snapshot")
    await page.disconnect()


async def test_a_frame_that_cannot_reach_the_database_closes_the_socket_and_changes_nothing(
    world, caplog
) -> None:
    await db(open_)(world.official_a, world.office_a)
    ticket, token = await db(enter)(world.office_a)
    cookie = await db(citizen_cookie)(token)
    page, connected, code = await connect("/ws/ticket/", cookie)
    assert connected, code
    await frame_of(page, "snapshot")

    outage = unreachable_database()
    await db(outage.__enter__)()
    try:
        await page.send_json_to({"type": "leave"})
        while True:  # frames sent before the outage may come first; never an error frame
            output = await page.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                break
            assert '"type":"error"' not in output.get("text", ""), output
        assert output["code"] == TRY_AGAIN_LATER
    finally:
        await db(outage.__exit__)(None, None, None)
    await page.wait(timeout=5)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    refreshed = await db(Ticket.objects.get)(pk=ticket.pk)
    assert refreshed.state == TicketState.WAITING
    page, connected, _ = await connect("/ws/ticket/", cookie)
    assert connected
    assert (await frame_of(page, "snapshot"))["type"] == "snapshot"
    await page.disconnect()
