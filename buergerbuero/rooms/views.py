"""The citizens' page of a group session: the join page of a personal (or class) link. It shows the same
room page as the officials' (rooms.pages.room_page); what a person may do there is decided by the server
over the room's socket (rooms.consumers)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from buergerbuero.rooms import access, tokens
from buergerbuero.rooms.models import Room
from buergerbuero.rooms.pages import room_page

# A join page names the member in its address: it must not leak through the Referer header, and no
# shared cache may keep it (as the appointment management pages do).
PRIVATE_HEADERS = {"Referrer-Policy": "strict-origin", "Cache-Control": "no-store"}

REFUSAL_STATUS = {"removed": 403, "declined": 403, "ended": 410, "locked": 403}


def _private(response: HttpResponse) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response.headers[header] = value
    return response


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
    return _private(room_page(request, room, member, staff=None))
