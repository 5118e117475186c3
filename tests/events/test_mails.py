"""Mails to registrants through a real SMTP server (aiosmtpd): the confirmation with the join link, the
cancellation link and a calendar file; the registrant's own cancellation and the office's removal; the
event's cancellation to everyone (METHOD:CANCEL); a change of time (a new SEQUENCE); the language of the
registration; and a mail server that is down does not undo a registration."""

from __future__ import annotations

import datetime as dt

import pytest

from buergerbuero.events import mails
from buergerbuero.events.actions import lifecycle, registrations
from buergerbuero.events.models import Registration
from buergerbuero.rooms.access import member_for_token
from buergerbuero.rooms.models import RoomMode
from tests.appointments.mailing import calendar_of, event_of, smtp_server, subject_of, text_of
from tests.events.helpers import make_event, register, soon

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def inbox(settings):
    settings.SITE_URL = "https://buergerbuero.example"
    with smtp_server(settings) as inbox:
        yield inbox


def test_confirmation_has_the_join_link_the_cancel_link_and_a_calendar_entry(world, inbox) -> None:
    event = make_event(world, starts_at=soon(days=7, hour=18))
    registration = register(event)
    (message,) = inbox.messages
    assert inbox.recipients == [["erika@example.org"]]
    assert "Bürgerversammlung Windkraft" in subject_of(message)
    text = text_of(message)
    join = mails.join_url(registration)
    assert join.startswith("https://buergerbuero.example/raum/")
    assert join in text and mails.registration_url(registration) in text
    assert member_for_token(join.rsplit("/", 2)[-2]) == registration.member
    assert "Energieberatung" in str(message["From"])
    part, calendar = calendar_of(message)
    assert part.get_param("method") == "REQUEST"
    entry = event_of(calendar)
    assert entry["summary"] == "Bürgerversammlung Windkraft"
    assert entry.decoded("dtstart") == event.starts_at
    assert entry.decoded("dtend") == event.ends_at
    assert entry["sequence"] == 0
    assert str(entry["location"]) == join


def test_registrant_cancellation_removes_the_calendar_entry(world, inbox) -> None:
    event = make_event(world)
    registration = register(event)
    registrations.cancel_registration(registration)
    confirmation, cancellation = inbox.messages
    assert "Bürgerversammlung Windkraft" in subject_of(cancellation)
    assert mails.join_url(registration) not in text_of(cancellation)
    part, calendar = calendar_of(cancellation)
    assert part.get_param("method") == "CANCEL"
    entry = event_of(calendar)
    assert str(entry["status"]) == "CANCELLED"
    assert entry["uid"] == event_of(calendar_of(confirmation)[1])["uid"]
    assert entry["sequence"] == 1


def test_office_cancels_the_event_everyone_is_told(world, inbox) -> None:
    event = make_event(world)
    register(event, email="a@example.org")
    register(event, email="b@example.org")
    gone = register(event, email="c@example.org")
    registrations.cancel_registration(gone)
    before = len(inbox.messages)
    lifecycle.cancel_event(event, world.official_a, "Der Saal ist gesperrt.")
    told = inbox.received[before:]
    assert sorted(rcpt for rcpts, _ in told for rcpt in rcpts) == ["a@example.org", "b@example.org"]
    for message in inbox.messages[before:]:
        assert "Der Saal ist gesperrt." in text_of(message)
        part, calendar = calendar_of(message)
        assert part.get_param("method") == "CANCEL"
        assert str(event_of(calendar)["status"]) == "CANCELLED"


def test_a_new_time_updates_the_calendar_entry(world, inbox) -> None:
    event = make_event(world)
    register(event)
    start = soon(days=9, hour=10)
    lifecycle.update_event(
        event,
        world.official_a,
        office=world.office_a,
        title=event.title,
        description=event.description,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        mode=RoomMode.CONFERENCE,
        lobby=False,
        registration=event.registration,
        capacity=event.capacity,
        moderators=[world.official_a],
        speakers=[],
    )
    _confirmation, changed = inbox.messages
    part, calendar = calendar_of(changed)
    assert part.get_param("method") == "REQUEST"
    entry = event_of(calendar)
    assert entry["sequence"] == 1
    assert entry.decoded("dtstart") == start


def test_the_mail_is_in_the_registrants_language(world, inbox) -> None:
    event = make_event(world)
    register(event, language="en")
    register(event, email="de@example.org", language="de")
    english, german = inbox.messages
    assert subject_of(english).startswith("Registration confirmed")
    assert english["Content-Language"] == "en" and german["Content-Language"] == "de"


def test_a_mail_server_that_is_down_loses_no_registration(world, inbox) -> None:
    inbox.refuse = True
    event = make_event(world)
    registration = register(event)
    assert Registration.objects.filter(pk=registration.pk, cancelled_at__isnull=True).exists()
    assert not mails.send(registration.pk, mails.CONFIRMED)
    with pytest.raises(ValueError):
        mails.deliver(registration.pk, "nonsense")
