"""Who may do what in a room. The server decides; pages only show what these allow."""

from __future__ import annotations

from buergerbuero.rooms.models import Member, MemberRole, Room, RoomMode

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
    from buergerbuero.rooms.tokens import hash_token

    return Member.objects.select_related("room").filter(token_hash=hash_token(token)).first()
