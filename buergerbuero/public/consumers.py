"""Live state of an authority's offices for the public overview, office pages and the widget."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from buergerbuero.authorities.models import Authority
from buergerbuero.core import groups
from buergerbuero.core.consumers import BaseConsumer
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import office_states


def _states(authority: Authority) -> list[dict[str, object]]:
    offices = list(Office.objects.filter(authority=authority, archived_at__isnull=True).order_by("name"))
    states = office_states(offices)
    return [states[office.pk].as_event() for office in offices]


class PublicConsumer(BaseConsumer):
    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["authority"]
        authority = await database_sync_to_async(Authority.objects.filter(slug=slug).first)()
        if authority is None:
            await self.close(code=4404)
            return
        await self.accept()
        await self.join(groups.authority(authority.pk))
        offices = await database_sync_to_async(_states)(authority)
        await self.send_frame({"type": "snapshot", "offices": offices})

    async def on_event(self, event: dict[str, Any]) -> None:
        if event["type"] == "office.state":
            await self.send_frame(event)
