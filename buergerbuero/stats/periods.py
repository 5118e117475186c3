"""Named periods (today, this week, month, year, all) as ``Period``s, for the ``stats_report`` command.

The same calendar units as the dashboard's filters (``access.period_of``): whole weeks (Monday to Sunday),
months and years, even while some of their days are still to come."""

from __future__ import annotations

import datetime as dt

from buergerbuero.stats.types import Period

NAMES = ("today", "week", "month", "year", "all")


def named_period(kind: str, today: dt.date, authority_id: int) -> Period:
    if kind == "today":
        return Period(today, today)
    if kind == "week":
        monday = today - dt.timedelta(days=today.weekday())
        return Period(monday, monday + dt.timedelta(days=6))
    if kind == "month":
        following = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return Period(today.replace(day=1), following - dt.timedelta(days=1))
    if kind == "year":
        return Period(dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))
    if kind == "all":
        from buergerbuero.stats.access import first_day_of

        return Period(first_day_of(authority_id, today), today)
    raise ValueError(f"unknown period {kind!r}")
