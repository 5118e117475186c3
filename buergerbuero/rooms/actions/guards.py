"""What every room action does first: lock the rows it changes, check under the locks that it may go on,
and, once it has, write its audit entry. Used only by the modules of rooms.actions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms.access import is_moderator, must_wait_in_lobby, refusal
from buergerbuero.rooms.models import Attendance, Member, Room, RoomState

Actor = Member | AbstractBaseUser | None


def actor_id(actor: Actor) -> int | None:
    if isinstance(actor, Member):
        return actor.user_id
    return actor.pk if actor is not None else None


def audit(room: Room, action: str, obj: Any, actor: Actor, **data: Any) -> None:
    if isinstance(actor, Member):
        data["by_member"] = actor.pk
    record(room.authority_id, action, obj, actor_id(actor), **data)


def lock_room(room: Room | int) -> Room:
    room_id = room if isinstance(room, int) else room.pk
    return Room.objects.select_for_update().get(pk=room_id)


def lock_member(member: Member) -> Member:
    locked = Member.objects.select_for_update().select_related("room").get(pk=member.pk)
    return locked


def moderator(actor: Member, room: Room) -> Member:
    """The acting member, re-read: a moderator of this room (else ``forbidden``)."""
    current = Member.objects.select_related("room").filter(pk=actor.pk).first()
    if current is None or current.room_id != room.pk or not is_moderator(current):
        raise ActionError("forbidden", _("Only moderators may do this."))
    return current


def not_ended(room: Room) -> None:
    if room.state == RoomState.ENDED:
        raise ActionError("ended", _("This session has ended."))


def live(room: Room) -> None:
    not_ended(room)
    if room.state != RoomState.LIVE:
        raise ActionError("not_live", _("This session has not started yet."))


def target(member: Member, room: Room) -> Member:
    """A member of the room (re-read and locked) that a moderator acts on."""
    if member.room_id != room.pk:
        raise ActionError("no_member", _("This person is not in this session."))
    target = lock_member(member)
    if target.removed_at is not None:
        raise ActionError("removed", _("This person has been removed from the session."))
    return target


def inside(member: Member) -> Member:
    """The member, re-read and locked, taking part now: not removed, the room live, let in."""
    current = lock_member(member)
    problem = refusal(current)
    if problem is not None:
        raise ActionError(*problem)
    live(current.room)
    if must_wait_in_lobby(current):
        raise ActionError("in_lobby", _("Please wait until a moderator lets you in."))
    return current


def close_attendances(members: Any, now: dt.datetime) -> None:
    Attendance.objects.filter(member__in=members, left_at__isnull=True).update(left_at=now)
