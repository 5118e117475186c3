"""Large audiences: a publisher of a room's VideoRoom forwarded (RTP) into a Streaming mountpoint that
viewers watch.

Janus 1.1.2's VideoRoom sends every subscriber's packets from one thread per publisher; its Streaming
plugin has helper threads (``threads`` per mountpoint) that share the sending. Above
``settings.GROUP_STREAMING_ABOVE`` viewers (``use_streaming``) the signalling lets viewers watch a
mountpoint instead of subscribing in the VideoRoom.

A mountpoint belongs to one publisher (feed) of one room and lives on the room's Janus. Its id and secret
are derived from the room's secret (HMAC), so every worker process finds the same mountpoint without
storing anything, and ``ensure_mountpoint`` is idempotent: it creates what is missing (the mountpoint,
the forwarders of audio and video into it) and leaves the rest. Its ports are chosen by Janus (the
Streaming plugin's ``rtp_port_range``) and bound to 127.0.0.1 only, so nothing outside the machine can
feed it. Video keeps its last keyframe (``bufferkf``), so a new viewer sees a picture at once, and
viewers' keyframe requests reach the publisher through the forwarder's RTCP port.

Two workers that forward at the same moment may both add a forwarder; both then keep the one with the
lowest stream id and stop the others, so one remains.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from buergerbuero.media.connections import JanusSession, plugin_handle
from buergerbuero.media.janus import JanusClient, JanusError
from buergerbuero.media.placement import (
    VIDEOROOM,
    JanusRoom,
    destroy_room,
    guarded,
    janus_room_for,
    stored_placement,
)

logger = logging.getLogger(__name__)

STREAMING = "janus.plugin.streaming"
AUDIO_PT = 111  # opus
VIDEO_PT = 100  # vp8
# Helper threads per mountpoint: each sends to its share of the viewers.
HELPER_THREADS = 4
# Janus's Streaming error codes we act on.
NO_SUCH_MOUNTPOINT = 455
MOUNTPOINT_EXISTS = 456


def use_streaming(viewers: int) -> bool:
    """Whether an audience of ``viewers`` is served by the Streaming plugin."""
    return viewers > settings.GROUP_STREAMING_ABOVE


@dataclass(frozen=True)
class Mountpoint:
    """A publisher's stream for viewers. The secrets (the mountpoint's, and the VideoRoom room's for its
    forwarders) authorise changes and never reach a browser."""

    url: str
    id: int
    secret: str = field(repr=False)
    room: int
    room_secret: str = field(repr=False)
    publisher: int
    audio_port: int
    video_port: int
    video_rtcp_port: int


def _derived(placed: JanusRoom, publisher: int) -> tuple[int, str]:
    """The mountpoint's id (positive, below 2**52) and secret for ``publisher`` in ``placed``."""
    key = placed.secret.encode()
    digest = hmac.new(key, f"mountpoint {placed.room} {publisher}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big") % (2**52 - 1) + 1
    secret = hmac.new(key, f"mountpoint-secret {placed.room} {publisher}".encode(), hashlib.sha256)
    return number, secret.hexdigest()[:32]


def _description(room_id: int, publisher: int) -> str:
    return f"buergerbuero room {room_id} feed {publisher}"


def _media() -> list[dict[str, Any]]:
    common = {"port": 0, "iface": "127.0.0.1"}
    return [
        {"type": "audio", "mid": "a", "label": "audio", "pt": AUDIO_PT, "codec": "opus", **common},
        {
            "type": "video",
            "mid": "v",
            "label": "video",
            "pt": VIDEO_PT,
            "codec": "vp8",
            "rtcpport": 0,
            "bufferkf": True,
            **common,
        },
    ]


async def _mountpoint_ports(
    client: JanusClient, session: int, handle: int, number: int, secret: str
) -> dict[str, int]:
    data, _ = await client.message(session, handle, {"request": "info", "id": number, "secret": secret})
    ports: dict[str, int] = {}
    for media in data["info"]["media"]:
        ports[media["type"]] = int(media["port"])
        if media["type"] == "video":
            ports["video_rtcp"] = int(media.get("rtcpport") or 0)
    return ports


