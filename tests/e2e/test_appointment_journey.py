"""An online appointment from booking to video call.

A citizen books the next free slot through the real pages (week view, form, the proof of work solved by
the page's worker); the confirmation arrives at a real SMTP server in the test's network namespace and is
parsed, calendar file included; the link in it, opened at the appointment time, puts the citizen into the
waiting area ahead of a walk-in who came first; the official sees "Termin HH:MM" on the entry, lets the
citizen in, and both see and hear each other.

"At the appointment time" without a fake clock: the office offers 5-minute slots around the clock with no
lead time, so the next slot starts within minutes and its arrival window (10 minutes before to 15 minutes
after the start, appointments/actions.py) is open while the test runs; the management page says so.

The module has a live server of its own: its mails go to the SMTP server, its links (SITE_URL) lead back
to it, and its limits let one address book more than a citizen could.

German texts come from the catalogue (``de()``) where the pages and mails translate them, so the test
holds while translations are still being written; the weekday names are Django's own.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, translation
from icalendar import Calendar

from tests.e2e import journeys as j
from tests.e2e.conftest import _live, own_server
from tests.e2e.harness import Backends, LiveServer, OfficeSpec, SeedSpec, SmtpServer

pytestmark = pytest.mark.browser

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = "buergerservice"
OFFICE_NAME = "Bürgerservice"
OFFICIAL = "paula"
AUTHORITY_NAME = "Landratsamt Testkreis"
SEED = SeedSpec(
    authority_name=AUTHORITY_NAME, offices=[OfficeSpec(OFFICE, OFFICE_NAME, [(OFFICIAL, "Paula Pirol")])]
)
CITIZEN_NAME = "Erika Mustermann"
CITIZEN_EMAIL = "erika.mustermann@example.org"
CONCERN = "Ummeldung nach Umzug"
WALK_IN_NAME = "Walter Spontan"

# A slot must start this long after it is chosen, so that it is still ahead when the form arrives.
MARGIN = dt.timedelta(seconds=45)
# From this long before its start the citizen can join (appointments.actions.ARRIVE_EARLY).
ARRIVE_EARLY = dt.timedelta(minutes=10)
GERMAN_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")

# 5-minute slots all day, every day, bookable up to their start; no reminders (the only mail is the
# confirmation).
SETUP = f"""
import datetime as dt
from buergerbuero.offices.models import Office
from buergerbuero.appointments.models import AppointmentSettings, BookingWindow
office = Office.objects.get(slug="{OFFICE}")
AppointmentSettings.objects.create(
    office=office, enabled=True, slot_minutes=5, lead_minutes=0, horizon_days=8, max_open_per_email=5,
    reminder_minutes="",
)
for weekday in range(7):
    BookingWindow.objects.create(office=office, weekday=weekday, start=dt.time(0, 0), end=dt.time(23, 59))
