"""Screen sharing in a call, from either side: the other side sees the screen instead of the camera
(frames keep coming, in the screen's shape), and the camera again when the sharing stops.

Chromium with --use-fake-ui-for-media-stream (harness.CHROMIUM_ARGS) answers getDisplayMedia without a
picker with a fake screen of 1280x720 (16:9); the fake camera is asked for 640x480 (4:3), so the shape
of the picture the other side decodes tells which one it gets."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e import journeys as j

pytestmark = [pytest.mark.browser, pytest.mark.media]

OFFICE = "wohngeld"
OFFICIAL = "jan"
SCREEN, CAMERA = 16 / 9, 4 / 3

# The picture of the first remote tile as the person sees it, and how many frames its connection decoded.
REMOTE_VIDEO_JS = """
async () => {
  const video = document.querySelector('#remote-videos video[data-participant]');
  const call = window.bbCall;
  if (!video || !call) return null;
  let frames = 0;
  for (const pc of call.peers.values()) {
    if (pc.connectionState === 'closed') continue;
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded || 0;
    });
  }
  return {width: video.videoWidth, height: video.videoHeight, frames};
}
"""
LOCAL_TRACK_JS = """
() => {
  const stream = document.getElementById('local-video').srcObject;
  const track = stream && stream.getVideoTracks()[0];
  return track ? track.label : null;
}
"""


def wait_for_shape(page: Any, ratio: float, after_frames: int, timeout_s: float = 20) -> dict[str, int]:
    """Poll until the remote picture has the aspect ratio ``ratio`` and more than ``after_frames`` frames
    were decoded, i.e. new frames of the new source arrive."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = page.evaluate(REMOTE_VIDEO_JS)
        shaped = last and last["height"] and abs(last["width"] / last["height"] - ratio) < 0.05
        if shaped and last["frames"] > after_frames:
            return last
        page.wait_for_timeout(100)
    raise AssertionError(f"the remote picture on {page.url} did not become {ratio:.2f}: {last}")


def share_and_stop(sharer: Any, viewer: Any, expect: Any) -> None:
    button = sharer.locator("#screen-button")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-pressed", "false")
    before = wait_for_shape(viewer, CAMERA, 0)

    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    assert sharer.evaluate(LOCAL_TRACK_JS).startswith("screen")  # the preview shows what is shared
    shared = wait_for_shape(viewer, SCREEN, before["frames"])
    # Frames keep coming while the screen is shared.
    wait_for_shape(viewer, SCREEN, shared["frames"])

    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    assert not sharer.evaluate(LOCAL_TRACK_JS).startswith("screen")
    back = wait_for_shape(viewer, CAMERA, shared["frames"])
    wait_for_shape(viewer, CAMERA, back["frames"])


def test_screen_sharing_from_both_sides(app, pages, expect) -> None:
    office_id = app.office(OFFICE)["id"]
    official = pages.new("official")
    j.staff_login(official, app, OFFICIAL)
    j.staff_open_office(official, office_id)
    citizen = pages.new("citizen")
    j.citizen_enter(citizen, app, OFFICE, name="Sina Schirm")
    j.wait_for_position(citizen, 1, expect)
    j.staff_admit_next(official, office_id)
    j.wait_for_media(official)
    j.wait_for_media(citizen)

    share_and_stop(official, citizen, expect)
    share_and_stop(citizen, official, expect)

    official.click("#hangup-button")
    j.wait_for_thank_you(citizen, expect)