async def _create_mountpoint(
    placed: JanusRoom, room_id: int, publisher: int
) -> tuple[int, str, dict[str, int]]:
    number, secret = _derived(placed, publisher)
    async with plugin_handle(placed.url, STREAMING) as (client, session, handle):
        body = {
            "request": "create",
            "admin_key": settings.JANUS_ADMIN_KEY,
            "type": "rtp",
            "id": number,
            "name": _description(room_id, publisher),
            "description": _description(room_id, publisher),
            "is_private": True,
            "secret": secret,
            "permanent": False,
            "threads": HELPER_THREADS,
            "media": _media(),
        }
        try:
            await client.message(session, handle, body)
        except JanusError as exc:
            if exc.code != MOUNTPOINT_EXISTS:
                raise
        ports = await _mountpoint_ports(client, session, handle, number, secret)
    return number, secret, ports


def _forwarders_of(data: dict[str, Any], publisher: int) -> list[dict[str, Any]]:
    for entry in data.get("publishers", []):
        if int(entry.get("publisher_id", 0)) == publisher:
            return list(entry.get("forwarders", []))
    return []


async def _forward(placed: JanusRoom, publisher: int, ports: dict[str, int]) -> None:
    """Forward the publisher's audio and video to ``ports`` unless already done; one forwarder each."""
    async with plugin_handle(placed.url, VIDEOROOM) as (client, session, handle):

        async def forwarders() -> list[dict[str, Any]]:
            data, _ = await client.message(
                session, handle, {"request": "listforwarders", "room": placed.room, "secret": placed.secret}
            )
            return _forwarders_of(data, publisher)

        def to(kind: str, existing: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return sorted(
                (f for f in existing if f.get("type") == kind and int(f.get("port", 0)) == ports[kind]),
                key=lambda f: int(f["stream_id"]),
            )

        existing = await forwarders()
        base = {
            "request": "rtp_forward",
            "room": placed.room,
            "publisher_id": publisher,
            "secret": placed.secret,
            "admin_key": settings.JANUS_ADMIN_KEY,
            "host": "127.0.0.1",
            "host_family": "ipv4",
        }
        wanted = {
            "audio": {"audio_port": ports["audio"], "audio_pt": AUDIO_PT},
            "video": {
                "video_port": ports["video"],
                "video_pt": VIDEO_PT,
                **({"video_rtcp_port": ports["video_rtcp"]} if ports.get("video_rtcp") else {}),
            },
        }
        for kind, options in wanted.items():
            if not to(kind, existing):
                await client.message(session, handle, {**base, **options})
        # Another worker may have forwarded at the same moment: keep the lowest stream id of each kind.
        existing = await forwarders()
        for kind in wanted:
            for extra in to(kind, existing)[1:]:
                await _stop_forwarder(client, session, handle, placed, publisher, int(extra["stream_id"]))


async def _stop_forwarder(
    client: JanusClient, session: int, handle: int, placed: JanusRoom, publisher: int, stream: int
) -> None:
    body = {
        "request": "stop_rtp_forward",
        "room": placed.room,
        "publisher_id": publisher,
        "stream_id": stream,
        "secret": placed.secret,
        "admin_key": settings.JANUS_ADMIN_KEY,
    }
    try:
        await client.message(session, handle, body)
    except JanusError as exc:
        logger.info("forwarder %s of feed %s is gone already: %s", stream, publisher, exc)


_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, int], asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _lock(key: tuple[str, int]) -> asyncio.Lock:
    locks = _locks.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault(key, asyncio.Lock())


async def ensure_mountpoint(room_id: int, publisher_feed_id: int) -> Mountpoint:
    """The mountpoint that carries ``publisher_feed_id`` of the room, with the publisher's audio and
    video forwarded into it; creates what is missing. Raises ``MediaUnavailable`` (no Janus),
    ``JanusError`` 428 when the room has no such publisher."""
    placed = await janus_room_for(room_id)
    async with _lock((placed.url, publisher_feed_id)):
        number, secret, ports = await _create_mountpoint(placed, room_id, publisher_feed_id)
        await _forward(placed, publisher_feed_id, ports)
    return Mountpoint(
        url=placed.url,
        id=number,
        secret=secret,
        room=placed.room,
        room_secret=placed.secret,
        publisher=publisher_feed_id,
        audio_port=ports["audio"],
        video_port=ports["video"],
        video_rtcp_port=ports.get("video_rtcp", 0),
    )


