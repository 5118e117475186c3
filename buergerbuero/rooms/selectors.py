"""Reading rooms: what a page shows (snapshot and the pieces events carry) and what completion is computed
from (attendance, presence checks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from buergerbuero.rooms.access import PUBLISHING_ROLES, is_moderator, may_publish
from buergerbuero.rooms.models import (
    Attendance,
    ChatMessage,
    LobbyWait,
    Member,
    MemberRole,
    PresenceAnswer,
    PresenceCheck,
    Room,
    RoomMode,
)

# The chat a page gets in its snapshot: the latest messages, oldest first.
CHAT_IN_SNAPSHOT = 100


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def room_info(room: Room) -> dict[str, Any]:
    return {
        "id": room.pk,
        "title": room.title,
        "kind": room.kind,
        "mode": room.mode,
        "state": room.state,
        "locked": room.locked,
        "lobby": room.lobby,
        "starts_at": _iso(room.starts_at),
        "started_at": _iso(room.started_at),
        "ended_at": _iso(room.ended_at),
        "stage": dict(room.stage),
    }


def present_member_ids(room: Room) -> set[int]:
    """Members with at least one open connection inside the room."""
    return set(
        Attendance.objects.filter(member__room=room, left_at__isnull=True).values_list("member_id", flat=True)
    )


def member_info(member: Member, present: bool | None = None) -> dict[str, Any]:
    if present is None:
        present = member.attendances.filter(left_at__isnull=True).exists()
    return {
        "id": member.pk,
        "name": member.display_name,
        "role": member.role,
        "is_hall": member.is_hall,
        "moderator": is_moderator(member),
        "may_speak": member.may_speak,
        "may_publish": may_publish(member, member.room),
        "hand_raised_at": _iso(member.hand_raised_at),
        "audio_muted": member.audio_muted,
        "video_stopped": member.video_stopped,
        "present": present,
        "removed": member.removed_at is not None,
    }


def members_info(room: Room) -> list[dict[str, Any]]:
    """Every member not removed, in the order they were added; the page sorts for its layout."""
    present = present_member_ids(room)
    members = room.members.filter(removed_at__isnull=True)
    out = []
    for member in members:
        member.room = room  # one room for all: no query per member
        out.append(member_info(member, present=member.pk in present))
    return out


# --- who sees whom ---------------------------------------------------------------------------------------
#
# In a webinar the audience (viewers, participants who may not speak) sees the people on the stage
# (moderators, presenters, speakers, the hall, whoever may speak now), itself and how many others watch;
# the names of the audience only moderators see. In a conference everyone takes part and sees everyone.


def lists_everyone(member: Member) -> bool:
    """Whether this member's page lists every member by name (else only the stage and a count)."""
    return member.room.mode != RoomMode.WEBINAR or is_moderator(member)


def on_stage(info: dict[str, Any]) -> bool:
    """Whether a member (as ``member_info`` gives it) is shown by name to everyone."""
    return bool(info["moderator"] or info["may_publish"] or info["is_hall"])


def member_on_stage(member: Member) -> bool:
    return is_moderator(member) or may_publish(member, member.room) or member.is_hall


def others_in_audience(total: int, member: Member, present: bool) -> int:
    """``total`` (audience_present) as the page of ``member`` shows it: without the member itself."""
    return max(0, total - (1 if present and not member_on_stage(member) else 0))


def audience_present(room: Room) -> int:
    """Members of the audience (not on the stage) with a page inside the room now; the same rule as
    ``on_stage`` (access.may_publish), as one query."""
    audience = Attendance.objects.filter(
        member__room=room,
        left_at__isnull=True,
        member__removed_at__isnull=True,
        member__is_hall=False,
        member__may_speak=False,
    ).exclude(member__role__in=PUBLISHING_ROLES)
    if room.mode == RoomMode.CONFERENCE:
        audience = audience.exclude(member__role=MemberRole.PARTICIPANT)
    return audience.values("member_id").distinct().count()


def visible_members(members: list[dict[str, Any]], me: int, everyone: bool) -> list[dict[str, Any]]:
    """The members a page lists: all, or the stage and itself."""
    if everyone:
        return members
    return [m for m in members if m["id"] == me or on_stage(m)]


def hand_queue(room: Room) -> list[int]:
    """Ids of the members whose hand is up, in the order they raised it."""
    return list(
        room.members.filter(hand_raised_at__isnull=False, removed_at__isnull=True)
        .order_by("hand_raised_at", "id")
        .values_list("pk", flat=True)
    )


