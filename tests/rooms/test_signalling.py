"""The media frames of the room socket (rooms.signalling) against a real Janus started by the test on
127.0.0.1 (tests/media/janusproc.py): what a page learns on entering, roles enforced before anything reaches
Janus, bad frames, a member's second page taking the feed over, permissions, a Janus that is missing or
goes away, and no secret in any frame.

Real media (publishing, decoding) needs ICE, which Janus 1.1.2 does not do on loopback: that part is in
tests/e2e/test_group_signalling.py (a veth pair in the e2e network namespace, real Chromium)."""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
from channels.db import database_sync_to_async

from buergerbuero.media import connections
from buergerbuero.media.janus import JanusClient
from buergerbuero.rooms.actions import members, moderation
from buergerbuero.rooms.models import MemberRole, Room, RoomMode
from tests.conftest import connect, staff_cookie
from tests.media.janusproc import AVAILABLE, Janus
from tests.rooms.conftest import Session, fresh, make_session, token_cookie

pytestmark = [
    pytest.mark.media,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not AVAILABLE, reason="janus is not installed"),
]

db = database_sync_to_async

# A browser's offer as far as our server looks at it: it must never reach Janus for a viewer.
OFFER = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"


@pytest.fixture(scope="module")
def janus(tmp_path_factory) -> Iterator[Janus]:
    server = Janus(tmp_path_factory.mktemp("janus")).start()
    yield server
    server.stop()


@pytest.fixture
def media(janus: Janus, settings) -> Iterator[Janus]:
    settings.JANUS_URLS = [janus.url]
    settings.JANUS_API_SECRET = janus.api_secret
    settings.JANUS_ADMIN_KEY = janus.admin_key
    yield janus


@pytest.fixture(autouse=True)
async def _close_janus_connections() -> AsyncIterator[None]:
    yield
    await connections.close_all()


class Page:
    """One room socket and every frame it received."""

    def __init__(self, communicator) -> None:
        self.communicator = communicator
        self.frames: list[dict] = []

    async def frame(self, kind: str, timeout: float = 5, **match: object) -> dict:
        while True:
            frame = await self.communicator.receive_json_from(timeout=timeout)
            self.frames.append(frame)
            if frame["type"] == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def send(self, frame: dict[str, object]) -> None:
        await self.communicator.send_json_to(frame)

    async def close(self) -> None:
        await self.communicator.disconnect()


async def open_page(room: Room, cookie: str) -> Page:
    communicator, connected, code = await connect(f"/ws/room/{room.pk}/", cookie)
    assert connected, code
    return Page(communicator)


async def as_participant(s: Session, token: str) -> Page:
    return await open_page(s.room, await db(token_cookie)(s.room.pk, token))


async def as_moderator(s: Session, world) -> Page:
    return await open_page(s.room, await db(staff_cookie)(world.official_a))


async def janus_participants(janus: Janus, room: Room) -> list[dict]:
    """What Janus itself says is in the room (asked by the test, as an operator would)."""
    stored = await db(Room.objects.get)(pk=room.pk)
    client = await JanusClient.connect(janus.url, janus.api_secret)
    try:
        session = await client.create_session()
        handle = await client.attach(session, "janus.plugin.videoroom")
        data, _ = await client.message(
            session, handle, {"request": "listparticipants", "room": stored.janus_room}
        )
        return list(data["participants"])
    finally:
        await client.close()


def make_webinar(world) -> tuple[Session, str, int]:
    s = make_session(world)
    Room.objects.filter(pk=s.room.pk).update(mode=RoomMode.WEBINAR)
    viewer, token = members.add_member(s.room, display_name="Vera Viewer", role=MemberRole.VIEWER)
    assert token
    s.room.refresh_from_db()
    return s, token, viewer.pk


