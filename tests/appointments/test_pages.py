"""appointments.pages: how times read on the citizens' and the officials' pages, and a few days' free
slots by day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from buergerbuero.appointments import pages
from buergerbuero.appointments.models import BlockedSlot
from tests.appointments.test_slots import BERLIN, at, offer

pytestmark = pytest.mark.django_db


def test_officials_read_24_hour_times_in_every_language_citizens_their_languages(world) -> None:
    office = world.office_a
    moment = at(2026, 12, 9, 14, 30)
    with translation.override("en"):
        assert pages.clock(moment, office) == "14:30"
        assert pages.time_label(moment, office) == "2:30 p.m."
    with translation.override("de"):
        assert pages.clock(moment, office) == "14:30"
        assert pages.time_label(moment, office) == "14:30"


def test_today_and_monday_are_the_offices(world) -> None:
    office = world.office_a
    # 23:30 UTC on a Sunday is already Monday in Berlin.
    now = dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC)
    assert pages.today(now, office) == dt.date(2026, 12, 7)
    assert pages.monday(dt.date(2026, 12, 13)) == dt.date(2026, 12, 7)


def test_offers_appointments_only_when_enabled(world) -> None:
    assert pages.offers_appointments(world.office_a) is None
    conf = offer(world.office_a, [])
    assert pages.offers_appointments(world.office_a) == conf
    conf.enabled = False
    conf.save()
    assert pages.offers_appointments(world.office_a) is None


def test_free_slots_by_day_leaves_out_days_without_any_and_the_skipped_start(world) -> None:
    office = world.office_a
    # Mondays and Wednesdays 09:00-10:00, two slots of 30 minutes each.
    offer(office, [(0, dt.time(9), dt.time(10)), (2, dt.time(9), dt.time(10))], slot_minutes=30)
    BlockedSlot.objects.create(office=office, start=at(2026, 12, 9, 9))
    now = at(2026, 12, 6, 12)
    by_day = pages.free_slots_by_day(office, now, dt.date(2026, 12, 7), 7, skip=at(2026, 12, 7, 9, 30))
    assert list(by_day) == [dt.date(2026, 12, 7), dt.date(2026, 12, 9)]
    assert [s.start.astimezone(BERLIN).time() for s in by_day[dt.date(2026, 12, 7)]] == [dt.time(9)]
    assert [s.start.astimezone(BERLIN).time() for s in by_day[dt.date(2026, 12, 9)]] == [dt.time(9, 30)]
