"""The public booking pages: week view, booking form, the page after booking, confirmation link and the
management page (appointments/views.py), and the booking offer on the office page."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buergerbuero.appointments import actions, mails
from buergerbuero.appointments.models import (
    AppointmentSettings,
    BlockedSlot,
    Booking,
    BookingState,
    BookingWindow,
)
from buergerbuero.appointments.slots import Slot, office_slots, parse_key
from buergerbuero.appointments.tokens import confirm_token, manage_token
from buergerbuero.appointments.views import SESSION_BOOKED
from buergerbuero.audit.models import AuditEntry
from buergerbuero.core import pow
from buergerbuero.offices.models import Office
from tests.conftest import enter, open_
from tests.public.helpers import de

pytestmark = pytest.mark.django_db(transaction=True)

VALID = {
    "name": "Erika Muster",
    "email": "Erika@Example.org",
    "phone": "+49 851 123456",
    "concern": "Heizung tauschen",
    "consent": "on",
}


@pytest.fixture(autouse=True)
def sent_mails(monkeypatch) -> list[tuple[int, str]]:
    """Observes the mails the actions schedule (mails.py is tested on its own)."""
    sent: list[tuple[int, str]] = []
    monkeypatch.setattr(mails, "send", lambda booking_id, kind, **extra: sent.append((booking_id, kind)))
    return sent


@pytest.fixture(autouse=True)
def _small_pow_and_empty_cache(settings) -> None:
    settings.BOOKING_POW_MAX_NUMBER = 2000
    cache.clear()
    yield
    cache.clear()


def offer(office: Office, skip_weekday: int | None = None, **options: object) -> AppointmentSettings:
    """Slots of 30 minutes from 09:00 to 12:00 on every day (but ``skip_weekday``), three weeks ahead."""
    values = {"slot_minutes": 30, "horizon_days": 21, "lead_minutes": 60, "max_open_per_email": 10}
    values.update(options)
    appointment_settings = AppointmentSettings.objects.create(office=office, enabled=True, **values)
    for weekday in range(7):
        if weekday != skip_weekday:
            BookingWindow.objects.create(office=office, weekday=weekday, start=dt.time(9), end=dt.time(12))
    return appointment_settings


@pytest.fixture
def office(world) -> Office:
    offer(world.office_a)
    return world.office_a


def slots(office: Office) -> list[Slot]:
    return office_slots(office, timezone.now())


def week_url(office: Office, week: dt.date | None = None) -> str:
    url = reverse("appointments:week", args=[office.authority.slug, office.slug])
    return f"{url}?woche={week.isoformat()}" if week else url


def book_url(office: Office, key: str) -> str:
    return reverse("appointments:book", args=[office.authority.slug, office.slug, key])


def booked_url(office: Office) -> str:
    return reverse("appointments:booked", args=[office.authority.slug, office.slug])


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def solved(client: Client, url: str) -> str:
    """Opens the form and solves its proof of work, as booking.js does in the browser."""
    page = client.get(url)
    assert page.status_code == 200
    return pow.solve(page.context["pow_config"]["challenge"])


def post_booking(client: Client, office: Office, key: str, **overrides: str) -> object:
    url = book_url(office, key)
    data = {**VALID, "pow": solved(client, url), **overrides}
    return client.post(url, data)


def book_directly(office: Office, slot: Slot, email: str = "erika@example.org") -> Booking:
    return actions.book(office, slot.start, name="Erika Muster", email=email)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def assert_private(response) -> None:
    # Only the origin, never the path with the token, goes into a Referer (views.private says why not
    # no-referrer).
    assert response["Referrer-Policy"] == "strict-origin"
    assert response["Cache-Control"] == "no-store"


# --- week ----------------------------------------------------------------------------------------------


def test_week_lists_the_free_slots_in_german(office, client) -> None:
    first = slots(office)[0]
    response = client.get(week_url(office))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert de("Skip to content") in html
    assert de("Book an appointment") in html
    assert f'href="{book_url(office, first.key)}"' in html
    assert timezone.localtime(first.start).strftime("%H:%M") in html
    # Every slot link names its day for screen readers that list the links alone.
    assert 'class="visually-hidden"' in html
    assert 'id="next-week"' in html
    assert 'id="prev-week"' not in html


def test_week_in_english(office, client) -> None:
    response = english(client).get(week_url(office))
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Book an appointment" in html
    assert "Next week" in html


def test_days_without_slots_say_so(world, client) -> None:
    skip = 2  # Wednesdays
    offer(world.office_a, skip_weekday=skip)
    next_week = monday(timezone.localdate()) + dt.timedelta(days=7)
    response = client.get(week_url(world.office_a, next_week))
    assert response.status_code == 200
    assert [len(day["slots"]) == 0 for day in response.context["days"]][skip]
    assert de("No free appointments on this day.") in response.content.decode()


def test_week_links_to_weeks_within_the_horizon(office, client) -> None:
    this_week = monday(timezone.localdate())
    following = client.get(week_url(office, this_week + dt.timedelta(days=7)))
    assert following.context["prev_url"] == week_url(office, this_week)
    assert following.context["next_url"] == week_url(office, this_week + dt.timedelta(days=14))
    horizon_week = monday(timezone.localdate() + dt.timedelta(days=21))
    last = client.get(week_url(office, horizon_week))
    assert last.status_code == 200
    assert last.context["next_url"] == ""
    # No slot beyond the horizon is offered.
    horizon = timezone.localdate() + dt.timedelta(days=21)
    for day in last.context["days"]:
        for slot in day["slots"]:
            start = parse_key(slot["url"].rstrip("/").rsplit("/", 1)[1])
            assert timezone.localtime(start).date() <= horizon


@pytest.mark.parametrize(
    ("param", "status", "message"),
    [
        ("garbage", 400, "This week could not be read. Here is the current week."),
        ("2020-01-06", 200, "Appointments can only be booked from today on. Here is the current week."),
        ("2999-01-07", 200, "Appointments can be booked at most %(days)d days ahead."),
    ],
)
def test_bad_weeks_show_a_week_with_a_notice(office, client, param, status, message) -> None:
    response = client.get(week_url(office) + f"?woche={param}")
    assert response.status_code == status
    expected = de(message)
    if "%(days)d" in expected:
        expected = expected % {"days": 21}
    assert expected in response.content.decode()
    assert response.context["days"]


def test_a_week_without_slots_links_to_the_next_free_one(world, client) -> None:
    offer(world.office_a)
    next_week = monday(timezone.localdate()) + dt.timedelta(days=7)
    for slot in office_slots(world.office_a, timezone.now(), first=next_week, days=7):
        BlockedSlot.objects.create(office=world.office_a, start=slot.start)
    response = client.get(week_url(world.office_a, next_week))
    assert response.context["later"] is not None
    assert response.context["later"]["url"] == week_url(world.office_a, next_week + dt.timedelta(days=7))
    assert 'id="later-slot"' in response.content.decode()


def test_full_slots_are_left_out_and_free_seats_are_not_counted(world, client) -> None:
    offer(world.office_a, capacity=2)
    first, second = slots(world.office_a)[:2]
    book_directly(world.office_a, first, "a@example.org")  # one seat of two left: still offered, plainly
    book_directly(world.office_a, second, "b@example.org")
    book_directly(world.office_a, second, "c@example.org")  # full
    html = client.get(week_url(world.office_a)).content.decode()
    assert html.count(f'href="{book_url(world.office_a, first.key)}"') == 1
    assert book_url(world.office_a, second.key) not in html
    assert re.search(r"\b1\b.{0,20}(frei|free|seat|Platz)", html) is None


def test_unknown_authority_or_office_is_404(office, client) -> None:
    assert client.get("/nirgendwo/energie/termin/").status_code == 404
    assert client.get("/testkreis/nichts/termin/").status_code == 404
    assert client.get("/anderswo/energie/termin/").status_code == 404  # office of another authority
    assert client.get("/testkreis/buergeramt/termin/").status_code == 404


@pytest.mark.parametrize("enabled", [None, False])
def test_office_without_appointments_gets_a_friendly_page(world, client, enabled) -> None:
    if enabled is not None:
        AppointmentSettings.objects.create(office=world.office_b, enabled=enabled)
    for url in (week_url(world.office_b), book_url(world.office_b, "20300101T0900Z")):
        response = client.get(url)
        assert response.status_code == 200
        assert de("No online appointments") in response.content.decode()
        assert "/testkreis/garten/" in response.content.decode()


def test_week_wrong_method(office, client) -> None:
    assert client.post(week_url(office)).status_code == 405


# --- booking form --------------------------------------------------------------------------------------


def test_form_renders_every_field_and_the_privacy_notice(office, client) -> None:
    slot = slots(office)[0]
    response = client.get(book_url(office, slot.key))
    assert response.status_code == 200
    html = response.content.decode()
    for needle in (
        'id="booking-form"',
        'id="id_name"',
        'type="email" name="email" id="id_email"',
        'type="tel" name="phone" id="id_phone"',
        'id="id_concern"',
        'maxlength="500"',
        'id="id_consent"',
        'aria-describedby="privacy-notice"',
        'type="hidden" name="pow" id="id_pow"',
        'id="pow-config"',
        "appointments/booking.js",
        "<noscript>",
        "<fieldset>",
        "<legend>",
        de("Your details for the appointment"),
        de("Book appointment"),
    ):
        assert needle in html, needle
    assert "30" in html  # retention days in the privacy notice
    assert 'id="error-summary"' not in html
    config = json.loads(re.search(r'id="pow-config"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert set(config["challenge"]) >= {"algorithm", "challenge", "salt", "signature", "maxnumber"}
    assert config["challenge_url"] == "/termine/pruefung/"


def test_form_in_english(office, client) -> None:
    slot = slots(office)[0]
    html = english(client).get(book_url(office, slot.key)).content.decode()
    assert "Your details for the appointment" in html
    assert "I have read the privacy notice and agree." in html


def test_booking_creates_one_booking_and_goes_to_the_confirmation(office, client, sent_mails) -> None:
    slot = slots(office)[0]
    response = post_booking(client, office, slot.key)
    assert response.status_code == 302
    assert response["Location"] == booked_url(office)
    booking = Booking.objects.get()
    assert (booking.office, booking.start, booking.state) == (office, slot.start, BookingState.CONFIRMED)
    assert (booking.name, booking.email, booking.phone, booking.concern, booking.language) == (
        "Erika Muster",
        "erika@example.org",
        "+49 851 123456",
        "Heizung tauschen",
        "de",
    )
    assert AuditEntry.objects.filter(action="booking.created", object_id=booking.pk).exists()
    assert sent_mails == [(booking.pk, mails.CONFIRMED)]
    assert client.session[SESSION_BOOKED] == booking.pk

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert_private(page)
    html = page.content.decode()
    assert de("Your appointment is booked") in html
    assert "erika@example.org" in html
    assert de("What happens next") in html
    assert f"/termine/{manage_token(booking.token_salt)}/" in html
    assert Booking.objects.count() == 1


def test_booking_in_english_keeps_the_language(office, client) -> None:
    english(client)
    response = post_booking(client, office, slots(office)[0].key)
    assert response.status_code == 302
    assert Booking.objects.get().language == "en"
    assert "Your appointment is booked" in client.get(response["Location"]).content.decode()


def test_double_opt_in_holds_the_slot_and_asks_to_check_the_mail(world, client, sent_mails) -> None:
    offer(world.office_a, double_opt_in=True)
    response = post_booking(client, world.office_a, slots(world.office_a)[0].key)
    booking = Booking.objects.get()
    assert booking.state == BookingState.HELD
    assert sent_mails == [(booking.pk, mails.OPT_IN)]
    page = client.get(response["Location"])
    html = page.content.decode()
    assert de("Please confirm your appointment") in html
    assert "15" in html
    assert "erika@example.org" in html
    assert page.context["hold_minutes"] == 15


def test_confirmation_page_is_shown_for_an_hour_only(office, client) -> None:
    post_booking(client, office, slots(office)[0].key)
    assert client.get(booked_url(office)).status_code == 200
    Booking.objects.update(created_at=timezone.now() - dt.timedelta(minutes=61))
    response = client.get(booked_url(office))
    assert response.status_code == 302
    assert SESSION_BOOKED not in client.session


def test_confirmation_page_without_a_booking_goes_back_to_the_week(office, client) -> None:
    response = client.get(booked_url(office))
    assert response.status_code == 302
    assert response["Location"] == week_url(office)


@pytest.mark.parametrize("key", ["garbage", "20301301T0900Z", "2030-01-01", "x" * 300])
def test_bad_slot_keys_return_to_the_week_with_a_message(office, client, key) -> None:
    for method in (client.get, client.post):
        response = method(book_url(office, key), follow=True)
        assert response.redirect_chain[-1][0] == week_url(office)
        assert de("This link to an appointment time is not valid. Please choose a time from the list.") in (
            messages_of(response)
        )
    assert not Booking.objects.exists()


def _key(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


def test_past_off_grid_and_far_slots_cannot_be_booked(office, client) -> None:
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    far = timezone.localtime() + dt.timedelta(days=40)
    first = slots(office)[0]
    for moment in (
        yesterday.replace(hour=9, minute=0, second=0, microsecond=0),
        far.replace(hour=9, minute=0, second=0, microsecond=0),
        first.start + dt.timedelta(minutes=7),
    ):
        response = client.post(book_url(office, _key(moment)), {**VALID}, follow=True)
        assert de("This time cannot be booked. Please choose another one.") in messages_of(response)
    assert not Booking.objects.exists()


def test_a_taken_or_blocked_slot_returns_to_its_week(office, client) -> None:
    first, second = slots(office)[:2]
    book_directly(office, first)
    BlockedSlot.objects.create(office=office, start=second.start)
    for slot in (first, second):
        response = client.get(book_url(office, slot.key), follow=True)
        week = monday(timezone.localtime(slot.start).date())
        assert response.redirect_chain[-1][0] == week_url(office, week)
        assert de("This time has just been taken. Please choose another one.") in messages_of(response)
    assert Booking.objects.count() == 1


def test_missing_consent_keeps_everything_typed(office, client) -> None:
    slot = slots(office)[0]
    response = post_booking(client, office, slot.key, consent="")
    assert response.status_code == 400
    html = response.content.decode()
    assert de("Please agree to the privacy notice to book the appointment.") in html
    assert 'href="#id_consent"' in html  # the error summary links to the box
    assert 'id="error-summary" tabindex="-1" autofocus' in html
    assert 'aria-describedby="privacy-notice id_consent_error"' in html
    for value in (
        'value="Erika Muster"',
        'value="Erika@Example.org"',
        'value="+49 851 123456"',
        "Heizung tauschen",
    ):
        assert value in html, value
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "erika@", "Please enter a valid e-mail address, for example name@example.org."),
        ("email", "", "Please enter your e-mail address."),
        ("name", "", "Please enter your name."),
        (
            "phone",
            "call me",
            "Please enter a phone number with digits only, for example 0851 123456 or +49 851 123456.",
        ),
    ],
)
def test_bad_fields_are_explained_and_linked(office, client, field, value, message) -> None:
    response = post_booking(client, office, slots(office)[0].key, **{field: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert de(message) in html
    assert f'href="#id_{field}"' in html
    assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html
    if value:
        assert f'value="{value}"' in html
    assert not Booking.objects.exists()


def test_too_long_concern_is_refused(office, client) -> None:
    response = post_booking(client, office, slots(office)[0].key, concern="x" * 501)
    assert response.status_code == 400
    assert response.context["form"].errors["concern"]
    assert not Booking.objects.exists()


def test_missing_proof_of_work_says_javascript_is_needed(office, client) -> None:
    slot = slots(office)[0]
    response = client.post(book_url(office, slot.key), VALID)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#pow-check"' in html
    assert "JavaScript" in html
    assert 'value="Erika Muster"' in html
    assert not Booking.objects.exists()


def test_wrong_proof_of_work_is_refused(office, client) -> None:
    url = book_url(office, slots(office)[0].key)
    page = client.get(url)
    challenge = page.context["pow_config"]["challenge"]
    solution = json.loads(__import__("base64").b64decode(pow.solve(challenge)))
    wrong = pow.encode_solution(challenge, solution["number"] + 1)
    response = client.post(url, {**VALID, "pow": wrong})
    assert response.status_code == 400
    assert response.context["form"].errors["pow"]
    assert not Booking.objects.exists()


def test_deeply_nested_proof_of_work_is_bad_input(office, client) -> None:
    # Under the length cap, but nested deeper than json's recursion limit (was HTTP 500).
    deep = __import__("base64").b64encode(b"[" * 1400).decode()
    response = client.post(book_url(office, slots(office)[0].key), {**VALID, "pow": deep})
    assert response.status_code == 400
    assert response.context["form"].errors["pow"]
    assert not Booking.objects.exists()


def test_replayed_proof_of_work_is_refused(office, client) -> None:
    first, second = slots(office)[:2]
    solution = solved(client, book_url(office, first.key))
    assert client.post(book_url(office, first.key), {**VALID, "pow": solution}).status_code == 302
    response = client.post(
        book_url(office, second.key), {**VALID, "email": "other@example.org", "pow": solution}
    )
    assert response.status_code == 400
    assert de("The security check was already used. It has been renewed: please send the form again.") in (
        response.content.decode()
    )
    assert Booking.objects.count() == 1


def test_expired_proof_of_work_is_refused(office, client, settings) -> None:
    settings.BOOKING_POW_TTL_SECONDS = 60
    old = pow.create_challenge(now=timezone.now().timestamp() - 120)
    response = client.post(book_url(office, slots(office)[0].key), {**VALID, "pow": pow.solve(old)})
    assert response.status_code == 400
    html = response.content.decode()
    assert de("The security check had expired. It has been renewed: please send the form again.") in html
    assert 'value="Erika Muster"' in html
    assert not Booking.objects.exists()


def test_fresh_challenge_for_a_form_left_open(client, db) -> None:
    assert client.post(reverse("appointments:pow-challenge")).status_code == 405
    response = client.get(reverse("appointments:pow-challenge"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    challenge = response.json()
    assert pow.verify(pow.solve(challenge)).ok


def test_bookings_per_address_are_limited(office, client, settings) -> None:
    settings.BOOKING_RATE_PER_ADDRESS = 2
    free = slots(office)
    for i in range(2):
        assert post_booking(client, office, free[i].key, email=f"p{i}@example.org").status_code == 302
    response = post_booking(client, office, free[2].key, email="p2@example.org")
    assert response.status_code == 429
    html = response.content.decode()
    assert (
        de("Too many bookings were made from your connection within an hour. Please try again later.") in html
    )
    assert 'value="p2@example.org"' in html
    assert Booking.objects.count() == 2
    # Another address may still book; the address itself is nowhere in the cache.
    other = Client(REMOTE_ADDR="192.0.2.7")
    assert post_booking(other, office, free[2].key, email="p2@example.org").status_code == 302
    keys = " ".join(cache_keys())
    assert "127.0.0.1" not in keys
    assert "192.0.2.7" not in keys
    assert "example.org" not in keys


def test_bookings_per_email_are_limited(office, settings) -> None:
    settings.BOOKING_RATE_PER_EMAIL = 2
    free = slots(office)
    for i in range(2):
        client = Client(REMOTE_ADDR=f"192.0.2.{i + 1}")
        assert post_booking(client, office, free[i].key).status_code == 302
    client = Client(REMOTE_ADDR="192.0.2.9")
    response = post_booking(client, office, free[2].key, email=" ERIKA@example.org")
    assert response.status_code == 429
    message = "Too many bookings were made for this e-mail address within an hour. Please try again later."
    assert de(message) in response.content.decode()
    assert Booking.objects.count() == 2


def test_open_bookings_limit_of_the_office_is_shown_on_the_form(world, client) -> None:
    offer(world.office_a, max_open_per_email=1)
    first, second = slots(world.office_a)[:2]
    assert post_booking(client, world.office_a, first.key).status_code == 302
    response = post_booking(client, world.office_a, second.key)
    assert response.status_code == 409
    assert de("Please cancel one first.") in response.content.decode()
    assert 'value="Erika Muster"' in response.content.decode()
    assert Booking.objects.count() == 1


def test_booking_form_wrong_method(office, client) -> None:
    assert client.put(book_url(office, slots(office)[0].key)).status_code == 405


# --- management page -----------------------------------------------------------------------------------


@pytest.fixture
def booking(office) -> Booking:
    return book_directly(office, slots(office)[0])


def manage_url(booking: Booking, name: str = "manage", *extra: str) -> str:
    return reverse(f"appointments:{name}", args=[manage_token(booking.token_salt), *extra])


def snapshot(booking: Booking) -> tuple:
    fresh = Booking.objects.get(pk=booking.pk)
    return (fresh.state, fresh.start, fresh.seat, fresh.ended_at, AuditEntry.objects.count())


def test_management_page_shows_the_appointment_and_changes_nothing(booking, client, sent_mails) -> None:
    before = snapshot(booking)
    sent_mails.clear()
    response = client.get(manage_url(booking))
    assert response.status_code == 200
    assert_private(response)
    html = response.content.decode()
    assert '<html lang="de">' in html
    assert de("Your appointment is confirmed.") in html
    assert "Energieberatung" in html
    local = timezone.localtime(booking.start, booking.office.tz)
    assert local.strftime("%H:%M") in html
    assert str(local.year) in html
    assert 'id="cancel-link"' in html
    assert 'id="reschedule-link"' in html
    assert snapshot(booking) == before
    assert sent_mails == []


def test_management_page_in_english(booking, client) -> None:
    html = english(client).get(manage_url(booking)).content.decode()
    assert "Your appointment is confirmed." in html
    assert "Cancel the appointment" in html


@pytest.mark.parametrize(
    "path", ["/termine/nichts/", "/termine/nichts/absagen/", "/termine/nichts/verschieben/"]
)
def test_unknown_token_is_a_helpful_404(db, client, path) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert_private(response)
    html = response.content.decode()
    assert de("This link is not valid") in html
    assert de("We could not find an appointment for this link.") in html


def test_unknown_token_post_changes_nothing(booking, client) -> None:
    before = snapshot(booking)
    assert client.post("/termine/nichts/absagen/").status_code == 404
    assert snapshot(booking) == before


def test_cancel_asks_first_then_cancels_with_post(booking, client, sent_mails) -> None:
    sent_mails.clear()
    before = snapshot(booking)
    question = client.get(manage_url(booking, "cancel"))
    assert question.status_code == 200
    assert_private(question)
    assert de("Cancel the appointment?") in question.content.decode()
    assert 'id="cancel-confirm"' in question.content.decode()
    assert snapshot(booking) == before

    response = client.post(manage_url(booking, "cancel"), follow=True)
    assert response.redirect_chain[-1][0] == manage_url(booking)
    assert de("Your appointment is cancelled.") in messages_of(response)
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED
    assert booking.cancelled_by == "citizen"
    assert AuditEntry.objects.filter(action="booking.cancelled", object_id=booking.pk).exists()
    assert sent_mails == [(booking.pk, mails.CANCELLED)]
    html = response.content.decode()
    assert de("You have cancelled this appointment.") in html
    assert 'id="cancel-link"' not in html

    # Again: a clear message, nothing else happens.
    again = client.post(manage_url(booking, "cancel"), follow=True)
    assert de("This appointment is no longer open.") in messages_of(again)
    assert client.get(manage_url(booking, "cancel")).status_code == 302


def test_reschedule_offers_the_week_then_moves_with_post(booking, client, sent_mails) -> None:
    sent_mails.clear()
    office = booking.office
    old_start = booking.start
    week = client.get(manage_url(booking, "reschedule"))
    assert week.status_code == 200
    assert_private(week)
    html = week.content.decode()
    assert de("Choose a new time") in html
    new = slots(office)[1]
    target = manage_url(booking, "reschedule-slot", new.key)
    assert f'href="{target}"' in html
    assert _key(old_start) not in html  # its own time is not offered

    before = snapshot(booking)
    question = client.get(target)
    assert question.status_code == 200
    assert 'id="reschedule-confirm"' in question.content.decode()
    assert snapshot(booking) == before

    response = client.post(target, follow=True)
    assert response.redirect_chain[-1][0] == manage_url(booking)
    assert de("Your appointment has been moved.") in messages_of(response)
    booking.refresh_from_db()
    assert (booking.start, booking.state) == (new.start, BookingState.CONFIRMED)
    assert Booking.objects.count() == 1
    assert AuditEntry.objects.filter(action="booking.moved", object_id=booking.pk).exists()
    assert sent_mails == [(booking.pk, mails.CONFIRMED)]


def test_reschedule_to_a_taken_or_bad_slot_keeps_the_booking(booking, client) -> None:
    office = booking.office
    taken = slots(office)[0]
    book_directly(office, taken, "other@example.org")
    before = snapshot(booking)
    for key in (taken.key, "garbage", _key(booking.start)):
        response = client.post(manage_url(booking, "reschedule-slot", key), follow=True)
        assert response.redirect_chain[-1][0] == manage_url(booking, "reschedule")
        assert de("This time cannot be booked. Please choose another one.") in messages_of(response)
    assert snapshot(booking) == before


def test_a_cancelled_booking_cannot_be_moved(booking, client) -> None:
    actions.cancel(booking)
    response = client.get(manage_url(booking, "reschedule"), follow=True)
    assert response.redirect_chain[-1][0] == manage_url(booking)
    assert de("This appointment can no longer be moved.") in messages_of(response)
    target = manage_url(booking, "reschedule-slot", slots(booking.office)[1].key)
    response = client.post(target, follow=True)
    assert de("This appointment is no longer open.") in messages_of(response)


def test_token_pages_wrong_method(booking, client) -> None:
    assert client.post(manage_url(booking)).status_code == 405
    assert client.post(manage_url(booking, "reschedule")).status_code == 405
    assert client.put(manage_url(booking, "cancel")).status_code == 405


# --- confirming ----------------------------------------------------------------------------------------


def confirm_url(booking: Booking) -> str:
    return reverse("appointments:confirm", args=[confirm_token(booking.token_salt)])


def test_confirm_link_asks_then_confirms_with_post(world, client, sent_mails) -> None:
    offer(world.office_a, double_opt_in=True)
    booking = book_directly(world.office_a, slots(world.office_a)[0])
    sent_mails.clear()
    before = snapshot(booking)
    page = client.get(confirm_url(booking))
    assert page.status_code == 200
    assert_private(page)
    assert 'id="confirm-button"' in page.content.decode()
    assert de("Confirm your appointment") in page.content.decode()
    assert snapshot(booking) == before

    response = client.post(confirm_url(booking), follow=True)
    assert response.redirect_chain[-1][0] == manage_url(booking)
    assert de("Thank you. Your appointment is confirmed.") in messages_of(response)
    booking.refresh_from_db()
    assert booking.state == BookingState.CONFIRMED
    assert sent_mails == [(booking.pk, mails.CONFIRMED)]
    # The link again: already confirmed, nothing happens.
    again = client.get(confirm_url(booking))
    assert de("This appointment is already confirmed.") in again.content.decode()


def test_expired_confirm_link_says_so_and_offers_to_book_again(world, client) -> None:
    offer(world.office_a, double_opt_in=True)
    slot = slots(world.office_a)[0]
    booking = actions.book(
        world.office_a,
        slot.start,
        name="E",
        email="e@example.org",
        now=timezone.now() - dt.timedelta(minutes=20),
    )
    page = client.get(confirm_url(booking))
    assert page.status_code == 410
    html = page.content.decode()
    assert de("This booking was not confirmed in time and has lapsed. Please book again.") in html
    assert f'href="{week_url(world.office_a)}"' in html
    response = client.post(confirm_url(booking))
    assert response.status_code == 409
    assert 'id="book-again"' in response.content.decode()
    booking.refresh_from_db()
    assert booking.state == BookingState.HELD


def test_unknown_confirm_link_is_404(db, client) -> None:
    for method in (client.get, client.post):
        response = method("/termine/bestaetigen/nichts/")
        assert response.status_code == 404
        assert de("This link is not valid") in response.content.decode()


# --- office page ---------------------------------------------------------------------------------------


def office_url(office: Office) -> str:
    return reverse("public:office", args=[office.authority.slug, office.slug])


def test_office_page_links_to_booking_and_closed_office_offers_next_slots(office, client) -> None:
    response = client.get(office_url(office))
    html = response.content.decode()
    assert f'href="{week_url(office)}"' in html
    assert de("Book an appointment") in html
    assert [s["url"] for s in response.context["next_slots"]] == [
        book_url(office, s.key) for s in slots(office)[:3]
    ]
    assert 'id="next-slots"' in html


def test_open_office_shows_the_link_without_slots(office, world, client) -> None:
    open_(world.official_a, office)
    response = client.get(office_url(office))
    assert f'href="{week_url(office)}"' in response.content.decode()
    assert response.context["next_slots"] == []


def test_full_waiting_area_offers_the_next_slots(office, world, client) -> None:
    open_(world.official_a, office)
    office.max_queue_length = 1
    office.save()
    enter(office)
    response = client.post(reverse("public:enter", args=["testkreis", "energie"]), {"consent": "on"})
    assert response.status_code == 409
    assert len(response.context["next_slots"]) == 3
    assert 'id="next-slots"' in response.content.decode()


def test_office_without_appointments_has_no_link(world, client) -> None:
    response = client.get(office_url(world.office_b))
    assert response.context["appointments_url"] == ""
    assert "/termin/" not in response.content.decode()


# --- at the appointment time ---------------------------------------------------------------------------


def starting_in(booking: Booking, minutes: int) -> Booking:
    """Moves a booking's time next to the wall clock (the views read the real time)."""
    start = timezone.now() + dt.timedelta(minutes=minutes)
    Booking.objects.filter(pk=booking.pk).update(start=start, end=start + dt.timedelta(minutes=30))
    booking.refresh_from_db()
    return booking


