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
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from buergerbuero.authorities import mailtexts
from buergerbuero.core import calendar as ics
from buergerbuero.core import mails as core_mails
from buergerbuero.core.dates import weekday_date
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


def context(registration: Registration, join_token: str, token: str) -> dict[str, object]:
    session = registration.session
    office = session.training_type.office
    start = timezone.localtime(session.starts_at, office.tz)
    end = timezone.localtime(session.ends_at, office.tz)
    pupils = list(registration.pupils.all()) if registration.is_class else []
    return {
        "name": registration.name,
        "registration": registration,
        "pupils": pupils,
        # for an authority's own text (authorities.mailtexts)
        "pupil_count": len(pupils),
        "pupil_names": "\n".join(f"- {pupil.name}" for pupil in pupils),
        "training": session.training_type.title,
        "office": office.name,
        "authority": office.authority.name,
        "date": weekday_date(start),
        "time": formats.time_format(start, "TIME_FORMAT"),
        "end_time": formats.time_format(end, "TIME_FORMAT"),
        "join_url": join_url(join_token),
        "registration_url": registration_url(registration, token),
    }


def build(registration: Registration, join_token: str, token: str, now: dt.datetime) -> EmailMessage:
    office = registration.session.training_type.office
    language = core_mails.language_of(registration.language)
    with translation.override(language), timezone.override(office.tz):
        data = context(registration, join_token, token)
        kind = "trainings.class" if registration.is_class else "trainings.individual"
        subject, body = mailtexts.compose(office.authority_id, kind, language, data)
        return core_mails.message(
            subject=subject,
            body=body,
            from_email=core_mails.sender(office.name, office.authority.name),
            to=registration.email,
            language=language,
            authority_id=office.authority_id,
            attachment=ics.attachment(
                calendar(registration, str(data["join_url"]), now), ics.REQUEST, _("training")
            ),
        )


def event_uid(registration: Registration) -> str:
    return ics.entry_uid("training-ics-uid", registration.token_salt)


def calendar(registration: Registration, link: str, now: dt.datetime) -> bytes:
    session = registration.session
    training_type = session.training_type
    office = training_type.office
    entry = ics.Entry(
        uid=event_uid(registration),
        sequence=0,
        start=session.starts_at.astimezone(office.tz),
        end=session.ends_at.astimezone(office.tz),
        summary=_("Online training: %(training)s") % {"training": training_type.title},
        link=link,
        description=_("Open this link shortly before the start: %(url)s") % {"url": link},
        organizer_name=f"{office.name} – {office.authority.name}",
        attendee_email=registration.email,
        attendee_name=registration.name,
    )
    return ics.calendar_file("trainings", ics.REQUEST, entry, now)