async def test_a_page_gets_its_media_configuration_and_is_a_listener_in_janus(world, media) -> None:
    s = await db(make_session)(world)
    erika = await as_participant(s, s.erika_token)
    config = await erika.frame("media.config")
    assert config["may_publish"] is True  # a participant of a conference
    assert config["audio_muted"] is False and config["video_stopped"] is False
    assert config["feeds"] == []
    assert isinstance(config["ice_servers"], list) and config["ice_transport_policy"] in ("all", "relay")
    moderator = await as_moderator(s, world)
    assert (await moderator.frame("media.config"))["may_publish"] is True
    # Janus knows both pages by our member ids, neither publishing.
    listed = await janus_participants(media, s.room)
    assert {(p["id"], p["display"], p["publisher"]) for p in listed} == {
        (s.erika.pk, str(s.erika.pk), False),
        (s.moderator.pk, str(s.moderator.pk), False),
    }
    # Closing a page leaves Janus too.
    await erika.close()
    assert {p["id"] for p in await janus_participants(media, s.room)} == {s.moderator.pk}
    await moderator.close()


async def test_a_viewers_publish_is_refused_by_our_server_and_never_reaches_janus(world, media) -> None:
    s, token, viewer_id = await db(make_webinar)(world)
    viewer = await as_participant(s, token)
    assert (await viewer.frame("media.config"))["may_publish"] is False
    await viewer.send({"type": "media.publish", "sdp": OFFER})
    assert (await viewer.frame("media.refused"))["reason"] == "not_allowed"
    await viewer.send({"type": "media.publish", "sdp": OFFER, "screen": "1"})
    assert (await viewer.frame("media.refused"))["reason"] == "not_allowed"
    # Janus never saw an offer: the viewer is there only as a listener.
    assert [(p["id"], p["publisher"]) for p in await janus_participants(media, s.room)] == [
        (viewer_id, False)
    ]
    # A participant of a webinar may not publish either, until a moderator lets them speak.
    erika = await as_participant(s, s.erika_token)
    assert (await erika.frame("media.config"))["may_publish"] is False
    await db(moderation.grant_speak)(await db(fresh)(s.erika), actor=s.moderator)
    assert (await erika.frame("media.permissions"))["may_publish"] is True
    await viewer.close()
    await erika.close()


async def test_bad_media_frames_get_an_error_and_change_nothing(world, media) -> None:
    s = await db(make_session)(world)
    erika = await as_participant(s, s.erika_token)
    await erika.frame("media.config")
    bad: list[dict[str, object]] = [
        {"type": "media.publish"},
        {"type": "media.publish", "sdp": 5},
        {"type": "media.publish", "sdp": "x" * 40000},
        {"type": "media.publish", "sdp": OFFER, "screen": "no spaces allowed"},
        {"type": "media.answer", "sdp": ""},
        {"type": "media.candidate", "target": "janus", "candidate": None},
        {"type": "media.candidate", "target": "publisher", "candidate": "a string"},
        {
            "type": "media.candidate",
            "target": "publisher",
            "candidate": {"candidate": "x", "sdpMLineIndex": -1},
        },
        {"type": "media.candidate", "target": "subscriber", "candidate": {"candidate": "x", "sdpMid": "a b"}},
    ]
    for frame in bad:
        await erika.send(frame)
        error = await erika.frame("error")
        assert error["code"] in ("invalid", "too_large") and error["message"], frame
    # An answer without an offer (one of a session that is gone), candidates for a connection that does
    # not exist (yet) and an unpublish while not publishing are dropped quietly.
    await erika.send({"type": "media.answer", "sdp": OFFER})
    await erika.send({"type": "media.candidate", "target": "subscriber", "candidate": None})
    await erika.send({"type": "media.unpublish"})
    await erika.send({"type": "media.subscribe"})
    await erika.send({"type": "ping", "t": 1})
    assert (await erika.frame("pong"))["t"] == 1
    assert len([f for f in erika.frames if f["type"] == "error"]) == len(bad)
    assert [p["id"] for p in await janus_participants(media, s.room)] == [s.erika.pk]
    await erika.close()


async def test_media_frames_before_the_media_is_ready_are_refused(world, media) -> None:
    s = await db(make_session)(world, live=False)
    moderator = await as_moderator(s, world)
    await moderator.frame("room.snapshot")
    await moderator.send({"type": "media.subscribe"})
    assert (await moderator.frame("error"))["code"] == "media_not_ready"
    await moderator.close()


