"""Large audiences through the Streaming plugin, against a real Janus started from our configuration.

Without a publisher (on 127.0.0.1): the mountpoint is made once, private, bound to 127.0.0.1, and
released with the room. With a real publisher: Chromium publishes into the room's VideoRoom, the
publisher is forwarded into a mountpoint (both forwarders listed, once, however often it is ensured),
and a second Chromium page watching the mountpoint decodes video. Janus 1.1.2 gathers no ICE candidates
on loopback, so that test runs Janus and Chromium inside a network namespace it makes itself, with a
veth pair (tests/media/janusproc.py)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from buergerbuero.media import streaming
from buergerbuero.media.connections import close_all, open_session
from buergerbuero.media.janus import JanusClient, JanusError
from buergerbuero.media.placement import janus_room_for
from buergerbuero.media.streaming import release
from buergerbuero.rooms.actions.lifecycle import create_room
from buergerbuero.rooms.models import RoomKind
from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS

from .janusproc import AVAILABLE, VETH, Janus, can_make_netns, run_in_own_netns

pytestmark = [
    pytest.mark.media,
    pytest.mark.skipif(not AVAILABLE, reason="janus is not installed"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def janus(tmp_path_factory) -> Iterator[Janus]:
    server = Janus(tmp_path_factory.mktemp("janus")).start()
    yield server
    server.stop()


def configure(settings: Any, server: Janus) -> None:
    settings.JANUS_URLS = [server.url]
    settings.JANUS_API_SECRET = server.api_secret
    settings.JANUS_ADMIN_KEY = server.admin_key


@pytest.fixture
async def configured(settings, janus) -> AsyncIterator[Janus]:
    configure(settings, janus)
    yield janus
    await close_all()


async def mountpoint_info(server: Janus, mountpoint: streaming.Mountpoint) -> dict[str, Any]:
    client = await JanusClient.connect(server.url, server.api_secret)
    try:
        session = await client.create_session()
        handle = await client.attach(session, streaming.STREAMING)
        data, _ = await client.message(
            session, handle, {"request": "info", "id": mountpoint.id, "secret": mountpoint.secret}
        )
        return dict(data["info"])
    finally:
        await client.close()


def test_streaming_takes_over_above_the_configured_audience(settings) -> None:
    settings.GROUP_STREAMING_ABOVE = 100
    assert not streaming.use_streaming(100)
    assert streaming.use_streaming(101)


async def test_a_mountpoint_without_a_publisher_is_made_once_and_released(world, configured) -> None:
    room = await sync_to_async(create_room)(world.authority, kind=RoomKind.EVENT, title="Bürgerversammlung")
    placed = await janus_room_for(room.pk)
    with pytest.raises(JanusError) as no_feed:
        await streaming.ensure_mountpoint(room.pk, 4242)
    assert no_feed.value.code == 428  # no such publisher: nothing to forward yet
    number, secret = streaming._derived(placed, 4242)
    mountpoint = streaming.Mountpoint(placed.url, number, secret, placed.room, placed.secret, 4242, 0, 0, 0)
    info = await mountpoint_info(configured, mountpoint)
    assert info["is_private"] is True
    assert info["host"] == "127.0.0.1"  # RTP only from this machine
    assert info["threads"] == streaming.HELPER_THREADS
    assert [m["codec"] for m in info["media"]] == ["opus", "vp8"]
    assert secret not in repr(mountpoint) and placed.secret not in repr(mountpoint)
    # Again: the same mountpoint (derived id and secret), not a second one.
    with pytest.raises(JanusError):
        await streaming.ensure_mountpoint(room.pk, 4242)
    assert (await mountpoint_info(configured, mountpoint))["id"] == number
    await release(room.pk)
    with pytest.raises(JanusError) as gone:
        await mountpoint_info(configured, mountpoint)
    assert gone.value.code == streaming.NO_SUCH_MOUNTPOINT


# --- with a real publisher and a real viewer -----------------------------------------------------

GATHERED = """pc => new Promise(done => {
    if (pc.iceGatheringState === "complete") return done();
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && done());
})"""

PUBLISH = (
    """async () => {
    const gathered = """
    + GATHERED
    + """;
    // A moving picture and a tone, made in the page: no camera needed.
    const canvas = document.createElement("canvas");
    canvas.width = 320; canvas.height = 240;
    document.body.append(canvas);
    const context = canvas.getContext("2d");
    let n = 0;
    setInterval(() => {
        context.fillStyle = `hsl(${(n++ * 7) % 360}, 80%, 50%)`;
        context.fillRect(0, 0, 320, 240);
    }, 33);
    const stream = canvas.captureStream(30);
    const audio = new AudioContext();
    const tone = audio.createOscillator();
    const sink = audio.createMediaStreamDestination();
    tone.connect(sink); tone.start();
    stream.addTrack(sink.stream.getAudioTracks()[0]);
    const pc = new RTCPeerConnection();
    window.pc = pc;
    for (const track of stream.getTracks()) pc.addTrack(track, stream);
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    return {type: "offer", sdp: pc.localDescription.sdp};
}"""
)

ANSWER = (
    """async offer => {
    const gathered = """
    + GATHERED
    + """;
    const pc = new RTCPeerConnection();
    window.pc = pc;
    await pc.setRemoteDescription(offer);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    return {type: "answer", sdp: pc.localDescription.sdp};
}"""
)

FRAMES_DECODED = """async () => {
    let frames = 0;
    (await window.pc.getStats()).forEach(r => {
        if (r.type === "inbound-rtp" && r.kind === "video") frames = r.framesDecoded || 0;
    });
    return frames;
}"""


async def until(probe: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        await asyncio.sleep(0.1)


async def publisher_to_viewer(world: Any, server: Janus) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    room = await sync_to_async(create_room)(world.authority, kind=RoomKind.EVENT, title="Kreistag")
    placed = await janus_room_for(room.pk)
    feed = 7001
    found: dict[str, Any] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
        )
        try:
            publisher_page = await browser.new_page()
            publisher = await open_session(placed.url)
            handle = await publisher.attach("janus.plugin.videoroom")
            await publisher.client.message(
                publisher.id,
                handle,
                {"request": "join", "ptype": "publisher", "room": placed.room, "id": feed, "display": "P"},
            )
            offer = await publisher_page.evaluate(PUBLISH)
            _data, answer = await publisher.client.message(
                publisher.id, handle, {"request": "configure", "audio": True, "video": True}, jsep=offer
            )
            assert answer is not None and answer["type"] == "answer"
            await publisher_page.evaluate("answer => window.pc.setRemoteDescription(answer)", answer)

            async def webrtc_up() -> bool:
                event = await publisher.events.get()
                return event.get("janus") == "webrtcup"

            await until(webrtc_up, 10, "the publisher's PeerConnection")

            mountpoint = await streaming.ensure_mountpoint(room.pk, feed)
            assert await streaming.ensure_mountpoint(room.pk, feed) == mountpoint
            found["forwarders"] = await streaming.forwarders(mountpoint)
            found["mountpoint"] = mountpoint

            viewer_page = await browser.new_page()
            viewer = await open_session(placed.url)
            viewer_handle = await viewer.attach(streaming.STREAMING)
            watch_offer = await streaming.watch(viewer, viewer_handle, mountpoint)
            viewer_answer = await viewer_page.evaluate(ANSWER, watch_offer)
            started = time.monotonic()
            await streaming.start(viewer, viewer_handle, viewer_answer)
            found["frames"] = await until(
                lambda: viewer_page.evaluate(FRAMES_DECODED), 15, "the viewer's first decoded frame"
            )
            found["first_frame_ms"] = (time.monotonic() - started) * 1000
            found["info"] = await mountpoint_info(server, mountpoint)

            await streaming.stop_watching(viewer, viewer_handle)
            await streaming.remove_mountpoint(mountpoint)
            found["forwarders_after"] = await streaming.forwarders(mountpoint)
            try:
                await mountpoint_info(server, mountpoint)
            except JanusError as gone:
                found["gone"] = gone.code
            await viewer.close()
            await publisher.close()
        finally:
            await browser.close()
    await release(room.pk)
    return found


@pytest.mark.browser
@pytest.mark.skipif(not can_make_netns(), reason="cannot make a network namespace here")
def test_viewers_of_a_mountpoint_decode_the_publisher(world, settings, tmp_path: Path) -> None:
    def inside() -> dict[str, Any]:
        server = Janus(tmp_path, ice_interface=VETH[0], api_secret=secrets.token_hex(16)).start()
        configure(settings, server)

        async def body() -> dict[str, Any]:
            try:
                return await publisher_to_viewer(world, server)
            finally:
                await close_all()

        try:
            return asyncio.run(body())
        except BaseException:
            print(server.log())
            raise
        finally:
            server.stop()

    found = run_in_own_netns(inside)
    mountpoint = found["mountpoint"]
    kinds = sorted((f["type"], int(f["port"])) for f in found["forwarders"])
    assert kinds == [("audio", mountpoint.audio_port), ("video", mountpoint.video_port)]
    assert all(f["host"] == "127.0.0.1" for f in found["forwarders"])
    assert found["frames"] > 0
    assert found["forwarders_after"] == []
    assert found["gone"] == streaming.NO_SUCH_MOUNTPOINT
    print(f"first frame through the mountpoint after {found['first_frame_ms']:.0f} ms")
