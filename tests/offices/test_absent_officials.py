"""An office is open only while an official of it is really present: a presence
whose official has had no live workspace page for PRESENCE_GRACE_SECONDS ends by itself, and with the
last one the office closes, with audit entries, and the people waiting get the closing notice."""

from __future__ import annotations

import datetime as dt

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from buergerbuero.audit.models import AuditEntry
from buergerbuero.core import groups
from buergerbuero.offices.actions import end_absent_presences, note_workspace_alive
from buergerbuero.offices.models import Assignment, OpenPeriod, Presence
from buergerbuero.offices.selectors import office_state
from buergerbuero.waitingroom.models import Ticket, TicketState
from tests.conftest import connect, enter, frame_of, open_, staff_cookie

GRACE = dt.timedelta(seconds=120)


def last_seen(staff, office, moment: dt.datetime) -> None:
    """The official's last workspace page went at ``moment`` (or the worker serving it died then)."""
    Presence.objects.filter(staff=staff, office=office, ended_at__isnull=True).update(seen_at=moment)


@pytest.mark.django_db
def test_office_of_an_official_gone_without_closing_closes_after_the_grace(world, events, settings) -> None:
    settings.PRESENCE_GRACE_SECONDS = 120
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    gone = timezone.now() - GRACE - dt.timedelta(seconds=1)
    last_seen(world.official_a, world.office_a, gone)
    events.sent  # noqa: B018 - the events so far are not under test

    assert end_absent_presences() == 1

    assert office_state(world.office_a).state == "closed"
    assert not Presence.objects.filter(ended_at__isnull=True).exists()
    assert not OpenPeriod.objects.filter(ended_at__isnull=True).exists()
    ticket.refresh_from_db()
    assert ticket.state == TicketState.EXPIRED
    closing = [
        (e.action, e.actor_id, e.data)
        for e in AuditEntry.objects.filter(action__in=["presence.ended", "office.closed"]).order_by("id")
    ]
    assert closing == [
        (
            "presence.ended",
            None,
            {"office": world.office_a.pk, "reason": "absent", "staff": world.official_a.pk},
        ),
        ("office.closed", None, {"reason": "absent", "staff": world.official_a.pk}),
    ]
    assert events.of(groups.ticket(ticket.pk))[-1]["reason"] == "office_closed"
    assert events.of(groups.authority(world.authority.pk))[-1]["state"] == "closed"
    assert events.of(groups.staff(world.official_a.pk))[-1] == {
        "type": "staff.me",
        "availability": "available",
        "present": [],
    }
    # Idempotent: a second run (or another process) finds nothing more to do.
    assert end_absent_presences() == 0


@pytest.mark.django_db
def test_within_the_grace_the_office_stays_open(world, settings) -> None:
    settings.PRESENCE_GRACE_SECONDS = 120
    open_(world.official_a, world.office_a)
    last_seen(world.official_a, world.office_a, timezone.now() - GRACE + dt.timedelta(seconds=30))
    assert end_absent_presences() == 0
    assert office_state(world.office_a).state == "open_free"


@pytest.mark.django_db
def test_only_the_absent_official_leaves_while_a_colleague_is_present(world, settings) -> None:
    settings.PRESENCE_GRACE_SECONDS = 120
    open_(world.official_a, world.office_a)
    open_(world.official_a2, world.office_a)
    ticket, _ = enter(world.office_a)
    last_seen(world.official_a, world.office_a, timezone.now() - GRACE - dt.timedelta(seconds=1))
    assert end_absent_presences() == 1
    state = office_state(world.office_a)
    assert (state.state, state.officials_present) == ("open_free", 1)
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.WAITING
    assert not AuditEntry.objects.filter(action="office.closed").exists()


@pytest.mark.django_db
def test_a_heartbeat_keeps_only_offices_the_official_is_still_assigned_to(world, settings) -> None:
    settings.PRESENCE_GRACE_SECONDS = 120
    open_(world.official_a, world.office_a)
    gone = timezone.now() - GRACE - dt.timedelta(seconds=1)
    last_seen(world.official_a, world.office_a, gone)
    Assignment.objects.filter(staff=world.official_a, office=world.office_a).delete()
    assert note_workspace_alive(world.official_a.pk) == 0
    assert end_absent_presences() == 1
    assert office_state(world.office_a).state == "closed"


db = database_sync_to_async


@pytest.mark.django_db(transaction=True)
async def test_a_live_workspace_keeps_the_office_open_and_its_departure_starts_the_grace(
    world, settings
) -> None:
    settings.PRESENCE_GRACE_SECONDS = 120
    await db(open_)(world.official_a, world.office_a)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    await db(last_seen)(world.official_a, world.office_a, long_ago)
    page, ok, _ = await connect("/ws/staff/", await db(staff_cookie)(world.official_a))
    assert ok
    await frame_of(page, "snapshot")
    # The connected page counts as present: the presence is refreshed and survives the sweep.
    assert await db(end_absent_presences)() == 0
    await page.disconnect()
    seen = await db(lambda: Presence.objects.get(staff=world.official_a, ended_at__isnull=True).seen_at)()
    assert seen > long_ago
    # The grace counts from the page's departure: just inside it the office is open, after it closed.
    assert await db(end_absent_presences)(seen + GRACE - dt.timedelta(seconds=1)) == 0
    assert await db(end_absent_presences)(seen + GRACE + dt.timedelta(seconds=1)) == 1
    assert (await db(office_state)(world.office_a)).state == "closed"
