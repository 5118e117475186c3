"""The officials' appointment pages (appointments.staff_views): day and week lists, booking on behalf of a
caller, cancelling with a message, moving, no-shows, blocking and freeing slots; who may see and do what.

The views use the real clock, so the appointments here are on days relative to today (the first ones
with slots: public holidays have none)."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from buergerbuero.appointments import actions
from buergerbuero.appointments.models import (
    AppointmentSettings,
    BlockedSlot,
    Booking,
    BookingState,
    BookingWindow,
    CancelledBy,
)
from buergerbuero.appointments.slots import Slot, find_slot, office_slots
from buergerbuero.offices.models import Office
from tests.conftest import login
from tests.staff.helpers import actions_of, messages_of

pytestmark = pytest.mark.django_db(transaction=True)

ONE_DAY = dt.timedelta(days=1)


# --- setting the scene -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def sent(monkeypatch) -> list[tuple[int, str]]:
    """The mails the actions ask for (appointments.mails is written elsewhere), in order."""
    calls: list[tuple[int, str]] = []
    monkeypatch.setattr(
        "buergerbuero.appointments.mails.send", lambda pk, kind, **kw: calls.append((pk, kind))
    )
    return calls


@pytest.fixture
def office(world) -> Office:
    """Office A offers 30-minute appointments every day 09:00-12:00, one per slot, no lead time."""
    AppointmentSettings.objects.create(
        office=world.office_a, enabled=True, slot_minutes=30, lead_minutes=0, horizon_days=60
    )
    for weekday in range(7):
        BookingWindow.objects.create(
            office=world.office_a, weekday=weekday, start=dt.time(9), end=dt.time(12)
        )
    return world.office_a


@pytest.fixture
def english(client: Client) -> Client:
    """Texts are asserted in the msgid language; German translations are added centrally."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def today(office: Office) -> dt.date:
    return dt.datetime.now(office.tz).date()


def at(office: Office, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=office.tz)


def has_slots(office: Office, day: dt.date) -> bool:
    start = at(office, day, 10)
    return find_slot(office, start, now=start - dt.timedelta(hours=1)) is not None


def future_day(office: Office, after: dt.date | None = None) -> dt.date:
    """The first day from the day after tomorrow (or after ``after``) that has slots."""
    day = (after + ONE_DAY) if after else today(office) + 2 * ONE_DAY
    while not has_slots(office, day):
        day += ONE_DAY
    return day


def past_day(office: Office) -> dt.date:
    day = today(office) - ONE_DAY
    while not has_slots(office, day):
        day -= ONE_DAY
    return day


def book(office: Office, start: dt.datetime, **fields: Any) -> Booking:
    """A booking made when its slot was still ahead (so it can lie in the past)."""
    data: dict[str, Any] = {"name": "Erika Muster", "email": "erika@example.org", "concern": "Heizung"}
    data.update(fields)
    return actions.book(
        office, start, now=min(start, dt.datetime.now(dt.UTC)) - dt.timedelta(hours=1), **data
    )


def url(name: str, *args: object, date: dt.date | None = None) -> str:
    path = reverse(f"staff_appointments:{name}", args=args)
    return f"{path}?date={date.isoformat()}" if date else path


def key(start: dt.datetime) -> str:
    return Slot(start, start, 1).key


def booking_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-booking-id="(\d+)"', response.content.decode())]


def slot_keys(response, pattern: str = r'name="slot" id="slot-[^"]+" value="([^"]+)"') -> list[str]:
    return re.findall(pattern, response.content.decode())


# --- the day list ------------------------------------------------------------------------------------


