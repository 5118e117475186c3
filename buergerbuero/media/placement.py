"""Which Janus a room's media runs on, and its VideoRoom room there.

``janus_room_for(room_id)`` places a room on first use: on the configured instance
(``settings.JANUS_URLS``) with the fewest live or scheduled rooms placed on it (ties: the order of the
setting), where it creates a private VideoRoom room with a random number and secret, and stores that
choice on the ``Room`` (``actions.place_room``), so every worker process sends the room's participants
to the same Janus. Two workers placing the same room at once agree on the first stored choice; the other
destroys the room it made. A stored room that its Janus no longer has (Janus restarted) is made again
with the same number and secret. The secret never leaves the server.

Whether a room exists is asked once per connection: a Janus restart breaks the connection, so the next
connection asks again.
"""

from __future__ import annotations

import logging
import secrets
import weakref
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.errors import ActionError
from buergerbuero.media import actions
from buergerbuero.media.connections import MediaUnavailable, client_for, configured_urls, plugin_handle
from buergerbuero.media.janus import JanusClient, JanusError
from buergerbuero.rooms.models import Room, RoomState

logger = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"
# Janus's VideoRoom error codes we act on.
NO_SUCH_ROOM = 426
NO_SUCH_FEED = 428
ROOM_EXISTS = 427
# Room numbers stay below 2**53, so any JSON reader (also one in JavaScript) keeps them exact.
MAX_ROOM_NUMBER = 2**53 - 1


@dataclass(frozen=True)
class JanusRoom:
    """Where a room's media runs. ``secret`` authorises administrative requests (kick, moderate,
    destroy, RTP forwarding) and must never reach a browser."""

    url: str
    room: int
    secret: str

    def __repr__(self) -> str:  # keeps the secret out of logs and tracebacks
        return f"JanusRoom(url={self.url!r}, room={self.room})"


# Rooms known to exist, per connection: a new connection (Janus restarted?) checks again.
_known: weakref.WeakKeyDictionary[JanusClient, set[int]] = weakref.WeakKeyDictionary()


def _room_settings(room_id: int) -> dict[str, Any]:
    return {
        "description": f"buergerbuero room {room_id}",
        "is_private": True,
        "permanent": False,
        "publishers": settings.GROUP_CONFERENCE_MAX,
        "videocodec": "vp8",
        "audiocodec": "opus",
        "notify_joining": True,
        # "talking" / "stopped-talking" events: the speaking indicator.
        "audiolevel_event": True,
        "admin_key": settings.JANUS_ADMIN_KEY,
    }


def _loads(urls: list[str]) -> dict[str, int]:
    counted = (
        Room.objects.filter(
            state__in=[RoomState.LIVE, RoomState.SCHEDULED],
            janus_room__isnull=False,
            janus_instance__in=urls,
        )
        .values("janus_instance")
        .annotate(rooms=Count("id"))
    )
    loads = dict.fromkeys(urls, 0)
    loads.update({row["janus_instance"]: row["rooms"] for row in counted})
    return loads


def least_loaded(urls: list[str], loads: dict[str, int]) -> list[str]:
    """The instances in the order to try them: fewest rooms first, ties in the configured order."""
    return sorted(urls, key=lambda url: (loads.get(url, 0), urls.index(url)))


async def _create(url: str, room_id: int, number: int, secret: str) -> bool:
    """Create the Janus room; False when it exists already (same number)."""
    async with plugin_handle(url, VIDEOROOM) as (client, session, handle):
        try:
            await client.message(
                session,
                handle,
                {"request": "create", "room": number, "secret": secret, **_room_settings(room_id)},
            )
        except JanusError as exc:
            if exc.code == ROOM_EXISTS:
                return False
            raise
        _known.setdefault(client, set()).add(number)
        return True


async def _destroy(url: str, number: int, secret: str) -> None:
    async with plugin_handle(url, VIDEOROOM) as (client, session, handle):
        try:
            await client.message(session, handle, {"request": "destroy", "room": number, "secret": secret})
        except JanusError as exc:
            if exc.code != NO_SUCH_ROOM:
                raise
        _known.get(client, set()).discard(number)


async def _ensure(placed: JanusRoom, room_id: int) -> None:
    """Make the stored room again when its Janus no longer has it (Janus restarted)."""
    client = await client_for(placed.url)
    if placed.room in _known.get(client, set()):
        return
    async with plugin_handle(placed.url, VIDEOROOM) as (client, session, handle):
        data, _jsep = await client.message(session, handle, {"request": "exists", "room": placed.room})
        exists = bool(data.get("exists"))
    if exists:
        _known.setdefault(client, set()).add(placed.room)
        return
    logger.warning("Janus %s lost room %s of room %s: making it again", placed.url, placed.room, room_id)
    await _create(placed.url, room_id, placed.room, placed.secret)
    _known.setdefault(client, set()).add(placed.room)


