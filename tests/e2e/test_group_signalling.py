"""Media signalling of group sessions (rooms.signalling, rooms/static/rooms/groupmedia.js) with a real
Janus on a veth pair of this test's network namespace (tests/e2e/janusnet.py), the live server and real
Chromium pages as WebRTC peers. The pages are bare (only groupmedia.js on the room's socket), so these
tests show the media part alone; tests/e2e/test_group.py goes through the room page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e import harness, janusnet
from tests.e2e.harness import OfficeSpec, SeedSpec
from tests.e2e.janusnet import GroupServer, decodes, frames, open_test_page

pytestmark = [
    pytest.mark.media,
    pytest.mark.skipif(not janusnet.available(), reason="janus is not installed"),
]

SEED = SeedSpec(offices=[OfficeSpec("schulungen", "Schulungen", [("sina", "Sina Specht")])])


@pytest.fixture(scope="module")
def group() -> Iterator[GroupServer]:
    server = GroupServer(SEED, name="group-signalling").start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_server_errors(group: GroupServer, request: pytest.FixtureRequest) -> Iterator[None]:
    mark = group.live.log_size()
    yield
    new = group.live.log_since(mark)
    if "Traceback (most recent call last)" in new:
        pytest.fail(f"the live server logged errors during the test:\n{new[-6000:]}", pytrace=False)


def assert_no_janus_session_names(page: Any) -> None:
    """Janus names an SDP's session after its room or mountpoint (``s=VideoRoom <number>``); no SDP a
    page gets carries that."""
    sdps = [f["sdp"] for f in frames(page) if f["type"] in ("media.offer", "media.answer")]
    assert sdps
    for sdp in sdps:
        assert [line for line in sdp.splitlines() if line.startswith("s=")] == ["s=-"]


def publish(page: Any, **options: bool) -> None:
    page.evaluate("(options) => window.bbMedia.publish(options)", {"audio": True, "video": True, **options})


def test_a_presenter_is_seen_by_two_viewers_and_a_viewer_may_not_publish(group: GroupServer, pages) -> None:
    room = group.make_room(
        [("Petra Presenter", "presenter"), ("Vera Viewer", "viewer"), ("Willi Viewer", "viewer")],
        mode="webinar",
    )
    presenter = open_test_page(pages.new("presenter"), group, room, "Petra Presenter")
    vera = open_test_page(pages.new("vera"), group, room, "Vera Viewer")
    willi = open_test_page(pages.new("willi"), group, room, "Willi Viewer")
    config = next(f for f in frames(vera) if f["type"] == "media.config")
    assert config["may_publish"] is False
    assert next(f for f in frames(presenter) if f["type"] == "media.config")["may_publish"] is True

    publish(presenter)
    presenter_id = room.member("Petra Presenter")
    assert decodes(vera, presenter_id) > 0
    assert decodes(willi, presenter_id) > 0
    # The viewers learnt of the presenter's feed by our member id, streams by mid and kind.
    offer = next(f for f in frames(vera) if f["type"] == "media.offer")
    assert {(s["member"], s["kind"]) for s in offer["streams"]} == {
        (presenter_id, "audio"),
        (presenter_id, "video"),
    }
    assert presenter_id in next(f for f in reversed(frames(willi)) if f["type"] == "media.feeds")["feeds"]

    # A viewer's offer is refused by our server; Janus never gets it (no answer, no feed for anyone).
    publish(willi)
    willi.wait_for_function("() => window.bbRefused.includes('not_allowed')")
    assert not any(f["type"] == "media.answer" for f in frames(willi))
    # Even a hand-made frame is refused, also when it carries no valid SDP.
    willi.evaluate("() => window.bbSend({type: 'media.publish', sdp: 'v=0'})")
    willi.wait_for_function("() => window.bbRefused.filter((r) => r === 'not_allowed').length >= 2")
    decodes(vera, presenter_id, more_than=decodes(vera, presenter_id))  # still flowing
    willi_id = room.member("Willi Viewer")
    for page in (presenter, vera):
        assert all(
            willi_id not in f.get("feeds", [])
            for f in frames(page)
            if f["type"] in ("media.feeds", "media.config")
        )

    # Bad frames get an error and change nothing.
    vera.evaluate(
        """() => {
            window.bbSend({type: 'media.candidate', target: 'janus', candidate: null});
            window.bbSend({type: 'media.candidate', target: 'subscriber', candidate: {candidate: 5}});
            window.bbSend({type: 'media.answer'});
        }"""
    )
    vera.wait_for_function("() => window.bbFrames.filter((f) => f.type === 'error').length >= 3")
    assert {f["code"] for f in frames(vera) if f["type"] == "error"} == {"invalid"}
    decodes(vera, presenter_id, more_than=decodes(vera, presenter_id))

    # No room secret in any frame or page.
    secret = group.room_secret(room.id)
    assert len(secret) >= 16
    for page in (presenter, vera, willi):
        assert secret not in json.dumps(frames(page))
        assert secret not in page.content()
    for page in (presenter, vera):
        assert_no_janus_session_names(page)
    for name in ("Petra Presenter", "Vera Viewer"):
        assert secret not in presenter.context.request.get(group.join_url(room.token(name))).text()


def test_a_reloaded_presenter_is_seen_again_and_a_second_page_takes_over(group: GroupServer, pages) -> None:
    room = group.make_room([("Paul Presenter", "presenter"), ("Vroni Viewer", "viewer")], mode="webinar")
    presenter_id = room.member("Paul Presenter")
    presenter = open_test_page(pages.new("presenter"), group, room, "Paul Presenter")
    viewer = open_test_page(pages.new("viewer"), group, room, "Vroni Viewer")
    publish(presenter)
    assert decodes(viewer, presenter_id) > 0

    # Reload: the old socket may still be open when the new page joins; its feed is replaced.
    offers = len([f for f in frames(viewer) if f["type"] == "media.offer"])
    open_test_page(presenter, group, room, "Paul Presenter")
    publish(presenter)
    viewer.wait_for_function(
        "(n) => window.bbFrames.filter((f) => f.type === 'media.offer').length > n", arg=offers
    )
    # Frames of a stream that ended stay counted but stop growing: growth means the new one.
    before = decodes(viewer, presenter_id, more_than=-1)
    assert decodes(viewer, presenter_id, more_than=before) > before

    # A second page of the same member takes over; the first one is told and stays quiet.
    second = open_test_page(
        pages.another_window("presenter-2", of="presenter"), group, room, "Paul Presenter"
    )
    presenter.wait_for_function("() => window.bbRefused.includes('replaced')")
    assert second.evaluate("() => window.bbRefused") == []
    publish(second)
    before = decodes(viewer, presenter_id, more_than=-1)
    assert decodes(viewer, presenter_id, more_than=before) > before
    harness.wait_http(group.url + "/staff/login/", timeout=5)  # the server is still fine


@pytest.fixture(scope="module")
def big_group() -> Iterator[GroupServer]:
    """A server that serves audiences of more than two viewers by the Streaming plugin."""
    server = GroupServer(
        SEED,
        name="group-streaming",
        env={"BUERGERBUERO_GROUP_STREAMING_ABOVE": "2"},
        rtp_ports=(31000, 31999),
    ).start()
    yield server
    server.stop()


def test_a_large_audience_watches_through_streaming(big_group: GroupServer, pages) -> None:
    group = big_group
    room = group.make_room(
        [("Paula Podium", "presenter"), ("Vroni", "viewer"), ("Veit", "viewer"), ("Viola", "viewer")],
        mode="webinar",
    )
    presenter_id = room.member("Paula Podium")
    presenter = open_test_page(pages.new("presenter"), group, room, "Paula Podium")
    viewers = [open_test_page(pages.new(name), group, room, name) for name in ("Vroni", "Veit")]
    publish(presenter)
    viewers.append(open_test_page(pages.new("Viola"), group, room, "Viola"))  # after the feed started
    for viewer in viewers:
        assert decodes(viewer, presenter_id) > 0
        offers = [f for f in frames(viewer) if f["type"] == "media.offer"]
        # One connection per publishing member, named by our member id: a Streaming mountpoint.
        assert offers and all(f["stream"] == presenter_id for f in offers)
        assert {s["kind"] for s in offers[-1]["streams"]} == {"audio", "video"}

    # The presenter comes back (a reload): the viewers get a new stream and see her again.
    counts = [len([f for f in frames(v) if f["type"] == "media.offer"]) for v in viewers]
    open_test_page(presenter, group, room, "Paula Podium")
    publish(presenter)
    for viewer, count in zip(viewers, counts, strict=True):
        viewer.wait_for_function(
            "(n) => window.bbFrames.filter((f) => f.type === 'media.offer').length > n", arg=count
        )
        decodes(viewer, presenter_id, more_than=decodes(viewer, presenter_id, more_than=-1))
    secret = group.room_secret(room.id)
    for page in (presenter, *viewers):
        assert secret not in json.dumps(frames(page))
        assert_no_janus_session_names(page)


def test_a_shared_screen_is_a_stream_of_its_own(group: GroupServer, pages) -> None:
    room = group.make_room([("Sven Screen", "presenter"), ("Wanda Viewer", "viewer")], mode="webinar")
    presenter_id = room.member("Sven Screen")
    presenter = open_test_page(pages.new("presenter"), group, room, "Sven Screen")
    viewer = open_test_page(pages.new("viewer"), group, room, "Wanda Viewer")
    publish(presenter)
    decodes(viewer, presenter_id)
    # Sharing the screen renegotiates the publisher connection; the viewer gets the screen by its kind.
    publish(presenter, screen=True)
    viewer.wait_for_selector(f"#v-{presenter_id}-screen", state="attached", timeout=30_000)
    offer = [f for f in frames(viewer) if f["type"] == "media.offer"][-1]
    assert {s["kind"] for s in offer["streams"]} == {"audio", "video", "screen"}
    decodes(viewer, presenter_id, more_than=decodes(viewer, presenter_id))
    # And stopping it takes the screen away, the camera stays.
    publish(presenter, screen=False)
    viewer.wait_for_selector(f"#v-{presenter_id}-screen", state="detached", timeout=30_000)
    assert viewer.locator(f"#v-{presenter_id}-camera").count() == 1
    decodes(viewer, presenter_id, more_than=decodes(viewer, presenter_id))


def test_the_janus_api_answers_on_loopback_only(group: GroupServer) -> None:
    """Janus's media goes out on the veth pair, its API does not: from the veth's addresses (the network
    a browser reaches Janus on) the API port is closed, on loopback it answers."""
    import socket

    port = group.janus.port
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    veth = janusnet.ensure_veth()
    for address in (veth.janus_address, veth.peer_address):
        with pytest.raises(ConnectionRefusedError), socket.create_connection((address, port), timeout=5):
            pass