def test_join_button_only_around_the_start(booking, client) -> None:
    starting_in(booking, 60)
    html = client.get(manage_url(booking)).content.decode()
    assert 'id="join-button"' not in html
    assert de("On the day") in html
    starting_in(booking, 5)
    html = client.get(manage_url(booking)).content.decode()
    assert 'id="join-button"' in html
    assert f'action="{manage_url(booking, "join")}"' in html
    starting_in(booking, -20)
    assert 'id="join-button"' not in client.get(manage_url(booking)).content.decode()


def test_a_past_appointment_says_so(booking, client) -> None:
    starting_in(booking, -60)
    html = client.get(manage_url(booking)).content.decode()
    assert de("This appointment has passed.") in html
    for absent in ('id="join-button"', 'id="cancel-link"', 'id="reschedule-link"', de("On the day")):
        assert absent not in html
    assert f'href="{week_url(booking.office)}"' in html  # book a new one


def test_joining_puts_the_citizen_ahead_into_the_waiting_area(booking, world, client) -> None:
    from buergerbuero.waitingroom.models import TicketState
    from buergerbuero.waitingroom.tokens import SESSION_KEY

    open_(world.official_a, booking.office)
    walk_in, _token = enter(booking.office, "Walter Walk-in")
    starting_in(booking, 5)
    response = client.post(manage_url(booking, "join"))
    assert response.status_code == 302
    assert response["Location"] == reverse("public:waiting", args=["testkreis", "energie"])
    assert_private(response)
    booking.refresh_from_db()
    assert booking.state == BookingState.ATTENDED
    ticket = booking.ticket
    assert client.session[SESSION_KEY] == ticket.token_hash  # the hash, never the token
    assert (ticket.state, ticket.priority, ticket.appointment_at) == (TicketState.WAITING, 1, booking.start)
    assert ticket.priority > walk_in.priority
    # Back on the management page later (another tab): the same place again.
    page = client.get(manage_url(booking)).content.decode()
    assert 'id="join-button"' in page
    again = Client()
    assert again.post(manage_url(booking, "join")).status_code == 302
    ticket.refresh_from_db()
    assert again.session[SESSION_KEY] == ticket.token_hash  # taken over with a new secret


