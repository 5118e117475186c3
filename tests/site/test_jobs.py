from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from buergerbuero.site import jobs
from buergerbuero.site.asgi import Lifespan
from buergerbuero.waitingroom.models import Ticket, TicketState
from tests.conftest import enter, open_


@pytest.mark.django_db(transaction=True)
def test_run_expiry_and_retention(world, settings) -> None:
    settings.WAITING_GRACE_SECONDS = 10
    settings.RETENTION_DAYS = 30
    open_(world.official_a, world.office_a)
    gone, _ = enter(world.office_a, "Gone")
    old, _ = enter(world.office_a, "Old")
    Ticket.objects.filter(pk=gone.pk).update(disconnected_at=timezone.now() - timedelta(seconds=11))
    Ticket.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=31), disconnected_at=None
    )

    assert jobs.run_expiry() == 1
    assert jobs.run_expiry() == 0
    assert Ticket.objects.get(pk=gone.pk).state == TicketState.EXPIRED
    assert jobs.run_retention() == 1
    assert jobs.run_retention() == 0
    assert Ticket.objects.get(pk=old.pk).display_name == ""
    assert Ticket.objects.get(pk=gone.pk).display_name == "Gone"


async def test_run_forever_keeps_going_after_a_failure(monkeypatch) -> None:
    calls: list[str] = []
    clock = 1000.0

    def expiry() -> int:
        calls.append("expiry")
        if len(calls) == 1:
            raise RuntimeError("database away")
        return 0

    def reminders() -> int:
        calls.append("reminders")
        return 0

    def room_ends() -> int:
        calls.append("room_ends")
        return 0

    def rollups() -> int:
        calls.append("rollups")
        return 0

    def retention() -> int:
        calls.append("retention")
        if calls.count("retention") == 1:
            raise RuntimeError("disk full")
        return 0

    sleeps = 0

    async def sleep(seconds: float) -> None:
        nonlocal sleeps, clock
        assert seconds == jobs.EXPIRY_INTERVAL_SECONDS
        clock += seconds
        sleeps += 1
        if sleeps == 8:
            raise asyncio.CancelledError

    monkeypatch.setattr(jobs, "run_expiry", expiry)
    monkeypatch.setattr(jobs, "run_reminders", reminders)
    monkeypatch.setattr(jobs, "run_room_ends", room_ends)
    monkeypatch.setattr(jobs, "run_rollups", rollups)
    monkeypatch.setattr(jobs, "run_retention", retention)
    monkeypatch.setattr(jobs, "asyncio", SimpleNamespace(sleep=sleep, CancelledError=asyncio.CancelledError))
    monkeypatch.setattr(jobs, "time", SimpleNamespace(monotonic=lambda: clock))
    with pytest.raises(asyncio.CancelledError):
        await jobs.run_forever()
    # A failing job keeps none of the others from running. Expiry runs every 5 s, reminders every 30 s,
    # room ends and rollups every 5 min; retention runs daily once it has succeeded (the failed first try
    # is repeated in the next round).
    assert calls == [
        *("expiry", "reminders", "room_ends", "rollups", "retention"),
        *("expiry", "retention"),
        *("expiry",) * 4,
        *("expiry", "reminders"),
        "expiry",
    ]


async def lifespan_run(settings, monkeypatch) -> list[str]:
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(jobs, "run_forever", forever)
    messages = asyncio.Queue()
    for kind in ("lifespan.startup", "lifespan.shutdown"):
        messages.put_nowait({"type": kind})
    sent: list[str] = []

    async def send(message: dict) -> None:
        sent.append(message["type"])
        if message["type"] == "lifespan.startup.complete" and settings.RUN_JOBS_IN_PROCESS:
            await asyncio.wait_for(started.wait(), 3)

    lifespan = Lifespan()
    await lifespan({"type": "lifespan"}, messages.get, send)
    if lifespan.task is not None:
        with pytest.raises(asyncio.CancelledError):
            await lifespan.task
    return sent


async def test_lifespan_runs_jobs_in_process(settings, monkeypatch) -> None:
    settings.RUN_JOBS_IN_PROCESS = True
    assert await lifespan_run(settings, monkeypatch) == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


async def test_lifespan_without_jobs(settings, monkeypatch) -> None:
    settings.RUN_JOBS_IN_PROCESS = False
    assert await lifespan_run(settings, monkeypatch) == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


@pytest.mark.django_db(transaction=True)  # the job closes stale connections, as in production
def test_retention_deletes_expired_sessions() -> None:
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    expired, alive = SessionStore(), SessionStore()
    expired["bb_ticket_token"] = alive["bb_ticket_token"] = "x"
    expired.set_expiry(-1)
    expired.create()
    alive.create()
    jobs.run_retention()
    assert list(Session.objects.values_list("session_key", flat=True)) == [alive.session_key]


# --- appointments --------------------------------------------------------------------------------------


def at(monkeypatch, when) -> None:
    monkeypatch.setattr(jobs, "timezone", SimpleNamespace(now=lambda: when))


@pytest.mark.django_db(transaction=True)
def test_run_reminders_ends_lapsed_holds_and_sends_due_reminders(world, monkeypatch) -> None:
    from django.core import mail

    from buergerbuero.appointments.models import BookingState
    from tests.appointments.mailing import START, book, offer_appointments

    offer_appointments(world.office_a)
    offer_appointments(world.office_b, double_opt_in=True)
    confirmed = book(world.office_a)
    held = book(world.office_b)
    mail.outbox.clear()
    at(monkeypatch, START - timedelta(hours=1))

    assert jobs.run_reminders() == 1
    assert jobs.run_reminders() == 0
    held.refresh_from_db()
    assert held.state == BookingState.EXPIRED
    assert held.ended_at == START - timedelta(hours=1)
    assert [m.to for m in mail.outbox] == [[confirmed.email]]

    # 16 minutes after the start nobody has come: a no-show.
    at(monkeypatch, START + timedelta(minutes=16))
    jobs.run_reminders()
    confirmed.refresh_from_db()
    assert confirmed.state == BookingState.NO_SHOW


@pytest.mark.django_db(transaction=True)
def test_run_retention_deletes_personal_data_of_past_appointments(world, monkeypatch, settings) -> None:
    import datetime as dt

    from buergerbuero.appointments.models import Booking
    from tests.appointments.mailing import BERLIN, START, book, offer_appointments

    settings.RETENTION_DAYS = 30
    offer_appointments(world.office_a)
    past = book(world.office_a)
    recent = book(world.office_a, start=dt.datetime(2026, 4, 14, 14, 30, tzinfo=BERLIN), phone="0171")
    at(monkeypatch, START + timedelta(days=31))  # past ended 31 days ago, recent 5 days ago

    assert jobs.run_retention() == 1
    assert jobs.run_retention() == 0
    past, recent = Booking.objects.get(pk=past.pk), Booking.objects.get(pk=recent.pk)
    assert (past.name, past.email, past.phone, past.concern, past.personal_data_deleted) == (
        "",
        "",
        "",
        "",
        True,
    )
    assert past.start == START  # the booking itself stays for the statistics
    assert (recent.name, recent.email, recent.phone) == ("Erika Muster", "erika@example.org", "0171")
