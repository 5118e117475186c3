from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from buergerbuero.core import jobs
from buergerbuero.core.asgi import Lifespan
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

    def expiry() -> int:
        calls.append("expiry")
        if len(calls) == 1:
            raise RuntimeError("database away")
        return 0

    def retention() -> int:
        calls.append("retention")
        return 0

    sleeps = 0

    async def sleep(seconds: float) -> None:
        nonlocal sleeps
        assert seconds == jobs.EXPIRY_INTERVAL_SECONDS
        sleeps += 1
        if sleeps == 3:
            raise asyncio.CancelledError

    monkeypatch.setattr(jobs, "run_expiry", expiry)
    monkeypatch.setattr(jobs, "run_retention", retention)
    monkeypatch.setattr(jobs, "asyncio", SimpleNamespace(sleep=sleep, CancelledError=asyncio.CancelledError))
    with pytest.raises(asyncio.CancelledError):
        await jobs.run_forever()
    # The first round failed before retention; retention then runs once (daily), expiry every round.
    assert calls == ["expiry", "expiry", "retention", "expiry"]


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