def test_the_day_list_shows_the_appointments_of_the_day(english, world, office) -> None:
    day = future_day(office)
    online = book(office, at(office, day, 10, 30), concern="Wärmepumpe")
    by_phone = actions.book(
        office, at(office, day, 9), name="Max Meier", email="", phone="0151 234", actor=world.official_a2
    )
    gone = book(office, at(office, day, 11), name="Gerda Gone", email="")
    actions.cancel(gone, actor=world.official_a, message="Krank")
    book(office, at(office, future_day(office, after=day), 10), name="Next Day")

    response = login(english, world.official_a).get(url("day", office.pk, date=day))

    assert response.status_code == 200
    assert booking_ids(response) == [by_phone.pk, online.pk, gone.pk]
    html = response.content.decode()
    for text in (
        "Appointment 09:00",
        "Appointment 10:30",
        "until 11:00",
        "Erika Muster",
        "Wärmepumpe",
        "Max Meier",
        'href="tel:0151234"',
        "Alex Adler",  # booked on behalf of the caller
        "the citizen, online",
        "confirmed",
        "cancelled",
        "by the office",
    ):
        assert text in html, text
    assert "Next Day" not in html
    # Every button names its appointment for screen readers ("Cancel – Appointment 10:30, Erika Muster").
    assert 'Cancel<span class="visually-hidden"> – Appointment 10:30, Erika Muster</span>' in html
    assert html.count("cancel-link") == 2  # the cancelled one has no actions left
    assert "no-show-button" not in html  # nothing has begun yet


