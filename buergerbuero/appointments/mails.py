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
import hashlib
import logging
import re
from email.mime.text import MIMEText
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from buergerbuero.appointments.models import Booking, BookingState, CancelledBy
from buergerbuero.appointments.tokens import confirm_token, manage_token
from buergerbuero.audit.models import AuditEntry
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
    language = booking.language if booking.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language), timezone.override(office.tz):
        context = _context(booking)
        body = _tidy(render_to_string(f"appointments/mail/{kind}.txt", context))
        message = EmailMessage(
            subject=_subject(kind, context),
            body=body,
            from_email=sender(office),
            to=[booking.email],
            headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
        )
        if kind in _WITH_CALENDAR:
            message.attach(_ics_part(calendar(booking, "REQUEST", now), "REQUEST"))
        elif kind == CANCELLED and booking.confirmed_at is not None:
            # Only a booking that was confirmed ever put an entry into a calendar.
            message.attach(_ics_part(calendar(booking, "CANCEL", now), "CANCEL"))
    return message


def sender(office: Office) -> str:
    """The installation's sender address, named after the office (DEFAULT_FROM_EMAIL's own name is
    replaced: citizens recognise the office, not the software)."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    name = " ".join(f"{office.name} – {office.authority.name}".split())
    return formataddr((name, address))


def _context(booking: Booking) -> dict[str, object]:
    office = booking.office
    start = timezone.localtime(booking.start, office.tz)
    end = timezone.localtime(booking.end, office.tz)
    context: dict[str, object] = {
        "name": booking.name,
        "concern": booking.concern,
        "office": office.name,
        "authority": office.authority.name,
        "date": f"{formats.date_format(start, 'l')}, {formats.date_format(start, 'DATE_FORMAT')}",
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


def _subject(kind: str, context: dict[str, object]) -> str:
    subjects = {
        OPT_IN: _("Please confirm your appointment on %(date)s at %(time)s"),
        CONFIRMED: _("Appointment confirmed: %(date)s at %(time)s, %(office)s"),
        CANCELLED: _("Appointment cancelled: %(date)s at %(time)s, %(office)s"),
        MOVED: _("Your appointment has been moved: now %(date)s at %(time)s, %(office)s"),
        REMINDER: _("Reminder: your appointment on %(date)s at %(time)s, %(office)s"),
    }
    return subjects[kind] % context


def _tidy(body: str) -> str:
    """Template tags on lines of their own leave blank and trailing space; a mail should not."""
    lines = [line if line == "-- " else line.rstrip() for line in body.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


# --- calendar file -------------------------------------------------------------------------------------


def event_uid(booking: Booking) -> str:
    """Stable for the booking's life (the salt never changes), and tells nothing about it."""
    digest = hashlib.sha256(f"ics-uid:{booking.token_salt}".encode()).hexdigest()[:32]
    return f"{digest}@{urlsplit(settings.SITE_URL).hostname}"


def sequence(booking: Booking) -> int:
    """How often the entry changed since it was first sent. The actions write their audit entry in the
    transaction after which the mail leaves, so the change a mail announces is already counted."""
    return AuditEntry.objects.filter(
        object_type="booking", object_id=booking.pk, action__in=_REVISIONS
    ).count()


def calendar(booking: Booking, method: str, now: dt.datetime) -> bytes:
    """An iCalendar file (RFC 5545/5546) with the appointment: ``REQUEST`` adds or updates it,
    ``CANCEL`` removes it. Times are in the office's time zone, with its VTIMEZONE."""
    office = booking.office
    tz = office.tz
    start = booking.start.astimezone(tz)
    link = manage_url(booking)
    cal = Calendar()
    cal.add("prodid", "-//buergerbuero//appointments//DE")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", event_uid(booking))
    event.add("sequence", sequence(booking))
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", booking.end.astimezone(tz))
    event.add("summary", _("Video appointment: %(office)s") % {"office": office.name})
    event.add("location", link)
    event.add("url", link)
    event.add(
        "description",
        _("Open this link shortly before the appointment; you can also cancel or move it there: %(url)s")
        % {"url": link},
    )
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = vText(f"{office.name} – {office.authority.name}")
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.email}")
    if booking.name:
        attendee.params["cn"] = vText(booking.name)
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    event.add("attendee", attendee)
    cal.add_component(event)
    # The zone's rules around the appointment are enough (and keep the file small).
    cal.add_missing_timezones(
        first_date=start.date() - dt.timedelta(days=366), last_date=start.date() + dt.timedelta(days=366)
    )
    return cal.to_ical()


def _ics_part(ics: bytes, method: str) -> MIMEText:
    part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=_("appointment") + ".ics")
    return part
