"""The only place that changes rooms and their members (../shared/STYLE.md).

Every action runs in one transaction, re-reads what it changes under a row lock, writes an audit entry
and schedules its events (rooms.events) for after the commit. Actions inside a room take the acting
``Member`` (``actor``); moderation needs ``access.is_moderator(actor)`` and a member of the same room.
A rule that says no raises ``ActionError`` and changes nothing.

Starting and ending also accept a staff user as the actor (pages of trainings and events that run a
room from outside it); those callers check the user's permission themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Authority
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.models import Office
from buergerbuero.rooms import events
from buergerbuero.rooms.access import is_moderator, must_wait_in_lobby, refusal
from buergerbuero.rooms.models import (
    Attendance,
    ChatMessage,
    LobbyWait,
    Member,
    MemberRole,
    PresenceAnswer,
    PresenceCheck,
    RemovalReason,
    Room,
    RoomKind,
    RoomMode,
    RoomState,
)
from buergerbuero.rooms.tokens import hash_token, new_token

PRESENCE_CHECK_MIN_SECONDS = 10
PRESENCE_CHECK_MAX_SECONDS = 600
STAGE_TITLE_MAX_LENGTH = 200
STAGE_URL_MAX_LENGTH = 1000

Actor = Member | AbstractBaseUser | None

logger = logging.getLogger(__name__)


def _actor_id(actor: Actor) -> int | None:
    if isinstance(actor, Member):
        return actor.user_id
    return actor.pk if actor is not None else None


def _audit(room: Room, action: str, obj: Any, actor: Actor, **data: Any) -> None:
    if isinstance(actor, Member):
        data["by_member"] = actor.pk
    record(room.authority_id, action, obj, _actor_id(actor), **data)


def _lock_room(room: Room | int) -> Room:
    room_id = room if isinstance(room, int) else room.pk
    return Room.objects.select_for_update().get(pk=room_id)


def _lock_member(member: Member) -> Member:
    locked = Member.objects.select_for_update().select_related("room").get(pk=member.pk)
    return locked


def _moderator(actor: Member, room: Room) -> Member:
    """The acting member, re-read: a moderator of this room (else ``forbidden``)."""
    current = Member.objects.select_related("room").filter(pk=actor.pk).first()
    if current is None or current.room_id != room.pk or not is_moderator(current):
        raise ActionError("forbidden", _("Only moderators may do this."))
    return current


def _not_ended(room: Room) -> None:
    if room.state == RoomState.ENDED:
        raise ActionError("ended", _("This session has ended."))


def _live(room: Room) -> None:
    _not_ended(room)
    if room.state != RoomState.LIVE:
        raise ActionError("not_live", _("This session has not started yet."))


def _target(member: Member, room: Room) -> Member:
    """A member of the room (re-read and locked) that a moderator acts on."""
    if member.room_id != room.pk:
        raise ActionError("no_member", _("This person is not in this session."))
    target = _lock_member(member)
    if target.removed_at is not None:
        raise ActionError("removed", _("This person has been removed from the session."))
    return target


def _inside(member: Member) -> Member:
    """The member, re-read and locked, taking part now: not removed, the room live, let in."""
    current = _lock_member(member)
    problem = refusal(current)
    if problem is not None:
        raise ActionError(*problem)
    _live(current.room)
    if must_wait_in_lobby(current):
        raise ActionError("in_lobby", _("Please wait until a moderator lets you in."))
    return current


def _close_attendances(members: Any, now: dt.datetime) -> None:
    Attendance.objects.filter(member__in=members, left_at__isnull=True).update(left_at=now)


# --- rooms and members ---------------------------------------------------------------------------------


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
def enter_as_admin(room: Room, user: AbstractBaseUser, display_name: str) -> Member:
    """An authority administrator opens a room they have no place in: they take part as a moderator.
    A place they already have (whatever its role) is kept."""
    existing = room.members.select_related("room").filter(user_id=user.pk).first()
    if existing is not None:
        return existing
    member, _token = add_member(
        room, display_name=display_name, role=MemberRole.MODERATOR, user=user, actor=user
    )
    return Member.objects.select_related("room").get(pk=member.pk)


def _member_ids(room: Room) -> list[int]:
    return list(room.members.filter(removed_at__isnull=True).values_list("pk", flat=True))


@transaction.atomic
def start_room(room: Room, *, actor: Actor) -> Room:
    """Scheduled → live. Pages waiting for the start open by themselves (``room.state``)."""
    room = _lock_room(room)
    if isinstance(actor, Member):
        _moderator(actor, room)
    _not_ended(room)
    if room.state == RoomState.LIVE:
        raise ActionError("already_live", _("This session is already running."))
    room.state = RoomState.LIVE
    room.started_at = timezone.now()
    room.save(update_fields=["state", "started_at"])
    _audit(room, "room.started", room, actor)
    events.announce_state(room, _member_ids(room))
    return room


@transaction.atomic
def end_room(room: Room, *, actor: Actor, reason: str = "") -> Room:
    """Ends the session for everyone: every page closes, every open attendance ends now. ``reason`` is
    for the audit entry when the system ends it (``idle``, ``too_long``)."""
    room = _lock_room(room)
    if isinstance(actor, Member):
        _moderator(actor, room)
    _not_ended(room)
    now = timezone.now()
    room.state = RoomState.ENDED
    room.ended_at = now
    room.save(update_fields=["state", "ended_at"])
    _close_attendances(room.members.all(), now)
    LobbyWait.objects.filter(member__room=room).delete()
    _audit(room, "room.ended", room, actor, **({"reason": reason} if reason else {}))
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
    from buergerbuero.media.placement import release

    try:
        async_to_sync(release)(room_id)
    except Exception:
        logger.exception("could not free the media server room of room %s", room_id)


@transaction.atomic
def set_locked(room: Room, locked: bool, *, actor: Member) -> Room:
    room = _lock_room(room)
    _moderator(actor, room)
    _not_ended(room)
    if room.locked != locked:
        room.locked = locked
        room.save(update_fields=["locked"])
        _audit(room, "room.locked" if locked else "room.unlocked", room, actor)
        events.announce_state(room)
    return room


def lock(room: Room, *, actor: Member) -> Room:
    return set_locked(room, True, actor=actor)


def unlock(room: Room, *, actor: Member) -> Room:
    return set_locked(room, False, actor=actor)


# --- connections: attendance and the lobby --------------------------------------------------------------


@transaction.atomic
def join(member: Member, channel: str) -> Attendance:
    """A page of the member is inside the live room now: one attendance per connection."""
    member = _inside(member)
    now = timezone.now()
    was_present = member.attendances.filter(left_at__isnull=True).exists()
    attendance = Attendance.objects.create(member=member, joined_at=now, channel=channel[:200])
    LobbyWait.objects.filter(member=member, channel=channel).delete()
    _audit(member.room, "room.joined", member, member)
    if not was_present:
        events.announce_member(member)
    return attendance


@transaction.atomic
def leave(member: Member, channel: str) -> None:
    """A connection of the member closed: its attendance ends, its wait in the lobby too. Idempotent."""
    member = _lock_member(member)
    now = timezone.now()
    open_ = Attendance.objects.filter(member=member, channel=channel, left_at__isnull=True)
    closed = open_.update(left_at=now)
    waited = LobbyWait.objects.filter(member=member, channel=channel).delete()[0]
    if closed:
        _audit(member.room, "room.left", member, member)
        if not member.attendances.filter(left_at__isnull=True).exists():
            events.announce_member(member)
    if waited:
        events.announce_lobby(member.room)


@transaction.atomic
def knock(member: Member, channel: str) -> LobbyWait:
    """A page of the member waits in the lobby of the live room; moderators see it in their list."""
    member = _lock_member(member)
    problem = refusal(member)
    if problem is not None:
        raise ActionError(*problem)
    _live(member.room)
    if not must_wait_in_lobby(member):
        raise ActionError("not_in_lobby", _("You do not need to wait in the lobby."))
    wait, _created = LobbyWait.objects.get_or_create(
        member=member, channel=channel[:200], defaults={"since": timezone.now()}
    )
    events.announce_lobby(member.room)
    return wait


@transaction.atomic
def admit_from_lobby(member: Member, *, actor: Member) -> Member:
    room = _lock_room(member.room_id)
    _moderator(actor, room)
    _not_ended(room)
    member = _target(member, room)
    if member.admitted_at is None:
        member.admitted_at = timezone.now()
        member.save(update_fields=["admitted_at"])
        _audit(room, "room.admitted", member, actor)
    LobbyWait.objects.filter(member=member).delete()
    events.announce_admitted(member)
    events.announce_lobby(room)
    return member


@transaction.atomic
def decline(member: Member, *, actor: Member) -> Member:
    """Not let in from the lobby: the member is blocked like a removed one."""
    room = _lock_room(member.room_id)
    _moderator(actor, room)
    _not_ended(room)
    member = _target(member, room)
    if is_moderator(member):
        raise ActionError("forbidden", _("Moderators cannot be turned away."))
    _block(member, RemovalReason.DECLINED)
    _audit(room, "room.declined", member, actor)
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
    _close_attendances([member], now)
    LobbyWait.objects.filter(member=member).delete()


@transaction.atomic
def remove_member(member: Member, *, actor: Member) -> Member:
    """Removes the member for good: their pages close and neither their link nor their user opens the
    room again."""
    room = _lock_room(member.room_id)
    actor = _moderator(actor, room)
    _not_ended(room)
    member = _target(member, room)
    if member.pk == actor.pk:
        raise ActionError("forbidden", _("You cannot remove yourself."))
    had_hand = member.hand_raised_at is not None
    _block(member, RemovalReason.REMOVED)
    _audit(room, "room.removed", member, actor)
    _announce_removal(member, room, had_hand)
    return member


@transaction.atomic
def revoke_member(
    member: Member, *, actor: AbstractBaseUser | None, now: dt.datetime | None = None
) -> Member:
    """Takes a member's place away from outside the room (a registration cancelled or removed, a hall
    link replaced): blocked as by ``remove_member``, and its open pages and media end at once. Idempotent
    (a member removed already stays as it is)."""
    room = _lock_room(member.room_id)
    member = _lock_member(member)
    if member.removed_at is not None:
        return member
    had_hand = member.hand_raised_at is not None
    _block(member, RemovalReason.REMOVED, now)
    _audit(room, "room.member_revoked", member, actor)
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
    from buergerbuero.media.placement import kick

    try:
        async_to_sync(kick)(room_id, member_id)
    except Exception:
        logger.exception(
            "could not remove member %s from the media server room of room %s", member_id, room_id
        )


# --- hands and the right to speak ------------------------------------------------------------------------


@transaction.atomic
def raise_hand(member: Member) -> Member:
    member = _inside(member)
    if member.hand_raised_at is None:
        member.hand_raised_at = timezone.now()
        member.save(update_fields=["hand_raised_at"])
        _audit(member.room, "room.hand_raised", member, member)
        events.announce_member(member)
        events.announce_hands(member.room)
    return member


@transaction.atomic
def lower_hand(member: Member, *, actor: Member) -> Member:
    """The member lowers their own hand, or a moderator lowers it."""
    room = _lock_room(member.room_id)
    if actor.pk != member.pk:
        _moderator(actor, room)
    _not_ended(room)
    member = _target(member, room)
    if member.hand_raised_at is not None:
        member.hand_raised_at = None
        member.save(update_fields=["hand_raised_at"])
        _audit(room, "room.hand_lowered", member, actor)
        events.announce_member(member)
        events.announce_hands(room)
    return member


@transaction.atomic
def lower_all_hands(room: Room, *, actor: Member) -> int:
    room = _lock_room(room)
    _moderator(actor, room)
    _not_ended(room)
    count = room.members.filter(hand_raised_at__isnull=False).update(hand_raised_at=None)
    if count:
        _audit(room, "room.hands_lowered", room, actor, count=count)
        events.announce_members(room)
        events.announce_hands(room)
    return count


def _change_member(
    member: Member, actor: Member, action: str, changes: dict[str, Any], *, permissions: bool = True
) -> Member:
    room = _lock_room(member.room_id)
    _moderator(actor, room)
    _not_ended(room)
    member = _target(member, room)
    changed = [field for field, value in changes.items() if getattr(member, field) != value]
    if not changed:
        return member
    hand_changed = "hand_raised_at" in changed
    for field in changed:
        setattr(member, field, changes[field])
    member.save(update_fields=changed)
    _audit(room, action, member, actor, **{f: str(changes[f]) for f in changed if f != "hand_raised_at"})
    events.announce_member(member, permissions=permissions)
    if hand_changed:
        events.announce_hands(room)
    return member


@transaction.atomic
def grant_speak(member: Member, *, actor: Member) -> Member:
    """Lets a member speak (publish) although their role does not; their raised hand comes down."""
    return _change_member(
        member, actor, "room.speak_granted", {"may_speak": True, "hand_raised_at": None, "audio_muted": False}
    )


@transaction.atomic
def revoke_speak(member: Member, *, actor: Member) -> Member:
    return _change_member(member, actor, "room.speak_revoked", {"may_speak": False})


def _not_a_moderator(member: Member) -> None:
    if is_moderator(member):
        raise ActionError("is_moderator", _("Moderators and presenters keep their role."))


@transaction.atomic
def promote(member: Member, *, actor: Member) -> Member:
    """Participant or viewer → speaker (publishes in every mode)."""
    _not_a_moderator(Member.objects.get(pk=member.pk))
    return _change_member(member, actor, "room.promoted", {"role": MemberRole.SPEAKER})


@transaction.atomic
def demote(member: Member, *, actor: Member) -> Member:
    """Speaker → participant; the right to speak granted with a hand ends too."""
    _not_a_moderator(Member.objects.get(pk=member.pk))
    return _change_member(member, actor, "room.demoted", {"role": MemberRole.PARTICIPANT, "may_speak": False})


@transaction.atomic
def mute_member(member: Member, *, actor: Member) -> Member:
    return _change_member(member, actor, "room.muted", {"audio_muted": True})


@transaction.atomic
def stop_video(member: Member, *, actor: Member) -> Member:
    return _change_member(member, actor, "room.video_stopped", {"video_stopped": True})


@transaction.atomic
def mute_all(room: Room, *, actor: Member) -> int:
    """Mutes everyone but the moderators and presenters."""
    room = _lock_room(room)
    actor = _moderator(actor, room)
    _not_ended(room)
    count = (
        room.members.filter(removed_at__isnull=True, audio_muted=False)
        .exclude(role__in=[MemberRole.MODERATOR, MemberRole.PRESENTER])
        .update(audio_muted=True)
    )
    _audit(room, "room.muted_all", room, actor, count=count)
    events.announce_members(room, permissions=True)
    return count


MEDIA_FIELDS = {"audio": "audio_muted", "video": "video_stopped"}


@transaction.atomic
def lift_mute(member: Member, kind: str, *, actor: Member) -> Member:
    """A moderator turns a member's microphone (``audio``) or camera (``video``) back on. A moderator's
    mute is hard: it holds (in Janus too) until a moderator lifts it, whatever the member's page sends;
    whether the member may publish at all is still their role's (access.may_publish)."""
    field = MEDIA_FIELDS.get(kind) if isinstance(kind, str) else None
    if field is None:
        raise ActionError("invalid", _("Unknown kind of media."))
    action = "room.unmuted" if kind == "audio" else "room.video_allowed"
    return _change_member(member, actor, action, {field: False})


