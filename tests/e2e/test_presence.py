"""The officials' list shows whether a waiting citizen's page is open, live both ways:
the "page closed" mark appears when the citizen closes the page and goes again when they come back,
without a reload of the workspace."""

from __future__ import annotations

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "kulturamt"
OFFICIAL = "lea"


def test_page_closed_mark_follows_the_citizens_page(app, pages, expect) -> None:
    official, office_id = j.official_at_open_office(pages, app, OFFICE, OFFICIAL)
    citizen = pages.new("citizen")
    j.citizen_enter(citizen, app, OFFICE, name="Wanda Warte")
    j.wait_for_queue(official, office_id, 1)
    away = j.office_card(official, office_id).locator(".queue [data-ticket-id] .mark--away")
    # The citizen's page is open: no mark (a new place starts as "page closed" until its socket opens).
    expect(away).to_be_hidden()
    waiting_url = citizen.url

    citizen.close()
    expect(away).to_be_visible()

    again = pages.another_window("citizen-again", of="citizen")
    again.goto(waiting_url)
    j.wait_for_position(again, 1, expect)
    expect(away).to_be_hidden()
