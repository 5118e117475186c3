from __future__ import annotations

import asyncio
import logging
from importlib import import_module
from typing import Any

from channels.auth import AuthMiddleware
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import OriginValidator
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.urls import path

logger = logging.getLogger(__name__)


def websocket_urlpatterns() -> list:
    from buergerbuero.public.consumers import PublicConsumer
    from buergerbuero.rooms.consumers import RoomConsumer
    from buergerbuero.staff.consumers import StaffConsumer
    from buergerbuero.waitingroom.consumers import CitizenConsumer

    return [
        path("ws/public/<slug:authority>/", PublicConsumer.as_asgi()),
        path("ws/ticket/", CitizenConsumer.as_asgi()),
        path("ws/staff/", StaffConsumer.as_asgi()),
        path("ws/room/<int:room_id>/", RoomConsumer.as_asgi()),
    ]


def allowed_origins() -> list[str]:
    """The hosts of this installation plus WEBSOCKET_ALLOWED_ORIGINS. A browser page of another site
    cannot open our sockets with the visitor's cookies."""
    hosts = list(settings.ALLOWED_HOSTS) + list(settings.WEBSOCKET_ALLOWED_ORIGINS)
    if settings.DEBUG and not hosts:
        hosts = ["localhost", "127.0.0.1", "[::1]"]
    return hosts


class SessionMiddleware:
    """The Django session of a WebSocket, read-only: ``scope["session"]``, loaded on first use (which
    AuthMiddleware's user lookup does in a worker thread, so consumers read it without a query).

    Channels' own SessionMiddleware wraps ``send`` to save a modified session before HTTP responses; on a
    WebSocket it still inspects the session on every outgoing frame, which was half of the server's time
    when an event goes out to thousands of waiting pages (bench/bench_waiting.py). Our consumers never
    write the session, so the frames go straight to the server.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if "cookies" not in scope:
            raise ValueError("SessionMiddleware needs CookieMiddleware outside it")
        key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
        return await self.inner(dict(scope, session=self.store(key)), receive, send)


def websocket_application() -> Any:
    stack = CookieMiddleware(SessionMiddleware(AuthMiddleware(URLRouter(websocket_urlpatterns()))))
    return OriginValidator(stack, allowed_origins())


class Lifespan:
    """Runs the background jobs while the server runs (RUN_JOBS_IN_PROCESS)."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        from buergerbuero.core.jobs import run_forever

        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if settings.RUN_JOBS_IN_PROCESS:
                    self.task = asyncio.create_task(run_forever())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.task is not None:
                    self.task.cancel()
                await send({"type": "lifespan.shutdown.complete"})
                return


def build_application(django_app: Any) -> ProtocolTypeRouter:
    return ProtocolTypeRouter(
        {"http": django_app, "websocket": websocket_application(), "lifespan": Lifespan()}
    )
