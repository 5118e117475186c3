"""The statistics pages in a real browser: axe-core finds no violation of impact "serious" or
"critical" on the dashboard with figures, with an empty period and after bad input, nor on the print
view; the filter form works with the keyboard alone; the downloads arrive.

The test makes its own office, official and figures through the real actions (one consultation with a
rating, one citizen who left, one declined), so it shares nothing with the other modules' offices."""

from __future__ import annotations

import json

import pytest

from tests.e2e import journeys as j
from tests.e2e.test_accessibility import Audit
from tests.e2e.test_keyboard import assert_focus_visible, tab_to

pytestmark = pytest.mark.browser

OFFICIAL = "kai"  # lead of its own office, made by SETUP
# A name with markup in it (as in SETUP): it must arrive as text in the select, the chart and the tables.
OFFICE_NAME = "Statistik <Probe> & Co"

SETUP = """
import datetime as dt, json
from django.contrib.auth import get_user_model
from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.calls.actions import admission, course
from buergerbuero.offices.actions import close_office, open_office
from buergerbuero.offices.models import Assignment, Office, OpeningInterval
from buergerbuero.waitingroom import actions as waiting
from tests.e2e.harness import PASSWORD
authority = Authority.objects.get(slug="testkreis")
office, created = Office.objects.get_or_create(
    authority=authority, slug="statistikstelle",
    defaults={"name": "Statistik <Probe> & Co", "max_queue_length": 0})
if created:
    user = get_user_model().objects.create_user(username="kai", password=PASSWORD)
    staff = Staff.objects.create(user=user, authority=authority, display_name="Kai Kiebitz")
    Assignment.objects.create(office=office, staff=staff, is_lead=True)
    for weekday in range(7):
        OpeningInterval.objects.create(
            office=office, weekday=weekday, start=dt.time(0, 0), end=dt.time(23, 59))
    open_office(staff, office, outside_hours=True)
    served, _t = waiting.enter_queue(office, "Erika Muster", "Heizung", "de")
    consultation = admission.admit(staff, office)
    admission.citizen_joined(served)
    course.hang_up(consultation, staff)
    waiting.rate(served, 5)
    left, _t = waiting.enter_queue(office, "Lea Lauf", "Frage", "de")
    waiting.leave_queue(left)
    declined, _t = waiting.enter_queue(office, "Dirk Dann", "Falsch hier", "de")
    waiting.decline(staff, declined, "Bitte wenden Sie sich an das Bauamt.")
    close_office(staff, office)
print(json.dumps({"office": office.pk}))
"""

DASHBOARD = "/staff/statistics/"
EMPTY = DASHBOARD + "?period=custom&from=2001-01-01&to=2001-01-31"


def setup_figures(app) -> int:
    return json.loads(app.manage("shell", "-c", SETUP).strip().splitlines()[-1])["office"]


