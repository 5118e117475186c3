"""The places in a room and the pages that use them: places given (a join link, or an official's user)
and taken away (removed by a moderator, declined at the lobby, revoked from outside the room); a page
joining, leaving and waiting in the lobby, and a moderator letting it in.
"""

from __future__ import annotations

import datetime as dt
import logging

from asgiref.sync import async_to_sync
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.core.errors import ActionError
from buergerbuero.media.placement import kick
from buergerbuero.rooms import events
from buergerbuero.rooms.access import is_moderator, must_wait_in_lobby, refusal
from buergerbuero.rooms.actions import guards
from buergerbuero.rooms.models import Attendance, LobbyWait, Member, MemberRole, RemovalReason, Room
from buergerbuero.rooms.tokens import hash_token, new_token

logger = logging.getLogger(__name__)


@transaction.atomic
def add_member(
    room: Room,
    *,
    display_name: str,
    role: MemberRole = MemberRole.PARTICIPANT,
    user: AbstractBaseUser | None = None,
    is_hall: bool = False,
    actor: AbstractBaseUser | None = None,
) -> tuple[Member, str | None]:
    """A place in the room. Staff are found by their user and get no token; everyone else gets the
    secret of a join link, returned once (only its hash is kept). A user already in the room keeps the
    place they have (its role is updated)."""
    if user is not None:
        member, created = Member.objects.get_or_create(
            room=room,
            user_id=user.pk,
            defaults={"display_name": display_name, "role": role, "is_hall": is_hall},
        )
        if not created and member.role != role:
            member.role = role
            member.save(update_fields=["role"])
            # An official dropped from a session's moderators, presenters or speakers: open pages lose
            # the rights at once (the consumer re-reads the member; its media stops publishing).
            events.announce_member(Member.objects.select_related("room").get(pk=member.pk), permissions=True)
        token = None
    else:
        token = new_token()
        member = Member.objects.create(
            room=room, display_name=display_name, role=role, is_hall=is_hall, token_hash=hash_token(token)
        )
    record(room.authority_id, "room.member_added", member, actor.pk if actor else None, role=role)
    return member, token


@transaction.atomic
def enter_as_admin(room: Room, actor: AbstractBaseUser, display_name: str) -> Member:
    """An authority administrator opens a room they have no place in: they take part as a moderator.
    A place they already have (whatever its role) is kept."""
    existing = room.members.select_related("room").filter(user_id=actor.pk).first()
    if existing is not None:
        return existing
    member, _token = add_member(
        room, display_name=display_name, role=MemberRole.MODERATOR, user=actor, actor=actor
    )
    return Member.objects.select_related("room").get(pk=member.pk)


# --- connections: attendance and the lobby --------------------------------------------------------------


@transaction.atomic
def join(member: Member, channel: str) -> Attendance:
    """A page of the member is inside the live room now: one attendance per connection."""
    member = guards.inside(member)
    now = timezone.now()
    was_present = member.attendances.filter(left_at__isnull=True).exists()
    attendance = Attendance.objects.create(member=member, joined_at=now, channel=channel[:200])
    LobbyWait.objects.filter(member=member, channel=channel).delete()
    guards.audit(member.room, "room.joined", member, member)
    if not was_present:
        events.announce_member(member)
    return attendance


@transaction.atomic
def leave(member: Member, channel: str) -> None:
    """A connection of the member closed: its attendance ends, its wait in the lobby too. Idempotent."""
    member = guards.lock_member(member)
    now = timezone.now()
    open_ = Attendance.objects.filter(member=member, channel=channel, left_at__isnull=True)
    closed = open_.update(left_at=now)
    waited = LobbyWait.objects.filter(member=member, channel=channel).delete()[0]
    if closed:
        guards.audit(member.room, "room.left", member, member)
        if not member.attendances.filter(left_at__isnull=True).exists():
            events.announce_member(member)
    if waited:
        events.announce_lobby(member.room)