def test_the_day_list_is_today_by_default_with_an_empty_state(english, world, office) -> None:
    response = login(english, world.official_a).get(url("day", office.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="no-appointments"' in html and "No appointments on this day." in html
    assert f'value="{today(office).isoformat()}"' in html  # the date picker
    assert 'aria-current="date"' in html
    assert url("book", office.pk, date=today(office)) in html


def test_the_day_list_leaves_lapsed_holds_out(world, office) -> None:
    AppointmentSettings.objects.filter(office=office).update(double_opt_in=True)
    day = future_day(office)
    held = book(office, at(office, day, 9))
    lapsed = book(office, at(office, day, 10), email="other@example.org")
    Booking.objects.filter(pk=lapsed.pk).update(state=BookingState.EXPIRED)
    response = login(Client(), world.official_a).get(url("day", office.pk, date=day))
    assert booking_ids(response) == [held.pk]


def test_the_no_show_button_appears_once_an_appointment_has_begun(world, office) -> None:
    day = past_day(office)
    missed = book(office, at(office, day, 10))
    response = login(Client(), world.official_a).get(url("day", office.pk, date=day))
    assert booking_ids(response) == [missed.pk]
    assert url("no-show", missed.pk) in response.content.decode()


def test_an_office_without_appointments(english, world) -> None:
    response = login(english, world.official_b).get(url("day", world.office_b.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert "does not offer appointments" in html
    assert 'id="book-link"' not in html


@pytest.mark.parametrize("date", ["tomorrow", "2026-13-01", "2026-02-30", "1999-12-31", "1.12.2026"])
def test_a_bad_date_is_explained(english, world, office, date) -> None:
    login(english, world.official_a)
    for name in ("day", "week", "book"):
        response = english.get(url(name, office.pk) + f"?date={date}")
        assert response.status_code == 400, name
        html = response.content.decode()
        assert 'role="alert"' in html
        assert "Enter the date as year-month-day" in html or "between the years 2000 and 2100" in html


# --- the week list -----------------------------------------------------------------------------------


def test_the_week_list_shows_appointments_and_slots_by_day(english, world, office) -> None:
    day = future_day(office)
    monday = day - dt.timedelta(days=day.weekday())
    booking = book(office, at(office, day, 10))
    actions.block_slot(office, at(office, day, 11), world.official_a)

    response = login(english, world.official_a).get(url("week", office.pk, date=day))

    assert response.status_code == 200
    html = response.content.decode()
    dates = re.findall(r'<section class="week-day card"[^>]*data-date="([\d-]+)"', html)
    assert dates == [(monday + i * ONE_DAY).isoformat() for i in range(7)]
    assert booking_ids(response) == [booking.pk]
    rows = {k: v for v, k in re.findall(r'<tr class="slot( slot--blocked)?" data-slot="(\w+)"', html)}
    assert rows[key(at(office, day, 11))] == " slot--blocked"
    assert rows[key(at(office, day, 10))] == ""
    assert "fully booked" in html and "blocked" in html and "bookable" in html
    # Blocked: only "unblock"; free: "block" and "book" (preselecting the slot).
    assert html.count("free-button") == 1
    assert f"{url('book', office.pk)}?slot={key(at(office, day, 9))}" in html
    assert f"{url('book', office.pk)}?slot={key(at(office, day, 10))}" not in html


def test_the_week_starts_on_monday_and_links_to_the_neighbours(world, office) -> None:
    day = future_day(office)
    monday = day - dt.timedelta(days=day.weekday())
    response = login(Client(), world.official_a).get(url("week", office.pk, date=day))
    html = response.content.decode().replace("&amp;", "&")
    assert url("week", office.pk, date=monday - 7 * ONE_DAY) in html
    assert url("week", office.pk, date=monday + 7 * ONE_DAY) in html


# --- the overview ------------------------------------------------------------------------------------


def office_links(response) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="card" data-office-id="(\d+)"', response.content.decode())]


def test_the_overview_lists_the_officials_offices(world, office) -> None:
    assert office_links(login(Client(), world.official_a).get(url("index"))) == [office.pk]
    assert office_links(login(Client(), world.official_b).get(url("index"))) == [world.office_b.pk]
    assert office_links(login(Client(), world.admin).get(url("index"))) == [
        world.office_a.pk,
        world.office_b.pk,
    ]
    assert office_links(login(Client(), world.other_admin).get(url("index"))) == [world.other_office.pk]


def test_the_workspace_links_to_the_appointments(world) -> None:
    html = login(Client(), world.official_a).get(reverse("staff:dashboard")).content.decode()
    assert f'href="{url("index")}"' in html


# --- booking on behalf of a caller -------------------------------------------------------------------


def test_the_booking_page_offers_the_free_slots_of_the_week(world, office) -> None:
    day = future_day(office)
    book(office, at(office, day, 10))
    actions.block_slot(office, at(office, day, 11), world.official_a)
    chosen = key(at(office, day, 9, 30))

    response = login(Client(), world.official_a).get(f"{url('book', office.pk)}?slot={chosen}")

    assert response.status_code == 200
    offered = slot_keys(response)
    assert key(at(office, day, 9)) in offered and chosen in offered
    assert key(at(office, day, 10)) not in offered  # full
    assert key(at(office, day, 11)) not in offered  # blocked
    assert f'value="{chosen}" checked' in response.content.decode()
    # Only the week of the chosen slot.
    monday = day - dt.timedelta(days=day.weekday())
    assert all(
        monday.strftime("%Y%m%d") <= k[:8] <= (monday + 7 * ONE_DAY).strftime("%Y%m%d") for k in offered
    )


def test_booking_for_a_phone_caller_without_e_mail(english, world, office, sent) -> None:
    day = future_day(office)
    start = at(office, day, 9, 30)
    response = login(english, world.official_a).post(
        url("book", office.pk),
        {"slot": key(start), "name": " Max Meier ", "email": "", "phone": "0151 234 567", "concern": "Zaun"},
    )

    assert response.status_code == 302 and response["Location"] == url("day", office.pk, date=day)
    booking = Booking.objects.get()
    assert (booking.start, booking.name, booking.email, booking.phone, booking.concern) == (
        start,
        "Max Meier",
        "",
        "0151 234 567",
        "Zaun",
    )
    assert (booking.state, booking.booked_by, booking.language) == (
        BookingState.CONFIRMED,
        world.official_a,
        "de",
    )
    assert sent == []  # no address, no mail
    assert actions_of(world.authority, "booking") == ["booking.created"]
    (message,) = messages_of(response)
    assert "Appointment 09:30" in message and "Max Meier" in message and "No e-mail is sent" in message


def test_booking_with_e_mail_confirms_at_once_and_mails(english, world, office, sent) -> None:
    AppointmentSettings.objects.filter(office=office).update(double_opt_in=True)
    start = at(office, future_day(office), 11, 30)
    response = login(english, world.admin).post(
        url("book", office.pk),
        {"slot": key(start), "name": "Erika", "email": "Erika@Example.org", "language": "en"},
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    # Booked by an official: no double opt-in, the citizen gets the confirmation in their language.
    assert (booking.state, booking.email, booking.language, booking.booked_by) == (
        BookingState.CONFIRMED,
        "erika@example.org",
        "en",
        world.admin,
    )
    assert sent == [(booking.pk, "confirmed")]
    assert "erika@example.org" in messages_of(response)[0]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"slot": "not-a-slot"}, "This time is not valid"),
        ({"slot": "20261301T0900Z"}, "This time is not valid"),
        ({"slot": ""}, "Choose a time."),
        ({"name": "   "}, "Enter the name of the person."),
        ({"name": "x" * 101}, "The name is too long"),
        ({"email": "", "phone": ""}, "Enter an e-mail address or a phone number"),
        ({"email": "erika@"}, "Enter a valid e-mail address"),
        ({"phone": "call me"}, "Enter the phone number with digits"),
        ({"concern": "x" * 501}, "The concern is too long (at most 500 characters)"),
        ({"language": "fr"}, "Choose one of the listed languages."),
    ],
)
def test_booking_with_bad_input_is_explained(english, world, office, data, error) -> None:
    start = at(office, future_day(office), 9)
    post = {"slot": key(start), "name": "Max Meier", "email": "", "phone": "0151", "language": "de"}
    post.update(data)
    response = login(english, world.official_a).post(url("book", office.pk), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html and error in html
    assert 'aria-invalid="true"' in html or 'id="slot-error"' in html
    assert not Booking.objects.exists()


def test_booking_a_slot_that_is_taken_keeps_the_input(english, world, office, sent) -> None:
    start = at(office, future_day(office), 9)
    book(office, start)
    sent.clear()
    response = login(english, world.official_a).post(
        url("book", office.pk), {"slot": key(start), "name": "Max Meier", "phone": "0151", "language": "de"}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "This time has just been taken" in html
    assert 'value="Max Meier"' in html
    assert Booking.objects.count() == 1 and sent == []


def test_booking_a_time_that_is_no_slot(english, world, office) -> None:
    start = at(office, future_day(office), 15)  # outside the window
    response = login(english, world.official_a).post(
        url("book", office.pk), {"slot": key(start), "name": "Max Meier", "phone": "0151", "language": "de"}
    )
    assert response.status_code == 409
    assert "This time cannot be booked" in response.content.decode()
    assert not Booking.objects.exists()


# --- cancelling with a message -----------------------------------------------------------------------


def test_cancelling_with_a_message_to_the_citizen(english, world, office, sent) -> None:
    day = future_day(office)
    booking = book(office, at(office, day, 10))
    sent.clear()
    login(english, world.official_a2)

    page = english.get(url("cancel", booking.pk))
    assert page.status_code == 200
    assert 'id="cancel-form"' in page.content.decode() and "Erika Muster" in page.content.decode()

    response = english.post(url("cancel", booking.pk), {"message": "  Die Beraterin ist erkrankt.  "})

    assert response.status_code == 302 and response["Location"] == url("day", office.pk, date=day)
    booking.refresh_from_db()
    assert (booking.state, booking.cancelled_by, booking.cancel_message) == (
        BookingState.CANCELLED,
        CancelledBy.OFFICE,
        "Die Beraterin ist erkrankt.",
    )
    assert sent == [(booking.pk, "cancelled")]
    assert actions_of(world.authority, "booking")[-1] == "booking.cancelled"
    assert "The citizen gets your message by e-mail." in messages_of(response)[0]
    # The seat is free again for citizens.
    slot = find_slot(office, booking.start, dt.datetime.now(dt.UTC))
    assert slot is not None and slot.free == 1


def test_cancelling_a_booking_without_e_mail_sends_nothing(english, world, office, sent) -> None:
    booking = book(office, at(office, future_day(office), 10), email="", phone="0151 99")
    response = login(english, world.official_a).post(url("cancel", booking.pk), {"message": "Abgesagt"})
    assert response.status_code == 302
    assert sent == []
    assert "please tell the person yourself (phone 0151 99)" in messages_of(response)[0]


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("", "Write a message to the citizen"),
        ("   ", "Write a message to the citizen"),
        ("x" * 501, "The message is too long (at most 500 characters)."),
    ],
)
def test_cancelling_needs_a_message(english, world, office, sent, message, error) -> None:
    booking = book(office, at(office, future_day(office), 10))
    sent.clear()
    response = login(english, world.official_a).post(url("cancel", booking.pk), {"message": message})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html and 'aria-invalid="true"' in html
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED and sent == []


def test_cancelling_twice(english, world, office) -> None:
    booking = book(office, at(office, future_day(office), 10))
    login(english, world.official_a)
    english.post(url("cancel", booking.pk), {"message": "Abgesagt"})
    assert 'id="not-open"' in english.get(url("cancel", booking.pk)).content.decode()
    response = english.post(url("cancel", booking.pk), {"message": "Noch einmal"})
    assert response.status_code == 409
    assert "This appointment is no longer open." in response.content.decode()
    booking.refresh_from_db()
    assert booking.cancel_message == "Abgesagt"


# --- moving ------------------------------------------------------------------------------------------


def test_moving_an_appointment(english, world, office, sent) -> None:
    day = future_day(office)
    other_day = future_day(office, after=day)
    booking = book(office, at(office, day, 10))
    sent.clear()
    login(english, world.official_a)

    page = english.get(url("move", booking.pk))
    assert page.status_code == 200
    offered = slot_keys(page)
    assert key(at(office, day, 9)) in offered and key(booking.start) not in offered

    target = at(office, other_day, 11)
    response = english.post(url("move", booking.pk), {"slot": key(target)})

    assert response.status_code == 302 and response["Location"] == url("day", office.pk, date=other_day)
    booking.refresh_from_db()
    assert (booking.start, booking.end, booking.state) == (
        target,
        target + dt.timedelta(minutes=30),
        BookingState.CONFIRMED,
    )
    assert sent == [(booking.pk, "moved")]
    assert actions_of(world.authority, "booking")[-1] == "booking.moved"
    assert "11:00" in messages_of(response)[0]


def test_moving_to_a_taken_or_made_up_slot(english, world, office) -> None:
    day = future_day(office)
    booking = book(office, at(office, day, 10))
    book(office, at(office, day, 11), email="other@example.org")
    login(english, world.official_a)

    taken = english.post(url("move", booking.pk), {"slot": key(at(office, day, 11))})
    assert taken.status_code == 409 and "This time has just been taken" in taken.content.decode()
    made_up = english.post(url("move", booking.pk), {"slot": "2026-12-01 09:00"})
    assert made_up.status_code == 400 and "This time is not valid" in made_up.content.decode()
    missing = english.post(url("move", booking.pk), {})
    assert missing.status_code == 400 and "Choose a time." in missing.content.decode()
    booking.refresh_from_db()
    assert booking.start == at(office, day, 10)


# --- no-shows ----------------------------------------------------------------------------------------


def test_marking_a_no_show_after_the_start(english, world, office) -> None:
    day = past_day(office)
    booking = book(office, at(office, day, 10))
    response = login(english, world.official_a).post(url("no-show", booking.pk))
    assert response.status_code == 302 and response["Location"] == url("day", office.pk, date=day)
    booking.refresh_from_db()
    assert booking.state == BookingState.NO_SHOW
    assert actions_of(world.authority, "booking")[-1] == "booking.no_show"
    assert messages_of(response) == ["Appointment 10:00 is recorded as missed."]


def test_no_no_show_before_the_start(english, world, office) -> None:
    booking = book(office, at(office, future_day(office), 10))
    response = login(english, world.official_a).post(url("no-show", booking.pk))
    assert response.status_code == 302
    assert messages_of(response) == ["An appointment can be marked as missed only after it has begun."]
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED


def test_no_no_show_for_a_cancelled_appointment(english, world, office) -> None:
    booking = book(office, at(office, past_day(office), 10))
    Booking.objects.filter(pk=booking.pk).update(state=BookingState.CANCELLED)  # cancelled back then
    response = login(english, world.official_a).post(url("no-show", booking.pk))
    assert messages_of(response) == ["This appointment is no longer open."]
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED


# --- blocking and freeing slots ----------------------------------------------------------------------


def citizens_see(office: Office, start: dt.datetime) -> bool:
    return any(slot.start == start for slot in office_slots(office, dt.datetime.now(dt.UTC)))


def test_blocking_and_freeing_a_slot(english, world, office) -> None:
    day = future_day(office)
    start = at(office, day, 9, 30)
    login(english, world.official_a)

    response = english.post(url("block", office.pk), {"slot": key(start)})

    assert response.status_code == 302 and response["Location"] == url(
        "week", office.pk, date=day - dt.timedelta(days=day.weekday())
    )
    block = BlockedSlot.objects.get()
    assert (block.office, block.start, block.blocked_by) == (office, start, world.official_a)
    assert not citizens_see(office, start)
    assert "09:30" in messages_of(response)[0]
    week = english.get(response["Location"]).content.decode()
    assert f'<tr class="slot slot--blocked" data-slot="{key(start)}"' in week

    response = english.post(url("free", office.pk), {"slot": key(start)})

    assert response.status_code == 302
    assert not BlockedSlot.objects.exists()
    assert citizens_see(office, start)
    assert actions_of(world.authority, "blockedslot") == ["slot.blocked", "slot.freed"]


def test_blocking_keeps_the_bookings_of_the_slot(world, office) -> None:
    start = at(office, future_day(office), 10)
    booking = book(office, start)
    login(Client(), world.official_a).post(url("block", office.pk), {"slot": key(start)})
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED and BlockedSlot.objects.count() == 1


@pytest.mark.parametrize("name", ["block", "free"])
@pytest.mark.parametrize("slot", ["", "garbage", "20261301T0900Z"])
def test_blocking_or_freeing_a_bad_slot_key(english, world, office, name, slot) -> None:
    response = login(english, world.official_a).post(url(name, office.pk), {"slot": slot})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and ("Choose a time." in html or "This time is not valid" in html)
    assert not BlockedSlot.objects.exists()


def test_blocking_a_time_that_is_not_a_slot(english, world, office) -> None:
    start = at(office, future_day(office), 9, 10)
    response = login(english, world.official_a).post(url("block", office.pk), {"slot": key(start)})
    assert response.status_code == 400
    assert "not one of the office's appointment times" in unescape(response.content.decode())
    assert not BlockedSlot.objects.exists()


# --- who may ----------------------------------------------------------------------------------------


@pytest.fixture
def a_booking(office) -> Booking:
    return book(office, at(office, past_day(office), 10))


def requests_for(office: Office, booking: Booking, start: dt.datetime) -> list[tuple[str, str, dict]]:
    slot = {"slot": key(start)}
    return [
        ("get", url("day", office.pk), {}),
        ("get", url("week", office.pk), {}),
        ("get", url("book", office.pk), {}),
        ("post", url("book", office.pk), {**slot, "name": "X", "phone": "0151", "language": "de"}),
        ("post", url("block", office.pk), slot),
        ("post", url("free", office.pk), slot),
        ("get", url("cancel", booking.pk), {}),
        ("post", url("cancel", booking.pk), {"message": "Abgesagt"}),
        ("get", url("move", booking.pk), {}),
        ("post", url("move", booking.pk), slot),
        ("post", url("no-show", booking.pk), {}),
    ]


@pytest.mark.parametrize("persona", ["official_b", "other_admin"])
def test_outsiders_get_404_and_change_nothing(world, office, a_booking, sent, persona) -> None:
    client = login(Client(), getattr(world, persona))
    start = at(office, future_day(office), 9)
    sent.clear()
    for method, path, data in requests_for(office, a_booking, start):
        assert getattr(client, method)(path, data).status_code == 404, (method, path)
    a_booking.refresh_from_db()
    assert a_booking.state == BookingState.CONFIRMED
    assert Booking.objects.count() == 1 and not BlockedSlot.objects.exists() and sent == []


def test_another_authoritys_office_is_404_even_for_its_admin_ids(world, office) -> None:
    client = login(Client(), world.official_a)
    assert client.get(url("day", world.other_office.pk)).status_code == 404
    assert client.get(url("week", world.office_b.pk)).status_code == 404
    assert client.get(url("cancel", 999999)).status_code == 404


@pytest.mark.parametrize("persona", ["official_a", "official_a2", "admin"])
def test_the_offices_officials_and_the_authority_admin_may(world, office, a_booking, persona) -> None:
    client = login(Client(), getattr(world, persona))
    for path in (
        url("day", office.pk),
        url("week", office.pk),
        url("book", office.pk),
        url("move", a_booking.pk),
    ):
        assert client.get(path).status_code == 200, path
    assert client.post(url("no-show", a_booking.pk)).status_code == 302
    a_booking.refresh_from_db()
    assert a_booking.state == BookingState.NO_SHOW


def test_a_logged_out_visitor_is_sent_to_the_login(world, office, a_booking) -> None:
    client = Client()
    for path in (url("index"), url("day", office.pk), url("cancel", a_booking.pk)):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))
    assert client.post(url("no-show", a_booking.pk)).status_code == 302
    a_booking.refresh_from_db()
    assert a_booking.state == BookingState.CONFIRMED