def _get_room(room_id: int) -> Room:
    return Room.objects.only("id", "state", "janus_instance", "janus_room", "janus_secret").get(pk=room_id)


async def janus_room_for(room_id: int) -> JanusRoom:
    """Where the room's media runs, placing it on first use (see the module docstring). Raises
    ``MediaUnavailable`` when no instance is configured or answers, ``ActionError("room_ended")``
    for an ended room and ``Room.DoesNotExist``."""
    urls = configured_urls()
    if not urls:
        raise MediaUnavailable("no Janus instance is configured (BUERGERBUERO_JANUS_URLS)")
    room = await sync_to_async(_get_room)(room_id)
    if room.state == RoomState.ENDED:
        raise ActionError("room_ended", _("This session has ended."))
    if room.janus_room is not None and room.janus_instance in urls:
        placed = JanusRoom(room.janus_instance, room.janus_room, room.janus_secret)
        await guarded(_ensure(placed, room_id), placed.url)
        return placed
    # Not placed yet, or on an instance that is no longer configured.
    replacing = room.janus_instance if room.janus_room is not None else ""
    loads = await sync_to_async(_loads)(urls)
    failures: list[str] = []
    for url in least_loaded(urls, loads):
        number = secrets.randbelow(MAX_ROOM_NUMBER) + 1
        secret = secrets.token_urlsafe(24)
        try:
            while not await _create(url, room_id, number, secret):
                number = secrets.randbelow(MAX_ROOM_NUMBER) + 1
        except (MediaUnavailable, JanusError, ConnectionError, TimeoutError) as exc:
            logger.warning("Janus %s cannot take room %s: %r", url, room_id, exc)
            failures.append(f"{url}: {exc}")
            continue
        stored, won = await sync_to_async(actions.place_room)(
            room_id, instance=url, number=number, secret=secret, replacing=replacing
        )
        placed = JanusRoom(stored.janus_instance, stored.janus_room or 0, stored.janus_secret)
        if not won:
            # Another worker placed the room first: use its room, drop ours.
            logger.info("room %s was placed by another worker; dropping Janus room %s", room_id, number)
            await guarded(_destroy(url, number, secret), url, quiet=True)
            await guarded(_ensure(placed, room_id), placed.url)
        return placed
    raise MediaUnavailable("no configured Janus instance answers: " + "; ".join(failures))


async def guarded(work: Any, url: str, quiet: bool = False) -> None:
    """Run ``work``, turning Janus's absence or refusal into ``MediaUnavailable`` (or nothing)."""
    try:
        await work
    except (MediaUnavailable, JanusError, ConnectionError, TimeoutError) as exc:
        if quiet:
            logger.warning("Janus %s: %r", url, exc)
            return
        if isinstance(exc, MediaUnavailable):
            raise
        raise MediaUnavailable(f"{url}: {exc!r}") from exc


async def stored_placement(room_id: int) -> JanusRoom | None:
    """Where the room's media was placed, None if it never was; asks no Janus."""
    room = await sync_to_async(_get_room)(room_id)
    if room.janus_room is None or not room.janus_instance:
        return None
    return JanusRoom(room.janus_instance, room.janus_room, room.janus_secret)


async def destroy_room(placed: JanusRoom) -> None:
    """Destroy the Janus room (when the room ends: streaming.release, which first destroys what was built
    on it). The stored placement stays; an ended room counts for no instance's load. Quiet when Janus or
    the room there is gone."""
    await guarded(_destroy(placed.url, placed.room, placed.secret), placed.url, quiet=True)


async def _kick(url: str, number: int, secret: str, member_id: int) -> None:
    async with plugin_handle(url, VIDEOROOM) as (client, session, handle):
        try:
            await client.message(
                session, handle, {"request": "kick", "room": number, "secret": secret, "id": member_id}
            )
        except JanusError as exc:
            if exc.code not in (NO_SUCH_ROOM, NO_SUCH_FEED):  # not there (any more): nothing to end
                raise


async def kick(room_id: int, member_id: int) -> None:
    """End a member's presence in the room's Janus room (its feed, and its subscriptions with the
    session's handles), e.g. after the member was removed. Quiet when the room was never placed, the
    member is not there, or Janus is away (its sessions then end with it)."""
    room = await sync_to_async(_get_room)(room_id)
    if room.janus_room is None or not room.janus_instance:
        return
    await guarded(
        _kick(room.janus_instance, room.janus_room, room.janus_secret, member_id),
        room.janus_instance,
        quiet=True,
    )
