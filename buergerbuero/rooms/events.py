"""Typed events of group sessions, sent only by rooms.actions after their transaction commits.

Group ``room-<id>`` holds the connections that are inside the room (admitted, room live or a moderator
preparing it); ``room-member-<id>`` every connection of one member, inside or waiting (before the start,
in the lobby). Events about the whole room that waiting pages must hear too (the start, the end) go to
both, marked with ``audience`` so a page inside the room, which is in both groups, acts on one copy only.
The consumer (rooms.consumers) turns each into the frame of the same name (docs/group-sessions.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypedDict

from buergerbuero.core import groups
from buergerbuero.core.events import send_after_commit
from buergerbuero.rooms.models import ChatMessage, Member, PresenceCheck, Room
from buergerbuero.rooms.selectors import (
    audience_present,
    chat_info,
    hand_queue,
    lobby_list,
    member_info,
    members_info,
    on_stage,
    room_info,
)


class RoomStateEvent(TypedDict):
    type: Literal["room.state"]
    room: dict[str, Any]
    # "inside": for the room group; "waiting": for the member groups of pages that are not inside.
    audience: Literal["inside", "waiting"]


class MemberEvent(TypedDict):
    type: Literal["room.member"]
    room: int
    member: dict[str, Any]
    # Whether the member's media permissions may have changed (role, may_speak, muted, video stopped):
    # that member's page renegotiates what it may publish.
    permissions: bool
    # Audience members present (selectors.audience_present), for pages that do not list them by name.
    audience: int


class MembersEvent(TypedDict):
    type: Literal["room.members"]
    room: int
    members: list[dict[str, Any]]
    permissions: bool
    audience: int


class HandsEvent(TypedDict):
    type: Literal["room.hands"]
    room: int
    hands: list[int]


class ChatEvent(TypedDict):
    type: Literal["room.chat"]
    room: int
    message: dict[str, Any]
    # Whether the sender is on the stage (selectors.on_stage): else pages that do not list the audience
    # get the message without the name.
    on_stage: bool


class ChatDeletedEvent(TypedDict):
    type: Literal["room.chat_deleted"]
    room: int
    message: int


class PresenceCheckEvent(TypedDict):
    type: Literal["room.presence_check"]
    room: int
    check: int
    deadline: str
    seconds: int


class PresenceAnswerEvent(TypedDict):
    type: Literal["room.presence_answer"]
    room: int
    check: int
    member: int


class StageEvent(TypedDict):
    type: Literal["room.stage"]
    room: int
    stage: dict[str, Any]


class LobbyEvent(TypedDict):
    type: Literal["room.lobby_list"]
    room: int
    waiting: list[dict[str, Any]]


class AdmittedEvent(TypedDict):
    type: Literal["room.admitted"]
    room: int
    member: int


class RemovedEvent(TypedDict):
    type: Literal["room.removed"]
    room: int
    member: int
    reason: str


def announce_state(room: Room, member_ids: Iterable[int] = ()) -> None:
    info = room_info(room)
    inside: RoomStateEvent = {"type": "room.state", "room": info, "audience": "inside"}
    send_after_commit(groups.room(room.pk), inside)
    waiting: RoomStateEvent = {"type": "room.state", "room": info, "audience": "waiting"}
    for member_id in member_ids:
        send_after_commit(groups.room_member(member_id), waiting)


def announce_member(member: Member, *, permissions: bool = False) -> None:
    event: MemberEvent = {
        "type": "room.member",
        "room": member.room_id,
        "member": member_info(member),
        "permissions": permissions,
        "audience": audience_present(member.room),
    }
    send_after_commit(groups.room(member.room_id), event)


def announce_members(room: Room, *, permissions: bool = False) -> None:
    event: MembersEvent = {
        "type": "room.members",
        "room": room.pk,
        "members": members_info(room),
        "permissions": permissions,
        "audience": audience_present(room),
    }
    send_after_commit(groups.room(room.pk), event)


def announce_hands(room: Room) -> None:
    event: HandsEvent = {"type": "room.hands", "room": room.pk, "hands": hand_queue(room)}
    send_after_commit(groups.room(room.pk), event)


def announce_chat(message: ChatMessage) -> None:
    sender = message.member
    event: ChatEvent = {
        "type": "room.chat",
        "room": message.room_id,
        "message": chat_info(message),
        "on_stage": sender.removed_at is None and on_stage(member_info(sender, present=False)),
    }
    send_after_commit(groups.room(message.room_id), event)


def announce_chat_deleted(message: ChatMessage) -> None:
    event: ChatDeletedEvent = {"type": "room.chat_deleted", "room": message.room_id, "message": message.pk}
    send_after_commit(groups.room(message.room_id), event)


def announce_presence_check(check: PresenceCheck) -> None:
    event: PresenceCheckEvent = {
        "type": "room.presence_check",
        "room": check.room_id,
        "check": check.pk,
        "deadline": check.deadline_at.isoformat(),
        "seconds": round((check.deadline_at - check.sent_at).total_seconds()),
    }
    send_after_commit(groups.room(check.room_id), event)


def announce_presence_answer(check: PresenceCheck, member: Member) -> None:
    event: PresenceAnswerEvent = {
        "type": "room.presence_answer",
        "room": check.room_id,
        "check": check.pk,
        "member": member.pk,
    }
    # The room's group: moderators' pages count the answers, the member's own pages close the prompt.
    send_after_commit(groups.room(check.room_id), event)


def announce_stage(room: Room) -> None:
    event: StageEvent = {"type": "room.stage", "room": room.pk, "stage": dict(room.stage)}
    send_after_commit(groups.room(room.pk), event)


def announce_lobby(room: Room) -> None:
    event: LobbyEvent = {"type": "room.lobby_list", "room": room.pk, "waiting": lobby_list(room)}
    send_after_commit(groups.room(room.pk), event)


def announce_admitted(member: Member) -> None:
    event: AdmittedEvent = {"type": "room.admitted", "room": member.room_id, "member": member.pk}
    send_after_commit(groups.room_member(member.pk), event)


def announce_removed(member: Member) -> None:
    event: RemovedEvent = {
        "type": "room.removed",
        "room": member.room_id,
        "member": member.pk,
        "reason": member.removed_reason,
    }
    send_after_commit(groups.room_member(member.pk), event)
