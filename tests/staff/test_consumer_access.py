"""The workspace socket is authorised for as long as it lives, not only when it connects: a change of
assignment, role, activity, password or session, made anywhere (our actions, the admin, the shell,
signing out), reaches the official's live sockets; they leave the offices they may no longer see (with a
fresh snapshot) or close with 4403, and no queue event of such an office reaches them afterwards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from buergerbuero.authorities.models import Role, Staff
from buergerbuero.core import groups
from buergerbuero.offices.models import Assignment
from tests.conftest import PASSWORD, connect, drain, enter, frame_of, group_members, open_

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def browser(staff: Staff) -> Client:
    client = Client()
    assert client.login(username=staff.user.username, password=PASSWORD)
    return client


def cookie_of(client: Client) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def workspace(client: Client):
    page, ok, code = await connect("/ws/staff/", cookie_of(client))
    assert ok, code
    return page, await frame_of(page, "snapshot")


async def closed_with(page, timeout: float = 3) -> int:
    """The close code the socket sends, after any frames still on their way."""
    while True:
        message = await page.receive_output(timeout=timeout)
        if message["type"] == "websocket.close":
            return message["code"]


async def nothing_of(page, office, other_pages: int = 0) -> None:
    """A queue change of ``office`` (a citizen entering) reaches the page no more: the office's staff
    group holds only the ``other_pages`` still allowed, and a change that follows leaves no frame."""
    assert len(await group_members(groups.office_staff(office.pk))) == other_pages
    await db(enter)(office, "Nachher", "Geheim")
    assert [f for f in await drain(page) if f.get("office") == office.pk] == []


async def test_unassigned_official_leaves_the_office_with_a_fresh_snapshot(world) -> None:
    await db(open_)(world.official_a2, world.office_a)
    client = await db(browser)(world.official_a)
    page, snapshot = await workspace(client)
    assert [o["id"] for o in snapshot["offices"]] == [world.office_a.pk]
    # As the Django admin would: the assignment row goes.
    await db(Assignment.objects.filter(staff=world.official_a, office=world.office_a).delete)()
    snapshot = await frame_of(page, "snapshot")
    assert snapshot["offices"] == []
    await nothing_of(page, world.office_a)
    await page.disconnect()


async def test_new_assignment_joins_the_office(world) -> None:
    await db(open_)(world.official_b, world.office_b)
    client = await db(browser)(world.official_a)
    page, _ = await workspace(client)
    await db(Assignment.objects.create)(office=world.office_b, staff=world.official_a)
    snapshot = await frame_of(page, "snapshot")
    assert {o["id"] for o in snapshot["offices"]} == {world.office_a.pk, world.office_b.pk}
    await db(enter)(world.office_b, "Erika")
    queue = await frame_of(page, "office.queue")
    assert (queue["office"], [e["name"] for e in queue["entries"]]) == (world.office_b.pk, ["Erika"])
    await page.disconnect()


async def test_an_administrator_made_official_sees_only_their_offices(world) -> None:
    await db(open_)(world.official_b, world.office_b)
    await db(Assignment.objects.create)(office=world.office_a, staff=world.admin)
    client = await db(browser)(world.admin)
    page, snapshot = await workspace(client)
    assert {o["id"] for o in snapshot["offices"]} == {world.office_a.pk, world.office_b.pk}

    def demote() -> None:
        staff = Staff.objects.get(pk=world.admin.pk)
        staff.role = Role.OFFICIAL
        staff.save()

    await db(demote)()
    snapshot = await frame_of(page, "snapshot")
    assert [o["id"] for o in snapshot["offices"]] == [world.office_a.pk]
    await nothing_of(page, world.office_b)
    await page.disconnect()


async def test_deactivated_official_is_closed(world) -> None:
    await db(open_)(world.official_a2, world.office_a)
    client = await db(browser)(world.official_a)
    page, _ = await workspace(client)

    def deactivate() -> None:
        user = world.official_a.user
        user.refresh_from_db()
        user.is_active = False
        user.save()

    await db(deactivate)()
    assert await closed_with(page) == 4403
    await nothing_of(page, world.office_a)
    assert await group_members(groups.staff(world.official_a.pk)) == set()


async def test_signing_out_closes_the_sockets_of_that_browser_only(world) -> None:
    await db(open_)(world.official_a, world.office_a)
    here = await db(browser)(world.official_a)
    elsewhere = await db(browser)(world.official_a)
    page, _ = await workspace(here)
    other_page, _ = await workspace(elsewhere)
    response = await db(here.post)("/staff/logout/")
    assert response.status_code == 302
    assert await closed_with(page) == 4403
    # The official's page in the other browser, still signed in, keeps its office.
    await nothing_of(page, world.office_a, other_pages=1)
    queue = await frame_of(other_page, "office.queue")
    assert (queue["office"], [e["name"] for e in queue["entries"]]) == (world.office_a.pk, ["Nachher"])
    await other_page.disconnect()


async def test_a_deleted_session_closes_its_sockets(world) -> None:
    await db(open_)(world.official_a, world.office_a)
    client = await db(browser)(world.official_a)
    page, _ = await workspace(client)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    # As "delete session" in the admin, or a flush from the shell.
    await db(lambda: Session.objects.get(session_key=key).delete())()
    assert await closed_with(page) == 4403
    await nothing_of(page, world.office_a)


async def test_a_session_that_runs_out_closes_its_sockets(world) -> None:
    # Nothing is saved or deleted when a session simply expires: the socket watches its end itself.
    await db(open_)(world.official_a, world.office_a)
    client = await db(browser)(world.official_a)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    await db(
        lambda: Session.objects.filter(session_key=key).update(
            expire_date=timezone.now() + timedelta(seconds=1)
        )
    )()
    page, _ = await workspace(client)
    assert await closed_with(page, timeout=30) == 4403
    await nothing_of(page, world.office_a)


async def test_a_new_password_closes_the_sockets_of_other_sessions(world) -> None:
    await db(open_)(world.official_a, world.office_a)
    client = await db(browser)(world.official_a)
    page, _ = await workspace(client)

    def new_password() -> None:
        user = world.official_a.user
        user.refresh_from_db()
        user.set_password("a completely different passphrase")
        user.save()

    await db(new_password)()
    assert await closed_with(page) == 4403
    await nothing_of(page, world.office_a)


async def test_an_availability_change_sends_no_new_snapshot(world) -> None:
    from buergerbuero.offices.actions import set_availability

    client = await db(browser)(world.official_a)
    page, _ = await workspace(client)
    await db(set_availability)(world.official_a, "break")
    await frame_of(page, "staff.me")
    assert "snapshot" not in [f["type"] for f in await drain(page)]
    await page.disconnect()
