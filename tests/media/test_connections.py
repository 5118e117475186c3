"""One connection per Janus and process, made again after Janus restarted; keepalives that hold a session
past Janus's session timeout; a session taken over on a new connection (a worker that reconnects).
Against a real Janus started from our configuration on 127.0.0.1 with a short session timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from buergerbuero.media.connections import (
    MediaUnavailable,
    client_for,
    close_all,
    keepalive,
    open_session,
    plugin_handle,
)
from buergerbuero.media.janus import LOST, JanusClient, JanusError

from .janusproc import AVAILABLE, Janus, free_port

pytestmark = [
    pytest.mark.media,
    pytest.mark.skipif(not AVAILABLE, reason="janus is not installed"),
]

# Janus checks its sessions every 2 s: a session without requests is gone within about 5 s.
SESSION_TIMEOUT = 3


@pytest.fixture(scope="module")
def janus(tmp_path_factory) -> Iterator[Janus]:
    server = Janus(tmp_path_factory.mktemp("janus"), session_timeout=SESSION_TIMEOUT).start()
    yield server
    server.stop()


@pytest.fixture
async def url(settings, janus) -> AsyncIterator[str]:
    if janus.proc is None:
        janus.start()
    settings.JANUS_URLS = [janus.url]
    settings.JANUS_API_SECRET = janus.api_secret
    settings.JANUS_ADMIN_KEY = janus.admin_key
    yield janus.url
    await close_all()


async def test_one_client_per_instance_made_again_when_janus_restarted(url, janus) -> None:
    client = await client_for(url)
    assert await client_for(url) is client
    both = await asyncio.gather(*(client_for(url) for _ in range(5)))
    assert all(c is client for c in both)
    session = await client.create_session()
    events = client.session_events(session)
    janus.restart()
    await asyncio.wait_for(client.closed.wait(), 5)
    assert await asyncio.wait_for(events.get(), 1) == LOST
    again = await client_for(url)
    assert again is not client and not again.is_closed
    with pytest.raises(JanusError) as gone:  # Janus restarted: its sessions are gone
        await again.claim_session(session)
    assert gone.value.code == 458
    assert await again.create_session()


async def test_clients_wait_for_one_connection_not_one_each(url) -> None:
    """Concurrent first uses share the connection being made."""
    await close_all()
    clients = await asyncio.gather(*(client_for(url) for _ in range(10)))
    assert len({id(c) for c in clients}) == 1


async def test_an_unreachable_janus_is_media_unavailable(settings) -> None:
    dead = f"ws://127.0.0.1:{free_port()}"
    with pytest.raises(MediaUnavailable) as refused:
        await client_for(dead)
    assert dead in refused.value.detail
    with pytest.raises(MediaUnavailable):
        await open_session(dead)


async def test_a_wrong_api_secret_is_media_unavailable_for_sessions(url, settings) -> None:
    settings.JANUS_API_SECRET = "not-the-secret"
    await close_all()
    with pytest.raises(MediaUnavailable) as refused:
        await open_session(url)
    assert "403" in refused.value.detail


async def test_keepalive_holds_a_session_past_janus_timeout(url) -> None:
    client = await client_for(url)
    kept = await client.create_session()
    keeper = keepalive(client, kept, interval=1)
    left = await client.create_session()
    left_events = client.session_events(left)
    # The session without keepalives expires (Janus says so on its queue); the kept one does not.
    expired = await asyncio.wait_for(left_events.get(), SESSION_TIMEOUT + 6)
    assert expired["janus"] == "timeout" and expired["session_id"] == left
    assert left not in client.sessions
    await client.attach(kept, "janus.plugin.videoroom")
    assert not keeper.done()
    # The task ends by itself once its session is gone.
    await client.destroy_session(kept)
    await asyncio.wait_for(keeper, 3)


async def test_a_kept_session_closes_cleanly_and_quietly(url, janus) -> None:
    session = await open_session(url, interval=1)
    handle = await session.attach("janus.plugin.videoroom")
    assert handle > 0
    await asyncio.sleep(SESSION_TIMEOUT + 3)
    data, _ = await session.client.message(session.id, handle, {"request": "list"})
    assert data["videoroom"] == "success"
    await session.close()
    assert session.keeper.done()
    with pytest.raises(JanusError):
        await session.client.attach(session.id, "janus.plugin.videoroom")
    await session.close()  # twice: quiet
    other = await open_session(url)
    janus.kill()
    try:
        await asyncio.wait_for(other.client.closed.wait(), 5)
        await other.close()  # Janus is gone: quiet too
    finally:
        janus.start()


async def test_a_session_is_taken_over_on_a_new_connection(url, janus) -> None:
    """A worker whose connection broke (Janus still running) claims its sessions again: their handles
    live on and their events come to the new connection."""
    old = await JanusClient.connect(url, janus.api_secret)
    session = await old.create_session()
    handle = await old.attach(session, "janus.plugin.videoroom")
    await old.close()
    new = await client_for(url)
    await new.claim_session(session)
    data, _ = await new.message(session, handle, {"request": "list"})
    assert data["videoroom"] == "success"
    await new.destroy_session(session)


async def test_plugin_handles_for_administration_leave_no_session(url) -> None:
    async with plugin_handle(url, "janus.plugin.videoroom") as (client, session, handle):
        data, _ = await client.message(session, handle, {"request": "list"})
        assert data["videoroom"] == "success"
    assert session not in client.sessions
    with pytest.raises(JanusError) as gone:
        await client.keepalive(session)
    assert gone.value.code == 458
    with pytest.raises(JanusError):
        async with plugin_handle(url, "janus.plugin.echotest"):
            pass
