"""Event pages in a real browser: registering with the keyboard alone under the pages' CSP (the proof of
work solved by the page's worker), and axe-core (no violation of impact "serious" or "critical") on every
event page in the states a person meets it: the public list, an event with its form (and with errors),
a full and a cancelled event, the invitation page, the page after registering, the registrant's page
before and after cancelling; the officials' list, an event's page, the new-event form (with errors), the
edit form and the cancellation.

The events are made through the actions in a process of their own (``SETUP``), with an office and an
official that no other module uses. axe is injected as a script, which the CSP forbids; only the
auditing context bypasses the CSP.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e import journeys as j
from tests.e2e.test_accessibility import Audit

pytestmark = pytest.mark.browser

OFFICE = "veranstaltungen-amt"
OFFICIAL = "vera"

SETUP = f"""
import datetime as dt, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.offices.models import Assignment, Office
from buergerbuero.events import tokens
from buergerbuero.events.actions import lifecycle, registrations
from buergerbuero.events.models import Event, RegistrationMode
from tests.e2e.harness import PASSWORD
authority = Authority.objects.get(slug="testkreis")
office, created = Office.objects.get_or_create(
    authority=authority, slug="{OFFICE}", defaults={{"name": "Veranstaltungsbüro", "max_queue_length": 0}}
)
if created:
    user = get_user_model().objects.create_user(username="{OFFICIAL}", password=PASSWORD)
    staff = Staff.objects.create(user=user, authority=authority, display_name="Vera Viper")
    Assignment.objects.create(office=office, staff=staff, is_lead=True)
