"""What the appointment pages share in presentation, the citizens' (appointments.views) and the
officials' (appointments.staff_views): how times and slots read (the office's wall-clock time, a slot as a
person reads it, weeks from Monday, the free slots of some days by day); the citizens' addresses and week
of free slots (for booking and for moving a booking); the officials' day and week lists and slot picker.
The headers of pages behind a secret link: core.http.private."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from buergerbuero.appointments import actions
from buergerbuero.appointments.models import HOLDING, AppointmentSettings, Booking, BookingState
from buergerbuero.appointments.slots import Slot, office_slots
from buergerbuero.authorities.models import Authority
from buergerbuero.core.dates import weekday_date
from buergerbuero.offices.models import Office

ONE_DAY = dt.timedelta(days=1)


# --- how times and slots read ----------------------------------------------------------------------


def offers_appointments(office: Office) -> AppointmentSettings | None:
    """The office's appointment settings if it offers appointments now, else None."""
    return AppointmentSettings.objects.filter(office=office, enabled=True).first()


def local(moment: dt.datetime, office: Office) -> dt.datetime:
    return timezone.localtime(moment, office.tz)


def today(now: dt.datetime, office: Office) -> dt.date:
    return local(now, office).date()


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def time_label(moment: dt.datetime, office: Office) -> str:
    """A time in the active language's format (citizens' pages and mails)."""
    return time_format(local(moment, office), "TIME_FORMAT")


def clock(moment: dt.datetime, office: Office) -> str:
    """A time as the officials' lists show it in every language: "14:30"."""
    return local(moment, office).strftime("%H:%M")


def slot_label(start: dt.datetime, end: dt.datetime, office: Office) -> str:
    """A slot as a person reads it ("Montag, 3. März 2025, 14:30-14:50"), in the office's time zone."""
    return _("%(day)s, %(start)s–%(end)s") % {
        "day": weekday_date(local(start, office).date()),
        "start": time_label(start, office),
        "end": time_label(end, office),
    }


def zone_note(office: Office) -> str:
    if office.time_zone == settings.TIME_ZONE:
        return ""
    return _("All times are in the time zone of the office (%(zone)s).") % {"zone": office.time_zone}


def free_slots_by_day(
    office: Office,
    now: dt.datetime,
    first: dt.date,
    days: int,
    *,
    skip: dt.datetime | None = None,
    lead: bool = True,
) -> dict[dt.date, list[Slot]]:
    """The free, bookable slots of the local days ``first`` … ``first + days - 1`` by day, in order;
    days without any are left out. ``skip``: a start not to offer (a booking's own when it is moved);
    ``lead``: keep the lead time (citizens) or offer from now on (officials)."""
    last = first + dt.timedelta(days=days - 1)
    by_day: dict[dt.date, list[Slot]] = {}
    for slot in office_slots(office, now, first=first, days=days, lead=lead):
        date = local(slot.start, office).date()
        if date > last or slot.start == skip:
            continue
        by_day.setdefault(date, []).append(slot)
    return by_day


# --- the citizens' pages ---------------------------------------------------------------------------


WEEK_PARAM = "woche"


def get_office(authority_slug: str, office_slug: str) -> Office:
    authority = get_object_or_404(Authority, slug=authority_slug)
    # An archived office takes no bookings (offices.actions.archive_office).
    offices = Office.objects.select_related("authority").filter(archived_at__isnull=True)
    return get_object_or_404(offices, authority=authority, slug=office_slug)


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


# --- the officials' pages --------------------------------------------------------------------------


def appointment_label(office: Office, start: dt.datetime) -> str:
    """ "Termin 14:30": how officials and the workspace name an appointment."""
    return _("Appointment %(time)s") % {"time": clock(start, office)}


def _day_start(office: Office, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=office.tz)


def with_date(url: str, day: dt.date) -> str:
    return f"{url}?{urlencode({'date': day.isoformat()})}"