"""


def de(message: str) -> str:
    """The German text of a msgid (the pages and mails are German unless the citizen chose English)."""
    with translation.override("de"):
        return translation.gettext(message)


# --- servers ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    _live.append(server)
    yield server
    _live.remove(server)
    server.stop()


@pytest.fixture(scope="module")
def appointment_app(backends: Backends | None, smtp: SmtpServer) -> Iterator[LiveServer]:
    env = {
        "BUERGERBUERO_EMAIL_HOST": "127.0.0.1",
        "BUERGERBUERO_EMAIL_PORT": str(smtp.port),
        # The page solves the proof of work at once; the limits per address and e-mail stay out of the way.
        "BUERGERBUERO_BOOKING_POW_MAX_NUMBER": "1000",
        "BUERGERBUERO_BOOKING_RATE_PER_ADDRESS": "1000",
        "BUERGERBUERO_BOOKING_RATE_PER_EMAIL": "1000",
    }
    with own_server(SEED, "appointment-journey", backends, env, SETUP) as (server, _output):
        yield server


# --- steps ------------------------------------------------------------------------------------------


def slot_start(href: str) -> dt.datetime:
    """The start of the slot a week-view link leads to (its key is the start in UTC, appointments.slots)."""
    key = href.rstrip("/").rsplit("/", 1)[1]
    return dt.datetime.strptime(key, "%Y%m%dT%H%MZ").replace(tzinfo=dt.UTC)


def choose_next_slot(page: Any) -> tuple[str, dt.datetime]:
    """On the week view: the link and start of the first slot that starts at least MARGIN from now; in the
    last minutes of a Sunday it is on the next week's page."""
    for _week in range(2):
        hrefs = page.locator(".slot-list a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        now = dt.datetime.now(dt.UTC)
        for href in hrefs:
            if slot_start(href) >= now + MARGIN:
                return href, slot_start(href)
        page.locator("#next-week").click()
        page.wait_for_load_state()
    raise AssertionError(f"no slot starting after {now + MARGIN:%H:%M:%S} UTC on {page.url}")


def wait_for_arrival_window(page: Any, start: dt.datetime) -> None:
    """The next slot starts within 5 minutes, except in the 10 minutes before midnight (a 5-minute slot
    must end by 23:59): a slot chosen in the last seconds before 23:50 may start more than 10 minutes
    later. Then the test waits, at most MARGIN, for its arrival window to open."""
    opens = start - ARRIVE_EARLY
    delay = (opens - dt.datetime.now(dt.UTC)).total_seconds()
    assert delay <= MARGIN.total_seconds(), f"the slot at {start} is not the next one"
    if delay > 0:
        page.wait_for_timeout(delay * 1000 + 1000)


def parse_confirmation(raw: bytes) -> Any:
    return email.message_from_bytes(raw, policy=email.policy.default)


def german_labels(start: dt.datetime) -> dict[str, str]:
    """Date and time of a start as the office's mails and pages write them in German (mails._context)."""
    local = start.astimezone(BERLIN)
    with translation.override("de"):
        return {
            "date": f"{formats.date_format(local, 'l')}, {formats.date_format(local, 'DATE_FORMAT')}",
            "time": formats.time_format(local, "TIME_FORMAT"),
            "end_time": formats.time_format(local + dt.timedelta(minutes=5), "TIME_FORMAT"),
            "hhmm": local.strftime("%H:%M"),
        }


# --- the journey ------------------------------------------------------------------------------------


def test_booked_citizen_goes_ahead_of_a_walk_in_and_is_seen_and_heard(
    appointment_app: LiveServer, smtp: SmtpServer, pages: Any, expect: Any
) -> None:
    server = appointment_app
    office_id = server.office(OFFICE)["id"]

    # The citizen books the next slot: week view → form → the page solves the proof of work → booked.
    citizen = pages.new("citizen with appointment")
    citizen.goto(server.office_url(OFFICE) + "termin/")
    href, start = choose_next_slot(citizen)
    labels = german_labels(start)
    citizen.locator(f".slot-list a[href='{href}']").click()
    expect(citizen.locator("#booking-form")).to_be_visible()
    citizen.fill("#id_name", CITIZEN_NAME)
    citizen.fill("#id_email", CITIZEN_EMAIL)
    citizen.fill("#id_concern", CONCERN)
    citizen.check("#id_consent")
    pow_status = citizen.locator("#pow-status")
    expect(pow_status).to_have_text(pow_status.get_attribute("data-done") or "")
    assert citizen.input_value("#id_pow"), "the page put no solution into the form"
    citizen.click("#book-button")
    expect(citizen.locator("#booked-next")).to_contain_text(CITIZEN_EMAIL)
    page_link = citizen.locator("#manage-link").get_attribute("href")

    # The confirmation arrives at the SMTP server: German, with the calendar file and the personal link.
    mail = smtp.wait_for(lambda m: CITIZEN_EMAIL in m.recipients)
    message = parse_confirmation(mail.data)
    assert message["To"] == CITIZEN_EMAIL
    assert message["Content-Language"] == "de"
    # Django folds a long encoded subject right after "Subject:"; the parser keeps that fold's space.
    subject = str(message["Subject"]).strip()
    assert subject == de("Appointment confirmed: %(date)s at %(time)s, %(office)s") % {
        "date": labels["date"],
        "time": labels["time"],
        "office": OFFICE_NAME,
    }
    assert GERMAN_WEEKDAYS[start.astimezone(BERLIN).weekday()] in subject
    body = message.get_body(preferencelist=("plain",)).get_content()
    for text in (
        de("Hello %(name)s,") % {"name": CITIZEN_NAME},
        de("Your video appointment is confirmed:"),
        f"{labels['time']} – {labels['end_time']}",
        f"{OFFICE_NAME}, {AUTHORITY_NAME}",
        CONCERN,
        de("How to take part:"),
        de("Kind regards"),
    ):
        assert text in body, f"{text!r} is not in the mail:\n{body}"
    links = re.findall(rf"{re.escape(server.url)}/termine/[^/\s]+/", body)
    assert len(set(links)) == 1, f"expected one management link in the mail:\n{body}"
    manage_link = links[0]
    assert manage_link == page_link, "the mail and the page after booking give different links"

    ics_parts = [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert len(ics_parts) == 1
    ics_part = ics_parts[0]
    assert ics_part.get_param("method") == "REQUEST"
    assert (ics_part.get_filename() or "").endswith(".ics")
    cal = Calendar.from_ical(ics_part.get_content())
    assert cal["METHOD"] == "REQUEST"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    (event,) = cal.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTSTART").astimezone(BERLIN).strftime("%H:%M") == labels["hhmm"]
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(minutes=5)
    assert str(event["URL"]) == manage_link
    assert str(event["ATTENDEE"]) == f"mailto:{CITIZEN_EMAIL}"

    # The official opens the office; a walk-in comes first.
    official = pages.new("official")
    j.staff_login(official, server, OFFICIAL)
    j.staff_open_office(official, office_id)
    walk_in = pages.new("walk-in")
    j.citizen_enter(walk_in, server, OFFICE, name=WALK_IN_NAME, expect=expect)
    j.wait_for_position(walk_in, 1, expect)
    j.wait_for_queue(official, office_id, 1)

    # At the appointment time the mailed link offers to join, and joining goes ahead of the walk-in.
    wait_for_arrival_window(citizen, start)
    citizen.goto(manage_link)
    expect(citizen.locator("#booking-state")).to_contain_text(de("Your appointment is confirmed."))
    join = citizen.locator("#join-button")
    expect(join).to_be_visible()
    expect(join).to_contain_text(de("Join the waiting area now"))
    join.click()
    expect(citizen).to_have_url(server.office_url(OFFICE) + "warten/")
    j.wait_for_position(citizen, 1, expect)
    j.wait_for_position(walk_in, 2, expect)

    j.wait_for_queue(official, office_id, 2)
    queue = official.locator(f'[data-office-id="{office_id}"] .queue [data-ticket-id]')
    expect(queue).to_have_count(2)
    first, second = queue.nth(0), queue.nth(1)
    expect(first.locator(".queue-entry__name")).to_have_text(CITIZEN_NAME)
    expect(first.locator(".mark--appointment")).to_be_visible()
    expect(first.locator(".mark--appointment")).to_have_text(
        de("Appointment %(time)s") % {"time": labels["hhmm"]}
    )
    expect(second.locator(".queue-entry__name")).to_have_text(WALK_IN_NAME)
    expect(second.locator(".mark--appointment")).to_be_hidden()

    # The official lets the next one in: the citizen with the appointment. Video and sound both ways.
    j.staff_admit_next(official, office_id)
    expect(citizen.locator("#remote-videos video[data-participant]").first).to_be_visible()
    expect(official.locator("#call-panel")).to_be_visible()
    j.wait_connected(official)
    citizen_media = j.wait_for_media(citizen)
    official_media = j.wait_for_media(official)
    assert citizen_media.frames_decoded > 0 and citizen_media.samples_received > 0
    assert official_media.frames_decoded > 0 and official_media.samples_received > 0
    j.wait_for_position(walk_in, 1, expect)
    expect(queue).to_have_count(1)
    expect(queue.first.locator(".queue-entry__name")).to_have_text(WALK_IN_NAME)

    official.click("#hangup-button")
    expect(official.locator("#call-panel")).to_be_hidden()
    j.wait_for_thank_you(citizen, expect)
    assert len(smtp.received) == 1, smtp.log()
