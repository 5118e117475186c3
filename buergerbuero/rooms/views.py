"""The pages of a group session: the public join page of a personal (or class) link and the officials'
page of a room. Both show the same room page (templates/rooms/room.html, static/rooms/room.js); what a
person may do there is decided by the server over the room's socket (rooms.consumers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from buergerbuero.authorities.access import staff_required
from buergerbuero.authorities.models import Staff
from buergerbuero.rooms import access, tokens
from buergerbuero.rooms.models import Member, Room, RoomKind, RoomState

# A join page names the member in its address: it must not leak through the Referer header, and no
# shared cache may keep it (as the appointment management pages do).
PRIVATE_HEADERS = {"Referrer-Policy": "strict-origin", "Cache-Control": "no-store"}

REFUSAL_STATUS = {"removed": 403, "declined": 403, "ended": 410, "locked": 403}


def _private(response: HttpResponse) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response.headers[header] = value
    return response


def _config(room: Room, member: Member | None, staff: bool) -> dict[str, Any]:
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


def _room_page(request: HttpRequest, room: Room, member: Member | None, staff: Staff | None) -> HttpResponse:
    context = {
        "room": room,
        "member": member,
        "authority": room.authority,
        "scheduled": room.state == RoomState.SCHEDULED,
        "staff_page": staff is not None,
        "staff": staff,
        "config": _config(room, member, staff is not None),
        "chat_max_length": settings.CHAT_MAX_LENGTH,
    }
    return render(request, "rooms/room.html", context)


@require_GET
def join(request: HttpRequest, token: str) -> HttpResponse:
    """``/raum/<token>/``: opens the room for the link's member. The secret's hash is kept in the session
    for the room's socket, which reads it from there (never from the address)."""
    member = access.member_for_token(token)
    if member is None:
        return _private(render(request, "rooms/join_invalid.html", status=404))
    room = Room.objects.select_related("authority").get(pk=member.room_id)
    member.room = room
    problem = access.refusal(member)
    if problem is not None:
        reason, message = problem
        context = {"room": room, "authority": room.authority, "reason": reason, "message": message}
        return _private(
            render(request, "rooms/join_closed.html", context, status=REFUSAL_STATUS.get(reason, 403))
        )
    tokens.remember(request.session, room.pk, token)
    return _private(_room_page(request, room, member, staff=None))


@require_GET
@staff_required
def staff_room(request: HttpRequest, staff: Staff, room_id: int) -> HttpResponse:
    """``/staff/rooms/<id>/``: the room for its staff members and the authority's administrators."""
    room = access.get_room_for_staff(staff, room_id)
    member = access.member_for_staff(room, request.user)
    if member is not None and member.removed_at is not None:
        problem = access.refusal(member)
        assert problem is not None
        context = {"room": room, "authority": room.authority, "reason": problem[0], "message": problem[1]}
        return render(request, "rooms/join_closed.html", context, status=403)
    return _room_page(request, room, member, staff=staff)


@require_GET
@staff_required
def staff_index(request: HttpRequest, staff: Staff) -> HttpResponse:
    """The group sessions the official may open (every one of the authority for its administrators)."""
    rooms = access.rooms_for_staff(staff).exclude(state=RoomState.ENDED).order_by("starts_at", "pk")
    items = [(room, reverse("staff_rooms:room", args=[room.pk])) for room in rooms]
    return render(request, "rooms/staff_index.html", {"items": items, "staff": staff})
