"""Closing an office while people wait asks first, naming how many lose their place; with the keyboard
alone the safe answer (keep the office open) is the one in focus."""

from __future__ import annotations

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "bauamt"
OFFICIAL = "dora"


def test_closing_with_people_waiting_asks_first(app, pages, expect) -> None:
    official, office_id = j.official_at_open_office(pages, app, OFFICE, OFFICIAL)
    citizen = pages.new("citizen")
    j.citizen_enter(citizen, app, OFFICE, name="Wanda Warte")
    j.wait_for_queue(official, office_id, 1)
    card = j.office_card(official, office_id)
    question = card.locator(".close-confirm")

    # "Close office" by keyboard: the question names one person; the focus is on "keep it open".
    card.locator(".close-button").focus()
    official.keyboard.press("Enter")
    expect(question).to_be_visible()
    expect(question.locator(".close-confirm__text")).to_have_text(j.number_pattern(1))
    expect(card.locator(".close-cancel-button")).to_be_focused()
    official.keyboard.press("Enter")
    expect(question).to_be_hidden()
    expect(card.locator(".close-button")).to_be_focused()
    expect(card.locator(".close-button")).to_be_visible()
    j.wait_for_position(citizen, 1, expect)

    # Asked again, Escape keeps it open too; then the official confirms.
    official.keyboard.press("Enter")
    expect(card.locator(".close-cancel-button")).to_be_focused()
    official.keyboard.press("Escape")
    expect(question).to_be_hidden()
    official.keyboard.press("Enter")
    expect(card.locator(".close-cancel-button")).to_be_focused()
    official.keyboard.press("Shift+Tab")
    expect(card.locator(".close-confirm-button")).to_be_focused()
    official.keyboard.press("Enter")
    expect(card.locator(".open-button")).to_be_visible()
    expect(question).to_be_hidden()
    # The citizen's place has ended, and the page says so.
    expect(citizen.locator("#ended-panel")).to_be_visible()
    expect(citizen.locator("#waiting-panel")).to_be_hidden()
