"""The confirmation mails through a real SMTP server (aiosmtpd): language, the join link and the page
link, the calendar file; a class's mail lists the pupils; a mail server that is down loses no
registration."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django.utils.translation import gettext

from buergerbuero.trainings.models import Registration
from tests.appointments.mailing import calendar_of, event_of, free_port, smtp_server, subject_of, text_of
from tests.trainings.helpers import END, START, make_session, make_type, pupils, register, register_class

pytestmark = pytest.mark.django_db


def german(msgid: str) -> str:
    with translation.override("de"):
        return gettext(msgid)


@pytest.fixture
def inbox(settings):
    with smtp_server(settings) as inbox:
        yield inbox


@pytest.fixture
def session(world):
    return make_session(make_type(world.office_a, world.official_a), world.official_a)


def test_an_individual_gets_the_join_link_the_page_and_a_calendar_entry(
    session, inbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        registered = register(session, language="de")
    assert inbox.recipients == [["erika@example.org"]]
    [message] = inbox.messages
    assert message["From"].addresses[0].display_name == "Energieberatung – Landratsamt Testkreis"
    assert message["Content-Language"] == "de"
    assert subject_of(message) == german("Registration confirmed: %(training)s on %(date)s at %(time)s") % {
        "training": "Belehrung nach § 43 IfSG",
        "date": "Dienstag, 10. März 2026",
        "time": "10:00",
    }
    text = text_of(message)
    assert text.startswith(german("Hello %(name)s,").replace("%(name)s", "Erika Muster"))
    assert f"http://127.0.0.1:8000/raum/{registered.join_token}/" in text
    assert f"http://127.0.0.1:8000/schulungen/anmeldung/{registered.token}/" in text
    assert "10:00 – 11:00" in text
    part, calendar = calendar_of(message)
    assert part.get_param("method") == "REQUEST"
    event = event_of(calendar)
    assert event.decoded("dtstart") == START and event.decoded("dtend") == END
    assert str(event["location"]) == f"http://127.0.0.1:8000/raum/{registered.join_token}/"
    assert str(event["attendee"]) == "mailto:erika@example.org"


def test_english_when_registered_in_english(session, inbox, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        register(session, language="en")
    [message] = inbox.messages
    assert message["Content-Language"] == "en"
    assert subject_of(message).startswith(
        "Registration confirmed: Belehrung nach § 43 IfSG on Tuesday, March 10, 2026"
    )
    assert "How to take part:" in text_of(message)


def test_a_teacher_gets_the_class_link_the_class_page_and_the_pupils(
    session, inbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        registered = register_class(
            session,
            pupils(("Kai Klein", dt.date(2011, 1, 1)), ("Jörg Weiß", dt.date(2010, 2, 2))),
            language="de",
        )
    [message] = inbox.messages
    assert inbox.recipients == [["lehrer@schule.example"]]
    text = text_of(message)
    assert f"/raum/{registered.join_token}/" in text
    assert f"/schulungen/klasse/{registered.token}/" in text
    assert "- Kai Klein" in text and "- Jörg Weiß" in text
    calendar_of(message)


def test_a_mail_server_that_is_down_loses_no_registration(
    session, settings, django_capture_on_commit_callbacks, caplog
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    with django_capture_on_commit_callbacks(execute=True):
        register(session)
    assert Registration.objects.count() == 1
    assert "could not be sent" in caplog.text
