"""What moderators decide about the members inside: hands, the right to speak, roles, and hard mutes of
microphones and cameras.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.core.errors import ActionError
from buergerbuero.rooms import events
from buergerbuero.rooms.access import is_moderator
from buergerbuero.rooms.actions import guards
from buergerbuero.rooms.models import Member, MemberRole, Room


@transaction.atomic
def raise_hand(member: Member) -> Member:
    member = guards.inside(member)
    if member.hand_raised_at is None:
        member.hand_raised_at = timezone.now()
        member.save(update_fields=["hand_raised_at"])
        guards.audit(member.room, "room.hand_raised", member, member)
        events.announce_member(member)
        events.announce_hands(member.room)
    return member


@transaction.atomic
def lower_hand(member: Member, *, actor: Member) -> Member:
    """The member lowers their own hand, or a moderator lowers it."""
    room = guards.lock_room(member.room_id)
    if actor.pk != member.pk:
        guards.moderator(actor, room)
    guards.not_ended(room)
    member = guards.target(member, room)
    if member.hand_raised_at is not None:
        member.hand_raised_at = None
        member.save(update_fields=["hand_raised_at"])
        guards.audit(room, "room.hand_lowered", member, actor)
        events.announce_member(member)
        events.announce_hands(room)
    return member


@transaction.atomic
def lower_all_hands(room: Room, *, actor: Member) -> int:
    room = guards.lock_room(room)
    guards.moderator(actor, room)
    guards.not_ended(room)
    count = room.members.filter(hand_raised_at__isnull=False).update(hand_raised_at=None)
    if count:
        guards.audit(room, "room.hands_lowered", room, actor, count=count)
        events.announce_members(room)
        events.announce_hands(room)
    return count


def _change_member(
    member: Member, actor: Member, action: str, changes: dict[str, Any], *, permissions: bool = True
) -> Member:
    room = guards.lock_room(member.room_id)
    guards.moderator(actor, room)
    guards.not_ended(room)
    member = guards.target(member, room)
    changed = [field for field, value in changes.items() if getattr(member, field) != value]
    if not changed:
        return member
    hand_changed = "hand_raised_at" in changed
    for field in changed:
        setattr(member, field, changes[field])
    member.save(update_fields=changed)
    guards.audit(
        room, action, member, actor, **{f: str(changes[f]) for f in changed if f != "hand_raised_at"}
    )
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
    room = guards.lock_room(room)
    actor = guards.moderator(actor, room)
    guards.not_ended(room)
    count = (
        room.members.filter(removed_at__isnull=True, audio_muted=False)
        .exclude(role__in=[MemberRole.MODERATOR, MemberRole.PRESENTER])
        .update(audio_muted=True)
    )
    guards.audit(room, "room.muted_all", room, actor, count=count)
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
