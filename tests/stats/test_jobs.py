"""The rollups as a background job: run every five minutes by run_forever, in a thread of their own."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace

import pytest

from buergerbuero.site import jobs
from buergerbuero.stats.models import OfficeDay
from tests.stats import scenario


@pytest.mark.django_db(transaction=True)
def test_run_rollups_rolls_up_what_is_due(world, monkeypatch) -> None:
    scenario.build(world)
    monkeypatch.setattr(jobs.timezone, "now", lambda: scenario.NOW)
    assert jobs.run_rollups() > 0
    assert OfficeDay.objects.get(office=world.office_a, day=scenario.MONDAY).final
    assert not OfficeDay.objects.get(office=world.office_a, day=scenario.NOW.date()).final


async def test_run_forever_rolls_up_every_five_minutes(monkeypatch) -> None:
    calls: list[str] = []
    clock = 1000.0
    sleeps = 0

    async def sleep(seconds: float) -> None:
        nonlocal clock, sleeps
        clock += seconds
        sleeps += 1
        if sleeps == 2 * jobs.ROLLUP_INTERVAL_SECONDS // jobs.EXPIRY_INTERVAL_SECONDS + 1:
            raise asyncio.CancelledError

    for name in ("run_expiry", "run_reminders", "run_retention"):
        monkeypatch.setattr(jobs, name, lambda: 0)
    monkeypatch.setattr(jobs, "run_rollups", lambda: calls.append("rollups") or 0)
    monkeypatch.setattr(jobs, "asyncio", SimpleNamespace(sleep=sleep, CancelledError=asyncio.CancelledError))
    monkeypatch.setattr(jobs, "time", SimpleNamespace(monotonic=lambda: clock))
    with pytest.raises(asyncio.CancelledError):
        await jobs.run_forever()
    assert jobs.ROLLUP_INTERVAL_SECONDS == 300
    assert calls == ["rollups"] * 3  # at once, after 5 and after 10 minutes


def test_retention_rolls_up_first(world, monkeypatch, settings) -> None:
    from buergerbuero.site import retention

    scenario.build(world)
    settings.RETENTION_DAYS = 1
    retention.run(scenario.NOW + dt.timedelta(days=2))
    assert OfficeDay.objects.filter(office=world.office_a, day=scenario.MONDAY, final=True).exists()
