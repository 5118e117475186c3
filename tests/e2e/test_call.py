"""The whole consultation: a citizen enters, waits, is let in, both see and hear each other, chat both
ways, the official hangs up."""

from __future__ import annotations

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "beratung"
OFFICIAL = "anna"


def test_citizen_and_official_see_hear_and_chat(app, pages, expect) -> None:
    office_id = app.office(OFFICE)["id"]
    official = pages.new("official")
    j.staff_login(official, app, OFFICIAL)
    j.staff_open_office(official, office_id)

    citizen = pages.new("citizen")
    j.citizen_enter(citizen, app, OFFICE, name="Erika Mustermann", concern="Förderung einer Wärmepumpe")
    j.wait_for_position(citizen, 1, expect)
    j.wait_for_queue(official, office_id, 1)
    expect(official.locator(f'[data-office-id="{office_id}"] .queue [data-ticket-id]').first).to_contain_text(
        "Erika Mustermann"
    )

    j.staff_admit_next(official, office_id)

    # Both see the other's camera: a <video> for the remote participant, and decoded frames and audio.
    expect(citizen.locator("#remote-videos video[data-participant]").first).to_be_visible()
    expect(official.locator("#call-panel")).to_be_visible()
    j.wait_connected(official)
    citizen_media = j.wait_for_media(citizen)
    official_media = j.wait_for_media(official)
    assert citizen_media.frames_decoded > 0 and citizen_media.samples_received > 0
    assert official_media.frames_decoded > 0 and official_media.samples_received > 0
    width = citizen.locator("#remote-videos video[data-participant]").first.evaluate("v => v.videoWidth")
    assert width > 0, "the citizen's remote video element shows no picture"

    # Chat, both ways.
    citizen.fill("#chat-input", "Guten Tag, hören Sie mich?")
    citizen.press("#chat-input", "Enter")
    expect(official.locator("#chat-log")).to_contain_text("Guten Tag, hören Sie mich?")
    expect(citizen.locator("#chat-input")).to_have_value("")
    official.fill("#chat-input", "Ja, sehr gut. Worum geht es?")
    official.press("#chat-input", "Enter")
    expect(citizen.locator("#chat-log")).to_contain_text("Ja, sehr gut. Worum geht es?")

    # The official ends the consultation: the citizen is thanked, the official's call panel closes.
    official.click("#hangup-button")
    expect(official.locator("#call-panel")).to_be_hidden()
    j.wait_for_thank_you(citizen, expect)
