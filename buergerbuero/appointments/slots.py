"""Which slots an office offers: its weekly booking windows, cut into slots of its length plus buffer,
on days it is not closed (public holidays of its state, closures), from the lead time to the horizon,
minus blocked slots, with how many seats each has left.

All arithmetic is in the office's wall-clock time: a window 09:00-12:00 gives 09:00, 09:20, … on every
day, whether the day has 23, 24 or 25 hours. A slot whose wall-clock start does not exist (the hour the
clocks skip in spring) is left out; an ambiguous one (autumn) is the first of the two.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count

from buergerbuero.appointments.models import HOLDING, AppointmentSettings, BlockedSlot, Booking, BookingWindow
from buergerbuero.offices.hours import Schedule
from buergerbuero.offices.models import Office

UTC = dt.UTC


@dataclass(frozen=True)
class Slot:
    start: dt.datetime  # aware, UTC
    end: dt.datetime
    free: int  # seats left
    blocked: bool = False

    @property
    def key(self) -> str:
        """The slot's stable id in URLs and forms: its start in UTC, ``YYYYmmddTHHMMZ``."""
        return self.start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def parse_key(key: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(key, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    except (ValueError, TypeError):
        return None


def _exists(local: dt.datetime) -> bool:
    """False for a wall-clock time that the clocks skip (it does not survive a round trip)."""
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def candidate_starts(
    windows: list[BookingWindow],
    schedule: Schedule,
    settings: AppointmentSettings,
    first: dt.date,
    last: dt.date,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of every slot between two local dates, inclusive, before lead time and bookings."""
    tz = schedule.tz
    by_day: dict[int, list[BookingWindow]] = {}
    for window in windows:
        by_day.setdefault(window.weekday, []).append(window)
    length = dt.timedelta(minutes=settings.slot_minutes)
    step = dt.timedelta(minutes=settings.slot_minutes + settings.buffer_minutes)
    result = []
    day = first
    while day <= last:
        if not schedule.day(day).closed_reason:
            for window in sorted(by_day.get(day.weekday(), ()), key=lambda w: w.start):
                cursor = dt.datetime.combine(day, window.start)
                window_end = dt.datetime.combine(day, window.end)
                while cursor + length <= window_end:
                    start = cursor.replace(tzinfo=tz)
                    if _exists(start):
                        # In UTC from here on: Python never finds an ambiguous local time (the repeated
                        # hour in autumn) equal to a time in another zone (PEP 495), e.g. from the database.
                        end = (cursor + length).replace(tzinfo=tz)
                        result.append((start.astimezone(UTC), end.astimezone(UTC)))
                    cursor += step
        day += dt.timedelta(days=1)
    return result


def office_slots(
    office: Office,
    now: dt.datetime,
    first: dt.date | None = None,
    days: int | None = None,
    include_unavailable: bool = False,
    lead: bool = True,
    settings: AppointmentSettings | None = None,
) -> list[Slot]:
    """The slots from local date ``first`` (default today) for ``days`` days (default up to the horizon),
    limited to what can be booked now: from ``now`` + lead time (officials: ``lead=False``, from now)
    up to the horizon. Full and blocked slots are left out unless ``include_unavailable`` (the staff's
    view)."""
    if settings is None:
        settings = AppointmentSettings.objects.filter(office=office).first()
    if settings is None or not settings.enabled:
        return []
    tz = office.tz
    today = now.astimezone(tz).date()
    horizon = today + dt.timedelta(days=settings.horizon_days)
    first = max(first or today, today)
    last = horizon if days is None else min(horizon, first + dt.timedelta(days=days - 1))
    if last < first:
        return []
    schedule = Schedule.for_office(office, around=first)
    windows = list(BookingWindow.objects.filter(office=office))
    earliest = now + dt.timedelta(minutes=settings.lead_minutes if lead else 0)
    candidates = [
        (start, end)
        for start, end in candidate_starts(windows, schedule, settings, first, last)
        if start >= earliest
    ]
    if not candidates:
        return []
    span = (candidates[0][0], candidates[-1][0])
    taken = Counter(
        {
            row["start"]: row["n"]
            for row in Booking.objects.filter(office=office, state__in=HOLDING, start__range=span)
            .values("start")
            .annotate(n=Count("pk"))
        }
    )
    blocked = set(
        BlockedSlot.objects.filter(office=office, start__range=span).values_list("start", flat=True)
    )
    slots = []
    for start, end in candidates:
        is_blocked = start in blocked
        free = max(0, settings.capacity - taken[start])
        if include_unavailable or (free > 0 and not is_blocked):
            slots.append(Slot(start, end, free, is_blocked))
    return slots


def find_slot(
    office: Office,
    start: dt.datetime,
    now: dt.datetime,
    lead: bool = True,
    settings: AppointmentSettings | None = None,
) -> Slot | None:
    """The slot that starts at ``start`` (an aware datetime), if it can be booked now (full or not)."""
    local_day = start.astimezone(office.tz).date()
    slots = office_slots(
        office, now, first=local_day, days=1, include_unavailable=True, lead=lead, settings=settings
    )
    for slot in slots:
        if slot.start == start:
            return slot
    return None
