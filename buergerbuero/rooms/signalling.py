"""PLACEHOLDER written by H2 (rooms) so RoomConsumer can be imported and tested before the media part
exists. H1 (media signalling) owns this file and replaces it with the real MediaMixin; the hooks and
their call points are the contract in the plan (docs/parts/rooms.md, "Media hooks")."""

from __future__ import annotations

from typing import Any

from buergerbuero.core.consumers import BaseConsumer


class MediaMixin(BaseConsumer):
    async def media_ready(self) -> None:
        """Called once the connection is inside the live room and has its snapshot."""

    async def media_close(self) -> None:
        """Called on disconnect, removal and the end of the room, before the socket closes."""

    async def media_permissions_changed(self) -> None:
        """Called when this member's role, right to speak, mute or stopped video changed."""

    async def on_media_event(self, event: dict[str, Any]) -> None:
        """Channel-layer events whose type starts with ``media.``."""
