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
import logging
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities import mailtexts
from buergerbuero.core import calendar as ics
from buergerbuero.core import mails as core_mails
from buergerbuero.core.dates import weekday_date
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
    return core_mails.sender(event.office.name if event.office else "", event.authority.name)


def _when(event: Event) -> dict[str, str]:
    start = timezone.localtime(event.starts_at, event.tz)
    end = timezone.localtime(event.ends_at, event.tz)
    return {
        "date": weekday_date(start),
        "time": formats.time_format(start, "TIME_FORMAT"),
        "end_time": formats.time_format(end, "TIME_FORMAT"),
        "end_date": "" if end.date() == start.date() else weekday_date(end),
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


def build(registration: Registration, kind: str, now: dt.datetime) -> EmailMessage:
    event = registration.event
    language = core_mails.language_of(registration.language)
    with translation.override(language), timezone.override(event.tz):
        context = _context(registration)
        method = ics.REQUEST if kind in _WITH_REQUEST else ics.CANCEL
        subject, body = mailtexts.compose(event.authority_id, f"events.{kind}", language, context)
        return core_mails.message(
            subject=subject,
            body=body,
            from_email=sender(event),
            to=registration.email,
            language=language,
            authority_id=event.authority_id,
            attachment=ics.attachment(calendar(registration, method, now), method, _("event")),
        )


# --- calendar file -------------------------------------------------------------------------------------


def event_uid(registration: Registration) -> str:
    return ics.entry_uid("event-ics-uid", registration.token_salt)


def sequence(registration: Registration, method: str) -> int:
    changes = AuditEntry.objects.filter(
        object_type="event", object_id=registration.event_id, action="event.changed", data__calendar=True
    ).count()
    return changes + (1 if method == "CANCEL" else 0)


def calendar(registration: Registration, method: str, now: dt.datetime) -> bytes:
    """An iCalendar file: ``REQUEST`` adds or updates the entry, ``CANCEL`` removes it."""
    event = registration.event
    link = join_url(registration) or registration_url(registration)
    entry = ics.Entry(
        uid=event_uid(registration),
        sequence=sequence(registration, method),
        start=event.starts_at.astimezone(event.tz),
        end=event.ends_at.astimezone(event.tz),
        summary=event.title,
        link=link,
        description=_(
            "Join the event with your personal link: %(join)s\nCancel your registration: %(manage)s"
        )
        % {"join": link, "manage": registration_url(registration)},
        organizer_name=parseaddr(sender(event))[0],
        attendee_email=registration.email,
        attendee_name=registration.name,
    )
    return ics.calendar_file("events", method, entry, now)
