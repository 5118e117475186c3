"""Booking an appointment in a real browser: the proof of work solved by the page's worker under the
real CSP, the error summary that takes the focus, a 360 px phone, a browser without JavaScript, and
axe-core (no violation of impact "serious" or "critical") on the week view, the form with an error, the
page after booking, the management page and its cancel and reschedule steps.

Two tests book through the pages; the others book through the action in a process of their own, so that
the server's limit of bookings per client address (5 an hour, core/bookinglimit.py) leaves room for
other modules of the session.

axe is injected as a script, which the pages' CSP forbids; only the auditing context bypasses the CSP.
The booking itself is done in a context that enforces it, so a script or worker the CSP blocks fails here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_accessibility import Audit
from tests.e2e.test_phone import PHONE, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser

OFFICE = "terminamt"
BERLIN = ZoneInfo("Europe/Berlin")

# An office of its own (no other module uses it) that offers 20-minute slots all day, every day.
SETUP = f"""
import datetime as dt
from buergerbuero.authorities.models import Authority
from buergerbuero.offices.models import Office
from buergerbuero.appointments.models import AppointmentSettings, BookingWindow
authority = Authority.objects.get(slug="testkreis")
office, created = Office.objects.get_or_create(
    authority=authority, slug="{OFFICE}", defaults={{"name": "Terminamt", "max_queue_length": 0}}
)
if created:
    AppointmentSettings.objects.create(
        office=office, enabled=True, slot_minutes=20, lead_minutes=0, horizon_days=14, max_open_per_email=5
    )
    for weekday in range(7):
        BookingWindow.objects.create(office=office, weekday=weekday, start=dt.time(0, 0), end=dt.time(23, 40))
