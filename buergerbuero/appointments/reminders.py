"""Reminder mails before appointments, each sent at most once across restarts and processes.

An office's reminders are offsets in minutes before the start (``AppointmentSettings.reminders``,
e.g. 1440 and 60). At any moment before the start, the *current* offset of a booking is the smallest one
whose moment (start - offset) has passed. Only that one is due: a job that was not running when the
24-hour reminder fell due and wakes up 50 minutes before the start sends the 1-hour reminder, not both.

Invariants a reader must not break:
- A reminder is claimed by INSERTing its ``ReminderSent`` row (unique per booking and offset) in a
  transaction of its own that re-reads the booking under a lock; the mail leaves only after that commit.
  Of several processes, exactly one gets the row; the others get an IntegrityError and move on.
- A failed send deletes the claim, so the next run tries again. A process that dies between the commit
  and the send leaves the claim: that reminder is lost rather than sent twice.
- Nothing is sent once the booking has started, for bookings that are not confirmed, and for a moment
  that lay before the booking was confirmed (someone who books 30 minutes ahead gets the confirmation,
  not a "1 hour before" reminder as well).
- ``actions.reschedule`` deletes a booking's claims, so the reminders fall due again for the new time.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from buergerbuero.appointments import mails
from buergerbuero.appointments.models import AppointmentSettings, Booking, BookingState, ReminderSent

logger = logging.getLogger(__name__)


def current_offset(offsets: list[int], start: dt.datetime, now: dt.datetime) -> int | None:
    """The smallest offset (minutes) whose moment has passed, or None (none yet, or already started)."""
    if now >= start:
        return None
    due = [minutes for minutes in offsets if start - dt.timedelta(minutes=minutes) <= now]
    return min(due) if due else None


def _is_due(booking: Booking, offsets: list[int], minutes: int, now: dt.datetime) -> bool:
    if booking.state != BookingState.CONFIRMED or not booking.email:
        return False
    if current_offset(offsets, booking.start, now) != minutes:
        return False
    confirmed = booking.confirmed_at or booking.created_at
    return booking.start - dt.timedelta(minutes=minutes) > confirmed


def _offsets(appointment_settings: AppointmentSettings) -> list[int]:
    try:
        return sorted(appointment_settings.reminders)
    except ValueError:  # the admin validates the field; a value written around it must not stop the job
        logger.error("appointments: reminders of office %s are malformed", appointment_settings.office_id)
        return []


def due_reminders(now: dt.datetime) -> list[tuple[int, int]]:
    """(booking id, offset) of every reminder that is due now and not yet claimed."""
    due: list[tuple[int, int]] = []
    for appointment_settings in AppointmentSettings.objects.exclude(reminder_minutes=""):
        offsets = _offsets(appointment_settings)
        lower = now
        # Bookings starting within (now + previous offset, now + offset] have ``offset`` as current one.
        for minutes in offsets:
            upper = now + dt.timedelta(minutes=minutes)
            candidates = (
                Booking.objects.filter(
                    office_id=appointment_settings.office_id,
                    state=BookingState.CONFIRMED,
                    start__gt=lower,
                    start__lte=upper,
                )
                .exclude(email="")
                .exclude(Exists(ReminderSent.objects.filter(booking=OuterRef("pk"), minutes_before=minutes)))
            )
            due.extend(
                (booking.pk, minutes)
                for booking in candidates.only("pk", "state", "email", "start", "confirmed_at", "created_at")
                if _is_due(booking, offsets, minutes, now)
            )
            lower = upper
    return due


def claim(booking_id: int, minutes: int, now: dt.datetime) -> ReminderSent | None:
    """Take the reminder for this process, or None when it is no longer due or another process has it.
    Commits before it returns; call it outside any transaction."""
    try:
        with transaction.atomic(durable=True):
            booking = Booking.objects.select_for_update().filter(pk=booking_id).first()
            if booking is None:
                return None
            appointment_settings = AppointmentSettings.objects.filter(office_id=booking.office_id).first()
            if appointment_settings is None:
                return None
            if not _is_due(booking, _offsets(appointment_settings), minutes, now):
                return None
            return ReminderSent.objects.create(booking=booking, minutes_before=minutes, sent_at=now)
    except IntegrityError:
        return None


def send_due_reminders(now: dt.datetime | None = None) -> int:
    """Send every reminder that is due; returns how many left. Safe to run in several processes."""
    now = now or timezone.now()
    sent = 0
    for booking_id, minutes in due_reminders(now):
        reminder = claim(booking_id, minutes, now)
        if reminder is None:
            continue
        try:
            delivered = mails.deliver(booking_id, mails.REMINDER, now=now)
        except Exception:
            logger.exception(
                "appointments: reminder %d min before booking %s failed; it will be tried again",
                minutes,
                booking_id,
            )
            ReminderSent.objects.filter(pk=reminder.pk).delete()
            continue
        sent += delivered
    return sent
