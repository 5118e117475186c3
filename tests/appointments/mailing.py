"""For the mail and reminder tests: bookings at times the test controls, and a real SMTP server
(aiosmtpd) on a free port of 127.0.0.1."""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import email.policy
import socket
import threading
import zoneinfo
from collections.abc import Iterator
from email.message import EmailMessage

import icalendar

from buergerbuero.appointments.models import AppointmentSettings, Booking, BookingWindow
from buergerbuero.offices.models import Office

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Monday 9 March 2026, 10:00 in Berlin; the appointments are on the next day.
NOW = dt.datetime(2026, 3, 9, 10, 0, tzinfo=BERLIN)
START = dt.datetime(2026, 3, 10, 14, 30, tzinfo=BERLIN)
LATER = dt.datetime(2026, 3, 10, 15, 30, tzinfo=BERLIN)


def offer_appointments(office: Office, **options: object) -> AppointmentSettings:
    """Tuesdays 14:30-16:30 in slots of 20 minutes; other settings as given (default reminders: 24 h
    and 1 h before)."""
    appointment_settings = AppointmentSettings.objects.create(office=office, enabled=True, **options)
    BookingWindow.objects.create(office=office, weekday=1, start=dt.time(14, 30), end=dt.time(16, 30))
    return appointment_settings


def book(office: Office, start: dt.datetime = START, now: dt.datetime = NOW, **fields: object) -> Booking:
    from buergerbuero.appointments import actions

    data: dict = {"name": "Erika Muster", "email": "erika@example.org", "concern": "Heizung & Dach"}
    data.update(fields)
    return actions.book(office, start, now=now, **data)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what arrives; with ``refuse`` it answers DATA with a failure."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []
        self.refuse = False
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return "451 Requested action aborted: try again later"
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), envelope.original_content or envelope.content))
        return "250 OK"

    @property
    def recipients(self) -> list[list[str]]:
        with self._lock:
            return [rcpt for rcpt, _content in self.received]

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            raw = [content for _rcpt, content in self.received]
        return [email.message_from_bytes(content, policy=email.policy.default) for content in raw]  # type: ignore[misc]


@contextlib.contextmanager
def smtp_server(settings) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), ready_timeout=15)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield inbox
    finally:
        controller.stop()


def subject_of(message: EmailMessage) -> str:
    # Python folds a long encoded subject right after "Subject:"; its parser keeps the fold's space.
    return str(message["Subject"]).strip()


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return body.get_content()


def calendar_of(message: EmailMessage) -> tuple[EmailMessage, icalendar.Calendar]:
    """The .ics attachment (its MIME part) and the calendar parsed from it."""
    parts = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [part.get_content_type() for part in message.iter_attachments()]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return parts[0], icalendar.Calendar.from_ical(payload)


def event_of(calendar: icalendar.Calendar) -> icalendar.Component:
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]
