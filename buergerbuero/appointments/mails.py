"""Mails about bookings, in the booking's language and the office's time zone.

``send(booking_id, kind)`` is what the actions schedule after their transaction commits; it never
raises, so a mail server that is down cannot turn a booking that was made into an error page (the failure
is logged). ``deliver()`` is the same but raises; the reminder job uses it to know when to retry.

Invariants a reader must not break:
- A mail carries the office's facts and only what the citizen entered (name, concern), never the name of
  an official or anything about other bookings.
- The links are derived from the booking's salt (``tokens.py``), so every mail can carry them again; they
  are absolute, built from ``settings.SITE_URL``.
- The calendar entry of a booking keeps one UID for the booking's whole life, and its SEQUENCE counts the
  changes (moves, the cancellation) so far: a calendar replaces or removes its entry instead of adding a
  second one.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from buergerbuero.appointments.models import Booking, BookingState, CancelledBy
from buergerbuero.appointments.tokens import confirm_token, manage_token
from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities import mailtexts
from buergerbuero.core import calendar as ics
from buergerbuero.core import mails as core_mails
from buergerbuero.core.dates import weekday_date
from buergerbuero.offices.models import Office

logger = logging.getLogger(__name__)

OPT_IN = "opt_in"
CONFIRMED = "confirmed"
CANCELLED = "cancelled"
MOVED = "moved"
REMINDER = "reminder"
KINDS = (OPT_IN, CONFIRMED, CANCELLED, MOVED, REMINDER)

# Mails that put the appointment into the citizen's calendar (METHOD:REQUEST); a cancellation removes it.
_WITH_CALENDAR = (CONFIRMED, MOVED, REMINDER)
# Audit actions that change the calendar entry; their count is the entry's SEQUENCE.
_REVISIONS = ("booking.moved", "booking.cancelled")


# --- links ---------------------------------------------------------------------------------------------


def manage_url(booking: Booking) -> str:
    """The citizen's personal page of the booking: join at the appointment time, cancel, reschedule."""
    return f"{settings.SITE_URL}/termine/{manage_token(booking.token_salt)}/"


def confirm_url(booking: Booking) -> str:
    """The page of the double opt-in on which the citizen confirms a held booking."""
    return f"{settings.SITE_URL}/termine/bestaetigen/{confirm_token(booking.token_salt)}/"


def office_url(office: Office) -> str:
    return f"{settings.SITE_URL}/{office.authority.slug}/{office.slug}/"


# --- sending -------------------------------------------------------------------------------------------


def send(booking_id: int, kind: str) -> bool:
    """Send the mail ``kind`` about a booking. Never raises; True when a mail left."""
    try:
        return deliver(booking_id, kind)
    except Exception:
        logger.exception("appointments: the %s mail of booking %s could not be sent", kind, booking_id)
        return False


def deliver(booking_id: int, kind: str, now: dt.datetime | None = None) -> bool:
    """Send the mail ``kind``; False when there is nobody to write to. Raises when sending fails."""
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    booking = Booking.objects.select_related("office__authority").filter(pk=booking_id).first()
    if booking is None or not booking.email:
        return False
    if kind == OPT_IN and (booking.state != BookingState.HELD or booking.hold_expires_at is None):
        return False  # confirmed (or lapsed) before the mail left: its link has nothing left to do
    build(booking, kind, now or timezone.now()).send()
    return True


def build(booking: Booking, kind: str, now: dt.datetime) -> EmailMessage:
    """The mail, rendered in the booking's language with times in the office's time zone."""
    office = booking.office
    language = core_mails.language_of(booking.language)
    with translation.override(language), timezone.override(office.tz):
        context = _context(booking)
        method = None
        if kind in _WITH_CALENDAR:
            method = ics.REQUEST
        elif kind == CANCELLED and booking.confirmed_at is not None:
            # Only a booking that was confirmed ever put an entry into a calendar.
            method = ics.CANCEL
        subject, body = mailtexts.compose(office.authority_id, f"appointments.{kind}", language, context)
        return core_mails.message(
            subject=subject,
            body=body,
            from_email=core_mails.sender(office.name, office.authority.name),
            to=booking.email,
            language=language,
            authority_id=office.authority_id,
            attachment=ics.attachment(calendar(booking, method, now), method, _("appointment"))
            if method
            else None,
        )


def _context(booking: Booking) -> dict[str, object]:
    office = booking.office
    start = timezone.localtime(booking.start, office.tz)
    end = timezone.localtime(booking.end, office.tz)
    context: dict[str, object] = {
        "name": booking.name,
        "concern": booking.concern,
        "office": office.name,
        "authority": office.authority.name,
        "date": weekday_date(start),
        "time": formats.time_format(start, "TIME_FORMAT"),
        "end_time": formats.time_format(end, "TIME_FORMAT"),
        "manage_url": manage_url(booking),
        "confirm_url": confirm_url(booking),
        "office_url": office_url(office),
        "cancelled_by_office": booking.cancelled_by == CancelledBy.OFFICE,
        "cancel_message": booking.cancel_message,
    }
    if booking.hold_expires_at:
        context["hold_until"] = formats.time_format(
            timezone.localtime(booking.hold_expires_at, office.tz), "TIME_FORMAT"
        )
        context["hold_minutes"] = round((booking.hold_expires_at - booking.created_at).total_seconds() / 60)
    return context


# --- calendar file -------------------------------------------------------------------------------------


def event_uid(booking: Booking) -> str:
    """Stable for the booking's life (the salt never changes), and tells nothing about it."""
    return ics.entry_uid("ics-uid", booking.token_salt)


def sequence(booking: Booking) -> int:
    """How often the entry changed since it was first sent. The actions write their audit entry in the
    transaction after which the mail leaves, so the change a mail announces is already counted."""
    return AuditEntry.objects.filter(
        object_type="booking", object_id=booking.pk, action__in=_REVISIONS
    ).count()


def calendar(booking: Booking, method: str, now: dt.datetime) -> bytes:
    """An iCalendar file with the appointment: ``REQUEST`` adds or updates it, ``CANCEL`` removes it.
    Times are in the office's time zone, with its VTIMEZONE."""
    office = booking.office
    link = manage_url(booking)
    entry = ics.Entry(
        uid=event_uid(booking),
        sequence=sequence(booking),
        start=booking.start.astimezone(office.tz),
        end=booking.end.astimezone(office.tz),
        summary=_("Video appointment: %(office)s") % {"office": office.name},
        link=link,
        description=_(
            "Open this link shortly before the appointment; you can also cancel or move it there: %(url)s"
        )
        % {"url": link},
        organizer_name=f"{office.name} – {office.authority.name}",
        attendee_email=booking.email,
        attendee_name=booking.name,
    )
    return ics.calendar_file("appointments", method, entry, now)
