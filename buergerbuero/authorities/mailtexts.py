"""Every kind of mail the product sends, with its default text and the placeholders an authority's own
text may use; and ``compose``, through which every sender gets a mail's subject and body.

The registry lives here, below the apps that send the mails, so that each of them can ask it and the
administrators' pages can list every kind without importing them; it names their templates by path only.

Invariants a reader must not break:
- A kind that a sender passes to ``compose`` is in ``MAIL_TYPES`` (``tests/authorities/test_mailtexts.py``
  finds every mail template of the package in the registry).
- An authority's text is checked before it is stored (``check_subject``, ``check_body``) and substituted
  with ``substitute``, which only ever replaces ``{name}`` by the sender's value of a registered
  placeholder: no attribute access, no format specification, so a text can never read anything else.
- Mails are text/plain: the values are put in as they are, nothing is escaped or interpreted.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from buergerbuero.authorities.models import MailText
from buergerbuero.core import mails as core_mails

SUBJECT_MAX = 200
BODY_MAX = 5000


@dataclasses.dataclass(frozen=True)
class MailType:
    kind: str  # "<app>.<mail>", the key of MailText.kind
    label: Promise
    template: str  # the product's body
    subject: str  # the product's subject, a msgid with %(name)s of the placeholders
    placeholders: tuple[str, ...]


_APPOINTMENT = (
    "name",
    "concern",
    "office",
    "authority",
    "date",
    "time",
    "end_time",
    "manage_url",
    "office_url",
)
_EVENT = (
    "name",
    "title",
    "organiser",
    "authority",
    "date",
    "end_date",
    "time",
    "end_time",
    "registration_url",
)
_TRAINING = (
    "name",
    "training",
    "office",
    "authority",
    "date",
    "time",
    "end_time",
    "join_url",
    "registration_url",
)
_ACCOUNT = ("name", "username", "authority", "url")

MAIL_TYPES: dict[str, MailType] = {
    mail.kind: mail
    for mail in (
        MailType(
            "appointments.opt_in",
            gettext_lazy("Appointment: please confirm"),
            "appointments/mail/opt_in.txt",
            gettext_noop("Please confirm your appointment on %(date)s at %(time)s"),
            (*_APPOINTMENT, "confirm_url", "hold_until", "hold_minutes"),
        ),
        MailType(
            "appointments.confirmed",
            gettext_lazy("Appointment: confirmed"),
            "appointments/mail/confirmed.txt",
            gettext_noop("Appointment confirmed: %(date)s at %(time)s, %(office)s"),
            _APPOINTMENT,
        ),
        MailType(
            "appointments.cancelled",
            gettext_lazy("Appointment: cancelled"),
            "appointments/mail/cancelled.txt",
            gettext_noop("Appointment cancelled: %(date)s at %(time)s, %(office)s"),
            (*_APPOINTMENT, "cancel_message"),
        ),
        MailType(
            "appointments.moved",
            gettext_lazy("Appointment: moved"),
            "appointments/mail/moved.txt",
            gettext_noop("Your appointment has been moved: now %(date)s at %(time)s, %(office)s"),
            _APPOINTMENT,
        ),
        MailType(
            "appointments.reminder",
            gettext_lazy("Appointment: reminder"),
            "appointments/mail/reminder.txt",
            gettext_noop("Reminder: your appointment on %(date)s at %(time)s, %(office)s"),
            _APPOINTMENT,
        ),
        MailType(
            "events.confirmed",
            gettext_lazy("Event: registration confirmed"),
            "events/mail/confirmed.txt",
            gettext_noop("Registration confirmed: %(title)s on %(date)s at %(time)s"),
            (*_EVENT, "join_url"),
        ),
        MailType(
            "events.changed",
            gettext_lazy("Event: changed"),
            "events/mail/changed.txt",
            gettext_noop("Changed: %(title)s, now on %(date)s at %(time)s"),
            (*_EVENT, "join_url"),
        ),
        MailType(
            "events.cancelled",
            gettext_lazy("Event: registration cancelled"),
            "events/mail/cancelled.txt",
            gettext_noop("Registration cancelled: %(title)s on %(date)s"),
            _EVENT,
        ),
        MailType(
            "events.event_cancelled",
            gettext_lazy("Event: cancelled"),
            "events/mail/event_cancelled.txt",
            gettext_noop("Cancelled: %(title)s on %(date)s"),
            (*_EVENT, "cancel_message"),
        ),
        MailType(
            "trainings.individual",
            gettext_lazy("Training: registration confirmed"),
            "trainings/mail/individual.txt",
            gettext_noop("Registration confirmed: %(training)s on %(date)s at %(time)s"),
            _TRAINING,
        ),
        MailType(
            "trainings.class",
            gettext_lazy("Training: registration of a class confirmed"),
            "trainings/mail/class.txt",
            gettext_noop("Registration confirmed: %(training)s on %(date)s at %(time)s"),
            (*_TRAINING, "pupil_count", "pupil_names"),
        ),
        MailType(
            "authorities.invitation",
            gettext_lazy("Account: invitation"),
            "authorities/mail/invitation.txt",
            gettext_noop("Your account at %(authority)s"),
            (*_ACCOUNT, "expires"),
        ),
        MailType(
            "authorities.password_reset",
            gettext_lazy("Account: new password"),
            "authorities/mail/password_reset.txt",
            gettext_noop("A new password for your account at %(authority)s"),
            _ACCOUNT,
        ),
    )
}

# What the preview puts in; the same in every language but the date, which the preview formats.
SAMPLE_VALUES = {
    "name": "Erika Mustermann",
    "username": "emustermann",
    "concern": "Wohngeld",
    "office": "Bürgeramt",
    "organiser": "Bürgeramt",
    "title": "Infoabend Energiesparen",
    "training": "Erste Hilfe",
    "authority": "Landratsamt Musterkreis",
    "time": "10:00",
    "end_time": "10:30",
    "hold_until": "10:15",
    "hold_minutes": "15",
    "end_date": "",
    "pupil_count": "2",
    "pupil_names": "- Anna Beispiel\n- Ben Beispiel",
    "expires": "14.12.2026 10:00",
    "cancel_message": "",
    "url": "https://example.org/link",
    "manage_url": "https://example.org/termine/…/",
    "confirm_url": "https://example.org/termine/bestaetigen/…/",
    "office_url": "https://example.org/musterkreis/buergeramt/",
    "registration_url": "https://example.org/anmeldung/…/",
    "join_url": "https://example.org/raum/…/",
}

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def languages() -> list[tuple[str, str]]:
    return [(code, str(name)) for code, name in settings.LANGUAGES]


def _placeholders_in(text: str) -> list[str]:
    """The names used in ``text``, in order; raises ValidationError for a lone brace."""
    names: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise ValidationError(
                _("A single curly brace is not allowed; write {{ or }} for a brace in the text."),
                code="brace",
            )
        names.append(match.group(1))
    return names


def _check(text: str, mail_type: MailType, maximum: int, *, lines: bool) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise ValidationError(_("The text contains characters that are not valid."), code="surrogate")
    allowed = "\n\t" if lines else ""
    if any(unicodedata.category(char) == "Cc" and char not in allowed for char in text):
        message = (
            _("Control characters are not allowed (line breaks and tabs are).")
            if lines
            else _("The subject must be a single line without control characters.")
        )
        raise ValidationError(message, code="control")
    if not text.strip():
        raise ValidationError(_("This field is required."), code="required")
    if len(text) > maximum:
        raise ValidationError(
            ngettext(
                "At most %(maximum)d character is allowed; this text has %(length)d.",
                "At most %(maximum)d characters are allowed; this text has %(length)d.",
                maximum,
            )
            % {"maximum": maximum, "length": len(text)},
            code="length",
        )
    unknown = sorted({name for name in _placeholders_in(text) if name not in mail_type.placeholders})
    if unknown:
        raise ValidationError(
            ngettext(
                "This placeholder is not available for this mail: %(names)s",
                "These placeholders are not available for this mail: %(names)s",
                len(unknown),
            )
            % {"names": ", ".join("{" + name + "}" for name in unknown)},
            code="placeholder",
        )
    return text


def check_subject(text: str, mail_type: MailType) -> str:
    """The subject as it is stored, or ValidationError: one line, known placeholders only."""
    return _check(text.strip(), mail_type, SUBJECT_MAX, lines=False)


def check_body(text: str, mail_type: MailType) -> str:
    """The body as it is stored (line ends as ``\\n``), or ValidationError."""
    return _check(text, mail_type, BODY_MAX, lines=True)


def substitute(text: str, values: Mapping[str, object]) -> str:
    """``text`` with each ``{name}`` replaced by ``values[name]`` (empty when the sender has none) and
    ``{{``, ``}}`` by a brace. Only for texts that passed ``check_subject`` or ``check_body``."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        value = values.get(match.group(1) or "", "")
        return "" if value is None else str(value)

    return _TOKEN.sub(replace, text)


