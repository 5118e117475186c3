"""Named periods (today, this week, month, year, all) as ``Period``s, for the ``stats_report`` command.

The same calendar units as the dashboard's filters (``access.period_of``): whole weeks (Monday to Sunday),
months and years, even while some of their days are still to come."""

from __future__ import annotations

import datetime as dt

from django.db.models import Min
from django.utils import timezone

from buergerbuero.offices.models import OpenPeriod
from buergerbuero.stats.models import OfficeDay
from buergerbuero.stats.types import Period
from buergerbuero.waitingroom.models import Ticket

NAMES = ("today", "week", "month", "year", "all")
# Bounds of any period (also a custom one, access.FilterForm): nothing of this software is older than
# 2000, and ten years of daily figures are the most a single page or export should have to compute.
EARLIEST = dt.date(2000, 1, 1)
MAX_DAYS = 3660


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
        return Period(first_day_of(authority_id, today), today)
    raise ValueError(f"unknown period {kind!r}")


def first_day_of(authority_id: int, today: dt.date) -> dt.date:
    """The first day the authority has data of: its first ticket, open period or stored day; today when it
    has none, and never before ``EARLIEST`` or more than ``MAX_DAYS`` back."""
    # The raw tables have no index on their times, but their ids grow with them: the first row by id is
    # found through the primary key instead of reading every row of the authority.
    firsts = [
        Ticket.objects.filter(office__authority_id=authority_id).order_by("pk").values_list("created_at"),
        OpenPeriod.objects.filter(office__authority_id=authority_id).order_by("pk").values_list("started_at"),
    ]
    days = [timezone.localdate(first[0]) for query in firsts if (first := query.first()) is not None]
    # Stored daily figures outlive raw rows that a retention job may have removed.
    stored = OfficeDay.objects.filter(authority_id=authority_id).aggregate(day=Min("day"))["day"]
    days += [stored] if stored is not None else []
    floor = max(EARLIEST, today - dt.timedelta(days=MAX_DAYS - 1))
    return min(max(min(days, default=today), floor), today)
