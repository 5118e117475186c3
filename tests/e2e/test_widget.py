"""The status widget on another website: a host page on a second loopback origin embeds it with the loader
script (public/static/public/widget.js), as an authority's CMS would.

The office and its official are made here (not in the session's seed), so the test needs no change to the
shared fixtures: a separate ``manage.py shell`` writes them into the live server's database, and allows the
host page's origin to frame the widget (``Authority.embed_origins``).
"""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import harness
from tests.e2e import journeys as j
from tests.e2e.test_accessibility import Audit

pytestmark = pytest.mark.browser

OFFICE = "widgetamt"
OFFICE_NAME = "Widgetamt"
OFFICIAL = "wilma"

SETUP = """
import datetime as dt, json
from django.contrib.auth import get_user_model
from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.offices.models import Assignment, Office, OpeningInterval
authority = Authority.objects.get(slug={authority!r})
authority.embed_origins = {origin!r}
authority.full_clean()
authority.save()
office, created = Office.objects.get_or_create(
    authority=authority, slug={office!r}, defaults={{"name": {name!r}, "max_queue_length": 0}})
if created:
    for weekday in range(7):
        OpeningInterval.objects.create(
            office=office, weekday=weekday, start=dt.time(0, 0), end=dt.time(23, 59))
    user = get_user_model().objects.create_user(username={official!r}, password={password!r})
    staff = Staff.objects.create(user=user, authority=authority, display_name="Wilma Wiedehopf")
    Assignment.objects.create(office=office, staff=staff, is_lead=True)
print(json.dumps({{"office": office.pk}}))
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def host(app, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """A website of the authority on another origin (another port of 127.0.0.1) with the embed snippet."""
    root: Path = tmp_path_factory.mktemp("host-site")
    port = harness.free_port()
    origin = f"http://127.0.0.1:{port}"
    out = app.manage(
        "shell",
        "-c",
        SETUP.format(
            authority=app.ids["authority"],
            origin=origin,
            office=OFFICE,
            name=OFFICE_NAME,
            official=OFFICIAL,
            password=harness.PASSWORD,
        ),
    )
    office_id = json.loads(out.strip().splitlines()[-1])["office"]
    (root / "index.html").write_text(
        f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8"><title>Landratsamt Testkreis</title></head>
<body><main><h1>Willkommen beim Landratsamt</h1>
<p>Unsere virtuellen Sprechstunden:</p>
<script src="{app.url}/static/public/widget.js"
        data-authority="{app.ids["authority"]}" data-office="{OFFICE}" async></script>
<p id="after-widget">Impressum</p>
</main></body></html>
""",
        encoding="utf-8",
    )
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": origin + "/", "origin": origin, "office_id": office_id}
    server.shutdown()
    server.server_close()


FRAME_HEIGHT_JS = (
    "() => document.querySelector('iframe[data-buergerbuero-frame]').getBoundingClientRect().height"
)
CONTENT_HEIGHT_JS = "() => Math.ceil(document.body.getBoundingClientRect().height)"


def _sized_to_content(page: Any, frame: Any) -> bool:
    return abs(page.evaluate(FRAME_HEIGHT_JS) - frame.evaluate(CONTENT_HEIGHT_JS)) <= 1


def _wait_sized(page: Any, frame: Any) -> None:
    for _attempt in range(150):
        if _sized_to_content(page, frame):
            return
        page.wait_for_timeout(100)
    raise AssertionError(
        f"frame {page.evaluate(FRAME_HEIGHT_JS)} px, content {frame.evaluate(CONTENT_HEIGHT_JS)} px"
    )


def test_widget_on_another_site_shows_resizes_and_goes_live(app, host, pages, expect) -> None:
    citizen = pages.new("citizen")
    citizen.goto(host["url"])
    iframe = citizen.locator("iframe[data-buergerbuero-frame]")
    expect(iframe).to_have_attribute("title", "Virtuelles Bürgerbüro: Öffnungszeiten und Wartezeiten")
    # Inserted where the script stands, before the rest of the host page.
    assert (
        citizen.evaluate(
            "() => document.querySelector('iframe[data-buergerbuero-frame]').nextElementSibling.id"
        )
        == "after-widget"
    )
    inside = citizen.frame_locator("iframe[data-buergerbuero-frame]")
    office = inside.locator(f'[data-office-id="{host["office_id"]}"]')
    expect(office.locator("h2")).to_have_text(OFFICE_NAME)
    expect(office.locator(".office-state")).to_have_attribute("data-state", "closed")
    expect(inside.locator("[data-office-id]")).to_have_count(1)  # data-office chose one office
    expect(office.locator("a").first).to_have_attribute("target", "_top")

    frame = iframe.element_handle().content_frame()
    assert frame is not None
    assert frame.url.startswith(app.url + "/widget/")
    _wait_sized(citizen, frame)
    before = citizen.evaluate(FRAME_HEIGHT_JS)
    assert before != 320  # no longer the loader's initial 20rem

    # Opening the week's hours makes the content taller: the frame follows.
    office.locator("summary").click()
    expect(office.locator("table.hours")).to_be_visible()
    _wait_sized(citizen, frame)
    assert citizen.evaluate(FRAME_HEIGHT_JS) > before

    # An official opens the office through the workspace: the widget shows it without a reload.
    official = pages.new("official")
    j.staff_login(official, app, OFFICIAL)
    j.staff_open_office(official, host["office_id"])
    expect(office.locator(".office-state")).to_have_attribute("data-state", "open_free")
    expect(office.locator(".office-waiting")).to_be_visible()
    expect(office.locator(".office-waiting")).to_have_text("0")
    expect(inside.locator("#widget-announcer")).to_contain_text(OFFICE_NAME)
    _wait_sized(citizen, frame)


def test_only_the_widget_may_be_framed_and_only_by_the_host(app, host, pages) -> None:
    page = pages.new("citizen")
    page.goto(host["url"])
    page.frame_locator("iframe[data-buergerbuero-frame]").locator("[data-office-id]").first.wait_for()
    response = page.request.get(app.url + f"/widget/{app.ids['authority']}/")
    policy = response.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {host['origin']}" in policy
    office_page = page.request.get(app.office_url(OFFICE))
    assert "frame-ancestors 'none'" in office_page.headers["content-security-policy"]
    assert office_page.headers["x-frame-options"] == "DENY"


def test_widget_has_no_serious_accessibility_violation(app, host, pages, axe_script) -> None:
    audit = Audit(axe_script)
    page = pages.new("citizen", bypass_csp=True)
    page.goto(app.url + f"/widget/{app.ids['authority']}/?office={OFFICE}")
    page.locator(".office-state").first.wait_for()
    audit.check("widget", page)
    page.locator("summary").first.click()
    audit.check("widget with the week's hours", page)
    page.goto(app.url + f"/widget/{app.ids['authority']}/?lang=en&links=new")
    audit.check("widget, English, all offices", page)
    audit.assert_clean()
    # Reflow (WCAG 1.4.10): at 320 CSS px, what 200 % zoom of a 640 px wide frame gives, nothing
    # scrolls sideways.
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(app.url + f"/widget/{app.ids['authority']}/")
    page.locator(".office-state").first.wait_for()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
