"""Opening hours in Europe/Berlin: several intervals a day, public holidays of the authority's federal
state, single closures, the next opening, and the changes to and from summer time."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from buergerbuero.authorities.models import Authority
from buergerbuero.offices.hours import Interval, Schedule
from buergerbuero.offices.models import Closure, Office, OpeningInterval

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
UTC = dt.UTC


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


def schedule(
    state: str = "BY", closures: dict[dt.date, str] | None = None, **days: list[tuple[str, str]]
) -> Schedule:
    """A schedule built from unsaved objects; ``mon=[("08:00", "12:00"), ...]``."""
    office = Office(authority=Authority(holiday_state=state), time_zone="Europe/Berlin")
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    intervals = [
        OpeningInterval(
            weekday=names.index(day), start=dt.time.fromisoformat(a), end=dt.time.fromisoformat(b)
        )
        for day, spans in days.items()
        for a, b in spans
    ]
    return Schedule(office, intervals, [Closure(date=d, reason=r) for d, r in (closures or {}).items()])


WEEKDAYS = {day: [("08:00", "12:00"), ("13:00", "16:00")] for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (berlin(2025, 5, 14, 7, 59), False),
        (berlin(2025, 5, 14, 8, 0), True),
        (berlin(2025, 5, 14, 11, 59), True),
        (berlin(2025, 5, 14, 12, 0), False),  # the end is exclusive
        (berlin(2025, 5, 14, 12, 30), False),  # lunch break between two intervals
        (berlin(2025, 5, 14, 13, 0), True),
        (berlin(2025, 5, 14, 16, 0), False),
        (berlin(2025, 5, 17, 10, 0), False),  # Saturday
    ],
)
def test_several_intervals_a_day(moment: dt.datetime, inside: bool) -> None:
    assert schedule(**WEEKDAYS).is_within_hours(moment) is inside


def test_moment_is_read_in_local_time() -> None:
    # 06:30 UTC is 08:30 in Berlin in summer: open, although 06:30 is before 08:00.
    assert schedule(**WEEKDAYS).is_within_hours(dt.datetime(2025, 5, 14, 6, 30, tzinfo=UTC))
    # 15:30 UTC is 17:30 in Berlin: closed, although 15:30 is before 16:00.
    assert not schedule(**WEEKDAYS).is_within_hours(dt.datetime(2025, 5, 14, 15, 30, tzinfo=UTC))


def test_intervals_are_sorted_within_a_day() -> None:
    hours = schedule(mon=[("13:00", "16:00"), ("08:00", "12:00")])
    assert [i.start for i in hours.day(dt.date(2025, 5, 12)).intervals] == [dt.time(8), dt.time(13)]


def test_holiday_of_the_authoritys_state_closes_the_office() -> None:
    epiphany = dt.date(2025, 1, 6)  # a Monday; a holiday in Bavaria, not in North Rhine-Westphalia
    bavaria = schedule("BY", **WEEKDAYS)
    day = bavaria.day(epiphany)
    assert day.intervals == ()
    assert "Heilige Drei Könige" in day.closed_reason
    assert not bavaria.is_within_hours(berlin(2025, 1, 6, 10))

    nrw = schedule("NW", **WEEKDAYS)
    assert nrw.day(epiphany).closed_reason == ""
    assert nrw.is_within_hours(berlin(2025, 1, 6, 10))


def test_nationwide_holiday() -> None:
    assert schedule("NW", **WEEKDAYS).day(dt.date(2025, 10, 3)).intervals == ()  # Tag der Deutschen Einheit


def test_single_closure_with_and_without_reason() -> None:
    hours = schedule(closures={dt.date(2025, 5, 14): "Betriebsausflug", dt.date(2025, 5, 15): ""}, **WEEKDAYS)
    assert hours.day(dt.date(2025, 5, 14)).closed_reason == "Betriebsausflug"
    assert hours.day(dt.date(2025, 5, 15)).closed_reason == "—"
    assert not hours.is_within_hours(berlin(2025, 5, 14, 9))
    assert hours.is_within_hours(berlin(2025, 5, 16, 9))


def test_week_starts_at_the_local_date() -> None:
    # 23:30 UTC on Tuesday is already Wednesday in Berlin.
    week = schedule(**WEEKDAYS).week(dt.datetime(2025, 5, 13, 23, 30, tzinfo=UTC))
    assert [d.date for d in week] == [dt.date(2025, 5, 14) + dt.timedelta(days=n) for n in range(7)]
    assert [bool(d.intervals) for d in week] == [True, True, True, False, False, True, True]


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (berlin(2025, 5, 14, 7, 0), berlin(2025, 5, 14, 8, 0)),
        (berlin(2025, 5, 14, 10, 0), berlin(2025, 5, 14, 13, 0)),  # not the current interval
        (berlin(2025, 5, 14, 8, 0), berlin(2025, 5, 14, 13, 0)),
        (berlin(2025, 5, 16, 17, 0), berlin(2025, 5, 19, 8, 0)),  # Friday evening → Monday
    ],
)
def test_next_opening(moment: dt.datetime, expected: dt.datetime) -> None:
    assert schedule(**WEEKDAYS).next_opening(moment) == expected


def test_next_opening_skips_holidays_and_closures() -> None:
    # Thursday 1 May 2025 is Labour Day; Friday 2 May is closed on purpose.
    hours = schedule(closures={dt.date(2025, 5, 2): "Brückentag"}, **WEEKDAYS)
    assert hours.next_opening(berlin(2025, 4, 30, 17, 0)) == berlin(2025, 5, 5, 8, 0)


def test_next_opening_without_hours_is_none() -> None:
    assert schedule().next_opening(berlin(2025, 5, 14, 7, 0)) is None


def test_next_opening_across_the_change_to_summer_time() -> None:
    # Summer time starts on Sunday 30 March 2025 at 02:00:
    # Friday 08:00 is 07:00 UTC, Monday 08:00 is 06:00 UTC.
    hours = schedule(**WEEKDAYS)
    friday = hours.next_opening(berlin(2025, 3, 27, 17, 0))
    monday = hours.next_opening(berlin(2025, 3, 28, 17, 0))
    assert friday.astimezone(UTC) == dt.datetime(2025, 3, 28, 7, 0, tzinfo=UTC)
    assert monday.astimezone(UTC) == dt.datetime(2025, 3, 31, 6, 0, tzinfo=UTC)


def test_hours_on_the_night_of_the_change_back_to_winter_time() -> None:
    # On Sunday 26 October 2025 the clock goes from 03:00 back to 02:00: local 02:30 happens twice and
    # both are inside 02:00–04:00, while 00:30 UTC (02:30 summer time) and 01:30 UTC (02:30 winter time)
    # are both local 02:30.
    hours = schedule(sun=[("02:00", "04:00")])
    assert hours.is_within_hours(dt.datetime(2025, 10, 26, 0, 30, tzinfo=UTC))
    assert hours.is_within_hours(dt.datetime(2025, 10, 26, 1, 30, tzinfo=UTC))
    assert hours.is_within_hours(dt.datetime(2025, 10, 26, 2, 59, tzinfo=UTC))  # 03:59 winter time
    assert not hours.is_within_hours(dt.datetime(2025, 10, 26, 3, 0, tzinfo=UTC))  # 04:00


def test_summer_time_day_is_measured_in_local_hours() -> None:
    # 08:00–12:00 on the Sunday summer time begins is 06:00–10:00 UTC.
    hours = schedule(sun=[("08:00", "12:00")])
    assert not hours.is_within_hours(dt.datetime(2025, 3, 30, 5, 59, tzinfo=UTC))
    assert hours.is_within_hours(dt.datetime(2025, 3, 30, 6, 0, tzinfo=UTC))
    assert not hours.is_within_hours(dt.datetime(2025, 3, 30, 10, 0, tzinfo=UTC))


@pytest.mark.django_db
def test_for_office_reads_own_and_authority_wide_closures(world) -> None:
    day = dt.date(2025, 5, 14)
    Closure.objects.create(authority=world.authority, office=world.office_a, date=day, reason="Umzug")
    Closure.objects.create(
        authority=world.authority, office=None, date=day + dt.timedelta(days=1), reason="Personalversammlung"
    )
    Closure.objects.create(
        authority=world.authority, office=world.office_b, date=day + dt.timedelta(days=2), reason="B"
    )
    Closure.objects.create(
        authority=world.other_authority, office=None, date=day + dt.timedelta(days=3), reason="X"
    )

    hours = Schedule.for_office(world.office_a, around=day)
    assert hours.day(day).closed_reason == "Umzug"
    assert hours.day(day + dt.timedelta(days=1)).closed_reason == "Personalversammlung"
    assert hours.day(day + dt.timedelta(days=2)).closed_reason == ""
    assert hours.day(day + dt.timedelta(days=3)).closed_reason == ""
    assert Schedule.for_office(world.office_b).day(day).closed_reason == ""


def test_a_closing_period_covers_every_day_from_its_first_to_its_last() -> None:
    office = Office(authority=Authority(holiday_state="BY"), time_zone="Europe/Berlin")
    intervals = [OpeningInterval(weekday=day, start=dt.time(8), end=dt.time(12)) for day in range(5)]
    period = Closure(date=dt.date(2025, 8, 4), end_date=dt.date(2025, 8, 15), reason="Betriebsferien")
    hours = Schedule(office, intervals, [period])
    assert hours.day(dt.date(2025, 8, 1)).intervals  # the Friday before
    for n in range(12):
        day = hours.day(dt.date(2025, 8, 4) + dt.timedelta(days=n))
        assert (day.intervals, day.closed_reason) == ((), "Betriebsferien")
    assert hours.day(dt.date(2025, 8, 18)).closed_reason == ""
    assert hours.next_opening(berlin(2025, 8, 4, 7)) == berlin(2025, 8, 18, 8)
    assert hours.closures_between(dt.date(2025, 8, 15), dt.date(2025, 8, 20)) == hours.closures
    assert hours.closures_between(dt.date(2025, 8, 16), dt.date(2025, 8, 20)) == []


def test_hours_prepared_for_a_later_day_take_effect_on_that_day() -> None:
    office = Office(authority=Authority(holiday_state="BY"), time_zone="Europe/Berlin")
    change = dt.date(2025, 6, 2)  # a Monday
    intervals = [
        OpeningInterval(weekday=0, start=dt.time(8), end=dt.time(12)),
        OpeningInterval(weekday=2, start=dt.time(8), end=dt.time(12)),
        OpeningInterval(weekday=0, start=dt.time(10), end=dt.time(18), valid_from=change),
        # Superseded by the later version from June 2 on, in force from May 1 until then.
        OpeningInterval(weekday=0, start=dt.time(7), end=dt.time(9), valid_from=dt.date(2025, 5, 1)),
    ]
    hours = Schedule(office, intervals, [])
    assert hours.day(dt.date(2025, 4, 28)).intervals == (Interval(dt.time(8), dt.time(12)),)
    assert hours.day(dt.date(2025, 5, 26)).intervals == (Interval(dt.time(7), dt.time(9)),)
    assert hours.day(dt.date(2025, 5, 28)).intervals == ()  # Wednesday: the May week has none
    assert hours.day(change).intervals == (Interval(dt.time(10), dt.time(18)),)
    assert hours.day(change + dt.timedelta(days=2)).intervals == ()
    assert hours.next_opening(berlin(2025, 5, 26, 10)) == berlin(2025, 6, 2, 10)
    assert hours.is_within_hours(berlin(2025, 6, 2, 17, 30))
    assert not hours.is_within_hours(berlin(2025, 5, 26, 9, 30))


@pytest.mark.django_db
def test_for_office_reads_a_period_that_began_before_the_window(world) -> None:
    day = dt.date(2025, 5, 14)
    Closure.objects.create(
        authority=world.authority,
        office=world.office_a,
        date=day - dt.timedelta(days=20),
        end_date=day + dt.timedelta(days=2),
        reason="Umbau",
    )
    hours = Schedule.for_office(world.office_a, around=day)
    assert [hours.day(day + dt.timedelta(days=n)).closed_reason for n in range(4)] == [
        "Umbau",
        "Umbau",
        "Umbau",
        "",
    ]