staff = Staff.objects.get(user__username="{OFFICIAL}")
start = (timezone.now() + dt.timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
def make(title, **kw):
    data = dict(office=office, title=title, description="Informationen und Fragen.\\nMit Aussprache.",
                starts_at=start, ends_at=start + dt.timedelta(hours=2), capacity=30, moderators=[staff])
    data.update(kw)
    return lifecycle.create_event(staff, **data)
open_event = make("Bürgerversammlung Windkraft {{}}".format(Event.objects.count()))
full = make("Ausgebucht {{}}".format(Event.objects.count()), capacity=1)
registrations.register(full, name="Frieda Voll", email="frieda@example.org")
invited = make("Bürgermeisterkonferenz {{}}".format(Event.objects.count()),
               registration=RegistrationMode.INVITATION, mode="webinar", capacity=200, lobby=True)
gone = make("Abgesagt {{}}".format(Event.objects.count()))
lifecycle.cancel_event(gone, staff, "Der Saal ist gesperrt.")
print(json.dumps({{
    "open": open_event.pk, "full": full.pk, "invited": invited.pk, "cancelled": gone.pk,
    "invitation": tokens.invitation_token(invited.invitation_salt),
}}))
"""


@pytest.fixture
def events(app) -> dict:
    out = app.manage("shell", "-c", SETUP)
    return json.loads(out.strip().splitlines()[-1])


def event_url(app, event_id: int) -> str:
    return f"{app.url}/testkreis/veranstaltungen/{event_id}/"


def test_registering_with_the_keyboard_under_the_csp(app, events, pages, expect) -> None:
    citizen = pages.new("citizen")
    citizen.goto(app.url + "/testkreis/veranstaltungen/")
    card = f'[data-event-id="{events["open"]}"]'
    link = citizen.locator(f"{card} h2 a")
    for _ in range(40):
        citizen.keyboard.press("Tab")
        if citizen.evaluate("(card) => document.activeElement?.closest(card) !== null", card):
            break
    expect(link).to_be_focused()
    citizen.keyboard.press("Enter")
    expect(citizen.locator("#registration-form")).to_be_visible()
    expect(citizen.locator("#seats-left")).to_have_text("30")
    # From the form's first field on, the keyboard alone: type, Tab, Space, Enter.
    citizen.locator("#id_name").focus()
    citizen.keyboard.type("Erika Muster")
    citizen.keyboard.press("Tab")
    expect(citizen.locator("#id_email")).to_be_focused()
    citizen.keyboard.type("erika.events@example.org")
    citizen.keyboard.press("Tab")
    expect(citizen.locator("#id_consent")).to_be_focused()
    citizen.keyboard.press("Space")
    expect(citizen.locator("#id_consent")).to_be_checked()
    citizen.keyboard.press("Tab")
    expect(citizen.locator("#register-button")).to_be_focused()
    citizen.keyboard.press("Enter")
    expect(citizen.locator("#registered-next")).to_be_visible()
    expect(citizen.locator("#join-link")).to_have_attribute("href", re.compile(r"^/raum/[A-Za-z0-9_-]+/$"))
    # The registrant's page and its cancellation (a POST of a real browser passes the CSRF check).
    citizen.locator("#registration-link").focus()
    citizen.keyboard.press("Enter")
    expect(citizen.locator("#registration-state")).to_be_visible()
    citizen.locator("#cancel-button").focus()
    citizen.keyboard.press("Enter")
    expect(citizen.locator(".message--success")).to_be_visible()
    expect(citizen.locator("#cancel-form")).to_have_count(0)
    assert not [line for line in pages.console["citizen"] if "Content Security Policy" in line]


def test_event_pages_have_no_serious_accessibility_violation(app, events, pages, axe_script, expect) -> None:
    audit = Audit(axe_script)
    page = pages.new("auditor", bypass_csp=True)
    page.goto(app.url + "/testkreis/veranstaltungen/")
    audit.check("public list", page)
    page.goto(event_url(app, events["open"]))
    expect(page.locator("#registration-form")).to_be_visible()
    audit.check("event with the registration form", page)
    page.fill("#id_name", "Erika Muster")
    page.fill("#id_email", "keine-adresse")
    page.click("#register-button")
    expect(page.locator("#error-summary")).to_be_focused()
    audit.check("registration form with errors", page)
    page.fill("#id_email", "erika.axe@example.org")
    page.check("#id_consent")
    page.click("#register-button")
    expect(page.locator("#registered-next")).to_be_visible()
    audit.check("registered", page)
    page.locator("#registration-link").click()
    expect(page.locator("#cancel-form")).to_be_visible()
    audit.check("the registrant's page", page)
    page.click("#cancel-button")
    expect(page.locator(".message--success")).to_be_visible()
    audit.check("the registrant's page after cancelling", page)
    page.goto(event_url(app, events["full"]))
    expect(page.locator("#registration-closed")).to_have_attribute("data-reason", "full")
    audit.check("full event", page)
    page.goto(event_url(app, events["cancelled"]))
    expect(page.locator("#registration-closed")).to_have_attribute("data-reason", "cancelled")
    audit.check("cancelled event", page)
    page.goto(f"{app.url}/veranstaltungen/einladung/{events['invitation']}/")
    expect(page.locator("#registration-form")).to_be_visible()
    audit.check("invitation", page)
    page.goto(f"{app.url}/veranstaltungen/einladung/gefaelscht/")
    audit.check("forged invitation link", page)

    official = pages.new("official", bypass_csp=True)
    j.staff_login(official, app, OFFICIAL)
    official.goto(app.url + "/staff/events/")
    expect(official.locator("#upcoming-events")).to_be_visible()
    audit.check("staff list", official)
    official.goto(f"{app.url}/staff/events/{events['invited']}/")
    official.click("#hall-link")
    expect(official.locator("#hall-url")).to_be_visible()
    expect(official.locator("#invitation-url")).to_be_visible()
    audit.check("staff event page with invitation and hall links", official)
    official.goto(f"{app.url}/staff/events/{events['full']}/")
    audit.check("staff event page with a registration", official)
    official.goto(f"{app.url}/staff/events/{events['open']}/edit/")
    audit.check("staff edit form", official)
    official.goto(app.url + "/staff/events/new/")
    audit.check("staff new-event form", official)
    official.fill("#id_title", "Neue Veranstaltung")
    official.fill("#id_capacity", "0")
    official.click("#save-event")
    expect(official.locator("#error-summary")).to_be_visible()
    audit.check("staff new-event form with errors", official)
    official.goto(f"{app.url}/staff/events/{events['open']}/cancel/")
    audit.check("staff cancel", official)
    official.goto(f"{app.url}/staff/events/{events['cancelled']}/")
    audit.check("staff cancelled event", official)

    audit.assert_clean()