async def test_a_second_page_of_a_member_takes_the_feed_over(world, media) -> None:
    s = await db(make_session)(world)
    first = await as_participant(s, s.erika_token)
    await first.frame("media.config")
    second = await as_participant(s, s.erika_token)
    await second.frame("media.config")
    assert (await first.frame("media.refused"))["reason"] == "replaced"
    await first.send({"type": "media.subscribe"})
    assert (await first.frame("error"))["code"] == "media_not_ready"
    assert [p["id"] for p in await janus_participants(media, s.room)] == [s.erika.pk]
    # The old page closing does not take the new page's feed with it.
    await first.close()
    assert [p["id"] for p in await janus_participants(media, s.room)] == [s.erika.pk]
    await second.close()


async def test_a_stale_feed_left_by_a_lost_worker_is_kicked(world, media) -> None:
    """A worker that died leaves its Janus session behind (Janus keeps it for the reclaim timeout): the
    member's new page takes the member id over at once."""
    s = await db(make_session)(world)
    stored = await db(Room.objects.get)(pk=s.room.pk)
    erika = await as_participant(s, s.erika_token)
    await erika.frame("media.config")  # places the room
    await erika.close()
    stored = await db(Room.objects.get)(pk=s.room.pk)
    orphan = await JanusClient.connect(media.url, media.api_secret)
    try:
        session = await orphan.create_session()
        handle = await orphan.attach(session, "janus.plugin.videoroom")
        await orphan.message(
            session,
            handle,
            {
                "request": "join",
                "ptype": "publisher",
                "room": stored.janus_room,
                "id": s.erika.pk,
                "display": "x",
            },
        )
        erika = await as_participant(s, s.erika_token)
        await erika.frame("media.config")
        listed = await janus_participants(media, s.room)
        assert [(p["id"], p["display"]) for p in listed] == [(s.erika.pk, str(s.erika.pk))]
        await erika.close()
    finally:
        await orphan.close()


async def test_permissions_follow_the_moderator(world, media) -> None:
    s = await db(make_session)(world)
    erika = await as_participant(s, s.erika_token)
    await erika.frame("media.config")
    await db(moderation.mute_member)(await db(fresh)(s.erika), actor=s.moderator)
    permissions = await erika.frame("media.permissions")
    assert permissions == {
        "type": "media.permissions",
        "may_publish": True,
        "audio_muted": True,
        "video_stopped": False,
    }
    await db(moderation.stop_video)(await db(fresh)(s.erika), actor=s.moderator)
    assert (await erika.frame("media.permissions", video_stopped=True))["audio_muted"] is True
    await erika.close()


async def test_without_janus_the_page_is_told_and_the_room_still_works(world, settings) -> None:
    settings.JANUS_URLS = ["ws://127.0.0.1:9"]  # nothing listens there
    settings.JANUS_API_SECRET = settings.JANUS_ADMIN_KEY = "x"
    s = await db(make_session)(world)
    erika = await as_participant(s, s.erika_token)
    refused = await erika.frame("media.refused")
    assert refused["reason"] == "unavailable" and refused["message"]
    assert "127.0.0.1" not in json.dumps(refused)
    await erika.send({"type": "media.publish", "sdp": OFFER})
    assert (await erika.frame("error"))["code"] == "media_not_ready"
    await erika.send({"type": "ping", "t": 2})
    assert (await erika.frame("pong"))["t"] == 2
    await erika.close()


async def test_media_comes_back_after_janus_restarts(world, tmp_path, settings) -> None:
    janus = Janus(tmp_path).start()
    try:
        settings.JANUS_URLS = [janus.url]
        settings.JANUS_API_SECRET = janus.api_secret
        settings.JANUS_ADMIN_KEY = janus.admin_key
        s = await db(make_session)(world)
        erika = await as_participant(s, s.erika_token)
        await erika.frame("media.config")
        janus.restart()
        # A new configuration: the page rebuilds its connections on it.
        again = await erika.frame("media.config", timeout=20)
        assert again["may_publish"] is True
        assert [p["id"] for p in await janus_participants(janus, s.room)] == [s.erika.pk]
        await erika.close()
    finally:
        janus.stop()


