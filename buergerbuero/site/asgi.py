"""The ASGI application: HTTP through Django, WebSockets through Channels (the middleware of
``core.asgi`` around the routes of the pages' consumers), and the lifespan protocol to run the background
jobs (site/jobs.py) in the web process when RUN_JOBS_IN_PROCESS is on."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.urls import path

from buergerbuero.core import liveness
from buergerbuero.core.asgi import GuardedAuthMiddleware, SessionMiddleware, SiteOriginValidator
from buergerbuero.core.sockguard import SocketGuard
from buergerbuero.public.citizen_consumer import CitizenConsumer
from buergerbuero.public.consumers import PublicConsumer
from buergerbuero.rooms.consumers import RoomConsumer
from buergerbuero.site import jobs
from buergerbuero.staff.consumers import StaffConsumer

logger = logging.getLogger(__name__)


def websocket_urlpatterns() -> list:
    return [
        path("ws/public/<slug:authority>/", PublicConsumer.as_asgi()),
        path("ws/ticket/", CitizenConsumer.as_asgi()),
        path("ws/staff/", StaffConsumer.as_asgi()),
        path("ws/room/<int:room_id>/", RoomConsumer.as_asgi()),
    ]


def websocket_application() -> Any:
    stack = CookieMiddleware(SessionMiddleware(GuardedAuthMiddleware(URLRouter(websocket_urlpatterns()))))
    return SocketGuard(SiteOriginValidator(stack))


async def _register_worker() -> None:
    try:
        await liveness.this_worker()
    except Exception as exc:  # the database away at start: the first socket registers it
        logger.warning("registering this worker failed: %r", exc)


class Lifespan:
    """Runs the background jobs while the server runs (RUN_JOBS_IN_PROCESS) and registers the process
    as a serving worker."""

    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None
        self.registration: asyncio.Task[None] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if settings.RUN_JOBS_IN_PROCESS:
                    self.task = asyncio.create_task(jobs.run_forever())
                # A web process serves from its start, with or without a page yet: its row tells the
                # sweep of dead workers since when pages could have come back (core/liveness.py).
                self.registration = asyncio.create_task(_register_worker())
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