def test_a_user_without_a_place_in_an_authority_gets_403(office) -> None:
    from django.contrib.auth import get_user_model

    from tests.conftest import PASSWORD

    get_user_model().objects.create_user(username="nobody", password=PASSWORD)
    client = Client()
    assert client.login(username="nobody", password=PASSWORD)
    assert client.get(url("day", office.pk)).status_code == 403


def test_wrong_methods_get_405(world, office, a_booking) -> None:
    client = login(Client(), world.official_a)
    for path in (url("no-show", a_booking.pk), url("block", office.pk), url("free", office.pk)):
        assert client.get(path).status_code == 405, path
    for path in (url("index"), url("day", office.pk), url("week", office.pk)):
        assert client.post(path).status_code == 405, path
    for path in (url("book", office.pk), url("cancel", a_booking.pk), url("move", a_booking.pk)):
        assert client.put(path).status_code == 405, path


def test_posts_need_the_csrf_token(world, office, a_booking) -> None:
    client = login(Client(enforce_csrf_checks=True), world.official_a)
    assert client.post(url("no-show", a_booking.pk)).status_code == 403
    a_booking.refresh_from_db()
    assert a_booking.state == BookingState.CONFIRMED


# --- the pages themselves ----------------------------------------------------------------------------


def test_no_inline_script_or_style(world, office, a_booking) -> None:
    client = login(Client(), world.official_a)
    for path in (
        url("index"),
        url("day", office.pk),
        url("week", office.pk),
        url("book", office.pk),
        url("cancel", a_booking.pk),
        url("move", a_booking.pk),
    ):
        html = client.get(path).content.decode()
        assert "style=" not in html and "<style" not in html, path
        for tag in re.findall(r"<script[^>]*>", html):
            assert " src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert "appointments/staff.css" in html
