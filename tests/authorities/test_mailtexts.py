"""authorities.mailtexts: every mail the product sends is in the registry; a mail has the authority's own
text in the recipient's language where there is one, else the product's; own texts are checked (only
known placeholders, no control characters, limited length, no lone surrogates); and an appointment
confirmation sent through the real sender carries the authority's text."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

import buergerbuero
from buergerbuero.appointments import mails as appointment_mails
from buergerbuero.authorities import mailtexts
from buergerbuero.authorities.models import MailText
from tests.appointments.mailing import NOW, book, offer_appointments

CONFIRMED = mailtexts.MAIL_TYPES["appointments.confirmed"]
VALUES = {
    "name": "Erika",
    "date": "Dienstag",
    "time": "14:30",
    "office": "Energieberatung",
    "authority": "LRA",
}


def own_text(
    authority, kind="appointments.confirmed", language="de", subject="Termin {date}", body="Hallo {name}!"
):
    return MailText.objects.create(
        authority=authority,
        kind=kind,
        language=language,
        subject=subject,
        body=body,
        changed_at=timezone.now(),
    )


# --- the registry ----------------------------------------------------------------------------------------


def test_every_mail_template_of_the_package_is_in_the_registry() -> None:
    package = Path(buergerbuero.__file__).parent
    templates = {
        str(path.relative_to(path.parents[2]))
        for path in package.glob("*/templates/*/mail/*.txt")
        if not path.name.startswith("_") and path.name != "base.txt"
    }
    assert templates, "no mail templates found"
    assert templates == {mail_type.template for mail_type in mailtexts.MAIL_TYPES.values()}


def test_every_sender_names_a_registered_kind() -> None:
    package = Path(buergerbuero.__file__).parent
    # Every module that builds a mail (core.mails.message, or Django's own mail functions) takes its
    # text from mailtexts.compose.
    senders = [
        path
        for path in package.rglob("*.py")
        if path.parent.name != "core"
        and any(call in path.read_text() for call in ("core_mails.message(", "send_mail(", "EmailMessage("))
    ]
    assert {path.parent.name for path in senders} == {"appointments", "authorities", "events", "trainings"}
    for path in senders:
        assert "mailtexts.compose(" in path.read_text(), path
        assert "render_to_string" not in path.read_text(), path
    from buergerbuero.appointments.mails import KINDS as APPOINTMENT_KINDS
    from buergerbuero.events.mails import KINDS as EVENT_KINDS

    kinds = {f"appointments.{kind}" for kind in APPOINTMENT_KINDS} | {
        f"events.{kind}" for kind in EVENT_KINDS
    }
    assert kinds <= set(mailtexts.MAIL_TYPES)


@pytest.mark.parametrize("kind", sorted(mailtexts.MAIL_TYPES))
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_starting_text_is_an_allowed_own_text_with_placeholders(kind: str, language: str) -> None:
    mail_type = mailtexts.MAIL_TYPES[kind]
    subject, body = mailtexts.starting_text(mail_type, language)
    assert mailtexts.check_subject(subject, mail_type) == subject
    assert mailtexts.check_body(body, mail_type) == body
    assert "{name}" in body and "7919" not in body


# --- rendering -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_own_text_the_product_text_in_the_language(world) -> None:
    subject, body = mailtexts.compose(world.authority.pk, "appointments.confirmed", "de", VALUES)
    assert subject == "Termin bestätigt: Dienstag um 14:30 Uhr, Energieberatung"
    assert "Guten Tag Erika" in body
    subject, body = mailtexts.compose(world.authority.pk, "appointments.confirmed", "en", VALUES)
    assert subject == "Appointment confirmed: Dienstag at 14:30, Energieberatung"
    assert "Hello Erika" in body


@pytest.mark.django_db
def test_the_own_text_of_the_language_is_used_and_no_other(world) -> None:
    own_text(world.authority, subject="Ihr Termin am {date}", body="Hallo {name},\n\n{{bis bald}}\n")
    own_text(world.authority, language="en", subject="Your {office} appointment", body="Hi {name}")
    assert mailtexts.compose(world.authority.pk, "appointments.confirmed", "de", VALUES) == (
        "Ihr Termin am Dienstag",
        "Hallo Erika,\n\n{bis bald}\n",
    )
    assert mailtexts.compose(world.authority.pk, "appointments.confirmed", "en", VALUES) == (
        "Your Energieberatung appointment",
        "Hi Erika\n",
    )
    # An unknown language is the default language; another authority keeps the product's text.
    assert (
        mailtexts.compose(world.authority.pk, "appointments.confirmed", "fr", VALUES)[0]
        == "Ihr Termin am Dienstag"
    )
    assert mailtexts.compose(world.other_authority.pk, "appointments.confirmed", "de", VALUES)[0].startswith(
        "Termin bestätigt"
    )


def test_substitute_puts_values_in_as_they_are() -> None:
    text = "{name} {missing} {{name}} {concern}"
    assert mailtexts.substitute(text, {"name": "A & <B>", "concern": None}) == "A & <B>  {name} "


# --- checking --------------------------------------------------------------------------------------------


def refusal(check, text: str) -> ValidationError:
    with pytest.raises(ValidationError) as error:
        check(text, CONFIRMED)
    return error.value


def test_unknown_placeholders_are_named() -> None:
    error = refusal(mailtexts.check_body, "Hallo {name}, {password} {confirm_url} {user.pk}")
    assert error.code == "placeholder"
    assert "{confirm_url}, {password}, {user.pk}" in error.messages[0]
    # confirm_url belongs to the opt-in mail only.
    mailtexts.check_body("{confirm_url}", mailtexts.MAIL_TYPES["appointments.opt_in"])


def test_a_lone_brace_and_format_tricks_are_refused() -> None:
    assert refusal(mailtexts.check_body, "Hallo {name").code == "brace"
    assert refusal(mailtexts.check_body, "a } b").code == "brace"
    assert refusal(mailtexts.check_body, "{name!r}").code == "placeholder"
    assert refusal(mailtexts.check_body, "{name:>99999}").code == "placeholder"
    assert mailtexts.check_body("{{ok}}", CONFIRMED) == "{{ok}}"


def test_control_characters_are_refused_but_line_breaks_and_tabs_kept() -> None:
    assert mailtexts.check_body("a\r\n\tb\rc", CONFIRMED) == "a\n\tb\nc"
    for char in ("\x00", "\x07", "\x1b", "\x7f", "\x85"):
        assert refusal(mailtexts.check_body, f"a{char}b").code == "control"
    # A subject is one line: a line break would be a second mail header.
    assert refusal(mailtexts.check_subject, "Termin\nBcc: x@example.org").code == "control"
    assert refusal(mailtexts.check_subject, "Termin\tam {date}").code == "control"


def test_too_long_and_empty_texts_are_refused() -> None:
    assert mailtexts.check_body("x" * mailtexts.BODY_MAX, CONFIRMED)
    error = refusal(mailtexts.check_body, "x" * (mailtexts.BODY_MAX + 1))
    assert error.code == "length" and str(mailtexts.BODY_MAX + 1) in error.messages[0]
    assert refusal(mailtexts.check_subject, "x" * (mailtexts.SUBJECT_MAX + 1)).code == "length"
    assert refusal(mailtexts.check_body, " \n\t").code == "required"


def test_lone_surrogates_are_refused() -> None:
    assert refusal(mailtexts.check_body, "Hallo \ud800 {name}").code == "surrogate"
    assert refusal(mailtexts.check_subject, "\udfff").code == "surrogate"
    assert mailtexts.check_body("Grüße 😀 {name}", CONFIRMED) == "Grüße 😀 {name}"


# --- a sender end to end ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_appointment_confirmation_carries_the_authority_text(
    world, django_capture_on_commit_callbacks
) -> None:
    offer_appointments(world.office_a, double_opt_in=False)
    own_text(
        world.authority,
        subject="Bestätigt: {date}, {time} Uhr",
        body="Guten Tag {name},\nIhr Anliegen: {concern}\nLink: {manage_url}\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(world.office_a)
    mail.outbox.clear()
    assert appointment_mails.send(booking.pk, appointment_mails.CONFIRMED)
    (sent,) = mail.outbox
    assert sent.subject == "Bestätigt: Dienstag, 10. März 2026, 14:30 Uhr"
    link = appointment_mails.manage_url(booking)
    assert sent.body == f"Guten Tag Erika Muster,\nIhr Anliegen: Heizung & Dach\nLink: {link}\n"
    assert sent.extra_headers["Content-Language"] == "de"
    assert len(sent.attachments) == 1  # the calendar file stays
    # In English the booking gets the product's text, as there is no English own text.
    booking.language = "en"
    english = appointment_mails.build(booking, appointment_mails.CONFIRMED, NOW)
    assert english.subject.startswith("Appointment confirmed:")
