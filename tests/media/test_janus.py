"""A real Janus (Debian's janus 1.1.2), started by the test from our configuration on 127.0.0.1, driven
by our client: sessions, the VideoRoom plugin, rooms with secrets, refusals; and only our plugins and
transport loaded. Skipped where the janus binary is missing (`make test` installs it as root)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import pytest

from buergerbuero.media.janus import LOST, JanusClient, JanusError
from buergerbuero.media.janusconf import PLACEHOLDER, JanusSettings, render

from .janusproc import AVAILABLE, Janus

pytestmark = [
    pytest.mark.media,
    pytest.mark.skipif(not AVAILABLE, reason="janus is not installed"),
]


@pytest.fixture(scope="module")
def janus(tmp_path_factory) -> Iterator[Janus]:
    server = Janus(tmp_path_factory.mktemp("janus"))
    server.start()
    yield server
    server.stop()


async def test_a_room_with_a_secret_is_created_found_and_destroyed(janus) -> None:
    client = await JanusClient.connect(janus.url, janus.api_secret)
    try:
        session = await client.create_session()
        handle = await client.attach(session, "janus.plugin.videoroom")
        room, secret = 4711, secrets.token_hex(8)
        data, _ = await client.message(
            session,
            handle,
            {
                "request": "create",
                "room": room,
                "secret": secret,
                "is_private": True,
                "publishers": 6,
                "admin_key": janus.settings.admin_secret,
            },
        )
        assert data == {"videoroom": "created", "room": room, "permanent": False}
        data, _ = await client.message(session, handle, {"request": "exists", "room": room})
        assert data["exists"] is True
        with pytest.raises(JanusError) as wrong:
            await client.message(session, handle, {"request": "destroy", "room": room, "secret": "wrong"})
        assert wrong.value.code == 433  # unauthorized
        data, _ = await client.message(
            session, handle, {"request": "destroy", "room": room, "secret": secret}
        )
        assert data["videoroom"] == "destroyed"
        await client.keepalive(session)
        await client.detach(session, handle)
        await client.destroy_session(session)
    finally:
        await client.close()


async def test_rooms_need_the_admin_key_and_requests_the_api_secret(janus) -> None:
    client = await JanusClient.connect(janus.url, janus.api_secret)
    try:
        session = await client.create_session()
        handle = await client.attach(session, "janus.plugin.videoroom")
        with pytest.raises(JanusError):
            await client.message(session, handle, {"request": "create", "room": 4712})
    finally:
        await client.close()
    stranger = await JanusClient.connect(janus.url, "not-the-secret")
    try:
        with pytest.raises(JanusError) as refused:
            await stranger.create_session()
        assert refused.value.code == 403
    finally:
        await stranger.close()


def test_no_secret_is_on_januss_command_line(janus) -> None:
    """Every local user can read a process's arguments; the secrets are in janus.jcfg (mode 600)."""
    with open(f"/proc/{janus.pid}/cmdline", "rb") as cmdline:
        arguments = cmdline.read().decode()
    assert "janus" in arguments
    assert janus.api_secret not in arguments and janus.settings.admin_secret not in arguments


async def test_only_our_plugins_are_loaded(janus) -> None:
    client = await JanusClient.connect(janus.url, janus.api_secret)
    try:
        answer = await client.request({"janus": "info"})
        assert set(answer["plugins"]) == {"janus.plugin.videoroom", "janus.plugin.streaming"}
        assert set(answer["transports"]) == {"janus.transport.websockets"}
        session = await client.create_session()
        with pytest.raises(JanusError):
            await client.attach(session, "janus.plugin.echotest")
    finally:
        await client.close()