@transaction.atomic
def knock(member: Member, channel: str) -> LobbyWait:
    """A page of the member waits in the lobby of the live room; moderators see it in their list."""
    member = guards.lock_member(member)
    problem = refusal(member)
    if problem is not None:
        raise ActionError(*problem)
    guards.live(member.room)
    if not must_wait_in_lobby(member):
        raise ActionError("not_in_lobby", _("You do not need to wait in the lobby."))
    wait, _created = LobbyWait.objects.get_or_create(
        member=member, channel=channel[:200], defaults={"since": timezone.now()}
    )
    events.announce_lobby(member.room)
    return wait


@transaction.atomic
def admit_from_lobby(member: Member, *, actor: Member) -> Member:
    room = guards.lock_room(member.room_id)
    guards.moderator(actor, room)
    guards.not_ended(room)
    member = guards.target(member, room)
    if member.admitted_at is None:
        member.admitted_at = timezone.now()
        member.save(update_fields=["admitted_at"])
        guards.audit(room, "room.admitted", member, actor)
    LobbyWait.objects.filter(member=member).delete()
    events.announce_admitted(member)
    events.announce_lobby(room)
    return member


@transaction.atomic
def decline(member: Member, *, actor: Member) -> Member:
    """Not let in from the lobby: the member is blocked like a removed one."""
    room = guards.lock_room(member.room_id)
    guards.moderator(actor, room)
    guards.not_ended(room)
    member = guards.target(member, room)
    if is_moderator(member):
        raise ActionError("forbidden", _("Moderators cannot be turned away."))
    _block(member, RemovalReason.DECLINED)
    guards.audit(room, "room.declined", member, actor)
    events.announce_removed(member)
    events.announce_lobby(room)
    _kick_media_after_commit(member)
    return member


def _block(member: Member, reason: RemovalReason, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    member.removed_at = now
    member.removed_reason = reason
    member.hand_raised_at = None
    member.may_speak = False
    member.save(update_fields=["removed_at", "removed_reason", "hand_raised_at", "may_speak"])
    guards.close_attendances([member], now)
    LobbyWait.objects.filter(member=member).delete()


@transaction.atomic
def remove_member(member: Member, *, actor: Member) -> Member:
    """Removes the member for good: their pages close and neither their link nor their user opens the
    room again."""
    room = guards.lock_room(member.room_id)
    actor = guards.moderator(actor, room)
    guards.not_ended(room)
    member = guards.target(member, room)
    if member.pk == actor.pk:
        raise ActionError("forbidden", _("You cannot remove yourself."))
    had_hand = member.hand_raised_at is not None
    _block(member, RemovalReason.REMOVED)
    guards.audit(room, "room.removed", member, actor)
    _announce_removal(member, room, had_hand)
    return member


@transaction.atomic
def revoke_member(
    member: Member, *, actor: AbstractBaseUser | None, now: dt.datetime | None = None
) -> Member:
    """Takes a member's place away from outside the room (a registration cancelled or removed, a hall
    link replaced): blocked as by ``remove_member``, and its open pages and media end at once. Idempotent
    (a member removed already stays as it is)."""
    room = guards.lock_room(member.room_id)
    member = guards.lock_member(member)
    if member.removed_at is not None:
        return member
    had_hand = member.hand_raised_at is not None
    _block(member, RemovalReason.REMOVED, now)
    guards.audit(room, "room.member_revoked", member, actor)
    _announce_removal(member, room, had_hand)
    return member


def _announce_removal(member: Member, room: Room, had_hand: bool) -> None:
    """The member's pages close (``room.removed``), the others see them go, and Janus drops their feed."""
    events.announce_removed(member)
    events.announce_member(member)
    if had_hand:
        events.announce_hands(room)
    events.announce_lobby(room)
    _kick_media_after_commit(member)


def _kick_media_after_commit(member: Member) -> None:
    room_id, member_id = member.room_id, member.pk
    transaction.on_commit(lambda: _kick_media(room_id, member_id), robust=True)


def _kick_media(room_id: int, member_id: int) -> None:
    """Drop a removed member's feed and subscriptions from the room's Janus room. The member's pages close
    their media themselves on ``room.removed``; this also ends a Janus session that outlived its page (a
    worker that died leaves it for Janus's reclaim timeout, media flowing). Logged when Janus is away."""
    try:
        async_to_sync(kick)(room_id, member_id)
    except Exception:
        logger.exception(
            "could not remove member %s from the media server room of room %s", member_id, room_id
        )
