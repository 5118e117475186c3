"""The room page's socket: ``/ws/room/<room_id>/`` (docs/group-sessions.md has every frame).

A connection goes through three phases:

- authenticate (no group joined yet): a staff user who is a member of the room, an administrator of the
  room's authority (who enters as a moderator), or the hash of a join link in the session
  (rooms.tokens.SESSION_KEY, set by the join page). Anyone else gets ``room.refused`` and the socket
  closes (4403; 4404 for a room that does not exist); so do removed members, members of an ended room
  (4410) and newcomers to a locked room (4423).
- waiting: only in the member's own group (``room-member-<id>``). Before the start (``room.scheduled``)
  non-moderators wait for ``room.state`` live; in the lobby (``room.lobby``) they wait for
  ``room.admitted``.
- inside: also in the room's group; an attendance per connection while the room is live; the
  ``room.snapshot`` first, then deltas; the media (MediaMixin, rooms.signalling) is started after the
  snapshot.

The consumer only translates: every change goes through rooms.actions, every rule lives there or in
rooms.access.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils.translation import gettext as _

from buergerbuero.authorities.models import Staff
from buergerbuero.core import groups
from buergerbuero.core.consumers import BaseConsumer, FrameError, require_int, require_str
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms import access
from buergerbuero.rooms.actions import activity, lifecycle, members, moderation
from buergerbuero.rooms.models import ChatMessage, Member, PresenceCheck, Room, RoomState
from buergerbuero.rooms.selectors import (
    chat_for,
    lists_everyone,
    on_stage,
    others_in_audience,
    room_info,
    snapshot,
    visible_members,
)
from buergerbuero.rooms.signalling import MediaMixin

logger = logging.getLogger(__name__)

# Close codes (socket.js stops reconnecting on these; docs/group-sessions.md).
CLOSE_FORBIDDEN = 4403
CLOSE_NO_ROOM = 4404
CLOSE_ENDED = 4410
CLOSE_LOCKED = 4423
# rooms.events: each handled by the method on_<type with dots as underscores>.
ROOM_EVENTS = frozenset(
    {
        "room.state",
        "room.member",
        "room.members",
        "room.hands",
        "room.chat",
        "room.chat_deleted",
        "room.presence_check",
        "room.presence_answer",
        "room.stage",
        "room.lobby_list",
        "room.admitted",
        "room.removed",
    }
)
REFUSAL_CODES = {"removed": CLOSE_FORBIDDEN, "declined": CLOSE_FORBIDDEN, "ended": CLOSE_ENDED}


def _authenticate(room_id: int, user: Any, session: Any) -> Member | None:
    """The member this connection speaks for, or None. Staff come first: an official who also holds a
    join link of the room (a test run by themselves) is the official."""
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        return None
    if user is not None and user.is_authenticated:
        staff = Staff.objects.filter(user_id=user.pk).first()
        if staff is not None and staff.authority_id == room.authority_id:
            member = access.member_for_staff(room, user)
            if member is not None:
                return member
            if staff.is_authority_admin and room.state != RoomState.ENDED:
                return members.enter_as_admin(room, user, staff.display_name)
    member = access.member_for_token_hash(access.token_hash_from_session(session, room_id))
    if member is not None and member.room_id == room_id:
        return member
    return None


def _reload(member_id: int) -> Member | None:
    return Member.objects.select_related("room").filter(pk=member_id).first()


class RoomConsumer(MediaMixin, BaseConsumer):
    room_id: int
    member_id: int | None = None
    # Set only while inside: MediaMixin reads them (and only then may media frames arrive).
    room: Room | None = None
    member: Member | None = None
    inside = False
    # Whether this connection holds an attendance (the room is live and it is inside).
    attending = False
    in_lobby = False
    media_started = False
    # Set when the connection was closed by the server (refused, removed, ended).
    stopped = False

    # --- connecting -------------------------------------------------------------------------------------

    async def connect(self) -> None:
        self.room_id = int(self.scope["url_route"]["kwargs"]["room_id"])
        member = await database_sync_to_async(_authenticate)(
            self.room_id, self.scope.get("user"), self.scope.get("session")
        )
        await self.accept()
        if member is None:
            await self.refuse(
                "forbidden",
                _("You have no access to this session. Please open your personal link again."),
                CLOSE_FORBIDDEN,
            )
            return
        self.member_id = member.pk
        await self.enter(member)

    async def refuse(self, reason: str, message: str, code: int) -> None:
        await self.send_frame({"type": "room.refused", "reason": reason, "message": message})
        await self.stop(code)

    async def stop(self, code: int) -> None:
        """Leave everything and close: media first (the contract with MediaMixin), then groups. Events
        already queued for this connection are dropped."""
        self.stopped = True
        self.inside = False
        await self.stop_media()
        await self.end_presence()
        await self.leave_all()
        await self.close(code=code)

    async def enter(self, member: Member | None = None) -> None:
        """Go as far in as the member may now: refused, waiting for the start, in the lobby, or inside."""
        assert self.member_id is not None
        if member is None:
            member = await database_sync_to_async(_reload)(self.member_id)
            if member is None:
                await self.refuse("forbidden", _("You have no access to this session."), CLOSE_FORBIDDEN)
                return
        problem = await database_sync_to_async(access.refusal)(member)
        if problem is not None:
            reason, message = problem
            await self.refuse(reason, message, REFUSAL_CODES.get(reason, CLOSE_LOCKED))
            return
        await self.join(groups.room_member(member.pk))
        room = member.room
        moderator = access.is_moderator(member)
        if room.state == RoomState.SCHEDULED and not moderator:
            await self.send_frame({"type": "room.scheduled", "room": room_info(room)})
            return
        if room.state == RoomState.LIVE and access.must_wait_in_lobby(member):
            try:
                await database_sync_to_async(members.knock)(member, self.channel_name)
            except ActionError as exc:
                await self.refuse(exc.code, exc.message, REFUSAL_CODES.get(exc.code, CLOSE_LOCKED))
                return
            self.in_lobby = True
            await self.send_frame({"type": "room.lobby", "room": room_info(room)})
            return
        await self.go_inside(member)

    async def go_inside(self, member: Member) -> None:
        # Into the room's group before the snapshot is read: a change in between arrives as a delta after
        # it (deltas carry whole states, so applying one twice is harmless).
        await self.join(groups.room(member.room_id))
        self.inside = True
        self.in_lobby = False
        if member.room.state == RoomState.LIVE and not self.attending:
            try:
                await database_sync_to_async(members.join)(member, self.channel_name)
            except ActionError as exc:
                await self.refuse(exc.code, exc.message, REFUSAL_CODES.get(exc.code, CLOSE_LOCKED))
                return
            self.attending = True
        await self.refresh()
        assert self.member is not None
        await self.send_frame(await database_sync_to_async(snapshot)(self.member))
        await self.start_media()

    async def refresh(self) -> None:
        """Re-read this connection's member and room (after a change of permissions or of the room)."""
        assert self.member_id is not None
        member = await database_sync_to_async(_reload)(self.member_id)
        if member is not None:
            self.member = member
            self.room = member.room

    async def start_media(self) -> None:
        if self.inside and not self.media_started and self.room and self.room.state == RoomState.LIVE:
            self.media_started = True
            await self.media_ready()

    async def stop_media(self) -> None:
        if self.media_started:
            self.media_started = False
            await self.media_close()

    async def end_presence(self) -> None:
        """Ends this connection's attendance or lobby wait (idempotent)."""
        if self.member_id is None or not (self.attending or self.in_lobby):
            return
        self.attending = self.in_lobby = False
        member = await database_sync_to_async(_reload)(self.member_id)
        if member is not None:
            await database_sync_to_async(members.leave)(member, self.channel_name)

    async def disconnect(self, code: int) -> None:
        try:
            await self.stop_media()
            await self.end_presence()
        finally:
            await super().disconnect(code)

    # --- frames from the page -----------------------------------------------------------------------------

    def _parse(self, text_data: str | None, bytes_data: bytes | None) -> dict[str, Any]:
        frame = super()._parse(text_data, bytes_data)
        if frame["type"] != "ping" and not self.inside:
            raise FrameError("not_in_room", _("You are not in the session yet."))
        return frame

    def _me(self) -> Member:
        if self.member is None:
            raise FrameError("not_in_room", _("You are not in the session yet."))
        return self.member

    async def _member_of_room(self, frame: dict[str, Any], key: str = "member") -> Member:
        member_id = require_int(frame, key)
        member = await database_sync_to_async(
            lambda: Member.objects.select_related("room").filter(pk=member_id, room_id=self.room_id).first()
        )()
        if member is None:
            raise FrameError("no_member", _("This person is not in this session."))
        return member

    async def _run(self, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await database_sync_to_async(action)(*args, **kwargs)

    async def _room(self) -> Room:
        assert self.room is not None
        return self.room

    async def frame_room_start(self, frame: dict[str, Any]) -> None:
        await self._run(lifecycle.start_room, await self._room(), actor=self._me())

    async def frame_room_end(self, frame: dict[str, Any]) -> None:
        await self._run(lifecycle.end_room, await self._room(), actor=self._me())

    async def frame_room_lock(self, frame: dict[str, Any]) -> None:
        locked = frame.get("locked")
        if not isinstance(locked, bool):
            raise FrameError(
                "invalid", _("The field “%(field)s” must be true or false.") % {"field": "locked"}
            )
        await self._run(lifecycle.set_locked, await self._room(), locked, actor=self._me())

    async def frame_hand_raise(self, frame: dict[str, Any]) -> None:
        await self._run(moderation.raise_hand, self._me())

    async def frame_hand_lower(self, frame: dict[str, Any]) -> None:
        me = self._me()
        target = await self._member_of_room(frame) if "member" in frame else me
        await self._run(moderation.lower_hand, target, actor=me)

    async def frame_hands_lower_all(self, frame: dict[str, Any]) -> None:
        await self._run(moderation.lower_all_hands, await self._room(), actor=self._me())

    async def _on_member(self, frame: dict[str, Any], action: Callable[..., Any]) -> None:
        me = self._me()
        target = await self._member_of_room(frame)
        await self._run(action, target, actor=me)

    async def frame_speak_grant(self, frame: dict[str, Any]) -> None:
        await self._on_member(frame, moderation.grant_speak)

    async def frame_speak_revoke(self, frame: dict[str, Any]) -> None:
        await self._on_member(frame, moderation.revoke_speak)

    async def frame_member_promote(self, frame: dict[str, Any]) -> None:
        await self._on_member(frame, moderation.promote)

    async def frame_member_demote(self, frame: dict[str, Any]) -> None:
        await self._on_member(frame, moderation.demote)

    async def frame_member_mute(self, frame: dict[str, Any]) -> None:
        await self._on_member(frame, moderation.mute_member)

    async def frame_member_stop_video(self, frame: dict[str, Any]) -> None:
        await self._on_member(frame, moderation.stop_video)

    async def frame_member_remove(self, frame: dict[str, Any]) -> None:
        await self._on_member(frame, members.remove_member)

    async def frame_members_mute_all(self, frame: dict[str, Any]) -> None:
        await self._run(moderation.mute_all, await self._room(), actor=self._me())

    async def frame_lobby_admit(self, frame: dict[str, Any]) -> None:
        await self._on_member(frame, members.admit_from_lobby)

    async def frame_lobby_decline(self, frame: dict[str, Any]) -> None:
        await self._on_member(frame, members.decline)

    async def frame_member_unmute(self, frame: dict[str, Any]) -> None:
        me = self._me()
        target = await self._member_of_room(frame)
        kind = require_str(frame, "kind", 10)
        await self._run(moderation.lift_mute, target, kind, actor=me)

    async def frame_chat_send(self, frame: dict[str, Any]) -> None:
        text = require_str(frame, "text", settings.CHAT_MAX_LENGTH)
        await self._run(activity.send_chat, self._me(), text)

    async def frame_chat_delete(self, frame: dict[str, Any]) -> None:
        me = self._me()
        message_id = require_int(frame, "message")
        message = await database_sync_to_async(
            ChatMessage.objects.filter(pk=message_id, room_id=self.room_id).first
        )()
        if message is None:
            raise FrameError("no_message", _("There is no such message."))
        await self._run(activity.delete_chat, message, actor=me)

    async def frame_presence_start(self, frame: dict[str, Any]) -> None:
        seconds = require_int(frame, "seconds")
        await self._run(activity.start_presence_check, await self._room(), seconds, actor=self._me())

    async def frame_presence_answer(self, frame: dict[str, Any]) -> None:
        me = self._me()
        check_id = require_int(frame, "check")
        check = await database_sync_to_async(
            PresenceCheck.objects.filter(pk=check_id, room_id=self.room_id).first
        )()
        if check is None:
            raise FrameError("no_check", _("There is no such presence check."))
        await self._run(activity.answer_presence_check, check, me)

    async def frame_stage_set(self, frame: dict[str, Any]) -> None:
        if "stage" not in frame:
            raise FrameError("invalid", _("The field “%(field)s” is missing.") % {"field": "stage"})
        await self._run(activity.set_stage, await self._room(), frame["stage"], self._me())

    # --- events -------------------------------------------------------------------------------------------

    async def on_event(self, event: dict[str, Any]) -> None:
        if self.stopped:
            return
        kind = event["type"]
        if kind.startswith("media."):
            if self.inside:
                await self.on_media_event(event)
            return
        if kind in ROOM_EVENTS:
            handler: Callable[[dict[str, Any]], Awaitable[None]] = getattr(
                self, "on_" + kind.replace(".", "_")
            )
            await handler(event)

    async def on_room_state(self, event: dict[str, Any]) -> None:
        # One copy per page: the room's group serves pages inside, the member's group pages waiting.
        if event["audience"] != ("inside" if self.inside else "waiting"):
            return
        state = event["room"]["state"]
        if state == RoomState.ENDED:
            await self.send_frame({"type": "room.ended", "room": event["room"]})
            await self.stop(CLOSE_ENDED)
            return
        if not self.inside:
            if state == RoomState.LIVE:
                await self.enter()
            return
        await self.refresh()
        await self.send_frame({"type": "room.state", "room": event["room"]})
        if state == RoomState.LIVE and not self.attending and self.member is not None:
            try:
                await database_sync_to_async(members.join)(self.member, self.channel_name)
                self.attending = True
            except ActionError as exc:
                await self.send_error(exc.code, exc.message)
            await self.start_media()

    def _lists_everyone(self) -> bool:
        return self.member is not None and lists_everyone(self.member)

    def _others_in_audience(self, total: int) -> int:
        assert self.member is not None
        return others_in_audience(total, self.member, self.attending)

    async def on_room_member(self, event: dict[str, Any]) -> None:
        if not self.inside:
            return
        member = event["member"]
        frame: dict[str, Any] = {"type": "room.member", "room": event["room"], "member": member}
        if not self._lists_everyone():
            frame["audience"] = self._others_in_audience(event["audience"])
            if member["id"] != self.member_id and not on_stage(member):
                # Someone of the audience: this page learns no name, only that they are not on the stage
                # (a speaker sent back to the audience leaves its list) and the new count.
                frame["member"] = {"id": member["id"], "hidden": True}
        await self.send_frame(frame)
        if member["id"] == self.member_id:
            await self.own_member_changed(event["permissions"])

    async def on_room_members(self, event: dict[str, Any]) -> None:
        if not self.inside:
            return
        members = visible_members(event["members"], self.member_id or 0, self._lists_everyone())
        frame: dict[str, Any] = {"type": "room.members", "room": event["room"], "members": members}
        if not self._lists_everyone():
            frame["audience"] = self._others_in_audience(event["audience"])
        await self.send_frame(frame)
        if any(m["id"] == self.member_id for m in event["members"]):
            await self.own_member_changed(event["permissions"])

    async def own_member_changed(self, permissions: bool) -> None:
        was_moderator = self._is_moderator()
        await self.refresh()
        if permissions and self.media_started:
            await self.media_permissions_changed()
        member = self.member
        if member is not None and member.removed_at is None and self._is_moderator() != was_moderator:
            # What the page may see and do changed (the lobby, answers, the audience's names, moderation;
            # an official dropped from the moderators): a new snapshot replaces the page's state.
            await self.send_frame(await database_sync_to_async(snapshot)(member))

    async def on_room_chat(self, event: dict[str, Any]) -> None:
        if not self.inside:
            return
        message = chat_for(event["message"], event["on_stage"], self.member_id or 0, self._lists_everyone())
        await self.send_frame({"type": "room.chat", "room": event["room"], "message": message})

    async def _forward_inside(self, event: dict[str, Any]) -> None:
        if self.inside:
            await self.send_frame(event)

    on_room_hands = _forward_inside
    on_room_chat_deleted = _forward_inside
    on_room_stage = _forward_inside

    async def on_room_presence_check(self, event: dict[str, Any]) -> None:
        if self.inside:
            await self.send_frame({**event, "answered": False})

    async def on_room_presence_answer(self, event: dict[str, Any]) -> None:
        # Moderators count answers; the member's own pages close their prompt. Nobody else learns who
        # answered.
        if self.inside and (event["member"] == self.member_id or self._is_moderator()):
            await self.send_frame(event)

    async def on_room_lobby_list(self, event: dict[str, Any]) -> None:
        if self.inside and self._is_moderator():
            await self.send_frame(event)

    def _is_moderator(self) -> bool:
        return self.member is not None and access.is_moderator(self.member)

    async def on_room_admitted(self, event: dict[str, Any]) -> None:
        if self.inside or event["member"] != self.member_id:
            return
        await self.send_frame({"type": "room.admitted", "room": event["room"]})
        # The wait of this connection ended with the admission (the action deleted it).
        self.in_lobby = False
        member = await database_sync_to_async(_reload)(self.member_id)
        if member is not None:
            await self.go_inside(member)

    async def on_room_removed(self, event: dict[str, Any]) -> None:
        if event["member"] != self.member_id:
            return
        if event["reason"] == "declined":
            message = _("A moderator did not let you in to this session.")
        else:
            message = _("You were removed from this session and cannot join it again.")
        await self.send_frame({"type": "room.removed", "reason": event["reason"], "message": message})
        # The action closed the attendance already.
        self.attending = self.in_lobby = False
        await self.stop(CLOSE_FORBIDDEN)
