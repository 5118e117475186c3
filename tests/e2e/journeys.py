"""What a citizen and an official do in the browser, written once for the tests and the benchmarks.

The steps use only the element ids agreed with the page authors (docs: tests/e2e/conftest.py) and wait
for what a person would see, or for WebRTC statistics; never for fixed sleeps.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from tests.e2e.harness import PASSWORD, LiveServer

TIMEOUT_MS = 15_000

# Sums the inbound media of every peer connection of the page, and reports the selected candidate pair.
# window.bbCall.peers is a Map (participant id -> RTCPeerConnection); an entry that wraps the connection
# ({pc}) is accepted too. With the argument true, connections marked by MARK_PEERS_JS are left out.
MEDIA_STATS_JS = """
async (freshOnly) => {
  const call = window.bbCall;
  if (!call || !call.peers) return null;
  const out = {peers: 0, framesDecoded: 0, totalSamplesReceived: 0, pairs: []};
  for (const entry of call.peers.values()) {
    const pc = entry instanceof RTCPeerConnection ? entry : (entry && (entry.pc || entry.connection));
    if (!pc || pc.connectionState === 'closed' || (freshOnly && pc.__bbMarked)) continue;
    out.peers += 1;
    const stats = await pc.getStats();
    stats.forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') out.framesDecoded += r.framesDecoded || 0;
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        out.totalSamplesReceived += r.totalSamplesReceived || 0;
      }
    });
    stats.forEach((r) => {
      let pair = null;
      if (r.type === 'transport' && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId);
      if (pair) {
        const local = stats.get(pair.localCandidateId) || {};
        const remote = stats.get(pair.remoteCandidateId) || {};
        out.pairs.push({state: pair.state, nominated: !!pair.nominated,
                        local: local.candidateType, remote: remote.candidateType,
                        protocol: local.protocol, relayProtocol: local.relayProtocol || null});
      }
    });
  }
  return out;
}
"""


@dataclass
class Media:
    peers: int
    frames_decoded: int
    samples_received: int
    pairs: list[dict[str, Any]]


# Marks the page's current peer connections, so that media_stats(fresh_only=True) sees only newer ones.
MARK_PEERS_JS = """
() => {
  const call = window.bbCall;
  let marked = 0;
  for (const pc of (call && call.peers ? call.peers.values() : [])) { pc.__bbMarked = true; marked += 1; }
  return marked;
}
"""


def media_stats(page: Any, fresh_only: bool = False) -> Media | None:
    raw = page.evaluate(MEDIA_STATS_JS, fresh_only)
    if raw is None:
        return None
    return Media(raw["peers"], raw["framesDecoded"], raw["totalSamplesReceived"], raw["pairs"])


def mark_peer_connections(page: Any) -> int:
    return int(page.evaluate(MARK_PEERS_JS))


def wait_for_media(page: Any, timeout_s: float = 20, audio: bool = True, fresh_only: bool = False) -> Media:
    """Poll getStats until remote video frames were decoded (and audio samples received); with
    ``fresh_only`` on peer connections made after mark_peer_connections only."""
    deadline = time.monotonic() + timeout_s
    last: Media | None = None
    while time.monotonic() < deadline:
        last = media_stats(page, fresh_only)
        if last and last.peers and last.frames_decoded > 0 and (not audio or last.samples_received > 0):
            return last
        page.wait_for_timeout(100)
    raise AssertionError(f"no remote media on {page.url} within {timeout_s} s: {last}")


def wait_for_more_frames(page: Any, than: int, timeout_s: float = 10) -> Media:
    """Poll getStats until the page decoded more remote video frames than ``than``: media flows now."""
    deadline = time.monotonic() + timeout_s
    last: Media | None = None
    while time.monotonic() < deadline:
        last = media_stats(page)
        if last and last.frames_decoded > than:
            return last
        page.wait_for_timeout(100)
    raise AssertionError(f"no new video frames on {page.url} within {timeout_s} s: {last}")


def wait_for_selected_pair(page: Any, timeout_s: float = 10) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    last: Media | None = None
    while time.monotonic() < deadline:
        last = media_stats(page)
        if last and last.pairs and all(p["state"] == "succeeded" for p in last.pairs):
            return last.pairs
        page.wait_for_timeout(100)
    raise AssertionError(f"no selected candidate pair on {page.url}: {last}")


def number_pattern(n: int) -> re.Pattern[str]:
    """Matches a text that shows the number ``n`` on its own ("1", "Platz 1", "1.")."""
    return re.compile(rf"(^|\D){n}(\D|$)")


# --- the citizen ------------------------------------------------------------------------------------


def citizen_enter(
    page: Any, server: LiveServer, office_slug: str, name: str = "", concern: str = "", expect: Any = None
) -> None:
    """Office page → optional name and concern → consent → enter. Returns when the waiting page shows a
    position."""
    page.goto(server.office_url(office_slug))
    if name:
        page.fill("#id_display_name", name)
    if concern:
        page.fill("#id_concern", concern)
    page.check("#id_consent")
    page.click("#enter-button")
    wait_for_position(page, None, expect)


def wait_for_position(page: Any, position: int | None, expect: Any = None) -> None:
    locator = page.locator("#position")
    if expect is None:
        from playwright.sync_api import expect
    if position is None:
        expect(locator).to_have_text(re.compile(r"\d"), timeout=TIMEOUT_MS)
    else:
        expect(locator).to_have_text(number_pattern(position), timeout=TIMEOUT_MS)


# --- the official -----------------------------------------------------------------------------------


def staff_login(page: Any, server: LiveServer, username: str) -> None:
    page.goto(server.url + "/staff/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("#login-form").locator("button[type=submit], input[type=submit]").first.click()
    # The dashboard is live once its socket delivered the snapshot and the offices are drawn.
    page.locator("[data-office-id]").first.wait_for(state="visible", timeout=TIMEOUT_MS)


def office_card(page: Any, office_id: int) -> Any:
    return page.locator(f'[data-office-id="{office_id}"]').first


def staff_open_office(page: Any, office_id: int) -> None:
    card = office_card(page, office_id)
    card.locator(".open-button").click()
    card.locator(".close-button").wait_for(state="visible", timeout=TIMEOUT_MS)


def wait_for_queue(page: Any, office_id: int, count: int) -> None:
    page.locator(f'[data-office-id="{office_id}"] .queue [data-ticket-id]').nth(count - 1).wait_for(
        state="visible", timeout=TIMEOUT_MS
    )


def staff_admit_next(page: Any, office_id: int) -> None:
    office_card(page, office_id).locator(".admit-next-button").click()


# --- scenes several tests start from -----------------------------------------------------------------


def official_at_open_office(
    pages: Any, server: LiveServer, office_slug: str, username: str
) -> tuple[Any, int]:
    """The official signed in, the office opened on their workspace: (their page, the office's id)."""
    office_id = int(server.office(office_slug)["id"])
    official = pages.new("official")
    staff_login(official, server, username)
    staff_open_office(official, office_id)
    return official, office_id


def two_waiting(
    pages: Any, server: LiveServer, office_slug: str, official: Any, office_id: int, expect: Any
) -> tuple[Any, Any]:
    """Two citizens enter one after the other and wait at places 1 and 2; the official sees both."""
    first = pages.new("first citizen")
    citizen_enter(first, server, office_slug, name="Erste Person")
    wait_for_position(first, 1, expect)
    second = pages.new("second citizen")
    citizen_enter(second, server, office_slug, name="Zweite Person")
    wait_for_position(second, 2, expect)
    wait_for_queue(official, office_id, 2)
    return first, second


def wait_connected(page: Any) -> None:
    page.locator('body[data-call-state="connected"]').wait_for(state="attached", timeout=TIMEOUT_MS)


def wait_for_thank_you(page: Any, expect: Any) -> None:
    """After the consultation the citizen lands on the thank-you page (public:thanks, ``…/danke/``)."""
    expect(page).to_have_url(re.compile(r"/danke/$"), timeout=TIMEOUT_MS)
    expect(page.locator("h1").first).to_be_visible()
    expect(page.locator("#hangup-button")).to_have_count(0)


def confirm_leave_by_keyboard(page: Any) -> None:
    """Leaving asks for no confirmation on the waiting page (one press of the leave button)."""
