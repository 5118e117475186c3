"""The confirmation mail of a registration, in the registrant's language and the office's time zone, with
a calendar file (.ics) and the personal join link (an individual) or the class link and the teacher's
class page (a class).

``send_confirmation`` is scheduled after the registration's transaction commits and never raises: a mail
server that is down must not turn a registration that was made into an error page (it is logged; the
confirmation page showed the same links). The join link's secret exists only in memory here: rooms keep
its hash only, so this mail is the one place it is written down.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from email.mime.text import MIMEText
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from buergerbuero.appointments.mails import _tidy, sender
from buergerbuero.trainings.models import Registration

logger = logging.getLogger(__name__)


def join_url(join_token: str) -> str:
    """The live room's join link page (rooms.urls)."""
    return f"{settings.SITE_URL}/raum/{join_token}/"


def registration_url(registration: Registration, token: str) -> str:
    if registration.is_class:
        return f"{settings.SITE_URL}/schulungen/klasse/{token}/"
    return f"{settings.SITE_URL}/schulungen/anmeldung/{token}/"


def send_confirmation(registration_id: int, join_token: str, token: str) -> bool:
    """Never raises; True when a mail left."""
    try:
        registration = (
            Registration.objects.select_related("session__training_type__office__authority")
            .filter(pk=registration_id)
            .first()
        )
        if registration is None or not registration.email:
            return False
        build(registration, join_token, token, timezone.now()).send()
        return True
    except Exception:
        logger.exception("trainings: the confirmation of registration %s could not be sent", registration_id)
        return False


def _language(registration: Registration) -> str:
    return (
        registration.language if registration.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    )


def context(registration: Registration, join_token: str, token: str) -> dict[str, object]:
    session = registration.session
    office = session.training_type.office
    start = timezone.localtime(session.starts_at, office.tz)
    end = timezone.localtime(session.ends_at, office.tz)
    return {
        "name": registration.name,
        "registration": registration,
        "pupils": list(registration.pupils.all()) if registration.is_class else [],
        "training": session.training_type.title,
        "office": office.name,
        "authority": office.authority.name,
        "date": f"{formats.date_format(start, 'l')}, {formats.date_format(start, 'DATE_FORMAT')}",
        "time": formats.time_format(start, "TIME_FORMAT"),
        "end_time": formats.time_format(end, "TIME_FORMAT"),
        "join_url": join_url(join_token),
        "registration_url": registration_url(registration, token),
    }


def build(registration: Registration, join_token: str, token: str, now: dt.datetime) -> EmailMessage:
    office = registration.session.training_type.office
    language = _language(registration)
    with translation.override(language), timezone.override(office.tz):
        data = context(registration, join_token, token)
        template = "class" if registration.is_class else "individual"
        message = EmailMessage(
            subject=_("Registration confirmed: %(training)s on %(date)s at %(time)s") % data,
            body=_tidy(render_to_string(f"trainings/mail/{template}.txt", data)),
            from_email=sender(office),
            to=[registration.email],
            headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
        )
        message.attach(_ics_part(calendar(registration, str(data["join_url"]), now)))
    return message


def event_uid(registration: Registration) -> str:
    digest = hashlib.sha256(f"training-ics-uid:{registration.token_salt}".encode()).hexdigest()[:32]
    return f"{digest}@{urlsplit(settings.SITE_URL).hostname}"


def calendar(registration: Registration, link: str, now: dt.datetime) -> bytes:
    session = registration.session
    training_type = session.training_type
    office = training_type.office
    tz = office.tz
    start = session.starts_at.astimezone(tz)
    cal = Calendar()
    cal.add("prodid", "-//buergerbuero//trainings//DE")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    event.add("uid", event_uid(registration))
    event.add("sequence", 0)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", start)
    event.add("dtend", session.ends_at.astimezone(tz))
    event.add("summary", _("Online training: %(training)s") % {"training": training_type.title})
    event.add("location", link)
    event.add("url", link)
    event.add("description", _("Open this link shortly before the start: %(url)s") % {"url": link})
    event.add("status", "CONFIRMED")
    organizer = vCalAddress(f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    organizer.params["cn"] = vText(f"{office.name} – {office.authority.name}")
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{registration.email}")
    if registration.name:
        attendee.params["cn"] = vText(registration.name)
    attendee.params["role"] = "REQ-PARTICIPANT"
    attendee.params["partstat"] = "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    event.add("attendee", attendee)
    cal.add_component(event)
    cal.add_missing_timezones(
        first_date=start.date() - dt.timedelta(days=366), last_date=start.date() + dt.timedelta(days=366)
    )
    return cal.to_ical()


def _ics_part(ics: bytes) -> MIMEText:
    part = MIMEText(ics.decode("utf-8"), "calendar", "utf-8")
    part.set_param("method", "REQUEST")
    part.add_header("Content-Disposition", "attachment", filename=_("training") + ".ics")
    return part