# --- chat -------------------------------------------------------------------------------------------------


@transaction.atomic
def send_chat(member: Member, text: str) -> ChatMessage:
    text = (text or "").strip()
    if not text:
        raise ActionError("empty", _("Please write a message."))
    if len(text) > settings.CHAT_MAX_LENGTH:
        raise ActionError(
            "too_long",
            _("Your message is too long (at most %(max)d characters).") % {"max": settings.CHAT_MAX_LENGTH},
        )
    member = _inside(member)
    message = ChatMessage.objects.create(room=member.room, member=member, text=text, sent_at=timezone.now())
    # The text is in the chat itself; the audit log keeps only that a message was sent.
    _audit(member.room, "room.chat_sent", message, member)
    events.announce_chat(message)
    return message


@transaction.atomic
def delete_chat(message: ChatMessage, *, actor: Member) -> ChatMessage:
    room = _lock_room(message.room_id)
    actor = _moderator(actor, room)
    message = ChatMessage.objects.select_for_update().get(pk=message.pk)
    if message.deleted_at is None:
        message.deleted_at = timezone.now()
        message.deleted_by = actor
        message.save(update_fields=["deleted_at", "deleted_by"])
        _audit(room, "room.chat_deleted", message, actor)
        events.announce_chat_deleted(message)
    return message