def override(authority_id: int, kind: str, language: str) -> MailText | None:
    return MailText.objects.filter(authority_id=authority_id, kind=kind, language=language).first()


def default(mail_type: MailType, values: Mapping[str, object], language: str) -> tuple[str, str]:
    """The product's subject and body, rendered in ``language``."""
    with translation.override(language):
        subject = _(mail_type.subject) % {name: values.get(name, "") for name in mail_type.placeholders}
        body = core_mails.tidy(render_to_string(mail_type.template, dict(values)))
    return subject, body


# The product's texts count some values (a blocktranslate "count" needs a number): the starting text
# renders them as this number and then puts the placeholder in its place.
_COUNT = 7919


class _Pupils(list[dict[str, str]]):
    def __len__(self) -> int:
        return _COUNT


def starting_text(mail_type: MailType, language: str) -> tuple[str, str]:
    """The product's subject and body in ``language`` with ``{name}`` where the values go: what an
    administrator edits who has no own text yet. Passes ``check_subject`` and ``check_body``."""
    values: dict[str, object] = {name: "{" + name + "}" for name in mail_type.placeholders}
    values["hold_minutes"] = _COUNT
    values["pupils"] = _Pupils([{"name": "{pupil_names}"}])
    with translation.override(language):
        subject = _(mail_type.subject) % values
        body = core_mails.tidy(render_to_string(mail_type.template, values))
    count = next((name for name in ("hold_minutes", "pupil_count") if name in mail_type.placeholders), "")
    body = body.replace(str(_COUNT), "{" + count + "}").replace("- {pupil_names}", "{pupil_names}")
    return subject, body


def compose(authority_id: int, kind: str, language: str, values: Mapping[str, object]) -> tuple[str, str]:
    """The subject and body of the mail ``kind`` for the authority: its own text in ``language`` where it
    has one, else the product's. ``values`` is the sender's template context; an own text sees the
    registered placeholders of it."""
    mail_type = MAIL_TYPES[kind]
    language = core_mails.language_of(language)
    own = override(authority_id, kind, language)
    if own is None:
        return default(mail_type, values, language)
    return substitute(own.subject, values), core_mails.tidy(substitute(own.body, values))
