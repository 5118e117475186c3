"""A reload of either page in a running consultation brings media back on both sides: the other page
drops its peer connection to the old page as soon as the server says the new one is there and connects
afresh (a renegotiation on the old connection waited for ICE). Timings: bench/bench_reload.py."""

from __future__ import annotations

import pytest

from tests.e2e import journeys as j

pytestmark = pytest.mark.browser

OFFICE = "passamt"
OFFICIAL = "rolf"


def test_reload_mid_call_brings_media_back_on_both_sides(app, pages, expect) -> None:
    office_id = app.office(OFFICE)["id"]
    official = pages.new("official")
    j.staff_login(official, app, OFFICIAL)
    j.staff_open_office(official, office_id)
    citizen = pages.new("citizen")
    j.citizen_enter(citizen, app, OFFICE, name="Rita Reload")
    j.wait_for_position(citizen, 1, expect)
    j.staff_admit_next(official, office_id)
    j.wait_for_media(official)
    j.wait_for_media(citizen)

    # The citizen reloads: the official's page gets a new connection to the new page, and media flows.
    j.mark_peer_connections(official)
    citizen.reload()
    expect(citizen.locator("#call-panel")).to_be_visible()
    j.wait_for_media(citizen)
    j.wait_for_media(official, fresh_only=True)

    # The official reloads: the citizen's page connects afresh to the official's new page.
    j.mark_peer_connections(citizen)
    official.reload()
    expect(official.locator("#call-panel")).to_be_visible()
    j.wait_for_media(official)
    j.wait_for_media(citizen, fresh_only=True)
    # Media keeps flowing on both sides: more frames are decoded a moment later.
    for page in (citizen, official):
        before = j.media_stats(page)
        assert before is not None
        j.wait_for_more_frames(page, before.frames_decoded)
