"""The consultation with media forced through coturn (iceTransportPolicy "relay"), as on networks where
no direct path exists. The server hands out TURN REST credentials made from the shared secret."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from buergerbuero.calls.ice import turn_credentials
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


# Asks the TURN server for a relay with the given credentials in a fresh peer connection; ends at the
# first relay candidate, the first refusal (icecandidateerror) or the end of gathering.
GATHER_RELAY_JS = """
async ({url, username, credential}) => {
  const pc = new RTCPeerConnection({
    iceServers: [{urls: [url], username, credential}], iceTransportPolicy: 'relay'});
  const out = {relays: 0, errors: []};
  await new Promise((resolve) => {
    pc.addEventListener('icecandidateerror', (e) => { out.errors.push(e.errorCode); resolve(); });
    pc.addEventListener('icecandidate', (e) => {
      if (e.candidate && e.candidate.type === 'relay') { out.relays += 1; resolve(); }
    });
    pc.addEventListener('icegatheringstatechange', () => {
      if (pc.iceGatheringState === 'complete') resolve();
    });
    pc.createDataChannel('probe');
    pc.setLocalDescription();
  });
  pc.close();
  return out;
}
"""


def test_coturn_refuses_an_expired_credential(turn, pages) -> None:
    """Our credentials are short-lived (the page gets fresh ones while the call runs): the real coturn
    allocates a relay with a fresh one and refuses one whose lifetime is over."""
    page = pages.new("probe")
    with override_settings(TURN_SECRET=turn.secret, TURN_CREDENTIAL_TTL_SECONDS=600):
        fresh = turn_credentials(1)
        expired = turn_credentials(1, now=time.time() - 601)
    accepted = page.evaluate(GATHER_RELAY_JS, {"url": turn.url, "username": fresh[0], "credential": fresh[1]})
    assert accepted["relays"] > 0, accepted
    refused = page.evaluate(
        GATHER_RELAY_JS, {"url": turn.url, "username": expired[0], "credential": expired[1]}
    )
    assert refused["relays"] == 0, refused
    assert 401 in refused["errors"], refused