async def forwarders(mountpoint: Mountpoint) -> list[dict[str, Any]]:
    """The VideoRoom's forwarders of the mountpoint's publisher (``listforwarders``)."""
    async with plugin_handle(mountpoint.url, VIDEOROOM) as (client, session, handle):
        data, _ = await client.message(
            session,
            handle,
            {"request": "listforwarders", "room": mountpoint.room, "secret": mountpoint.room_secret},
        )
    return _forwarders_of(data, mountpoint.publisher)


async def watch(session: JanusSession, handle: int, mountpoint: Mountpoint) -> dict[str, Any]:
    """Let a viewer's Streaming ``handle`` watch the mountpoint; returns Janus's SDP offer (a JSEP
    dict) for the browser, whose answer goes to ``start``."""
    if session.url != mountpoint.url:
        raise ValueError("the session is on another Janus than the mountpoint")
    _data, jsep = await session.client.message(session.id, handle, {"request": "watch", "id": mountpoint.id})
    if jsep is None:
        raise JanusError(0, "Janus sent no offer for the mountpoint")
    return jsep


async def start(session: JanusSession, handle: int, answer: dict[str, Any]) -> None:
    """Hand Janus the browser's SDP answer: the stream starts flowing."""
    await session.client.message(session.id, handle, {"request": "start"}, jsep=answer)


async def stop_watching(session: JanusSession, handle: int) -> None:
    """End the viewer's stream (the handle can watch again); quiet when it is gone."""
    try:
        await session.client.message(session.id, handle, {"request": "stop"})
    except (JanusError, ConnectionError, TimeoutError) as exc:
        logger.info("stop watching: %r", exc)


async def remove_mountpoint(mountpoint: Mountpoint) -> None:
    """Stop the forwarders into the mountpoint and destroy it; quiet for what is gone."""
    async with plugin_handle(mountpoint.url, VIDEOROOM) as (client, session, handle):
        try:
            data, _ = await client.message(
                session,
                handle,
                {"request": "listforwarders", "room": mountpoint.room, "secret": mountpoint.room_secret},
            )
        except JanusError:
            data = {}
        placed = JanusRoom(mountpoint.url, mountpoint.room, mountpoint.room_secret)
        ours = {mountpoint.audio_port, mountpoint.video_port}
        for forwarder in _forwarders_of(data, mountpoint.publisher):
            if int(forwarder.get("port", 0)) in ours:
                await _stop_forwarder(
                    client, session, handle, placed, mountpoint.publisher, int(forwarder["stream_id"])
                )
    await _destroy_mountpoint(mountpoint.url, mountpoint.id, mountpoint.secret)


async def _destroy_mountpoint(url: str, number: int, secret: str) -> None:
    async with plugin_handle(url, STREAMING) as (client, session, handle):
        try:
            await client.message(session, handle, {"request": "destroy", "id": number, "secret": secret})
        except JanusError as exc:
            if exc.code != NO_SUCH_MOUNTPOINT:
                raise


async def release_mountpoints(placed: JanusRoom, room_id: int) -> int:
    """Destroy every mountpoint of the room (when it ends); returns how many there were."""
    prefix = _description(room_id, 0)[: -len("0")]
    async with plugin_handle(placed.url, STREAMING) as (client, session, handle):
        data, _ = await client.message(
            session, handle, {"request": "list", "admin_key": settings.JANUS_ADMIN_KEY}
        )
    found = 0
    for entry in data.get("list", []):
        description = str(entry.get("description", ""))
        if not description.startswith(prefix) or not description[len(prefix) :].isdigit():
            continue
        number, secret = _derived(placed, int(description[len(prefix) :]))
        if number != int(entry["id"]):
            continue  # made for an earlier placement of the room: not ours to derive
        await _destroy_mountpoint(placed.url, number, secret)
        found += 1
    return found


async def release(room_id: int) -> None:
    """Destroy the room's mountpoints, then its Janus room (when the room ends; placement.destroy_room).
    Quiet when Janus or the room there is gone."""
    placed = await stored_placement(room_id)
    if placed is None:
        return
    await guarded(release_mountpoints(placed, room_id), placed.url, quiet=True)
    await destroy_room(placed)
