"""A waiting citizen who reloads the page keeps the place; positions follow admissions."""

from __future__ import annotations

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "meldewesen"
OFFICIAL = "bernd"


def test_reload_keeps_place_and_position_moves_up(app, pages, expect) -> None:
    office_id = app.office(OFFICE)["id"]
    official = pages.new("official")
    j.staff_login(official, app, OFFICIAL)
    j.staff_open_office(official, office_id)

    first = pages.new("first citizen")
    j.citizen_enter(first, app, OFFICE, name="Erste Person")
    j.wait_for_position(first, 1, expect)
    second = pages.new("second citizen")
    j.citizen_enter(second, app, OFFICE, name="Zweite Person")
    j.wait_for_position(second, 2, expect)
    j.wait_for_queue(official, office_id, 2)

    second.reload()
    j.wait_for_position(second, 2, expect)
    expect(second.locator("#leave-button")).to_be_visible()
    # The official still sees two people waiting (the reload did not create a second ticket).
    queue = official.locator(f'[data-office-id="{office_id}"] .queue [data-ticket-id]')
    expect(queue).to_have_count(2)

    j.staff_admit_next(official, office_id)
    j.wait_for_position(second, 1, expect)
    expect(first.locator("#remote-videos video[data-participant]").first).to_be_attached()
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text("Zweite Person")
