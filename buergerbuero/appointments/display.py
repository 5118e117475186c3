"""How appointments read on every page, the citizens' (appointments.pages) and the officials'
(appointments.staff_views): times in the office's wall-clock time, a slot as a person reads it, weeks
from Monday, and the free slots of some days by day."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from buergerbuero.appointments.models import AppointmentSettings
from buergerbuero.appointments.slots import Slot, office_slots
from buergerbuero.core.dates import weekday_date
from buergerbuero.offices.models import Office


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
