"""A waiting citizen who reloads the page keeps the place; positions follow admissions."""

from __future__ import annotations

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "meldewesen"
OFFICIAL = "bernd"


def test_reload_keeps_place_and_position_moves_up(app, pages, expect) -> None:
    official, office_id = j.official_at_open_office(pages, app, OFFICE, OFFICIAL)

    first, second = j.two_waiting(pages, app, OFFICE, official, office_id, expect)

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
