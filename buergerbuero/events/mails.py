"""Mails to registrants, in the registration's language and the event's time zone.

``send(registration_id, kind)`` is what the actions schedule after their transaction commits; it never
raises (a mail server that is down cannot turn a registration that was made into an error page; the
failure is logged). ``deliver`` raises.

Invariants a reader must not break:
- A mail carries the event's facts and only what the registrant entered; never other registrants.
- Links are absolute (settings.SITE_URL) and come again from the salt and the sealed join link
  (tokens.py), so every mail can carry them.
- The calendar entry of a registration keeps one UID for its whole life, and its SEQUENCE counts the
  event's changes of time or title (audit ``event.changed`` with ``calendar``), plus one for the
  cancellation: a calendar replaces or removes its entry instead of adding a second one.
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
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as CalendarEvent

from buergerbuero.audit.models import AuditEntry
from buergerbuero.events import tokens
from buergerbuero.events.models import CancelledBy, Event, Registration

logger = logging.getLogger(__name__)

CONFIRMED = "confirmed"
CHANGED = "changed"
CANCELLED = "cancelled"  # the registration (by the registrant, or removed by the office)
EVENT_CANCELLED = "event_cancelled"
KINDS = (CONFIRMED, CHANGED, CANCELLED, EVENT_CANCELLED)
_WITH_REQUEST = (CONFIRMED, CHANGED)


# --- links ---------------------------------------------------------------------------------------------


def registration_path(registration: Registration) -> str:
    return f"/veranstaltungen/anmeldung/{tokens.registration_token(registration.token_salt)}/"


def registration_url(registration: Registration) -> str:
    """The registrant's own page: the event, the join link, and the cancellation."""
    return settings.SITE_URL + registration_path(registration)


def join_path(token: str) -> str:
    """The room's join page (rooms.urls, /raum/<token>/)."""
    return f"/raum/{token}/"


def join_url(registration: Registration) -> str:
    token = tokens.unseal(registration.join_link_sealed)
    return settings.SITE_URL + join_path(token) if token else ""


def invitation_path(event: Event) -> str:
    return f"/veranstaltungen/einladung/{tokens.invitation_token(event.invitation_salt)}/"


# --- sending -------------------------------------------------------------------------------------------


def send(registration_id: int, kind: str) -> bool:
    """Send the mail ``kind`` about a registration. Never raises; True when a mail left."""
    try:
        return deliver(registration_id, kind)
    except Exception:
        logger.exception("events: the %s mail of registration %s could not be sent", kind, registration_id)
        return False


def deliver(registration_id: int, kind: str, now: dt.datetime | None = None) -> bool:
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    registration = (
        Registration.objects.select_related("event__authority", "event__office")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None or not registration.email:
        return False
    build(registration, kind, now or timezone.now()).send()
    return True


def sender(event: Event) -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    name = f"{event.office.name} – {event.authority.name}" if event.office else event.authority.name
    return formataddr((" ".join(name.split()), address))


def _when(event: Event) -> dict[str, str]:
    start = timezone.localtime(event.starts_at, event.tz)
    end = timezone.localtime(event.ends_at, event.tz)
    return {
        "date": f"{formats.date_format(start, 'l')}, {formats.date_format(start, 'DATE_FORMAT')}",
        "time": formats.time_format(start, "TIME_FORMAT"),
        "end_time": formats.time_format(end, "TIME_FORMAT"),
        "end_date": ""
        if end.date() == start.date()
        else f"{formats.date_format(end, 'l')}, {formats.date_format(end, 'DATE_FORMAT')}",
    }


def _context(registration: Registration) -> dict[str, object]:
    event = registration.event
    return {
        "name": registration.name,
        "title": event.title,
        "description": event.description,
        "organiser": event.office.name if event.office else event.authority.name,
        "authority": event.authority.name,
        "is_webinar": event.mode == "webinar",
        "lobby": event.lobby,
        "join_url": join_url(registration),
        "registration_url": registration_url(registration),
        "by_office": registration.cancelled_by == CancelledBy.OFFICE,
        "cancel_message": event.cancel_message,
        **_when(event),
    }


def _subject(kind: str, context: dict[str, object]) -> str:
    subjects = {
        CONFIRMED: _("Registration confirmed: %(title)s on %(date)s at %(time)s"),
        CHANGED: _("Changed: %(title)s, now on %(date)s at %(time)s"),
        CANCELLED: _("Registration cancelled: %(title)s on %(date)s"),
        EVENT_CANCELLED: _("Cancelled: %(title)s on %(date)s"),
    }
    return subjects[kind] % context


def _tidy(body: str) -> str:
    lines = [line if line == "-- " else line.rstrip() for line in body.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def build(registration: Registration, kind: str, now: dt.datetime) -> EmailMessage:
    event = registration.event
    language = (
        registration.language if registration.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    )
    with translation.override(language), timezone.override(event.tz):
        context = _context(registration)
        message = EmailMessage(
            subject=_subject(kind, context),
            body=_tidy(render_to_string(f"events/mail/{kind}.txt", context)),
            from_email=sender(event),
            to=[registration.email],
            headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
        )
        method = "REQUEST" if kind in _WITH_REQUEST else "CANCEL"
        message.attach(_ics_part(calendar(registration, method, now), method))
    return message


# --- calendar file -------------------------------------------------------------------------------------


def event_uid(registration: Registration) -> str:
    digest = hashlib.sha256(f"event-ics-uid:{registration.token_salt}".encode()).hexdigest()[:32]
    return f"{digest}@{urlsplit(settings.SITE_URL).hostname}"


def sequence(registration: Registration, method: str) -> int:
    changes = AuditEntry.objects.filter(
        object_type="event", object_id=registration.event_id, action="event.changed", data__calendar=True
    ).count()
    return changes + (1 if method == "CANCEL" else 0)


def calendar(registration: Registration, method: str, now: dt.datetime) -> bytes:
    """An iCalendar file (RFC 5545/5546): ``REQUEST`` adds or updates the entry, ``CANCEL`` removes it."""
    event = registration.event
    tz = event.tz
    start = event.starts_at.astimezone(tz)
    link = join_url(registration) or registration_url(registration)
    cal = Calendar()
    cal.add("prodid", "-//buergerbuero//events//DE")
    cal.add("version", "2.0")
    cal.add("method", method)
    entry = CalendarEvent()
    entry.add("uid", event_uid(registration))
    entry.add("sequence", sequence(registration, method))
    entry.add("dtstamp", now.astimezone(dt.UTC))
    entry.add("dtstart", start)
    entry.add("dtend", event.ends_at.astimezone(tz))
    entry.add("summary", event.title)
    entry.add("location", link)
    entry.add("url", link)
    entry.add(
        "description",
        _("Join the event with your personal link: %(join)s\nCancel your registration: %(manage)s")
        % {"join": link, "manage": registration_url(registration)},
    )
    entry.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = vText(parseaddr(sender(event))[0])
    entry.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{registration.email}")
    if registration.name:
        attendee.params["cn"] = vText(registration.name)
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    entry.add("attendee", attendee)
    cal.add_component(entry)
    cal.add_missing_timezones(
        first_date=start.date() - dt.timedelta(days=366), last_date=start.date() + dt.timedelta(days=366)
    )
    return cal.to_ical()


def _ics_part(ics: bytes, method: str) -> MIMEText:
    part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=_("event") + ".ics")
    return part