def test_render_refuses_bad_values_and_leaves_no_placeholder(tmp_path) -> None:
    settings = JanusSettings(api_ip="127.0.0.1", api_port=8188, admin_secret="s3cret", api_secret="ap1")
    folder = render(settings, tmp_path / "conf")
    texts = {p.name: p.read_text() for p in folder.glob("*.jcfg")}
    assert set(texts) == {
        "janus.jcfg",
        "janus.transport.websockets.jcfg",
        "janus.plugin.videoroom.jcfg",
        "janus.plugin.streaming.jcfg",
    }
    assert not any(PLACEHOLDER.search(text) for text in texts.values())
    assert 'admin_secret = "s3cret"' in texts["janus.jcfg"]
    assert 'api_secret = "ap1"' in texts["janus.jcfg"]
    assert 'ws_ip = "127.0.0.1"' in texts["janus.transport.websockets.jcfg"]
    assert oct((folder / "janus.jcfg").stat().st_mode & 0o777) == "0o600"
    for bad in (
        JanusSettings(api_ip="127.0.0.1", api_port=0, admin_secret="x", api_secret="y"),
        JanusSettings(api_ip="127.0.0.1", api_port=8188, admin_secret="", api_secret="y"),
        JanusSettings(api_ip="127.0.0.1", api_port=8188, admin_secret="x", api_secret=""),
        JanusSettings(api_ip="127.0.0.1", api_port=8188, admin_secret="x", api_secret='a"b'),
        JanusSettings(api_ip="127.0.0.1", api_port=8188, admin_secret="x", api_secret="a\nb"),
        JanusSettings(
            api_ip="127.0.0.1", api_port=8188, admin_secret="x", api_secret="y", rtp_ports=(40000, 20000)
        ),
    ):
        with pytest.raises(ValueError):
            render(bad, tmp_path / "bad")


async def _create_room(client: JanusClient, session: int, handle: int, janus: Janus, room: int) -> str:
    secret = secrets.token_hex(8)
    await client.message(
        session,
        handle,
        {
            "request": "create",
            "room": room,
            "secret": secret,
            "is_private": True,
            "notify_joining": True,
            "admin_key": janus.admin_key,
        },
    )
    return secret


async def test_unsolicited_events_go_to_their_sessions_queue(janus) -> None:
    client = await JanusClient.connect(janus.url, janus.api_secret)
    try:
        first, second = await client.create_session(), await client.create_session()
        handle1 = await client.attach(first, "janus.plugin.videoroom")
        handle2 = await client.attach(second, "janus.plugin.videoroom")
        secret = await _create_room(client, first, handle1, janus, 4713)
        joined, _ = await client.message(
            first, handle1, {"request": "join", "ptype": "publisher", "room": 4713, "display": "A"}
        )
        assert joined["videoroom"] == "joined"
        await client.message(
            second, handle2, {"request": "join", "ptype": "publisher", "room": 4713, "display": "B"}
        )
        event = await asyncio.wait_for(client.session_events(first).get(), 5)
        assert event.get("sender") == handle1, event
        assert event["plugindata"]["data"]["joining"]["display"] == "B"
        assert client.session_events(second).empty()
        # Events of a session this client does not route (any more) go to ``events``.
        client.forget_session(second)
        await client.message(first, handle1, {"request": "destroy", "room": 4713, "secret": secret})
        gone = await asyncio.wait_for(client.events.get(), 5)
        assert gone["session_id"] == second
        assert gone["plugindata"]["data"]["videoroom"] == "destroyed"
        # Acks that come after their answer (a plugin may answer first) are no events.
        assert client.events.empty()
        await client.destroy_session(first)
        assert first not in client.sessions
    finally:
        await client.close()


async def test_trickle_candidates_and_their_end_are_accepted(janus) -> None:
    client = await JanusClient.connect(janus.url, janus.api_secret)
    try:
        session = await client.create_session()
        handle = await client.attach(session, "janus.plugin.videoroom")
        candidate = {
            "candidate": "candidate:1 1 udp 2122260223 10.0.0.1 50000 typ host",
            "sdpMid": "0",
            "sdpMLineIndex": 0,
        }
        await client.trickle(session, handle, candidate)
        await client.trickle(session, handle, None)
        await client.trickle(session, handle, "completed")
        await client.trickle(session, handle, {"candidate": "", "sdpMid": "0"})
        with pytest.raises(ValueError):
            await client.trickle(session, handle, 42)  # type: ignore[arg-type]
        with pytest.raises(JanusError):
            await client.trickle(session, handle + 1, None)  # no such handle
    finally:
        await client.close()


async def test_a_lost_connection_sets_closed_and_wakes_every_session(tmp_path) -> None:
    server = Janus(tmp_path).start()
    try:
        client = await JanusClient.connect(server.url, server.api_secret)
        session = await client.create_session()
        queue = client.session_events(session)
        assert not client.closed.is_set()
        server.kill()
        await asyncio.wait_for(client.closed.wait(), 5)
        assert client.is_closed
        assert await asyncio.wait_for(queue.get(), 1) == LOST
        with pytest.raises(ConnectionError):
            await client.keepalive(session)
        await client.close()
    finally:
        server.stop()
