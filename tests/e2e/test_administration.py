"""The administration pages in the browser (docs/administration.md): an administrator creates an office and
its hours, assigns an official who opens it, invites an official by mail, adds a closing day, changes the
brand colour; axe-core on every administration page at desktop and phone width; creating an office with
the keyboard alone.

The module has a live server of its own: its mails go to a real SMTP server in the test's network
namespace, its links (SITE_URL) lead back to it, and a changed brand colour or a new office cannot reach
the pages other test modules check. Its seed makes one official an authority administrator.

"Opening hours covering now" without a fake clock: the new office is open all day on today's and
tomorrow's weekday (Europe/Berlin, the offices' time zone), so the official opens it without the
"outside the opening hours" confirmation even when the test crosses midnight.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import time
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.utils import translation

from tests.e2e import journeys as j
from tests.e2e.conftest import _live, own_server
from tests.e2e.harness import PASSWORD, Backends, LiveServer, OfficeSpec, SeedSpec, SmtpServer
from tests.e2e.test_accessibility import Audit
from tests.e2e.test_keyboard import assert_focus_visible

pytestmark = pytest.mark.browser

BERLIN = ZoneInfo("Europe/Berlin")
ADMIN = "vera"
OFFICIAL = "otto"
OFFICIAL_NAME = "Otto Ortolan"
SEED = SeedSpec(
    offices=[
        OfficeSpec("hauptamt", "Hauptamt", [(ADMIN, "Vera Verwalterin")]),
        OfficeSpec("buergeramt", "Bürgeramt", [(OFFICIAL, OFFICIAL_NAME)]),
        # The closing-day test's office.
        OfficeSpec("steueramt", "Steueramt", [("stefan", "Stefan Star")]),
    ]
)
SETUP = f"""
from buergerbuero.authorities.models import Role, Staff
Staff.objects.filter(user__username="{ADMIN}").update(role=Role.AUTHORITY_ADMIN)
"""
WIDTHS = (1280, 360)


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    _live.append(server)
    yield server
    _live.remove(server)
    server.stop()


@pytest.fixture(scope="module")
def admin_app(backends: Backends | None, smtp: SmtpServer) -> Iterator[LiveServer]:
    env = {"BUERGERBUERO_EMAIL_HOST": "127.0.0.1", "BUERGERBUERO_EMAIL_PORT": str(smtp.port)}
    with own_server(SEED, "administration", backends, env, SETUP) as (server, _output):
        yield server


def de(message: str) -> str:
    """The German text of a msgid (the pages are German unless the person chose English)."""
    with translation.override("de"):
        return translation.gettext(message)


# --- steps ------------------------------------------------------------------------------------------


def sign_in(page: Any, server: LiveServer, username: str, password: str = PASSWORD) -> None:
    """The staff login, ending on the workspace (an administrator's may show no office card yet)."""
    page.goto(server.url + "/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("#login-button")
    page.locator("#offices-heading").wait_for(state="visible")


def create_office(page: Any, server: LiveServer, name: str, slug: str) -> int:
    """The office form, filled and sent; returns the new office's id (from the detail page's address)."""
    page.goto(server.url + "/staff/offices/new/")
    page.fill("#id_name", name)
    page.fill("#id_slug", slug)
    page.fill("#id_topics", "Auskünfte\nAnträge")
    page.fill("#id_languages", "Deutsch, Englisch")
    with page.expect_navigation():
        page.click("#save-office")
    match = re.search(r"/staff/offices/(\d+)/$", page.url)
    assert match, f"not on an office's page after creating it: {page.url}"
    return int(match.group(1))


def berlin_now() -> dt.datetime:
    """Now in the offices' time zone, outside the last minute of the day (an interval can end at 23:59 at
    the latest): in that minute, wait for the next day."""
    now = dt.datetime.now(BERLIN)
    if now.hour == 23 and now.minute == 59:
        tomorrow = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=1, microsecond=0)
        time.sleep((tomorrow - now).total_seconds())
        now = dt.datetime.now(BERLIN)
    return now


def is_public_holiday(date: dt.date) -> bool:
    """A public holiday of the seed authority's federal state (tests/e2e/seed.py: Bavaria)."""
    return date in holidays.country_holidays("DE", subdiv="BY", years=date.year)


def set_hours_covering_now(page: Any, server: LiveServer, office_id: int, expect: Any) -> dt.datetime:
    """Today's and tomorrow's weekday 00:00-23:59 in the hours editor; returns the moment they cover."""
    now = berlin_now()
    page.goto(f"{server.url}/staff/offices/{office_id}/hours/")
    for weekday in {now.weekday(), (now.weekday() + 1) % 7}:
        page.fill(f"#id_d{weekday}_0_start", "00:00")
        page.fill(f"#id_d{weekday}_0_end", "23:59")
    with page.expect_navigation():
        page.click("#save-hours")
    expect(page.locator(f"#id_d{now.weekday()}_0_start")).to_have_value("00:00")
    today = page.locator(f'#hours-preview tr[data-date="{now.date().isoformat()}"] td')
    expect(today).to_contain_text("00:00")
    return now


def mail_text(data: bytes) -> tuple[Any, str]:
    message = email.message_from_bytes(data, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, "the mail has no plain-text part"
    return message, str(body.get_content())


# --- the journeys -----------------------------------------------------------------------------------


def test_new_office_with_hours_is_opened_by_its_official_and_shows_open(
    admin_app: LiveServer, pages: Any, expect: Any
) -> None:
    server = admin_app
    if is_public_holiday(dt.datetime.now(BERLIN).date()):
        pytest.skip("offices stay closed on public holidays, whatever their hours say")
    admin = pages.new("administrator")
    sign_in(admin, server, ADMIN)
    admin.click("#offices-admin-link")
    expect(admin.locator("h1")).to_have_text(de("Offices and opening hours"))
    office_id = create_office(admin, server, "Servicestelle Rente", "rente")
    expect(admin.locator("h1")).to_have_text("Servicestelle Rente")
    expect(admin.locator("#public-link")).to_have_text(f"{server.overview_url()}rente/")
    set_hours_covering_now(admin, server, office_id, expect)

    admin.goto(f"{server.url}/staff/offices/{office_id}/")
    admin.select_option("#id_staff", label=OFFICIAL_NAME)
    with admin.expect_navigation():
        admin.click("#assign-official")
    expect(admin.locator("#assignments")).to_contain_text(OFFICIAL_NAME)

    # The citizen's overview lists the office, closed, with its hours, before anyone serves it.
    citizen = pages.new("citizen")
    citizen.goto(server.overview_url())
    card = citizen.locator(f'.office-card[data-office-id="{office_id}"]')
    expect(card.locator("h2")).to_have_text("Servicestelle Rente")
    expect(card.locator(".office-state")).to_have_attribute("data-state", "closed")
    expect(card.locator(".hours__today td")).to_contain_text("00:00–23:59")

    # The official opens it within its hours (no confirmation asked), and the overview follows live.
    official = pages.new("official")
    j.staff_login(official, server, OFFICIAL)
    j.staff_open_office(official, office_id)
    expect(card.locator(".office-state")).to_have_attribute("data-state", re.compile(r"^open_"))
    expect(card.locator(".office-state")).to_have_text(de("open – available"))

    j.office_card(official, office_id).locator(".close-button").click()
    expect(card.locator(".office-state")).to_have_attribute("data-state", "closed")


def test_invited_official_sets_a_password_and_signs_in(
    admin_app: LiveServer, smtp: SmtpServer, pages: Any, expect: Any
) -> None:
    server = admin_app
    invitee_email = "nina.neu@example.org"
    admin = pages.new("administrator")
    sign_in(admin, server, ADMIN)
    admin.click("#people-link")
    admin.click("#invite-link")
    admin.fill("#id_display_name", "Nina Neu")
    admin.fill("#id_username", "nina")
    admin.fill("#id_email", invitee_email)
    with admin.expect_navigation():
        admin.click("#send-invitation")
    expect(admin.locator("h1")).to_have_text("Nina Neu")
    expect(admin.locator("#invitation-state")).to_be_visible()

    mail = smtp.wait_for(lambda m: invitee_email in m.recipients)
    message, body = mail_text(mail.data)
    assert message["To"] == invitee_email
    assert "Landratsamt Testkreis" in body
    assert "nina" in body
    links = re.findall(r"https?://\S+/staff/people/invitation/\S+/", body)
    assert len(links) == 1, body
    assert links[0].startswith(server.url), links[0]

    invitee = pages.new("invitee")
    invitee.goto(links[0])
    expect(invitee.locator("#accept-form")).to_be_visible()
    new_password = "Lindenblatt und Eichenrinde 42"
    invitee.fill("#id_new_password1", new_password)
    invitee.fill("#id_new_password2", new_password)
    with invitee.expect_navigation():
        invitee.click("#accept-button")

    # The link works once.
    again = pages.new("invitee again")
    again.goto(links[0])
    expect(again.locator("#invitation-problem")).to_be_visible()

    fresh = pages.new("invitee signing in")
    sign_in(fresh, server, "nina", new_password)
    expect(fresh).to_have_url(re.compile(r"/staff/$"))
    expect(fresh.locator("#no-offices")).to_be_visible()

    admin.reload()
    expect(admin.locator("#invitation-state")).to_have_count(0)


def test_closing_day_is_shown_on_the_public_office_page(
    admin_app: LiveServer, pages: Any, expect: Any
) -> None:
    server = admin_app
    office_id = server.office("steueramt")["id"]
    day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=3)
    admin = pages.new("administrator")
    sign_in(admin, server, ADMIN)
    admin.goto(f"{server.url}/staff/offices/{office_id}/")
    admin.fill("#id_date", day.isoformat())
    admin.fill("#id_reason", "Betriebsausflug")
    with admin.expect_navigation():
        admin.click("#add-closure")
    expect(admin.locator("#closures")).to_contain_text("Betriebsausflug")

    citizen = pages.new("citizen")
    citizen.goto(server.office_url("steueramt"))
    row = citizen.locator("table.hours tbody tr").nth(3)
    expect(row.locator("th")).to_contain_text(day.strftime("%d.%m."))
    expect(row.locator("td")).to_have_text(re.compile(rf"^\s*{de('closed')} \(Betriebsausflug\)\s*$"))
    # Only that day: the others keep their hours (or a public holiday's name).
    expect(citizen.locator("table.hours td", has_text="Betriebsausflug")).to_have_count(1)


def test_brand_colour_reaches_the_public_pages(admin_app: LiveServer, pages: Any, expect: Any) -> None:
    server = admin_app
    colour = "#7a1f3d"  # 4.5:1 and more against white and the page surface
    admin = pages.new("administrator")
    sign_in(admin, server, ADMIN)
    admin.click("#authority-settings-link")

    admin.fill("#id_colour", "#ffdd00")  # far too light for white text
    with admin.expect_navigation():
        admin.click("#save-settings")
    expect(admin.locator("#error-summary")).to_contain_text(":1")
    expect(admin.locator("#id_colour")).to_have_value("#ffdd00")
    expect(admin.locator("#id_colour")).to_have_attribute("aria-invalid", "true")

    admin.fill("#id_colour", colour)
    with admin.expect_navigation():
        admin.click("#save-settings")
    expect(admin.locator("#error-summary")).to_have_count(0)
    expect(admin.locator("#id_colour")).to_have_value(colour)

    citizen = pages.new("citizen")
    for url in (server.overview_url(), server.office_url("buergeramt")):
        citizen.goto(url)
        theme = citizen.locator('link[rel="stylesheet"][href*="/theme.css"]')
        expect(theme).to_have_attribute("href", re.compile(colour[1:]))
        primary = citizen.evaluate(
            "() => getComputedStyle(document.documentElement).getPropertyValue('--primary').trim()"
        )
        assert primary == colour, f"{url}: --primary is {primary!r}"


def test_every_administration_page_has_no_serious_accessibility_violation(
    admin_app: LiveServer, pages: Any, axe_script: Any, expect: Any
) -> None:
    server = admin_app
    admin = pages.new("administrator", bypass_csp=True)
    sign_in(admin, server, ADMIN)
    office_id = server.office("hauptamt")["id"]
    person_id = server.office("buergeramt")["officials"][OFFICIAL]
    audit = Audit(axe_script)

    def visit(label: str, path: str, then: Any = None) -> None:
        for width in WIDTHS:
            admin.set_viewport_size({"width": width, "height": 800})
            admin.goto(server.url + path)
            if then is not None:
                with admin.expect_navigation():
                    then()
            audit.check(f"{label} at {width} px", admin)

    visit("office list", "/staff/offices/")
    visit("new office", "/staff/offices/new/")
    visit("new office with errors", "/staff/offices/new/", lambda: admin.click("#save-office"))
    visit("office", f"/staff/offices/{office_id}/")
    visit("office edit", f"/staff/offices/{office_id}/edit/")
    visit("hours editor", f"/staff/offices/{office_id}/hours/")
    visit("people", "/staff/people/")
    visit("invite", "/staff/people/invite/")
    visit("invite with errors", "/staff/people/invite/", lambda: admin.click("#send-invitation"))
    visit("person", f"/staff/people/{person_id}/")
    visit("own account", "/staff/people/account/")
    visit("password change", "/staff/people/account/password/")
    visit("authority settings", "/staff/authority/settings/")

    def refuse_colour() -> None:
        admin.fill("#id_colour", "#ffdd00")
        admin.click("#save-settings")

    visit("authority settings with errors", "/staff/authority/settings/", refuse_colour)
    visit("audit log", "/staff/audit/")
    visit("audit log with errors", "/staff/audit/?start=2026-13-40")
    assert len(audit.found) == 2 * 16  # every page state at both widths
    audit.assert_clean()


# --- the keyboard alone ------------------------------------------------------------------------------


def tab_to(page: Any, selector: str, key: str = "Tab", limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until the element matching ``selector`` has the focus, and check that the
    focus is visibly marked there."""
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", selector):
            assert_focus_visible(page)
            return
    raise AssertionError(f"{selector} cannot be reached with {key} on {page.url}")


def test_office_is_created_with_the_keyboard_alone(admin_app: LiveServer, pages: Any, expect: Any) -> None:
    server = admin_app
    admin = pages.new("administrator")
    sign_in(admin, server, ADMIN)

    tab_to(admin, "#offices-admin-link")
    with admin.expect_navigation():
        admin.keyboard.press("Enter")
    tab_to(admin, "#create-office")
    with admin.expect_navigation():
        admin.keyboard.press("Enter")

    tab_to(admin, "#id_name")
    admin.keyboard.type("Tastaturamt")
    tab_to(admin, "#id_slug")
    admin.keyboard.type("tastatur")
    # Back to the name to correct it, and forward again.
    tab_to(admin, "#id_name", key="Shift+Tab")
    admin.keyboard.press("End")
    admin.keyboard.type(" Nord")
    tab_to(admin, "#id_languages")
    admin.keyboard.press("Control+A")
    admin.keyboard.type("Deutsch, Türkisch")
    tab_to(admin, "#save-office")
    with admin.expect_navigation():
        admin.keyboard.press("Enter")

    expect(admin).to_have_url(re.compile(r"/staff/offices/\d+/$"))
    expect(admin.locator("h1")).to_have_text("Tastaturamt Nord")
    expect(admin.locator("#public-link")).to_have_text(f"{server.overview_url()}tastatur/")
    expect(admin.locator("section[aria-labelledby='details-heading'] .summary")).to_contain_text(
        "Deutsch, Türkisch"
    )
