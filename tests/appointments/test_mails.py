"""The mails about bookings, sent through a real SMTP server (aiosmtpd) and parsed as they arrive:
language, links, the citizen's data and nothing more, and the calendar file (METHOD, time zone, one UID
whose SEQUENCE grows with every change)."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

import pytest
from django.utils import translation
from django.utils.translation import gettext

from buergerbuero.appointments import actions, mails
from buergerbuero.appointments.models import BookingState
from buergerbuero.appointments.tokens import confirm_token, manage_token
from tests.appointments.mailing import (
    LATER,
    NOW,
    START,
    book,
    calendar_of,
    event_of,
    free_port,
    offer_appointments,
    smtp_server,
    subject_of,
    text_of,
)

pytestmark = pytest.mark.django_db


def german(msgid: str) -> str:
    """The German text of a message (the catalog's translation, or the English text while it has none)."""
    with translation.override("de"):
        return gettext(msgid)


@pytest.fixture
def inbox(settings):
    with smtp_server(settings) as inbox:
        yield inbox


@pytest.fixture
def office(world):
    offer_appointments(world.office_a)
    return world.office_a


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Run the actions' after-commit callbacks (the mails) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_confirmation_arrives_in_german_with_links_and_calendar(office, inbox, after_commit) -> None:
    with after_commit():
        booking = book(office, phone="0171 1234567")

    assert inbox.recipients == [["erika@example.org"]]
    [message] = inbox.messages
    assert message["To"] == "erika@example.org"
    assert message["From"].addresses[0].addr_spec == "buergerbuero@localhost"
    assert message["From"].addresses[0].display_name == "Energieberatung – Landratsamt Testkreis"
    assert subject_of(message) == german("Appointment confirmed: %(date)s at %(time)s, %(office)s") % {
        "date": "Dienstag, 10. März 2026",
        "time": "14:30",
        "office": "Energieberatung",
    }
    assert message["Content-Language"] == "de"
    assert message["Auto-Submitted"] == "auto-generated"
    text = text_of(message)
    assert german("Your video appointment is confirmed:") in text
    assert "Dienstag, 10. März 2026" in text
    assert "14:30 – 14:50" in text
    assert f"http://127.0.0.1:8000/termine/{manage_token(booking.token_salt)}/" in text
    assert "/termine/bestaetigen/" not in text  # nothing to confirm
    # What the citizen entered and the office's facts, nothing else.
    assert "Erika Muster" in text
    assert "Heizung & Dach" in text
    assert "0171" not in message.as_string()
    assert "Anna Amsel" not in message.as_string()

    part, calendar = calendar_of(message)
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename().endswith(".ics")
    assert calendar["METHOD"] == "REQUEST"
    event = event_of(calendar)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt == START
    assert str(event["DTSTART"].dt.tzinfo) == "Europe/Berlin"
    assert event["DTEND"].dt == START + dt.timedelta(minutes=20)
    assert event["SEQUENCE"] == 0
    assert event["LOCATION"] == mails.manage_url(booking)
    assert str(event["ORGANIZER"]) == "mailto:buergerbuero@localhost"
    assert str(event["ATTENDEE"]) == "mailto:erika@example.org"
    assert "Energieberatung" in event["SUMMARY"]
    [timezone] = calendar.walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Berlin"


def test_a_move_by_the_office_updates_the_same_calendar_entry(world, office, inbox, after_commit) -> None:
    with after_commit():
        booking = book(office)
    with after_commit():
        actions.reschedule(booking, LATER, actor=world.official_a, now=NOW)
    with after_commit():
        actions.reschedule(booking, START + dt.timedelta(minutes=40), now=NOW)  # by the citizen

    confirmed, moved, moved_again = inbox.messages
    assert subject_of(moved) == german(
        "Your appointment has been moved: now %(date)s at %(time)s, %(office)s"
    ) % {"date": "Dienstag, 10. März 2026", "time": "15:30", "office": "Energieberatung"}
    assert german("The office has moved your video appointment. This is the new time:") in text_of(moved)
    assert mails.manage_url(booking) in text_of(moved)  # the links stay the same
    # The citizen who moved it gets a confirmation of the new time.
    assert subject_of(moved_again) == german("Appointment confirmed: %(date)s at %(time)s, %(office)s") % {
        "date": "Dienstag, 10. März 2026",
        "time": "15:10",
        "office": "Energieberatung",
    }
    events = [event_of(calendar_of(message)[1]) for message in (confirmed, moved, moved_again)]
    assert len({str(event["UID"]) for event in events}) == 1
    assert [event["SEQUENCE"] for event in events] == [0, 1, 2]
    assert [event["DTSTART"].dt for event in events] == [START, LATER, START + dt.timedelta(minutes=40)]
    assert all(calendar_of(m)[1]["METHOD"] == "REQUEST" for m in (confirmed, moved, moved_again))


def test_cancellation_by_the_office_carries_its_message_and_removes_the_entry(
    world, office, inbox, after_commit
) -> None:
    with after_commit():
        booking = book(office)
    with after_commit():
        actions.cancel(
            booking, actor=world.official_a, message="Wegen Krankheit fällt der Termin aus.", now=NOW
        )

    confirmed, cancelled = inbox.messages
    assert subject_of(cancelled) == german("Appointment cancelled: %(date)s at %(time)s, %(office)s") % {
        "date": "Dienstag, 10. März 2026",
        "time": "14:30",
        "office": "Energieberatung",
    }
    text = text_of(cancelled)
    assert german("Unfortunately, the office has had to cancel your video appointment:") in text
    assert "Wegen Krankheit fällt der Termin aus." in text
    assert "http://127.0.0.1:8000/testkreis/energie/" in text  # to book again
    assert mails.manage_url(booking) not in text  # nothing left to manage
    part, calendar = calendar_of(cancelled)
    assert part.get_param("method") == "CANCEL"
    assert calendar["METHOD"] == "CANCEL"
    event = event_of(calendar)
    assert event["UID"] == event_of(calendar_of(confirmed)[1])["UID"]
    assert event["SEQUENCE"] == 1
    assert event["STATUS"] == "CANCELLED"


def test_cancellation_by_the_citizen_is_a_short_confirmation(office, inbox, after_commit) -> None:
    with after_commit():
        booking = book(office)
    with after_commit():
        actions.cancel(booking, now=NOW)

    cancelled = inbox.messages[-1]
    text = text_of(cancelled)
    assert german("As you requested, your video appointment has been cancelled:") in text
    assert german("Message from the office:") not in text
    assert calendar_of(cancelled)[1]["METHOD"] == "CANCEL"


def test_english_booking_gets_english_mail(office, inbox, after_commit) -> None:
    with after_commit():
        booking = book(office, language="en")

    [message] = inbox.messages
    assert (
        subject_of(message) == "Appointment confirmed: Tuesday, March 10, 2026 at 2:30 p.m., Energieberatung"
    )
    assert message["Content-Language"] == "en"
    text = text_of(message)
    assert text.startswith("Hello Erika Muster,")
    assert "Your video appointment is confirmed:" in text
    assert "2:30 p.m. – 2:50 p.m." in text
    assert mails.manage_url(booking) in text
    event = event_of(calendar_of(message)[1])
    assert event["SUMMARY"] == "Video appointment: Energieberatung"
    assert event["DTSTART"].dt == START  # the office's time, whatever the language


def test_unknown_language_falls_back_to_german(office, inbox, after_commit) -> None:
    with after_commit():
        book(office, language="xx")
    assert "Dienstag, 10. März 2026" in inbox.messages[0]["Subject"]


def test_double_opt_in_mail_has_the_confirm_link_and_no_calendar(world, inbox, after_commit) -> None:
    offer_appointments(world.office_a, double_opt_in=True)
    with after_commit():
        booking = book(world.office_a)
    assert booking.state == BookingState.HELD

    [message] = inbox.messages
    assert subject_of(message) == german("Please confirm your appointment on %(date)s at %(time)s") % {
        "date": "Dienstag, 10. März 2026",
        "time": "14:30",
    }
    text = text_of(message)
    assert f"http://127.0.0.1:8000/termine/bestaetigen/{confirm_token(booking.token_salt)}/" in text
    assert mails.manage_url(booking) in text
    assert "15" in text and "10:15" in text  # valid for 15 minutes, until 10:15
    assert not list(message.iter_attachments())

    with after_commit():
        actions.confirm(confirm_token(booking.token_salt), now=NOW + dt.timedelta(minutes=5))
    confirmed = inbox.messages[-1]
    assert calendar_of(confirmed)[1]["METHOD"] == "REQUEST"


def test_opt_in_mail_is_not_sent_once_the_booking_is_confirmed(world, inbox) -> None:
    offer_appointments(world.office_a, double_opt_in=True)
    booking = book(world.office_a)
    actions.confirm(confirm_token(booking.token_salt), now=NOW)
    assert mails.deliver(booking.pk, mails.OPT_IN) is False
    assert inbox.messages == []


def test_links_follow_the_site_url_and_open_the_booking(office, settings) -> None:
    settings.SITE_URL = "https://buergerbuero.landkreis.example/bb"
    booking = book(office)

    manage = mails.manage_url(booking)
    confirm = mails.confirm_url(booking)
    assert manage == f"https://buergerbuero.landkreis.example/bb/termine/{manage_token(booking.token_salt)}/"
    assert confirm == (
        f"https://buergerbuero.landkreis.example/bb/termine/bestaetigen/{confirm_token(booking.token_salt)}/"
    )
    token = manage.rstrip("/").rsplit("/", 1)[1]
    assert actions.booking_by_manage_token(token) == booking
    assert mails.event_uid(booking).endswith("@buergerbuero.landkreis.example")


def test_a_mail_server_that_is_down_does_not_undo_the_booking(office, settings, after_commit, caplog) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2

    with caplog.at_level(logging.ERROR, logger="buergerbuero.appointments.mails"), after_commit():
        booking = book(office)

    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED
    assert "could not be sent" in caplog.text
    with pytest.raises(OSError):
        mails.deliver(booking.pk, mails.CONFIRMED)


def test_refused_mail_raises_from_deliver_and_not_from_send(office, inbox) -> None:
    booking = book(office)
    inbox.refuse = True
    with pytest.raises(smtplib.SMTPDataError):
        mails.deliver(booking.pk, mails.REMINDER)
    assert mails.send(booking.pk, mails.REMINDER) is False


def test_no_address_no_mail(world, office, inbox) -> None:
    booking = book(office, email="", actor=world.official_a)
    assert mails.deliver(booking.pk, mails.CONFIRMED) is False
    assert mails.deliver(booking.pk + 1000, mails.CONFIRMED) is False
    assert inbox.messages == []


def test_unknown_kind_is_refused(office) -> None:
    booking = book(office)
    with pytest.raises(ValueError, match="unknown mail kind"):
        mails.deliver(booking.pk, "invitation")
