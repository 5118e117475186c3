"""What the citizens' pages of ``public`` share in presentation (public.views): how an office reads on
the overview, the office page and the status widget (its hours, live state and expected wait) and the
configuration of the live-state socket; and what the public status API says about an authority's offices
(docs/status-api.md).

The status API's figures are the public overview's: the live state and the expected wait come from
``offices.selectors.office_state`` (the newcomer's wait, as ``OfficeState.as_event`` computes it), the
opening hours from ``offices.hours.Schedule``; nothing is computed anew here. Only what the public pages
show anyway is listed: no names of citizens or officials. The shape is described by ``public.openapi``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from buergerbuero.appointments.pages import offers_appointments, week_url
from buergerbuero.authorities.models import Authority
from buergerbuero.core.dates import weekday_date
from buergerbuero.offices.hours import DayHours, Schedule
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import OfficeState, office_state, office_states

STATE_LABELS = {
    "closed": gettext_lazy("closed"),
    "open_free": gettext_lazy("open – available"),
    "open_busy": gettext_lazy("open – busy"),
}


# --- how an office reads -----------------------------------------------------------------------------


def when(moment: dt.datetime | None) -> str:
    """A moment as a person reads it, in the current language: "Montag, 3. März 2025 08:00"."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return weekday_date(local, "DATETIME_FORMAT")


def wait_short(seconds: int) -> str:
    """The expected wait for a newcomer, next to the label "Waiting time" on the live state."""
    if seconds <= 0:
        return _("none")
    minutes = math.ceil(seconds / 60)
    return ngettext("about %(minutes)s minute", "about %(minutes)s minutes", minutes) % {"minutes": minutes}


# The office page lists closures beginning this many days ahead, today included (within what
# Schedule.for_office loads).
CLOSURES_AHEAD_DAYS = 28


def _day(day: DayHours, today: dt.date) -> dict[str, Any]:
    return {
        "weekday": date_format(day.date, "l"),
        "date": date_format(day.date, "SHORT_DATE_FORMAT"),
        "is_today": day.date == today,
        "intervals": [f"{i.start:%H:%M}–{i.end:%H:%M}" for i in day.intervals],
        "closed_reason": day.closed_reason,
    }


def office_info(office: Office, now: dt.datetime, state: OfficeState | None = None) -> dict[str, Any]:
    """Everything the overview and the office page show about an office (``state``: its live state, when
    the caller read it together with other offices' by ``office_states``)."""
    schedule = Schedule.for_office(office, around=timezone.localtime(now, office.tz).date())
    today = timezone.localtime(now, office.tz).date()
    week = [_day(d, today) for d in schedule.week(now)]
    state = state or office_state(office)
    return {
        "office": office,
        "state": state,
        "state_label": STATE_LABELS[state.state],
        "is_open": state.state != "closed",
        "wait_text": wait_short(state.expected_wait_seconds(state.waiting + 1)),
        "today": week[0],
        "week": week,
        "next_opening": when(schedule.next_opening(now)),
        # The office's and the authority's closures within the four weeks ahead, with their reasons.
        "closures": schedule.closures_between(today, today + dt.timedelta(days=CLOSURES_AHEAD_DAYS - 1)),
    }


def live_config(authority: Authority, **extra: Any) -> dict[str, Any]:
    return {
        "ws": f"/ws/public/{authority.slug}/",
        "labels": {key: str(label) for key, label in STATE_LABELS.items()},
        **extra,
    }


# --- the status API's documents ------------------------------------------------------------------------

AbsoluteUrl = Callable[[str], str]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Closures are listed this many days ahead, today included. Schedule.for_office loads closures up to 60
# days ahead, so this must not reach further.
CLOSURE_DAYS = 60


def offices_of(authority: Authority) -> QuerySet[Office]:
    return (
        Office.objects.filter(authority=authority, archived_at__isnull=True)
        .select_related("authority", "department")
        .order_by("name")
    )


def _opening_hours(office: Office, now: dt.datetime) -> dict[str, Any]:
    today = timezone.localtime(now, office.tz).date()
    schedule = Schedule.for_office(office, around=today)
    in_force = schedule.weekly_on(today)
    weekly = [
        {"weekday": WEEKDAYS[weekday], "start": f"{i.start:%H:%M}", "end": f"{i.end:%H:%M}"}
        for weekday in sorted(in_force)
        for i in in_force[weekday]
    ]
    closures = []
    for n in range(CLOSURE_DAYS):
        date = today + dt.timedelta(days=n)
        day = schedule.day(date)
        # Only days the weekly hours would open: a holiday on a day without hours closes nothing.
        if day.closed_reason and schedule.weekly_on(date).get(date.weekday()):
            reason = "" if day.closed_reason == "—" else day.closed_reason  # Schedule's mark for "no reason"
            closures.append({"date": date.isoformat(), "reason": reason})
    next_opening = schedule.next_opening(now)
    return {
        "time_zone": office.time_zone,
        "weekly": weekly,
        "closures": closures,
        "next_opening": next_opening.isoformat() if next_opening else None,
    }


def _office(
    office: Office, now: dt.datetime, absolute: AbsoluteUrl, state: OfficeState | None = None
) -> dict[str, Any]:
    live = (state or office_state(office)).as_event()
    slugs = [office.authority.slug, office.slug]
    offered = offers_appointments(office) is not None
    return {
        "slug": office.slug,
        "name": office.name,
        "department": office.department.name if office.department else None,
        "description": office.description,
        "urls": {
            "page": absolute(reverse("public:office", args=slugs)),
            "waiting_area": absolute(reverse("public:enter", args=slugs)),
        },
        "opening_hours": _opening_hours(office, now),
        "live": {
            "state": live["state"],
            "waiting": live["waiting"],
            "expected_wait_seconds": live["expected_wait_seconds"],
        },
        "appointments": {"offered": offered, "url": absolute(week_url(office)) if offered else None},
    }


def _authority(authority: Authority, absolute: AbsoluteUrl) -> dict[str, Any]:
    return {
        "slug": authority.slug,
        "name": authority.name,
        "url": absolute(reverse("public:overview", args=[authority.slug])),
    }


def office_list(authority: Authority, now: dt.datetime, absolute: AbsoluteUrl) -> dict[str, Any]:
    offices = list(offices_of(authority))
    states = office_states(offices)
    return {
        "authority": _authority(authority, absolute),
        "offices": [_office(office, now, absolute, states[office.pk]) for office in offices],
    }


def office_detail(office: Office, now: dt.datetime, absolute: AbsoluteUrl) -> dict[str, Any]:
    return {"authority": _authority(office.authority, absolute), "office": _office(office, now, absolute)}
