"""Who may do what in a room. The server decides; pages only show what these allow."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from buergerbuero.authorities.models import Staff
from buergerbuero.rooms.models import Member, MemberRole, RemovalReason, Room, RoomMode, RoomState
from buergerbuero.rooms.tokens import hash_token, session_hashes

PUBLISHING_ROLES = (MemberRole.MODERATOR, MemberRole.PRESENTER, MemberRole.SPEAKER)


def may_publish(member: Member, room: Room) -> bool:
    """Moderators, presenters and speakers publish; participants only in a conference or when a
    moderator let them speak; viewers never (a moderator promotes them to speaker first)."""
    if member.removed_at is not None:
        return False
    if member.role in PUBLISHING_ROLES or member.may_speak:
        return True
    return member.role == MemberRole.PARTICIPANT and room.mode == RoomMode.CONFERENCE


def is_moderator(member: Member) -> bool:
    return member.role in (MemberRole.MODERATOR, MemberRole.PRESENTER) and member.removed_at is None


def member_for_token(token: str | None) -> Member | None:
    """The member a join link's secret belongs to (removed members included: callers refuse them)."""
    if not token or len(token) > 100:
        return None
    return member_for_token_hash(hash_token(token))


def member_for_token_hash(token_hash: str | None) -> Member | None:
    """The member whose join link hashes to ``token_hash`` (what a browser's session keeps)."""
    if not token_hash:
        return None
    return Member.objects.select_related("room").filter(token_hash=token_hash).first()


def is_member_of_room(member: Member, room_id: int) -> bool:
    return member.room_id == room_id and member.removed_at is None


def must_wait_in_lobby(member: Member) -> bool:
    """Whether this member waits in the lobby until a moderator lets them in."""
    return member.room.lobby and not is_moderator(member) and member.admitted_at is None


def ever_inside(member: Member) -> bool:
    return member.attendances.exists()


def refusal(member: Member) -> tuple[str, str] | None:
    """Why this member cannot open the room now, as (code, message), or None. A room that has not started
    yet is no refusal: its page waits and opens when it starts."""
    if member.removed_at is not None:
        if member.removed_reason == RemovalReason.DECLINED:
            return "declined", _("A moderator did not let you in to this session.")
        return "removed", _("You were removed from this session and cannot join it again.")
    room = member.room
    if room.state == RoomState.ENDED:
        return "ended", _("This session has ended.")
    if room.locked and not is_moderator(member) and not ever_inside(member):
        return "locked", _("This session is locked: nobody new may join. Please contact the organisers.")
    return None


def member_for_staff(room: Room, user: AbstractBaseUser | AnonymousUser) -> Member | None:
    """The staff user's place in the room, or None. Authority administrators of the room's authority may
    enter every room of it as moderators; their place is made when they enter
    (rooms.actions.members.enter_as_admin)."""
    if not user.is_authenticated:
        return None
    return room.members.select_related("room").filter(user_id=user.pk).first()


def staff_may_enter(room: Room, staff: Staff) -> bool:
    if staff.authority_id != room.authority_id:
        return False
    if staff.is_authority_admin:
        return True
    return room.members.filter(user_id=staff.user_id, removed_at__isnull=True).exists()


def get_room_for_staff(staff: Staff, room_id: int) -> Room:
    """A room the official is a member of, or any room of the authority for its administrators. Anything
    else is a 404 (rooms of other authorities reveal nothing)."""
    room = (
        Room.objects.select_related("authority").filter(pk=room_id, authority_id=staff.authority_id).first()
    )
    if room is None or not staff_may_enter(room, staff):
        raise Http404(_("No such group session."))
    return room


def rooms_for_staff(staff: Staff) -> QuerySet[Room]:
    rooms = Room.objects.filter(authority_id=staff.authority_id)
    if not staff.is_authority_admin:
        rooms = rooms.filter(members__user_id=staff.user_id, members__removed_at__isnull=True)
    return rooms.distinct()


def token_hash_from_session(session: Any, room_id: int) -> str | None:
    """The hash of the join link this browser presented for the room (rooms.tokens.SESSION_KEY)."""
    return session_hashes(session).get(str(room_id))
