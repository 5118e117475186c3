"""How an office's hours read on the officials' office pages (offices.staff_views): the weekly hours
and the coming weeks as citizens will see them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from buergerbuero.core.dates import weekday_date
from buergerbuero.offices.hours import Interval, Schedule, Week
from buergerbuero.offices.models import Office, Weekday

PREVIEW_DAYS = 28


def _intervals_text(intervals: tuple[Interval, ...] | list[Interval]) -> str:
    return ", ".join(f"{i.start:%H:%M}–{i.end:%H:%M}" for i in intervals)


def weekly_hours(week: Week) -> list[dict[str, str]]:
    """Every weekday with its intervals in words ("09:00-12:00, 13:00-15:00" or "closed")."""
    return [
        {"day": str(label), "hours": _intervals_text(week.get(weekday, [])) or _("closed")}
        for weekday, label in Weekday.choices
    ]


def hours_versions(schedule: Schedule, today: dt.date) -> list[dict[str, Any]]:
    """The weekly hours in force on ``today`` (``valid_from`` None) and each week prepared for a later
    day, in the order they take effect."""
    current: dict[str, Any] = {"valid_from": None, "days": weekly_hours(schedule.weekly_on(today))}
    prepared = [
        {"valid_from": start, "days": weekly_hours(week)}
        for start, week in reversed(schedule.versions)
        if start > today
    ]
    return [current, *prepared]


def hours_preview(office: Office, today: dt.date, days: int = PREVIEW_DAYS) -> list[dict[str, Any]]:
    """The next ``days`` days from ``today`` as the public pages will show them: hours, or closed with the
    closure's or public holiday's name. Built on the same Schedule as the public pages."""
    schedule = Schedule.for_office(office, around=today)
    rows = []
    for n in range(days):
        day = schedule.day(today + dt.timedelta(days=n))
        if day.closed_reason:
            reason = "" if day.closed_reason == "—" else day.closed_reason
            text = _("closed: %(reason)s") % {"reason": reason} if reason else _("closed")
        else:
            text = _intervals_text(day.intervals) or _("closed")
        rows.append(
            {
                "date": day.date,
                "label": weekday_date(day.date),
                "hours": text,
                "open": bool(day.intervals),
                "week_start": n > 0 and day.date.weekday() == 0,
            }
        )
    return rows


def public_path(office: Office) -> str:
    """The address of the office's public page; it stays as long as the office's short name does."""
    return reverse("public:office", args=[office.authority.slug, office.slug])