# --- presence checks ----------------------------------------------------------------------------------------


@transaction.atomic
def start_presence_check(room: Room, seconds: int, *, actor: Member) -> PresenceCheck:
    """Asks everyone inside to confirm within ``seconds`` that they are there (recorded per member)."""
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int)
        or not (PRESENCE_CHECK_MIN_SECONDS <= seconds <= PRESENCE_CHECK_MAX_SECONDS)
    ):
        raise ActionError(
            "invalid",
            _("A presence check lasts between %(min)d and %(max)d seconds.")
            % {"min": PRESENCE_CHECK_MIN_SECONDS, "max": PRESENCE_CHECK_MAX_SECONDS},
        )
    room = _lock_room(room)
    _moderator(actor, room)
    _live(room)
    now = timezone.now()
    if room.presence_checks.filter(deadline_at__gte=now).exists():
        raise ActionError("check_running", _("A presence check is running already."))
    deadline = now + dt.timedelta(seconds=seconds)
    check = PresenceCheck.objects.create(room=room, sent_at=now, deadline_at=deadline)
    _audit(room, "room.presence_check", check, actor, seconds=seconds)
    events.announce_presence_check(check)
    return check


@transaction.atomic
def answer_presence_check(check: PresenceCheck, member: Member) -> PresenceAnswer:
    """The member confirms they are there. After the deadline the answer is refused; a second answer
    keeps the first."""
    if check.room_id != member.room_id:
        raise ActionError("no_check", _("There is no such presence check."))
    member = _inside(member)
    now = timezone.now()
    if now > check.deadline_at:
        raise ActionError("too_late", _("The time to answer this presence check is over."))
    answer, created = PresenceAnswer.objects.get_or_create(
        presence_check=check, member=member, defaults={"answered_at": now}
    )
    if created:
        _audit(member.room, "room.presence_answered", answer, member, check=check.pk)
        events.announce_presence_answer(check, member)
    return answer