def test_statistics_pages_have_no_serious_accessibility_violation(app, pages, axe_script, expect) -> None:
    office_id = setup_figures(app)
    audit = Audit(axe_script)
    official = pages.new("official", bypass_csp=True)
    j.staff_login(official, app, OFFICIAL)

    with official.expect_navigation():
        official.click("#statistics-link")
    assert official.url == app.url + DASHBOARD
    expect(official.locator("#stats-filter")).to_be_visible()
    official.goto(f"{app.url}{DASHBOARD}?period=today")
    expect(official.locator("#stat-participants dd")).to_have_text("1")
    expect(official.locator("#id_office")).to_contain_text(OFFICE_NAME)
    expect(official.locator("#chart-ratings")).to_be_visible()
    expect(official.locator("#chart-breakdown-table")).to_contain_text(OFFICE_NAME)
    audit.check("dashboard with figures", official)
    # A chart's table opens from its summary.
    official.locator("#chart-ratings-block summary").click()
    expect(official.locator("#chart-ratings-table")).to_be_visible()
    audit.check("dashboard with a chart's table open", official)

    official.goto(f"{app.url}{DASHBOARD}?period=today&office={office_id}")
    expect(official.locator("#chart-breakdown-table")).to_contain_text("Kai Kiebitz")
    audit.check("dashboard of one office", official)

    official.goto(app.url + EMPTY)
    expect(official.locator("#chart-over-time-empty")).to_be_visible()
    expect(official.locator("#chart-heatmap-empty")).to_be_visible()
    expect(official.locator("#stat-participants dd")).to_have_text("0")
    audit.check("dashboard of an empty period", official)

    official.goto(f"{app.url}{DASHBOARD}?period=custom&from=2026-03-02&to=2026-03-01")
    expect(official.locator("#error-summary")).to_be_visible()
    expect(official.locator("#id_to")).to_have_attribute("aria-invalid", "true")
    audit.check("dashboard after bad input", official)

    official.goto(f"{app.url}{DASHBOARD}?period=today")
    with official.expect_navigation():
        official.click("#print-link")
    expect(official.locator("#stats-period")).to_be_visible()
    expect(official.locator(".stats-filter, .staff-user, .site-header")).to_have_count(0)
    expect(official.locator("#chart-ratings-table")).to_be_visible()  # not folded away on paper
    expect(official.locator("#print-button")).to_be_visible()
    audit.check("print view", official)
    official.emulate_media(media="print")
    expect(official.locator("#print-button")).to_be_hidden()
    audit.check("print view as printed", official)
    official.emulate_media(media="screen")

    phone = pages.new("official on a phone", bypass_csp=True, viewport={"width": 360, "height": 740})
    j.staff_login(phone, app, OFFICIAL)
    phone.goto(f"{app.url}{DASHBOARD}?period=today")
    expect(phone.locator("#chart-heatmap")).to_be_visible()
    audit.check("dashboard on a phone", phone)

    for link, extension in (("#export-csv", "csv"), ("#export-xlsx", "xlsx")):
        official.goto(f"{app.url}{DASHBOARD}?period=today")
        with official.expect_download() as download:
            official.click(link)
        assert download.value.suggested_filename.endswith(f".{extension}")
        assert download.value.suggested_filename.startswith("statistik-")

    audit.assert_clean()


def test_the_filter_form_works_with_the_keyboard(app, pages, expect) -> None:
    setup_figures(app)
    official = pages.new("official")
    j.staff_login(official, app, OFFICIAL)
    official.goto(app.url + DASHBOARD)

    tab_to(official, "#id_period")
    assert_focus_visible(official)
    tab_to(official, "#id_from")
    assert_focus_visible(official)
    # The order of a date field's parts follows the browser's locale (day or month first); days whose day
    # and month are the same are typed alike in either.
    official.keyboard.type("01012001")
    tab_to(official, "#id_to")
    official.keyboard.type("03032001")
    expect(official.locator("#id_to")).to_have_value("2001-03-03")
    # Typing a day chose "custom period" in the list (stats/filter.js).
    expect(official.locator("#id_period")).to_have_value("custom")
    tab_to(official, "#filter-button")
    assert_focus_visible(official)
    with official.expect_navigation():
        official.keyboard.press("Enter")
    assert "from=2001-01-01" in official.url and "to=2001-03-03" in official.url
    expect(official.locator("#stats-period")).to_contain_text("01.01.2001")
    expect(official.locator("#chart-over-time-empty")).to_be_visible()

    # The period list by arrow keys: "today" is the first entry.
    tab_to(official, "#id_period")
    for _ in range(6):
        official.keyboard.press("ArrowUp")
    expect(official.locator("#id_period")).to_have_value("today")
    tab_to(official, "#filter-button")
    with official.expect_navigation():
        official.keyboard.press("Enter")
    assert "period=today" in official.url
    expect(official.locator("#stat-participants dd")).to_have_text("1")

    # A chart's table opens with the keyboard.
    tab_to(official, "#chart-ratings-block summary")
    assert_focus_visible(official)
    official.keyboard.press("Enter")
    expect(official.locator("#chart-ratings-table")).to_be_visible()
