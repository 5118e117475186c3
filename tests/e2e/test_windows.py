"""An official with the workspace open in two windows: exactly one of them runs the call (the one that
let the citizen in); the other says so and can take the call over; a reload keeps the call where it is."""

from __future__ import annotations

import re

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "sozialamt"
OFFICIAL = "ida"
ELSEWHERE = re.compile("in einem anderen Fenster")


def peer_count(page) -> int:
    """Open peer connections of the page (0 when it has no call)."""
    stats = j.media_stats(page)
    return stats.peers if stats else 0


def test_one_window_holds_the_call_and_another_takes_it_over(app, pages, expect) -> None:
    office_id = app.office(OFFICE)["id"]
    first = pages.new("official, first window")
    j.staff_login(first, app, OFFICIAL)
    second = pages.another_window("official, second window", of="official, first window")
    second.goto(app.url + "/staff/")
    second.locator("[data-office-id]").first.wait_for(state="visible")
    j.staff_open_office(first, office_id)

    citizen = pages.new("citizen")
    j.citizen_enter(citizen, app, OFFICE, name="Wilma Wohngeld")
    j.wait_for_queue(first, office_id, 1)
    j.wait_for_queue(second, office_id, 1)

    # The first window lets her in: it runs the call, the second one only says where it runs.
    j.staff_admit_next(first, office_id)
    expect(first.locator("#call-panel")).to_be_visible()
    j.wait_for_media(first)
    j.wait_for_media(citizen)
    expect(second.locator("#call-elsewhere")).to_be_visible()
    expect(second.locator("#call-elsewhere-text")).to_have_text(ELSEWHERE)
    expect(second.locator("#call-panel")).to_be_hidden()
    assert peer_count(second) == 0
    citizen.fill("#chat-input", "Erste Nachricht")
    citizen.press("#chat-input", "Enter")
    expect(first.locator("#chat-log")).to_contain_text("Erste Nachricht")

    # "Continue the consultation here": the call moves, the citizen gets a new connection to it.
    j.mark_peer_connections(citizen)
    second.locator("#take-over-button").click()
    expect(second.locator("#call-panel")).to_be_visible()
    expect(second.locator("#call-elsewhere")).to_be_hidden()
    j.wait_for_media(second)
    j.wait_for_media(citizen, fresh_only=True)
    expect(first.locator("#call-elsewhere")).to_be_visible()
    expect(first.locator("#call-panel")).to_be_hidden()
    first.wait_for_function(
        "!window.bbCall || [...window.bbCall.peers.values()].every((pc) => pc.connectionState === 'closed')"
    )
    citizen.fill("#chat-input", "Zweite Nachricht")
    citizen.press("#chat-input", "Enter")
    expect(second.locator("#chat-log")).to_contain_text("Zweite Nachricht")
    expect(first.locator("#chat-log")).not_to_contain_text("Zweite Nachricht")

    # A reload of the window that runs the call brings the call back into it.
    j.mark_peer_connections(citizen)
    second.reload()
    expect(second.locator("#call-panel")).to_be_visible()
    j.wait_for_media(second)
    j.wait_for_media(citizen, fresh_only=True)
    expect(second.locator("#call-elsewhere")).to_be_hidden()
    expect(first.locator("#call-elsewhere")).to_be_visible()

    # Ending it there clears the notice in the other window.
    second.click("#hangup-button")
    expect(second.locator("#call-panel")).to_be_hidden()
    expect(first.locator("#call-elsewhere")).to_be_hidden()
    j.wait_for_thank_you(citizen, expect)
