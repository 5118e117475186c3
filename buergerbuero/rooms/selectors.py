"""Reading rooms: what a page shows (snapshot and the pieces events carry) and what completion is computed
from (attendance, presence checks)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from buergerbuero.rooms.access import is_moderator, may_publish
from buergerbuero.rooms.models import (
    Attendance,
    ChatMessage,
    LobbyWait,
    Member,
    PresenceAnswer,
    PresenceCheck,
    Room,
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
    frame: dict[str, Any] = {
        "type": "room.snapshot",
        "room": room_info(room),
        "me": member_info(member, present=True),
        "members": members_info(room),
        "hands": hand_queue(room),
        "chat": [chat_info(m) for m in reversed(chat)],
        "presence": presence_info(member),
    }
    if is_moderator(member):
        frame["lobby"] = lobby_list(room)
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