# --- the stage ----------------------------------------------------------------------------------------------


def clean_stage(stage: Any) -> dict[str, Any]:
    """What may be shown: nothing (``{}``), the presenter's screen (``{"kind": "screen", "member": id}``) or
    material (``{"kind": "material", "url", "title"?, "page"?}``, the URL on this site or https)."""
    if not isinstance(stage, dict):
        raise ActionError("invalid", _("The shown content must be an object."))
    if not stage:
        return {}
    kind = stage.get("kind")
    if kind == "screen":
        return {"kind": "screen"}
    if kind != "material":
        raise ActionError("invalid", _("Unknown kind of shown content."))
    url = stage.get("url")
    if not isinstance(url, str) or not url or len(url) > STAGE_URL_MAX_LENGTH:
        raise ActionError("invalid", _("Material needs the address of what to show."))
    parts = urlsplit(url)
    on_site = not parts.scheme and not parts.netloc and url.startswith("/") and not url.startswith("//")
    if not on_site and parts.scheme != "https":
        raise ActionError("invalid", _("Material must be on this site or at an https address."))
    cleaned: dict[str, Any] = {"kind": "material", "url": url}
    title = stage.get("title", "")
    if not isinstance(title, str) or len(title) > STAGE_TITLE_MAX_LENGTH:
        raise ActionError("invalid", _("The title of the material is too long."))
    if title:
        cleaned["title"] = title
    page = stage.get("page")
    if page is not None:
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise ActionError("invalid", _("The page must be a positive whole number."))
        cleaned["page"] = page
    return cleaned


@transaction.atomic
def set_stage(room: Room, stage: Any, actor_member: Member) -> Room:
    """What the presenter shows besides the cameras, the same for everyone."""
    cleaned = clean_stage(stage)
    room = _lock_room(room)
    actor = _moderator(actor_member, room)
    _not_ended(room)
    if cleaned.get("kind") == "screen":
        cleaned["member"] = actor.pk
    if room.stage != cleaned:
        room.stage = cleaned
        room.save(update_fields=["stage"])
        _audit(room, "room.stage_set", room, actor, kind=cleaned.get("kind", ""))
        events.announce_stage(room)
    return room


# --- retention ---------------------------------------------------------------------------------------


@transaction.atomic
def delete_personal_data(cutoff: dt.datetime) -> int:
    """Clear the members' names and the chat of rooms that ended before ``cutoff`` (and of rooms that
    were to start before it and never ran). Roles, attendance times and presence answers stay for the
    figures; the trainings and events that own the rooms keep their own records for their own periods.
    Idempotent; returns the rooms cleared."""
    from django.db.models.functions import Coalesce

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
        _audit(room, "room.personal_data_deleted", room, None)
        cleared += 1
    return cleared