def test_after_the_visit_the_link_does_not_bring_the_citizen_back(booking, world, client) -> None:
    from buergerbuero.waitingroom.actions import decline
    from buergerbuero.waitingroom.models import Ticket

    open_(world.official_a, booking.office)
    starting_in(booking, 5)
    assert client.post(manage_url(booking, "join")).status_code == 302
    booking.refresh_from_db()
    decline(world.official_a, booking.ticket, "Bitte neu buchen")
    page = client.get(manage_url(booking)).content.decode()
    assert 'id="join-button"' not in page
    assert de("You have attended this appointment.") in page
    response = client.post(manage_url(booking, "join"), follow=True)
    assert response.redirect_chain[-1][0] == manage_url(booking)
    assert de(
        "You have already been in the waiting area for this appointment and your visit has ended. If you "
        "need to speak to the office again, please book a new appointment."
    ) in messages_of(response)
    assert Ticket.objects.count() == 1


def test_joining_too_early_or_while_closed_explains_why(booking, client) -> None:
    from buergerbuero.waitingroom.models import Ticket

    starting_in(booking, 60)
    response = client.post(manage_url(booking, "join"), follow=True)
    assert response.redirect_chain[-1][0] == manage_url(booking)
    assert de("You can join the waiting area from 10 minutes before your appointment.") in messages_of(
        response
    )
    starting_in(booking, 5)  # in time, but nobody has opened the office
    response = client.post(manage_url(booking, "join"), follow=True)
    assert de("This office is closed at the moment.") in messages_of(response)
    assert not Ticket.objects.exists()
    assert client.get(manage_url(booking, "join")).status_code == 405
    assert client.post("/termine/nichts/eintreten/").status_code == 404


def cache_keys() -> list[str]:
    """Every key in the cache, in memory (the default) or in Redis (the PostgreSQL + Redis run)."""
    store = cache._cache  # type: ignore[attr-defined]
    if isinstance(store, dict):
        return [str(key) for key in store]
    return [key.decode() for key in store.get_client(write=False).keys("*")]
