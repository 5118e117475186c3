"""A room's life: created, started, ended (by a moderator, an official or the background job), locked and
unlocked; and the retention of what it held.
"""

from __future__ import annotations

import datetime as dt
import logging

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Authority
from buergerbuero.core.errors import ActionError
from buergerbuero.media.streaming import release
from buergerbuero.offices.models import Office
from buergerbuero.rooms import events
from buergerbuero.rooms.actions import guards
from buergerbuero.rooms.actions.guards import Actor
from buergerbuero.rooms.models import Attendance, LobbyWait, Member, Room, RoomKind, RoomMode, RoomState

logger = logging.getLogger(__name__)


@transaction.atomic
def create_room(
    authority: Authority,
    *,
    kind: RoomKind,
    title: str,
    office: Office | None = None,
    mode: RoomMode = RoomMode.CONFERENCE,
    lobby: bool = False,
    actor: AbstractBaseUser | None = None,
    starts_at: dt.datetime | None = None,
) -> Room:
    """A room for a training session or an event; its media server room is made when it goes live."""
    room = Room.objects.create(
        authority=authority,
        office=office,
        kind=kind,
        title=title,
        mode=mode,
        lobby=lobby,
        starts_at=starts_at,
    )
    record(authority.pk, "room.created", room, actor.pk if actor else None, kind=kind, mode=mode)
    return room


def _member_ids(room: Room) -> list[int]:
    return list(room.members.filter(removed_at__isnull=True).values_list("pk", flat=True))


@transaction.atomic
def start_room(room: Room, *, actor: Actor) -> Room:
    """Scheduled → live. Pages waiting for the start open by themselves (``room.state``)."""
    room = guards.lock_room(room)
    if isinstance(actor, Member):
        guards.moderator(actor, room)
    guards.not_ended(room)
    if room.state == RoomState.LIVE:
        raise ActionError("already_live", _("This session is already running."))
    room.state = RoomState.LIVE
    room.started_at = timezone.now()
    room.save(update_fields=["state", "started_at"])
    guards.audit(room, "room.started", room, actor)
    events.announce_state(room, _member_ids(room))
    return room


@transaction.atomic
def end_room(room: Room, *, actor: Actor, reason: str = "") -> Room:
    """Ends the session for everyone: every page closes, every open attendance ends now. ``reason`` is
    for the audit entry when the system ends it (``idle``, ``too_long``)."""
    room = guards.lock_room(room)
    if isinstance(actor, Member):
        guards.moderator(actor, room)
    guards.not_ended(room)
    now = timezone.now()
    room.state = RoomState.ENDED
    room.ended_at = now
    room.save(update_fields=["state", "ended_at"])
    guards.close_attendances(room.members.all(), now)
    LobbyWait.objects.filter(member__room=room).delete()
    guards.audit(room, "room.ended", room, actor, **({"reason": reason} if reason else {}))
    events.announce_state(room, _member_ids(room))
    room_id = room.pk
    transaction.on_commit(lambda: _release_media(room_id), robust=True)
    return room


def end_idle_rooms(now: dt.datetime) -> int:
    """The background job's part: end every live room that nobody has been inside for
    ``ROOM_IDLE_END_MINUTES`` (no open attendance, none begun or ended since), and every room live for
    longer than ``ROOM_MAX_LIVE_HOURS`` (an attendance left open by a worker that died must not keep a
    room live for ever). Without this a forgotten room would hold its Janus room and escape retention.
    Safe in several processes at once: ``end_room`` locks the room and a second end is refused. Returns
    the rooms ended."""
    idle_since = now - dt.timedelta(minutes=settings.ROOM_IDLE_END_MINUTES)
    recent = Attendance.objects.filter(member__room=OuterRef("pk")).filter(
        Q(left_at__isnull=True) | Q(left_at__gte=idle_since) | Q(joined_at__gte=idle_since)
    )
    live = Room.objects.filter(state=RoomState.LIVE)
    idle = live.filter(started_at__lt=idle_since).exclude(Exists(recent))
    too_long = live.filter(started_at__lt=now - dt.timedelta(hours=settings.ROOM_MAX_LIVE_HOURS))
    ended = 0
    for reason, rooms in (("too_long", too_long), ("idle", idle)):
        for room in list(rooms):
            try:
                end_room(room, actor=None, reason=reason)
            except ActionError:  # ended meanwhile, by a moderator or another process
                continue
            ended += 1
    return ended


def _release_media(room_id: int) -> None:
    """Free the room's Janus room once the end is committed. A Janus that cannot be reached is logged:
    the room is ended for us either way, and Janus drops its sessions by itself."""
    try:
        async_to_sync(release)(room_id)
    except Exception:
        logger.exception("could not free the media server room of room %s", room_id)


@transaction.atomic
def set_locked(room: Room, locked: bool, *, actor: Member) -> Room:
    room = guards.lock_room(room)
    guards.moderator(actor, room)
    guards.not_ended(room)
    if room.locked != locked:
        room.locked = locked
        room.save(update_fields=["locked"])
        guards.audit(room, "room.locked" if locked else "room.unlocked", room, actor)
        events.announce_state(room)
    return room


def lock(room: Room, *, actor: Member) -> Room:
    return set_locked(room, True, actor=actor)


def unlock(room: Room, *, actor: Member) -> Room:
    return set_locked(room, False, actor=actor)


@transaction.atomic
def delete_personal_data(cutoff: dt.datetime) -> int:
    """Clear the members' names and the chat of rooms that ended before ``cutoff`` (and of rooms that
    were to start before it and never ran). Roles, attendance times and presence answers stay for the
    figures; the trainings and events that own the rooms keep their own records for their own periods.
    Idempotent; returns the rooms cleared."""
    rooms = (
        Room.objects.annotate(planned=Coalesce("starts_at", "created_at"))
        .filter(
            Q(state=RoomState.ENDED, ended_at__lt=cutoff) | Q(state=RoomState.SCHEDULED, planned__lt=cutoff)
        )
        .filter(Q(members__display_name__gt="") | Q(chat__text__gt=""))
        .distinct()
    )
    cleared = 0
    for room in rooms:
        room.members.update(display_name="")
        room.chat.update(text="")
        guards.audit(room, "room.personal_data_deleted", room, None)
        cleared += 1
    return cleared
