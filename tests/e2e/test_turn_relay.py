"""The consultation with media forced through coturn (iceTransportPolicy "relay"), as on networks where
no direct path exists. The server hands out TURN REST credentials made from the shared secret."""

from __future__ import annotations

import pytest

from tests.e2e import journeys as j

pytestmark = [pytest.mark.browser, pytest.mark.media]

OFFICE = "beratung"
OFFICIAL = "anna"


def test_call_through_turn_relay(relay_app, pages, expect) -> None:
    office_id = relay_app.office(OFFICE)["id"]
    official = pages.new("official")
    j.staff_login(official, relay_app, OFFICIAL)
    j.staff_open_office(official, office_id)
    citizen = pages.new("citizen")
    j.citizen_enter(citizen, relay_app, OFFICE, name="Rita Relais")
    j.wait_for_position(citizen, 1, expect)

    j.staff_admit_next(official, office_id)

    for page in (citizen, official):
        media = j.wait_for_media(page, timeout_s=30)
        assert media.frames_decoded > 0
        pairs = j.wait_for_selected_pair(page)
        assert pairs, "no selected candidate pair"
        for pair in pairs:
            assert pair["local"] == "relay", f"media did not go through the TURN relay: {pairs}"
            assert pair["relayProtocol"] in ("udp", None), pairs
