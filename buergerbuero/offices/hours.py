"""Opening hours in an office's local time: which intervals apply on a date, whether a moment is inside
them, and when the office next opens. Public holidays come from the ``holidays`` package for the
authority's federal state; closures (single days and periods) from :class:`Closure`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays
from django.db.models import Q

from buergerbuero.offices.models import Closure, Office, OpeningInterval


@dataclass(frozen=True)
class Interval:
    start: dt.time
    end: dt.time


@dataclass(frozen=True)
class DayHours:
    date: dt.date
    intervals: tuple[Interval, ...]
    closed_reason: str  # a holiday's or closure's name when the office is closed on this weekday


@lru_cache(maxsize=64)
def _holidays(state: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv=state, years=year, language="de")


@dataclass(frozen=True)
class ClosedSpan:
    """A closure as citizens read it: its first and last day (both included) and its reason."""

    first: dt.date
    last: dt.date
    reason: str


Week = dict[int, list[Interval]]


class Schedule:
    """The opening hours of one office, loaded once; cheap to ask many questions of.

    The weekly hours come in versions (``OpeningInterval.valid_from``): a day takes the version with the
    latest start on or before it, the undated one (since always) when no dated one has begun."""

    def __init__(self, office: Office, intervals: list[OpeningInterval], closures: list[Closure]) -> None:
        self.office = office
        self.tz = office.tz
        self.state = office.authority.holiday_state
        by_version: dict[dt.date | None, Week] = {}
        for item in intervals:
            by_version.setdefault(item.valid_from, {}).setdefault(item.weekday, []).append(
                Interval(item.start, item.end)
            )
        for week in by_version.values():
            for day in week.values():
                day.sort(key=lambda i: i.start)
        self.undated: Week = by_version.pop(None, {})
        # Dated versions, latest start first, so the first one that has begun is the one in force.
        self.versions: list[tuple[dt.date, Week]] = sorted(
            ((start, week) for start, week in by_version.items() if start is not None), reverse=True
        )
        self.closures = sorted(
            (ClosedSpan(c.date, c.last_day, c.reason) for c in closures), key=lambda c: (c.first, c.last)
        )

    @classmethod
    def for_office(cls, office: Office, around: dt.date | None = None) -> Schedule:
        closures = Closure.objects.filter(authority_id=office.authority_id).filter(
            Q(office_id=office.pk) | Q(office__isnull=True)
        )
        if around is not None:
            closures = closures.overlapping(around - dt.timedelta(days=1), around + dt.timedelta(days=60))
        return cls(office, list(office.opening_intervals.all()), list(closures))

    def weekly_on(self, date: dt.date) -> Week:
        """The weekly hours in force on ``date``: weekday (0 = Monday) to its intervals."""
        for start, week in self.versions:
            if start <= date:
                return week
        return self.undated

    def closure_on(self, date: dt.date) -> str | None:
        """The reason of a closure covering ``date`` ("" without reason), None when there is none."""
        for span in self.closures:
            if span.first <= date <= span.last:
                return span.reason
        return None

    def closures_between(self, first: dt.date, last: dt.date) -> list[ClosedSpan]:
        """The closures covering a day of ``first``..``last``, in the order they begin."""
        return [span for span in self.closures if span.first <= last and span.last >= first]

    def day(self, date: dt.date) -> DayHours:
        reason = self.closure_on(date)
        if reason is None:
            holiday = _holidays(self.state, date.year).get(date)
            if holiday:
                reason = str(holiday)
        if reason is not None:
            return DayHours(date, (), reason or "—")
        return DayHours(date, tuple(self.weekly_on(date).get(date.weekday(), ())), "")

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(self.tz)

    def is_within_hours(self, moment: dt.datetime) -> bool:
        local = self.local(moment)
        return any(i.start <= local.time() < i.end for i in self.day(local.date()).intervals)

    def week(self, moment: dt.datetime) -> list[DayHours]:
        """The seven days starting with the local date of ``moment``."""
        today = self.local(moment).date()
        return [self.day(today + dt.timedelta(days=n)) for n in range(7)]

    def next_opening(self, moment: dt.datetime, horizon_days: int = 60) -> dt.datetime | None:
        """The start of the next interval after ``moment`` (not the current one), in local time."""
        local = self.local(moment)
        for n in range(horizon_days + 1):
            date = local.date() + dt.timedelta(days=n)
            for interval in self.day(date).intervals:
                start = dt.datetime.combine(date, interval.start, tzinfo=self.tz)
                if start > local:
                    return start
        return None
