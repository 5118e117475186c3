"""Local days: every figure belongs to a calendar day in its office's time zone (docs/statistics.md)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator

from django.conf import settings


def default_tz() -> zoneinfo.ZoneInfo:
    """The zone of what belongs to no office (events without one), as ``events.Event.tz``."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def day_start(day: dt.date, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Local midnight as UTC. (Differences of two datetimes of the same zone ignore daylight saving time
    in Python; in UTC they do not.)"""
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def split_by_day(
    start: dt.datetime, end: dt.datetime, tz: zoneinfo.ZoneInfo, first: dt.date, last: dt.date
) -> Iterator[tuple[dt.date, float]]:
    """The seconds of [start, end) on each local day from ``first`` to ``last``."""
    day = max(start.astimezone(tz).date(), first)
    while day <= last:
        lo, hi = day_start(day, tz), day_start(day + dt.timedelta(days=1), tz)
        if lo >= end:
            return
        seconds = (min(end, hi) - max(start, lo)).total_seconds()
        if seconds > 0:
            yield day, seconds
        day += dt.timedelta(days=1)


def union(intervals: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Overlapping intervals merged, so that time is never counted twice."""
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