async def test_no_frame_carries_a_secret_or_a_janus_detail(world, media) -> None:
    s, token, _viewer = await db(make_webinar)(world)
    pages = [
        await as_moderator(s, world),
        await as_participant(s, s.erika_token),
        await as_participant(s, token),
    ]
    for page in pages:
        await page.frame("media.config")
    await pages[2].send({"type": "media.publish", "sdp": OFFER})
    await pages[2].frame("media.refused")
    stored = await db(Room.objects.get)(pk=s.room.pk)
    assert stored.janus_secret and stored.janus_room
    for page in pages:
        await page.send({"type": "ping", "t": 3})
        await page.frame("pong")
        text = json.dumps(page.frames)
        assert stored.janus_secret not in text
        assert str(stored.janus_room) not in text
        assert media.url not in text and media.api_secret not in text and media.admin_key not in text
        await page.close()
    assert secrets.compare_digest(
        stored.janus_secret, (await db(Room.objects.get)(pk=s.room.pk)).janus_secret
    )


# A browser's audio offer (one Opus stream), enough for Janus to answer and to offer it to subscribers;
# no ICE is needed for that.
AUDIO_OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        "a=msid-semantic: WMS",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "c=IN IP4 0.0.0.0",
        "a=rtcp:9 IN IP4 0.0.0.0",
        "a=ice-ufrag:Yx3f",
        "a=ice-pwd:4EVmSUhvDSlc3tzdCxBOMplq",
        "a=ice-options:trickle",
        "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
        "a=setup:actpass",
        "a=mid:0",
        "a=sendonly",
        "a=msid:- a0",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "a=ssrc:1001 cname:test",
        "",
    ]
)


async def test_no_sdp_names_the_janus_room(world, media) -> None:
    """Janus names an SDP's session after its room (``s=VideoRoom <number>``); the
    number must not reach a page. Here Janus's answer to a publisher; a subscriber's offer needs ICE
    (Janus announces a feed once its media flows): tests/e2e/test_group_signalling.py."""
    s = await db(make_session)(world)
    erika = await as_participant(s, s.erika_token)
    await erika.frame("media.config")
    await erika.send({"type": "media.publish", "sdp": AUDIO_OFFER})
    answer = await erika.frame("media.answer", timeout=10)
    stored = await db(Room.objects.get)(pk=s.room.pk)
    assert "m=audio" in answer["sdp"]
    assert [line for line in answer["sdp"].splitlines() if line.startswith("s=")] == ["s=-"]
    assert "VideoRoom" not in answer["sdp"]
    assert str(stored.janus_room) not in json.dumps(erika.frames)
    await erika.close()


async def test_a_removed_member_leaves_janus_even_without_a_page(world, media) -> None:
    """a removal ends the member's presence in Janus from the server, also for a Janus
    session that outlived its page (a worker that died: Janus keeps it, media flowing, until its reclaim
    timeout); and a member revoked from outside the room (a cancelled registration) loses page and feed."""
    s = await db(make_session)(world)
    erika = await as_participant(s, s.erika_token)
    await erika.frame("media.config")  # places the room
    max_page = await as_participant(s, s.max_token)
    await max_page.frame("media.config")
    await erika.close()
    stored = await db(Room.objects.get)(pk=s.room.pk)
    orphan = await JanusClient.connect(media.url, media.api_secret)
    try:
        session = await orphan.create_session()
        handle = await orphan.attach(session, "janus.plugin.videoroom")
        join = {"request": "join", "ptype": "publisher", "room": stored.janus_room, "id": s.erika.pk}
        await orphan.message(session, handle, join)
        assert {p["id"] for p in await janus_participants(media, s.room)} == {s.erika.pk, s.max.pk}

        await db(members.remove_member)(await db(fresh)(s.erika), actor=s.moderator)
        assert {p["id"] for p in await janus_participants(media, s.room)} == {s.max.pk}

        await db(members.revoke_member)(await db(fresh)(s.max), actor=None)
        assert (await max_page.frame("room.removed"))["reason"] == "removed"
        assert await janus_participants(media, s.room) == []
    finally:
        await orphan.close()
