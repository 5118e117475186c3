"""What the citizens' booking pages share: their addresses, the week of free slots (for booking and for
moving a booking). How times and slots read: appointments.display. The headers of pages behind a secret
link: core.http.private."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from buergerbuero.appointments import actions
from buergerbuero.appointments.display import (
    free_slots_by_day,
    local,
    monday,
    offers_appointments,
    slot_label,
    time_label,
    zone_note,
)
from buergerbuero.appointments.models import HOLDING, AppointmentSettings, Booking, BookingState
from buergerbuero.appointments.slots import Slot, office_slots
from buergerbuero.authorities.models import Authority
from buergerbuero.core.dates import weekday_date
from buergerbuero.offices.models import Office

WEEK_PARAM = "woche"


def get_office(authority_slug: str, office_slug: str) -> Office:
    authority = get_object_or_404(Authority, slug=authority_slug)
    return get_object_or_404(
        Office.objects.select_related("authority"), authority=authority, slug=office_slug
    )


def week_url(office: Office, week: dt.date | None = None) -> str:
    url = reverse("appointments:week", args=[office.authority.slug, office.slug])
    return f"{url}?{WEEK_PARAM}={week.isoformat()}" if week else url


def book_url(office: Office, slot: Slot) -> str:
    return reverse("appointments:book", args=[office.authority.slug, office.slug, slot.key])


def next_free_slots(
    office: Office, now: dt.datetime, count: int = 3, after: dt.date | None = None
) -> list[Slot]:
    """The first ``count`` free slots (from local date ``after`` on), looking two weeks at a time."""
    appointment_settings = offers_appointments(office)
    if appointment_settings is None:
        return []
    today = local(now, office).date()
    horizon = today + dt.timedelta(days=appointment_settings.horizon_days)
    found: list[Slot] = []
    first = max(after or today, today)
    while first <= horizon and len(found) < count:
        found.extend(office_slots(office, now, first=first, days=14)[: count - len(found)])
        first += dt.timedelta(days=14)
    return found


def office_offer(office: Office, now: dt.datetime, with_slots: bool) -> dict[str, Any]:
    """For the office page: the link to book, and (when the office is closed or its waiting area full)
    the next three free slots."""
    if offers_appointments(office) is None:
        return {"appointments_url": "", "next_slots": []}
    slots = next_free_slots(office, now) if with_slots else []
    return {
        "appointments_url": week_url(office),
        "next_slots": [
            {"url": book_url(office, s), "text": slot_label(s.start, s.end, office)} for s in slots
        ],
    }


def invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "appointments/invalid_link.html", status=404)


def unavailable(request: HttpRequest, office: Office) -> HttpResponse:
    return render(
        request,
        "appointments/unavailable.html",
        {"authority": office.authority, "office": office, "office_url": office_url(office)},
    )


def office_url(office: Office) -> str:
    return reverse("public:office", args=[office.authority.slug, office.slug])


def booking_context(booking: Booking, now: dt.datetime) -> dict[str, Any]:
    office = booking.office
    return {
        "booking": booking,
        "office": office,
        "authority": office.authority,
        "when": slot_label(booking.start, booking.end, office),
        "zone_note": zone_note(office),
        "is_open": booking.state in HOLDING,
        "is_held": booking.state == BookingState.HELD,
        "can_change": actions.can_change(booking, now),
    }


def week_context(
    office: Office,
    appointment_settings: AppointmentSettings,
    now: dt.datetime,
    requested: str | None,
    link_to_slot: Callable[[Slot], str],
    link_to_week: Callable[[dt.date], str],
    skip: dt.datetime | None = None,
) -> tuple[dict[str, Any], int]:
    """The days of one week (from today on, up to the horizon) with their free slots, and links to the
    weeks before and after (addresses made by ``link_to_slot`` and ``link_to_week``). ``skip``: a start
    not to offer (the booking's own when it is moved)."""
    today = local(now, office).date()
    horizon = today + dt.timedelta(days=appointment_settings.horizon_days)
    first_week, last_week = monday(today), monday(horizon)
    notice, status = "", 200
    week = first_week
    if requested:
        try:
            week = monday(dt.date.fromisoformat(requested))
        except ValueError:
            notice, status = _("This week could not be read. Here is the current week."), 400
        else:
            if week < first_week:
                notice, week = (
                    _("Appointments can only be booked from today on. Here is the current week."),
                    first_week,
                )
            elif week > last_week:
                notice = _("Appointments can be booked at most %(days)d days ahead.") % {
                    "days": appointment_settings.horizon_days
                }
                week = last_week
    first_day = max(week, today)
    last_day = min(week + dt.timedelta(days=6), horizon)
    by_day = free_slots_by_day(office, now, first_day, (last_day - first_day).days + 1, skip=skip)
    days = []
    day = first_day
    while day <= last_day:
        label = weekday_date(day)
        day_slots = by_day.get(day, [])
        days.append(
            {
                "label": label,
                "is_today": day == today,
                "slots": [
                    {"url": link_to_slot(s), "time": time_label(s.start, office), "label": f"{label}, "}
                    for s in day_slots
                ],
            }
        )
        day += dt.timedelta(days=1)
    later = None
    if not by_day:
        upcoming = [
            s
            for s in next_free_slots(office, now, 2, after=last_day + dt.timedelta(days=1))
            if s.start != skip
        ]
        if upcoming:
            later = {
                "url": link_to_week(monday(local(upcoming[0].start, office).date())),
                "text": slot_label(upcoming[0].start, upcoming[0].end, office),
            }
    context = {
        "office": office,
        "authority": office.authority,
        "week_label": _("%(first)s to %(last)s")
        % {
            "first": date_format(week, "SHORT_DATE_FORMAT"),
            "last": date_format(week + dt.timedelta(days=6), "SHORT_DATE_FORMAT"),
        },
        "days": days,
        "prev_url": link_to_week(week - dt.timedelta(days=7)) if week > first_week else "",
        "next_url": link_to_week(week + dt.timedelta(days=7)) if week < last_week else "",
        "notice": notice,
        "later": later,
        "zone_note": zone_note(office),
        "duration": appointment_settings.slot_minutes,
    }
    return context, status