"""


@pytest.fixture
def booking_office(app) -> str:
    app.manage("shell", "-c", SETUP)
    return app.office_url(OFFICE) + "termin/"


def book_elsewhere(app, slot_key: str) -> str:
    """Books a slot through the action in a process of its own (so the page's address is not counted
    against the booking rate limit); returns the path of the management page."""
    out = app.manage(
        "shell",
        "-c",
        "from buergerbuero.appointments import actions, slots, tokens;"
        f"from buergerbuero.offices.models import Office; office = Office.objects.get(slug='{OFFICE}');"
        f"b = actions.book(office, slots.parse_key('{slot_key}'), name='Else', email='else@example.org');"
        "print(tokens.manage_token(b.token_salt))",
    )
    return f"/termine/{out.strip().splitlines()[-1]}/"


def fill(page, email: str) -> None:
    page.fill("#id_name", "Erika Muster")
    page.fill("#id_email", email)
    page.fill("#id_concern", "Heizung tauschen")


def submit_without_consent(page, expect) -> None:
    """Send the form without the consent: the page waits for its proof of work, then the server answers
    with the errors, and the error summary has the focus."""
    page.click("#book-button")
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id_consent")).to_have_attribute("aria-invalid", "true")
    # Nothing typed was lost.
    expect(page.locator("#id_name")).to_have_value("Erika Muster")
    expect(page.locator("#id_concern")).to_have_value("Heizung tauschen")


def book(page, expect, email: str) -> None:
    page.locator(".slot-list a").first.click()
    expect(page.locator("#booking-form")).to_be_visible()
    fill(page, email)
    submit_without_consent(page, expect)
    page.check("#id_consent")
    page.click("#book-button")
    expect(page.locator("#booked-next")).to_be_visible()


def test_booking_with_the_keyboard_under_the_csp(app, booking_office, pages, expect) -> None:
    citizen = pages.new("citizen")
    citizen.goto(booking_office)
    # Keyboard only: tab to the first slot and open it.
    first_slot = citizen.locator(".slot-list a").first
    for _ in range(40):
        citizen.keyboard.press("Tab")
        if citizen.evaluate(
            "document.activeElement && document.activeElement.closest('.slot-list') !== null"
        ):
            break
    expect(first_slot).to_be_focused()
    citizen.keyboard.press("Enter")
    expect(citizen.locator("#booking-form")).to_be_visible()
    citizen.locator("#id_name").focus()
    citizen.keyboard.type("Erika Muster")
    citizen.keyboard.press("Tab")
    citizen.keyboard.type("erika.keyboard@example.org")
    expect(citizen.locator("#pow-status")).not_to_be_empty()
    citizen.locator("#id_consent").focus()
    citizen.keyboard.press("Space")
    citizen.locator("#book-button").focus()
    citizen.keyboard.press("Enter")
    expect(citizen.locator("#booked-next")).to_be_visible()
    manage = citizen.locator("#manage-link")
    manage.focus()
    citizen.keyboard.press("Enter")
    expect(citizen.locator("#booking-state")).to_be_visible()
    # The forms of the token pages work in a real browser (its Origin header passes the CSRF check):
    # the language switch, then cancelling.
    citizen.locator(".language-switch button[value=en]").click()
    expect(citizen.locator("#booking-state")).to_contain_text("Your appointment is confirmed.")
    citizen.locator("#cancel-link").click()
    citizen.click("#cancel-confirm")
    expect(citizen.locator(".message--success")).to_contain_text("Your appointment is cancelled.")
    assert not [line for line in pages.console["citizen"] if "Content Security Policy" in line]


def test_without_javascript_the_form_says_why_it_cannot_be_sent(app, booking_office, pages, expect) -> None:
    page = pages.new("citizen without javascript", java_script_enabled=False)
    page.goto(booking_office)
    page.locator(".slot-list a").first.click()
    expect(page.locator(".pow-check .notice")).to_contain_text("JavaScript")
    fill(page, "erika.noscript@example.org")
    page.check("#id_consent")
    page.click("#book-button")
    expect(page.locator("#error-summary")).to_contain_text("JavaScript")
    expect(page.locator("#id_email")).to_have_value("erika.noscript@example.org")


def test_booking_pages_on_a_phone(app, booking_office, pages, expect) -> None:
    phone = pages.new("citizen on a phone", **PHONE)
    phone.goto(booking_office)
    assert_no_horizontal_scroll(phone)
    phone.locator(".slot-list a").first.tap()
    expect(phone.locator("#booking-form")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    fill(phone, "erika.phone@example.org")
    phone.locator("#book-button").tap()
    expect(phone.locator("#error-summary")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    phone.goto(app.url + book_elsewhere(app, phone.url.rstrip("/").rsplit("/", 1)[1]))
    expect(phone.locator("#booking-state")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    phone.locator("#reschedule-link").tap()
    expect(phone.locator(".week-days")).to_be_visible()
    assert_no_horizontal_scroll(phone)


def test_booking_pages_have_no_serious_accessibility_violation(
    app, booking_office, pages, axe_script, expect
):
    audit = Audit(axe_script)
    page = pages.new("auditor", bypass_csp=True)
    page.goto(app.office_url(OFFICE))
    audit.check("office page with the next free slots", page)
    page.goto(booking_office)
    audit.check("week view", page)
    page.locator("#next-week").click()
    audit.check("next week", page)
    page.goto(booking_office)
    page.locator(".slot-list a").first.click()
    expect(page.locator("#booking-form")).to_be_visible()
    audit.check("booking form", page)
    fill(page, "erika.axe@example.org")
    submit_without_consent(page, expect)
    audit.check("booking form with an error", page)
    page.check("#id_consent")
    page.click("#book-button")
    expect(page.locator("#booked-next")).to_be_visible()
    audit.check("after booking", page)
    page.locator("#manage-link").click()
    expect(page.locator("#booking-state")).to_be_visible()
    audit.check("management page", page)
    page.locator("#reschedule-link").click()
    audit.check("reschedule: choose a new time", page)
    page.locator(".slot-list a").first.click()
    expect(page.locator("#reschedule-confirm")).to_be_visible()
    audit.check("reschedule: confirm", page)
    page.click("#reschedule-confirm")
    expect(page.locator(".message--success")).to_be_visible()
    page.locator("#cancel-link").click()
    audit.check("cancel: confirm", page)
    page.click("#cancel-confirm")
    expect(page.locator(".message--success")).to_be_visible()
    audit.check("management page of a cancelled appointment", page)
    page.goto(app.url + "/termine/kein-gueltiger-link/")
    audit.check("invalid link", page)
    audit.assert_clean()


def test_a_slot_taken_meanwhile_loses_nothing_typed(app, booking_office, pages, expect) -> None:
    """Someone else books the time while the form is open: sending it leads back to the week, and the
    form of the next time chosen has the details again."""
    first = pages.new("first citizen")
    first.goto(booking_office)
    first.locator(".slot-list a").first.click()
    expect(first.locator("#booking-form")).to_be_visible()
    slot_url = first.url

    # Someone else books the same time meanwhile.
    book_elsewhere(app, slot_url.rstrip("/").rsplit("/", 1)[1])

    fill(first, "erika.first@example.org")
    first.fill("#id_phone", "0851 123456")
    first.check("#id_consent")
    first.click("#book-button")
    expect(first.locator(".message--error")).to_be_visible()
    assert "/termin/" in first.url and first.url != slot_url
    assert first.locator(f".slot-list a[href='{slot_url.removeprefix(app.url)}']").count() == 0
    first.locator(".slot-list a").first.click()
    expect(first.locator("#draft-note")).to_be_visible()
    expect(first.locator("#id_email")).to_have_value("erika.first@example.org")
    expect(first.locator("#id_phone")).to_have_value("0851 123456")
    expect(first.locator("#id_concern")).to_have_value("Heizung tauschen")
    expect(first.locator("#id_consent")).not_to_be_checked()  # consent is given anew for each booking


def test_staff_appointment_pages_have_no_serious_accessibility_violation(
    app, booking_office, pages, axe_script, expect
):
    """The officials' side: overview, day and week lists, booking for a caller (with an error shown),
    cancelling with a message and moving an appointment."""
    from tests.e2e import journeys as j
    from tests.e2e.test_accessibility import OFFICIAL

    app.manage(
        "shell",
        "-c",
        "from buergerbuero.authorities.models import Staff;"
        "from buergerbuero.offices.models import Assignment, Office;"
        f"Assignment.objects.get_or_create(office=Office.objects.get(slug='{OFFICE}'),"
        f" staff=Staff.objects.get(user__username='{OFFICIAL}'))",
    )
    page = pages.new("official", bypass_csp=True)
    j.staff_login(page, app, OFFICIAL)
    audit = Audit(axe_script)
    page.goto(app.url + "/staff/appointments/")
    audit.check("appointments overview", page)
    office_id = int(
        app.manage(
            "shell",
            "-c",
            f"from buergerbuero.offices.models import Office; print(Office.objects.get(slug='{OFFICE}').pk)",
        ).split()[-1]
    )
    base = f"{app.url}/staff/appointments/offices/{office_id}/"
    page.goto(base + "week/")
    audit.check("week list with slots", page)
    page.goto(base + "book/")
    audit.check("book for a caller", page)
    page.locator("form button[type=submit]").last.click()  # nothing chosen, nothing entered
    audit.check("book for a caller with errors", page)
    page.goto(base)
    audit.check("day list", page)
    # An appointment of today (the next free slot), so the day list has a row with its actions.
    week = page.context.new_page()
    week.goto(booking_office)
    slot_key = week.locator(".slot-list a").first.get_attribute("href").rstrip("/").rsplit("/", 1)[-1]
    week.close()
    book_elsewhere(app, slot_key)
    page.goto(base + "week/")
    audit.check("week list with an appointment", page)
    day = dt.datetime.strptime(slot_key, "%Y%m%dT%H%MZ").replace(tzinfo=dt.UTC).astimezone(BERLIN).date()
    page.goto(f"{base}?date={day.isoformat()}")
    audit.check("day list with an appointment", page)
    page.locator("a[href*='/cancel/']").first.click()
    expect(page.locator("textarea")).to_be_visible()
    audit.check("cancel with a message", page)
    page.goto(f"{base}?date={day.isoformat()}")
    page.locator("a[href*='/move/']").first.click()
    audit.check("move an appointment", page)
    audit.assert_clean()
