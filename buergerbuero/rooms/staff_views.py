"""The officials' pages of a group session (/staff/rooms/): the rooms an official may open and the room
page itself, the same page as the citizens' (rooms.pages.room_page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from buergerbuero.authorities.access import staff_required
from buergerbuero.authorities.models import Staff
from buergerbuero.rooms import access
from buergerbuero.rooms.models import RoomState
from buergerbuero.rooms.pages import room_page


@require_GET
@staff_required
def detail(request: HttpRequest, staff: Staff, room_id: int) -> HttpResponse:
    """``/staff/rooms/<id>/``: the room for its staff members and the authority's administrators."""
    room = access.get_room_for_staff(staff, room_id)
    member = access.member_for_staff(room, request.user)
    if member is not None and member.removed_at is not None:
        problem = access.refusal(member)
        assert problem is not None
        context = {"room": room, "authority": room.authority, "reason": problem[0], "message": problem[1]}
        return render(request, "rooms/join_closed.html", context, status=403)
    return room_page(request, room, member, staff=staff)


@require_GET
@staff_required
def index(request: HttpRequest, staff: Staff) -> HttpResponse:
    """The group sessions the official may open (every one of the authority for its administrators)."""
    rooms = access.rooms_for_staff(staff).exclude(state=RoomState.ENDED).order_by("starts_at", "pk")
    items = [(room, reverse("staff_rooms:room", args=[room.pk])) for room in rooms]
    return render(request, "rooms/staff_index.html", {"items": items, "staff": staff})
