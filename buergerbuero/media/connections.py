"""One connection to each Janus instance per process, made again when it was lost, and keepalives.

Every worker process talks to a Janus instance over a single WebSocket (``client_for(url)``); the
Janus sessions of all the participants this process serves share it, and ``JanusClient`` routes each
session's events to its own queue. When Janus goes away (restart, network), the client's ``closed`` is
set and every session queue receives ``janus.LOST``; the next ``client_for`` connects afresh. Sessions
of a lost connection are gone if Janus itself restarted; if only the connection broke, they can be
claimed on the new connection (``JanusClient.claim_session``) within Janus's
``reclaim_session_timeout`` (30 s in deploy/janus/janus.jcfg).

Janus drops a session after 60 s without a request on it: ``keepalive`` sends one every 25 s.

Clients are kept per event loop: a connection belongs to the loop that made it (tests run each test in
a loop of its own; a server process has one loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.errors import ActionError
from buergerbuero.core.tasks import cancel_and_wait
from buergerbuero.media.janus import JanusClient, JanusError

logger = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 25.0
CONNECT_TIMEOUT = 5.0


class MediaUnavailable(ActionError):
    """No media server is configured or none answers. ``message`` can be shown to the person."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "media_unavailable",
            _("The video server is not available at the moment. Please try again in a minute."),
        )
        # For logs and operators; never shown (it may name an internal address).
        self.detail = detail

    def __str__(self) -> str:
        return f"media unavailable: {self.detail}"


@dataclass
class _Pool:
    clients: dict[str, JanusClient] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)


_pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pool] = weakref.WeakKeyDictionary()


def _pool() -> _Pool:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        pool = _pools[loop] = _Pool()
    return pool


def configured_urls() -> list[str]:
    return list(settings.JANUS_URLS)


async def client_for(url: str) -> JanusClient:
    """This process's client of the Janus at ``url``, connected now if there is none or it was lost.
    Raises ``MediaUnavailable`` when Janus does not answer."""
    pool = _pool()
    client = pool.clients.get(url)
    if client is not None and not client.is_closed:
        return client
    lock = pool.locks.setdefault(url, asyncio.Lock())
    async with lock:
        client = pool.clients.get(url)
        if client is not None and not client.is_closed:
            return client
        if client is not None:
            await client.close()
        try:
            client = await JanusClient.connect(url, settings.JANUS_API_SECRET, timeout=CONNECT_TIMEOUT)
        except Exception as exc:  # refused, timed out, or a failed WebSocket handshake
            raise MediaUnavailable(f"{url}: {exc!r}") from exc
        pool.clients[url] = client
        return client


async def close_all() -> None:
    """Close this loop's clients (for tests and shutdown)."""
    pool = _pool()
    clients = list(pool.clients.values())
    pool.clients.clear()
    for client in clients:
        await client.close()


async def _keep_alive(client: JanusClient, session: int, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            await client.keepalive(session)
        except JanusError as exc:
            # 458: no such session (it timed out or was destroyed): nothing left to keep alive.
            logger.info("Janus session %s is gone: %s", session, exc)
            return
        except (ConnectionError, TimeoutError) as exc:
            logger.info("keepalive of Janus session %s stopped: %r", session, exc)
            return


def keepalive(client: JanusClient, session: int, interval: float = KEEPALIVE_SECONDS) -> asyncio.Task[None]:
    """A task that keeps ``session`` alive until it is cancelled, the session is gone or the
    connection is lost. Cancel it when the session is destroyed."""
    return asyncio.create_task(_keep_alive(client, session, interval), name=f"janus-keepalive-{session}")


@dataclass
class JanusSession:
    """A Janus session on one instance with its keepalive: what a participant's media hangs on."""

    url: str
    client: JanusClient
    id: int
    keeper: asyncio.Task[None]

    @property
    def events(self) -> asyncio.Queue[dict[str, Any]]:
        return self.client.session_events(self.id)

    async def attach(self, plugin: str) -> int:
        return await self.client.attach(self.id, plugin)

    async def close(self) -> None:
        """Stop the keepalive and destroy the session (its handles go with it); quiet when Janus or
        the connection is gone already."""
        await cancel_and_wait(self.keeper)
        if self.client.is_closed:
            self.client.forget_session(self.id)
            return
        with contextlib.suppress(JanusError, ConnectionError, TimeoutError):
            await self.client.destroy_session(self.id)


async def open_session(url: str, interval: float = KEEPALIVE_SECONDS) -> JanusSession:
    """A new Janus session at ``url`` kept alive until ``close()``. Raises ``MediaUnavailable``."""
    client = await client_for(url)
    try:
        session = await client.create_session()
    except (ConnectionError, TimeoutError, JanusError) as exc:
        raise MediaUnavailable(f"{url}: create session: {exc!r}") from exc
    return JanusSession(url, client, session, keepalive(client, session, interval))


@contextlib.asynccontextmanager
async def plugin_handle(url: str, plugin: str) -> AsyncIterator[tuple[JanusClient, int, int]]:
    """A short-lived session with one handle of ``plugin`` for administrative requests (create or
    destroy a room, forward RTP): yields (client, session, handle), destroys the session afterwards.
    Raises ``MediaUnavailable`` when Janus cannot be reached."""
    client = await client_for(url)
    try:
        session = await client.create_session()
        handle = await client.attach(session, plugin)
    except (ConnectionError, TimeoutError) as exc:
        raise MediaUnavailable(f"{url}: {exc!r}") from exc
    try:
        yield client, session, handle
    finally:
        if not client.is_closed:
            with contextlib.suppress(JanusError, ConnectionError, TimeoutError):
                await client.destroy_session(session)
        client.forget_session(session)
