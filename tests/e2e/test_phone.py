"""A citizen on a small phone (360x740, touch): enter, wait, talk; no page scrolls sideways."""

from __future__ import annotations

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "kfz"
OFFICIAL = "carla"
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


def assert_no_horizontal_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} scrolls sideways on a 360 px phone: scrollWidth {width}"


def test_phone_citizen_enters_waits_and_talks(app, pages, expect) -> None:
    office_id = app.office(OFFICE)["id"]
    official = pages.new("official")
    j.staff_login(official, app, OFFICIAL)
    j.staff_open_office(official, office_id)

    phone = pages.new("citizen on a phone", **PHONE)
    phone.goto(app.overview_url())
    assert_no_horizontal_scroll(phone)
    phone.goto(app.office_url(OFFICE))
    assert_no_horizontal_scroll(phone)
    phone.fill("#id_display_name", "Paula Phone")
    phone.locator("#id_consent").tap()
    expect(phone.locator("#id_consent")).to_be_checked()
    phone.locator("#enter-button").tap()
    j.wait_for_position(phone, 1, expect)
    assert_no_horizontal_scroll(phone)

    j.staff_admit_next(official, office_id)
    expect(phone.locator("#remote-videos video[data-participant]").first).to_be_visible()
    j.wait_for_media(phone)
    j.wait_for_media(official)
    expect(phone.locator("#hangup-button")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    # The controls a person needs in the call are on screen without scrolling sideways.
    box = phone.locator("#hangup-button").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360, box
