"""What the room pages share in presentation, the citizens' join page (rooms.views) and the officials'
room page (rooms.staff_views): the same room page (templates/rooms/room.html, static/rooms/room.js) and
its configuration."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from buergerbuero.authorities.models import Staff
from buergerbuero.rooms import access
from buergerbuero.rooms.models import Member, Room, RoomKind, RoomState


def room_config(room: Room, member: Member | None, staff: bool) -> dict[str, Any]:
    moderator = member is not None and access.is_moderator(member)
    return {
        "room": room.pk,
        "socket": f"/ws/room/{room.pk}/",
        "kind": room.kind,
        "staff": staff,
        # Participants of trainings start with their camera off; they may turn it on.
        "camera_off": room.kind == RoomKind.TRAINING and not moderator and not staff,
        "starts_at": room.starts_at.isoformat() if room.starts_at else None,
    }


def room_page(request: HttpRequest, room: Room, member: Member | None, staff: Staff | None) -> HttpResponse:
    context = {
        "room": room,
        "member": member,
        "authority": room.authority,
        "scheduled": room.state == RoomState.SCHEDULED,
        "staff_page": staff is not None,
        "staff": staff,
        "config": room_config(room, member, staff is not None),
        "chat_max_length": settings.CHAT_MAX_LENGTH,
    }
    return render(request, "rooms/room.html", context)
