"""Slot generation: windows cut into slots with buffer, in wall-clock time across daylight-saving
changes, without public holidays and closures, from the lead time to the horizon, with seats left."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from buergerbuero.appointments.models import AppointmentSettings, BlockedSlot, BookingWindow
from buergerbuero.appointments.slots import office_slots, parse_key
from buergerbuero.offices.models import Closure

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def offer(office, windows, **settings) -> AppointmentSettings:
    values = {"enabled": True, "slot_minutes": 20, "lead_minutes": 0, "horizon_days": 400, **settings}
    conf = AppointmentSettings.objects.create(office=office, **values)
    for weekday, start, end in windows:
        BookingWindow.objects.create(office=office, weekday=weekday, start=start, end=end)
    return conf


def local_starts(slots) -> list[str]:
    return [s.start.astimezone(BERLIN).strftime("%a %d.%m. %H:%M") for s in slots]


def test_a_window_is_cut_into_slots_with_the_buffer(world) -> None:
    offer(world.office_a, [(2, dt.time(9), dt.time(10, 30))], slot_minutes=20, buffer_minutes=10)
    slots = office_slots(world.office_a, at(2026, 12, 7, 8), first=dt.date(2026, 12, 9), days=1)
    # 09:00–09:20, 09:30–09:50, 10:00–10:20; 10:30 would end after the window.
    assert local_starts(slots) == ["Wed 09.12. 09:00", "Wed 09.12. 09:30", "Wed 09.12. 10:00"]
    assert all(s.end - s.start == dt.timedelta(minutes=20) for s in slots)
    assert all(s.free == 1 for s in slots)


def test_wall_clock_times_stay_the_same_across_the_daylight_saving_changes(world) -> None:
    # Sundays 01:00–04:00, so the skipped hour (29 March 2026, 02:00–03:00) and the repeated one (25
    # October 2026, 02:00–03:00) fall inside the window.
    offer(world.office_a, [(6, dt.time(1), dt.time(4))], slot_minutes=60)
    spring = office_slots(world.office_a, at(2026, 3, 20, 0), first=dt.date(2026, 3, 29), days=1)
    assert local_starts(spring) == ["Sun 29.03. 01:00", "Sun 29.03. 03:00"]  # 02:00 does not exist
    assert spring[0].start.astimezone(BERLIN).utcoffset() == dt.timedelta(hours=1)
    assert spring[1].start.astimezone(BERLIN).utcoffset() == dt.timedelta(hours=2)
    autumn = office_slots(world.office_a, at(2026, 10, 20, 0), first=dt.date(2026, 10, 25), days=1)
    assert local_starts(autumn) == ["Sun 25.10. 01:00", "Sun 25.10. 02:00", "Sun 25.10. 03:00"]
    assert autumn[1].start.astimezone(BERLIN).utcoffset() == dt.timedelta(hours=2)  # the first 02:00
    assert autumn[2].start - autumn[1].start == dt.timedelta(hours=2)  # the hour repeats in between
    # Keys round-trip through UTC.
    assert [parse_key(s.key) for s in autumn] == [s.start for s in autumn]


def test_an_ordinary_day_in_summer_and_winter_has_the_same_local_times(world) -> None:
    offer(world.office_a, [(0, dt.time(9), dt.time(10))], slot_minutes=30)
    summer = office_slots(world.office_a, at(2026, 7, 1, 0), first=dt.date(2026, 7, 6), days=1)
    winter = office_slots(world.office_a, at(2026, 12, 1, 0), first=dt.date(2026, 12, 7), days=1)
    assert [s.strftime("%H:%M") for s in [x.start.astimezone(BERLIN) for x in summer]] == ["09:00", "09:30"]
    assert [s.strftime("%H:%M") for s in [x.start.astimezone(BERLIN) for x in winter]] == ["09:00", "09:30"]
    assert summer[0].start.astimezone(dt.UTC).hour == 7 and winter[0].start.astimezone(dt.UTC).hour == 8


def test_public_holidays_of_the_state_and_closures_have_no_slots(world) -> None:
    offer(world.office_a, [(d, dt.time(9), dt.time(10)) for d in range(5)], slot_minutes=60)
    # 8 December 2026 is no holiday in Bavaria; 6 January 2027 (Epiphany) is; 1 December gets a closure.
    Closure.objects.create(
        authority=world.office_a.authority, office=world.office_a, date=dt.date(2026, 12, 1)
    )
    slots = office_slots(world.office_a, at(2026, 11, 30, 0), first=dt.date(2026, 11, 30), days=3)
    assert local_starts(slots) == ["Mon 30.11. 09:00", "Wed 02.12. 09:00"]
    epiphany = office_slots(world.office_a, at(2027, 1, 4, 0), first=dt.date(2027, 1, 5), days=3)
    assert local_starts(epiphany) == ["Tue 05.01. 09:00", "Thu 07.01. 09:00"]


def test_lead_time_and_horizon(world) -> None:
    offer(
        world.office_a,
        [(d, dt.time(9), dt.time(12)) for d in range(7)],
        slot_minutes=60,
        lead_minutes=90,
        horizon_days=2,
    )
    now = at(2026, 12, 7, 9, 45)
    slots = office_slots(world.office_a, now)
    starts = local_starts(slots)
    # Today: 09:00 and 10:00 are too close (before 11:15); 11:00 too. Then two more days, no third.
    assert starts[0] == "Tue 08.12. 09:00"
    assert starts[-1] == "Wed 09.12. 11:00"
    assert len(starts) == 6
    assert office_slots(world.office_a, now, first=dt.date(2026, 12, 10)) == []


def test_full_and_blocked_slots_are_left_out_for_citizens_and_shown_to_staff(world) -> None:
    from buergerbuero.appointments import actions

    offer(world.office_a, [(2, dt.time(9), dt.time(10))], slot_minutes=20, capacity=2)
    now = at(2026, 12, 7, 8)
    first, second, third = office_slots(world.office_a, now, first=dt.date(2026, 12, 9), days=1)
    actions.book(world.office_a, first.start, name="A", email="a@example.org", now=now)
    actions.book(world.office_a, first.start, name="B", email="b@example.org", now=now)
    actions.book(world.office_a, second.start, name="C", email="c@example.org", now=now)
    BlockedSlot.objects.create(office=world.office_a, start=third.start)
    public = office_slots(world.office_a, now, first=dt.date(2026, 12, 9), days=1)
    assert [(s.start, s.free) for s in public] == [(second.start, 1)]
    staff = office_slots(world.office_a, now, first=dt.date(2026, 12, 9), days=1, include_unavailable=True)
    assert [(s.free, s.blocked) for s in staff] == [(0, False), (1, False), (2, True)]


def test_an_office_without_appointments_offers_none(world) -> None:
    assert office_slots(world.office_a, at(2026, 12, 7, 8)) == []
    offer(world.office_a, [(0, dt.time(9), dt.time(10))], enabled=False)
    assert office_slots(world.office_a, at(2026, 12, 7, 8)) == []


def test_bad_keys_parse_to_nothing() -> None:
    assert parse_key("20261209T0800Z") == dt.datetime(2026, 12, 9, 8, tzinfo=dt.UTC)
    for bad in ["", "2026-12-09", "20261309T0800Z", "x" * 200, None]:
        assert parse_key(bad) is None  # type: ignore[arg-type]