def lobby_list(room: Room) -> list[dict[str, Any]]:
    """Members waiting in the lobby now (a page of theirs is open), longest waiting first."""
    seen: dict[int, dict[str, Any]] = {}
    waits = LobbyWait.objects.filter(
        member__room=room, member__removed_at__isnull=True, member__admitted_at__isnull=True
    ).select_related("member")
    for wait in waits.order_by("since", "id"):
        if wait.member_id not in seen:
            seen[wait.member_id] = {
                "id": wait.member_id,
                "name": wait.member.display_name,
                "since": wait.since.isoformat(),
            }
    return list(seen.values())


def chat_info(message: ChatMessage) -> dict[str, Any]:
    return {
        "id": message.pk,
        "member": message.member_id,
        "name": message.member.display_name,
        "text": message.text,
        "at": message.sent_at.isoformat(),
    }


def chat_for(info: dict[str, Any], sender_on_stage: bool, me: int, everyone: bool) -> dict[str, Any]:
    """A chat message as a page sees it: a page that does not list the audience gets no name of an
    audience member who wrote (the page says "a participant")."""
    if everyone or sender_on_stage or info["member"] == me:
        return info
    return {**info, "name": ""}


def open_presence_check(room: Room, now: dt.datetime | None = None) -> PresenceCheck | None:
    now = now or timezone.now()
    return room.presence_checks.filter(deadline_at__gte=now).order_by("-sent_at", "-id").first()


def presence_info(member: Member, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """The running presence check as this member's page shows it, or None."""
    check = open_presence_check(member.room, now)
    if check is None:
        return None
    info: dict[str, Any] = {
        "check": check.pk,
        "deadline": check.deadline_at.isoformat(),
        "seconds": round((check.deadline_at - check.sent_at).total_seconds()),
        "answered": check.answers.filter(member=member).exists(),
    }
    if is_moderator(member):
        info["answers"] = check.answers.count()
    return info


def snapshot(member: Member) -> dict[str, Any]:
    """Everything the room page of this member shows, for the ``room.snapshot`` frame."""
    room = member.room
    chat = list(
        ChatMessage.objects.filter(room=room, deleted_at__isnull=True)
        .select_related("member")
        .order_by("-sent_at", "-id")[:CHAT_IN_SNAPSHOT]
    )
    everyone = lists_everyone(member)
    members = members_info(room)
    stage = {m["id"] for m in members if on_stage(m)}
    shown = visible_members(members, member.pk, everyone)
    frame: dict[str, Any] = {
        "type": "room.snapshot",
        "room": room_info(room),
        "me": member_info(member, present=True),
        "members": shown,
        "hands": hand_queue(room),
        "chat": [chat_for(chat_info(m), m.member_id in stage, member.pk, everyone) for m in reversed(chat)],
        "presence": presence_info(member),
    }
    if is_moderator(member):
        frame["lobby"] = lobby_list(room)
    if not everyone:
        present = member.attendances.filter(left_at__isnull=True).exists()
        frame["audience"] = others_in_audience(audience_present(room), member, present)
    return frame


# --- completion inputs ---------------------------------------------------------------------------------


def attendance_seconds(member: Member, now: dt.datetime | None = None) -> int:
    """Seconds the member was inside the room while it was live. Connections that overlap (two tabs, a
    reload whose new socket opened before the old one closed) count once; a connection still open counts
    up to the end of the room, or up to now while it is live."""
    room = member.room
    if room.started_at is None:
        return 0
    now = now or timezone.now()
    until = room.ended_at or now
    intervals = []
    for joined, left in member.attendances.values_list("joined_at", "left_at"):
        start = max(joined, room.started_at)
        end = min(left or until, until)
        if end > start:
            intervals.append((start, end))
    total = dt.timedelta()
    current: tuple[dt.datetime, dt.datetime] | None = None
    for start, end in sorted(intervals):
        if current is None or start > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        total += current[1] - current[0]
    return int(total.total_seconds())


def presence_summary(member: Member) -> tuple[int, int]:
    """(checks answered in time, checks sent while the member was inside the room). A check sent while
    the member was away is not held against them; an answer always counts (one can only answer a check
    while inside, before its deadline)."""
    attendances = list(member.attendances.values_list("joined_at", "left_at"))
    sent_while_present = 0
    for sent_at in PresenceCheck.objects.filter(room_id=member.room_id).values_list("sent_at", flat=True):
        if any(joined <= sent_at and (left is None or left > sent_at) for joined, left in attendances):
            sent_while_present += 1
    answered = PresenceAnswer.objects.filter(member=member, presence_check__room_id=member.room_id).count()
    return answered, sent_while_present