def staff_day_url(office: Office, day: dt.date) -> str:
    return with_date(reverse("staff_appointments:day", args=[office.pk]), day)


def staff_week_url(office: Office, day: dt.date) -> str:
    return with_date(reverse("staff_appointments:week", args=[office.pk]), monday(day))


@dataclass(frozen=True)
class BookingRow:
    booking: Booking
    label: str  # "Termin 14:30"
    end: str  # "14:50"
    booked_by: str
    is_open: bool  # holds its seat: can be cancelled or moved
    can_mark_no_show: bool


@dataclass(frozen=True)
class SlotRow:
    slot: Slot
    time: str
    taken: int


@dataclass
class Day:
    date: dt.date
    label: str
    rows: list[BookingRow]
    slots: list[SlotRow]


def _bookings(office: Office, first: dt.date, last: dt.date) -> QuerySet[Booking]:
    # Held bookings that lapsed unconfirmed were never appointments; every other state is listed.
    return (
        Booking.objects.select_related("booked_by")
        .filter(
            office=office,
            start__gte=_day_start(office, first),
            start__lt=_day_start(office, last + ONE_DAY),
        )
        .exclude(state=BookingState.EXPIRED)
        .order_by("start", "seat")
    )


def booking_row(office: Office, booking: Booking, now: dt.datetime) -> BookingRow:
    return BookingRow(
        booking=booking,
        label=appointment_label(office, booking.start),
        end=clock(booking.end, office),
        booked_by=booking.booked_by.display_name if booking.booked_by else _("the citizen, online"),
        is_open=booking.state in HOLDING,
        can_mark_no_show=actions.can_mark_no_show(booking, now),
    )


def _span(office: Office, slot: Slot) -> str:
    """The time span of a slot as the lists show it, from 14:30 to 14:50."""
    return f"{clock(slot.start, office)}–{clock(slot.end, office)}"


def listed_days(office: Office, first: dt.date, count: int, now: dt.datetime, with_slots: bool) -> list[Day]:
    """The officials' day or week list: the bookings of ``count`` days from ``first`` on, and with
    ``with_slots`` every slot of those days with how many of its seats are taken."""
    days = {first + dt.timedelta(days=i): Day(first + dt.timedelta(days=i), "", [], []) for i in range(count)}
    for booking in _bookings(office, first, first + dt.timedelta(days=count - 1)):
        days[local(booking.start, office).date()].rows.append(booking_row(office, booking, now))
    if with_slots:
        appointment_settings = offers_appointments(office)
        capacity = appointment_settings.capacity if appointment_settings else 0
        for slot in office_slots(office, now, first=first, days=count, include_unavailable=True, lead=False):
            day = days.get(local(slot.start, office).date())
            if day is not None:
                day.slots.append(SlotRow(slot, _span(office, slot), max(0, capacity - slot.free)))
    for day in days.values():
        day.label = weekday_date(day.date)
    return list(days.values())


def _free_days(office: Office, week: dt.date, now: dt.datetime, exclude: dt.datetime | None) -> list[Day]:
    """The week's free, bookable slots by day (what the slot picker offers); days without any left out."""
    by_day = free_slots_by_day(office, now, week, 7, skip=exclude, lead=False)
    return [
        Day(date, weekday_date(date), [], [SlotRow(slot, _span(office, slot), 0) for slot in slots])
        for date, slots in by_day.items()
    ]


def slot_picker(
    office: Office, week: dt.date, now: dt.datetime, exclude: dt.datetime | None = None
) -> dict[str, Any]:
    """The officials' slot picker (booking, moving) on the week from Monday ``week``."""
    return {
        "monday": week,
        "sunday": week + dt.timedelta(days=6),
        "free_days": _free_days(office, week, now, exclude),
        "previous_week": (week - dt.timedelta(days=7)).isoformat(),
        "next_week": (week + dt.timedelta(days=7)).isoformat(),
        "show_previous": week > monday(today(now, office)),
    }
