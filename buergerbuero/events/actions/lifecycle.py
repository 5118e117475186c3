"""An event created, changed, started or cancelled, and its invitation and hall links. Changes lock the
event row first (``lock_event``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.events import mails, tokens
from buergerbuero.events.actions.rules import active_registrations, check_fields, hall_role, has_ended
from buergerbuero.events.models import Event, RegistrationMode
from buergerbuero.offices.models import Office
from buergerbuero.rooms.actions import lifecycle as room_lifecycle
from buergerbuero.rooms.actions import members as room_members
from buergerbuero.rooms.models import Member, MemberRole, Room, RoomKind, RoomMode, RoomState


def lock_event(event_id: int) -> Event:
    """The event (with its room and authority), its row locked until the transaction ends."""
    return Event.objects.select_for_update().select_related("room", "authority").get(pk=event_id)


def _sync_staff(event: Event, moderators: list[Staff], speakers: list[Staff], actor: Staff) -> None:
    """Moderators and speakers are members of the room by their user. One who is dropped keeps a place
    as a viewer (rooms has no removal of staff; a viewer cannot publish or moderate)."""
    wanted: dict[int, tuple[Staff, MemberRole]] = {}
    for person in speakers:
        wanted[person.user_id] = (person, MemberRole.SPEAKER)
    for person in moderators:
        wanted[person.user_id] = (person, MemberRole.MODERATOR)
    for person, role in wanted.values():
        room_members.add_member(
            event.room, display_name=person.display_name, role=role, user=person.user, actor=actor.user
        )
    dropped = event.room.members.filter(user__isnull=False).exclude(user_id__in=wanted).select_related("user")
    for member in dropped:
        if member.role != MemberRole.VIEWER and member.user is not None:
            room_members.add_member(
                event.room,
                display_name=member.display_name,
                role=MemberRole.VIEWER,
                user=member.user,
                actor=actor.user,
            )


def create_event(
    actor: Staff,
    *,
    office: Office | None,
    title: str,
    description: str = "",
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    mode: str = RoomMode.CONFERENCE,
    lobby: bool = False,
    registration: str = RegistrationMode.OPEN,
    capacity: int = 20,
    moderators: Iterable[Staff] = (),
    speakers: Iterable[Staff] = (),
) -> Event:
    moderators, speakers = list(moderators), list(speakers)
    check_fields(
        actor,
        office=office,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=mode,
        capacity=capacity,
        moderators=moderators,
        speakers=speakers,
    )
    with transaction.atomic():
        room = room_lifecycle.create_room(
            actor.authority,
            kind=RoomKind.EVENT,
            title=title.strip(),
            office=office,
            mode=RoomMode(mode),
            lobby=lobby,
            actor=actor.user,
            starts_at=starts_at,
        )
        salt = tokens.new_salt()
        event = Event.objects.create(
            authority=actor.authority,
            office=office,
            title=title.strip(),
            description=description.strip(),
            starts_at=starts_at,
            ends_at=ends_at,
            mode=mode,
            lobby=lobby,
            registration=registration,
            capacity=capacity,
            room=room,
            invitation_salt=salt,
            invitation_token_hash=tokens.hash_token(tokens.invitation_token(salt)),
        )
        event.moderators.set(moderators)
        event.speakers.set(speakers)
        _sync_staff(event, moderators, speakers, actor)
        record(
            actor.authority_id, "event.created", event, actor.user_id, mode=mode, registration=registration
        )
    return event


# Changes to these fields reach the registrants' calendars (a new SEQUENCE, see mails.sequence).
_CALENDAR_FIELDS = ("title", "starts_at", "ends_at")


def update_event(
    event: Event,
    actor: Staff,
    *,
    office: Office | None,
    title: str,
    description: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    mode: str,
    lobby: bool,
    registration: str,
    capacity: int,
    moderators: Iterable[Staff],
    speakers: Iterable[Staff],
) -> Event:
    moderators, speakers = list(moderators), list(speakers)
    check_fields(
        actor,
        office=office,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=mode,
        capacity=capacity,
        moderators=moderators,
        speakers=speakers,
    )
    with transaction.atomic():
        event = lock_event(event.pk)
        if event.is_cancelled:
            raise ActionError("cancelled", _("This event has been cancelled and can no longer be changed."))
        if event.room.state != RoomState.SCHEDULED:
            raise ActionError("started", _("This event has already started and can no longer be changed."))
        taken = active_registrations(event).count()
        if mode != event.mode and (taken or event.hall_member_id):
            raise ActionError(
                "mode",
                _("The mode cannot be changed once people have registered or a hall link exists."),
            )
        if capacity < taken:
            raise ActionError(
                "capacity",
                _("%(count)d people have registered already; the capacity cannot be lower.")
                % {"count": taken},
            )
        new: dict[str, Any] = {
            "office": office,
            "title": title.strip(),
            "description": description.strip(),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "mode": mode,
            "lobby": lobby,
            "registration": registration,
            "capacity": capacity,
        }
        calendar_changed = any(getattr(event, name) != new[name] for name in _CALENDAR_FIELDS)
        for name, value in new.items():
            setattr(event, name, value)
        event.save()
        # The room follows the event while it is scheduled (checked above, under the lock).
        Room.objects.filter(pk=event.room_id).update(
            title=event.title, mode=mode, lobby=lobby, office=office, starts_at=starts_at
        )
        event.moderators.set(moderators)
        event.speakers.set(speakers)
        _sync_staff(event, moderators, speakers, actor)
        record(actor.authority_id, "event.changed", event, actor.user_id, calendar=calendar_changed)
        if calendar_changed:
            ids = list(active_registrations(event).values_list("pk", flat=True))
            transaction.on_commit(lambda: [mails.send(pk, mails.CHANGED) for pk in ids])
    return event


def renew_invitation(event: Event, actor: Staff) -> str:
    """A new invitation link; the old one stops working at once. Returns the new token."""
    with transaction.atomic():
        event = lock_event(event.pk)
        salt = tokens.new_salt()
        event.invitation_salt = salt
        event.invitation_token_hash = tokens.hash_token(tokens.invitation_token(salt))
        event.save(update_fields=["invitation_salt", "invitation_token_hash"])
        record(event.authority_id, "event.invitation_renewed", event, actor.user_id)
    return tokens.invitation_token(salt)


def event_by_invitation(token: str | None) -> Event | None:
    if not token or len(token) > 100:
        return None
    return (
        Event.objects.select_related("authority", "office", "room")
        .filter(invitation_token_hash=tokens.hash_token(token), registration=RegistrationMode.INVITATION)
        .first()
    )


def revoke(member: Member | None, now: dt.datetime, actor: Staff | None) -> None:
    """The member's join link stops opening the room, and its open pages and media in the live room end
    at once (rooms.actions.members.revoke_member, after the commit)."""
    if member is not None and member.removed_at is None:
        room_members.revoke_member(member, actor=actor.user if actor else None, now=now)


def make_hall_link(event: Event, actor: Staff, now: dt.datetime | None = None) -> str:
    """The meeting hall's room system joins as a member marked as the hall. A new link replaces the
    old one (whose member is removed). Returns the join token."""
    now = now or timezone.now()
    with transaction.atomic():
        event = lock_event(event.pk)
        if event.is_cancelled:
            raise ActionError("cancelled", _("This event has been cancelled."))
        if event.room.state == RoomState.ENDED:
            raise ActionError("ended", _("This event is over."))
        old = event.hall_member
        member, token = room_members.add_member(
            event.room, display_name=_("Meeting hall"), role=hall_role(event), is_hall=True, actor=actor.user
        )
        assert token is not None  # a member without a user always gets a link
        revoke(old, now, actor)
        event.hall_member = member
        event.hall_link_sealed = tokens.seal(token)
        event.save(update_fields=["hall_member", "hall_link_sealed"])
        record(event.authority_id, "event.hall_link", event, actor.user_id, renewed=old is not None)
    return token


def hall_token(event: Event) -> str:
    return tokens.unseal(event.hall_link_sealed) if event.hall_member_id else ""


def start_event(event: Event, actor: Staff) -> Room:
    """Open the live room (rooms.actions.lifecycle.start_room); an already live room is left as it is."""
    if event.is_cancelled:
        raise ActionError("cancelled", _("This event has been cancelled."))
    room = Room.objects.get(pk=event.room_id)
    if room.state == RoomState.ENDED:
        raise ActionError("ended", _("This event is over."))
    if room.state == RoomState.SCHEDULED:
        with transaction.atomic():
            try:
                room = room_lifecycle.start_room(room, actor=actor.user)
            except ActionError as error:
                if error.code != "already_live":  # a colleague started it a moment ago
                    raise
            else:
                record(event.authority_id, "event.started", event, actor.user_id)
    return room


def cancel_event(event: Event, actor: Staff, message: str = "", now: dt.datetime | None = None) -> Event:
    """The office calls the event off: everyone registered is told by mail (with a calendar
    cancellation), nobody can register any more, and a live room is ended."""
    now = now or timezone.now()
    with transaction.atomic():
        event = lock_event(event.pk)
        if event.is_cancelled:
            raise ActionError("cancelled", _("This event has already been cancelled."))
        if has_ended(event, now):
            raise ActionError("ended", _("This event is over and can no longer be cancelled."))
        event.cancelled_at = now
        event.cancel_message = message.strip()
        event.save(update_fields=["cancelled_at", "cancel_message"])
        if event.room.state == RoomState.LIVE:
            room_lifecycle.end_room(event.room, actor=actor.user)
        record(event.authority_id, "event.cancelled", event, actor.user_id)
        ids = list(active_registrations(event).values_list("pk", flat=True))
        transaction.on_commit(lambda: [mails.send(pk, mails.EVENT_CANCELLED) for pk in ids])
    return event
