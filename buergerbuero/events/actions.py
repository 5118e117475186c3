"""Every change to events and their registrations goes through these functions (docs/architecture.md).

Invariants a reader must not break:
- ``register`` counts the event's places under a lock of the event row (``_lock_event``: SELECT … FOR
  UPDATE on PostgreSQL; SQLite starts every write transaction exclusively, IMMEDIATE), so the count and
  the INSERT of one request are never interleaved with another's: an event never has more registrations
  than its capacity (tests/events/test_concurrency.py shows the race without the lock).
- The room (rooms.Room) is made with the event and changed only while it is scheduled; its members come
  from ``rooms.actions.members.add_member``. Each registration is one member: a participant in a conference, a
  viewer in a webinar (viewers never publish, rooms.access.may_publish).
- Mails leave after commit (``mails.send`` never raises); personal data never enters the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.events import mails, tokens
from buergerbuero.events.models import CancelledBy, Event, Registration, RegistrationMode
from buergerbuero.offices.models import Office
from buergerbuero.rooms.actions import lifecycle as room_lifecycle
from buergerbuero.rooms.actions import members as room_members
from buergerbuero.rooms.models import Member, MemberRole, Room, RoomKind, RoomMode, RoomState

# How many people a webinar's audience may have at most (the media server's streaming serves them).
WEBINAR_MAX = 10_000


# --- rules (the actions check these; forms and pages ask them too) ------------------------------------


def capacity_limit(mode: str) -> int:
    """In a conference everyone may publish: at most GROUP_CONFERENCE_MAX interactive participants."""
    return settings.GROUP_CONFERENCE_MAX if mode == RoomMode.CONFERENCE else WEBINAR_MAX


def check_fields(
    staff: Staff,
    *,
    office: Office | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    mode: str,
    capacity: int,
    moderators: Iterable[Staff],
    speakers: Iterable[Staff],
) -> None:
    """Why these details cannot make an event (raises ActionError), for create and update alike."""
    if ends_at <= starts_at:
        raise ActionError("ends_before_start", _("The event must end after it starts."))
    if capacity < 1:
        raise ActionError("capacity", _("The capacity must be at least 1."))
    limit = capacity_limit(mode)
    if capacity > limit:
        raise ActionError(
            "capacity",
            _("A conference can have at most %(limit)d participants; for more, choose a webinar.")
            % {"limit": limit}
            if mode == RoomMode.CONFERENCE
            else _("The capacity can be at most %(limit)d.") % {"limit": limit},
        )
    if office is not None and office.authority_id != staff.authority_id:
        raise ActionError("office", _("This office does not belong to your authority."))
    if office is None and not staff.is_authority_admin:
        raise ActionError("office", _("Please choose the office that holds the event."))
    for person in [*moderators, *speakers]:
        if person.authority_id != staff.authority_id:
            raise ActionError("moderators", _("Moderators and speakers must be officials of your authority."))


def active_registrations(event: Event) -> QuerySet[Registration]:
    return event.registrations.filter(cancelled_at__isnull=True)


def seats_left(event: Event) -> int:
    return max(0, event.capacity - active_registrations(event).count())


def has_ended(event: Event, now: dt.datetime) -> bool:
    return event.ends_at <= now or event.room.state == RoomState.ENDED


def _closed(event: Event, now: dt.datetime) -> ActionError | None:
    if event.is_cancelled:
        return ActionError("cancelled", _("This event has been cancelled."))
    if has_ended(event, now):
        return ActionError("ended", _("This event is over."))
    return None


def _full() -> ActionError:
    return ActionError("full", _("This event is fully booked."))


def registration_refusal(event: Event, now: dt.datetime) -> ActionError | None:
    """Why nobody can register now (for the pages; ``register`` decides again under the lock)."""
    return _closed(event, now) or (_full() if seats_left(event) <= 0 else None)


def participant_role(event: Event) -> MemberRole:
    return MemberRole.PARTICIPANT if event.mode == RoomMode.CONFERENCE else MemberRole.VIEWER


def hall_role(event: Event) -> MemberRole:
    """The hall speaks in both modes: the people in the meeting hall take part as one participant."""
    return MemberRole.PARTICIPANT if event.mode == RoomMode.CONFERENCE else MemberRole.SPEAKER


# --- creating and changing events ---------------------------------------------------------------------


def _lock_event(event_id: int) -> Event:
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
    staff: Staff,
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
        staff,
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
            staff.authority,
            kind=RoomKind.EVENT,
            title=title.strip(),
            office=office,
            mode=RoomMode(mode),
            lobby=lobby,
            actor=staff.user,
            starts_at=starts_at,
        )
        salt = tokens.new_salt()
        event = Event.objects.create(
            authority=staff.authority,
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
        _sync_staff(event, moderators, speakers, staff)
        record(
            staff.authority_id, "event.created", event, staff.user_id, mode=mode, registration=registration
        )
    return event


# Changes to these fields reach the registrants' calendars (a new SEQUENCE, see mails.sequence).
_CALENDAR_FIELDS = ("title", "starts_at", "ends_at")


def update_event(
    event: Event,
    staff: Staff,
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
        staff,
        office=office,
        starts_at=starts_at,
        ends_at=ends_at,
        mode=mode,
        capacity=capacity,
        moderators=moderators,
        speakers=speakers,
    )
    with transaction.atomic():
        event = _lock_event(event.pk)
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
        _sync_staff(event, moderators, speakers, staff)
        record(staff.authority_id, "event.changed", event, staff.user_id, calendar=calendar_changed)
        if calendar_changed:
            ids = list(active_registrations(event).values_list("pk", flat=True))
            transaction.on_commit(lambda: [mails.send(pk, mails.CHANGED) for pk in ids])
    return event


def renew_invitation(event: Event, staff: Staff) -> str:
    """A new invitation link; the old one stops working at once. Returns the new token."""
    with transaction.atomic():
        event = _lock_event(event.pk)
        salt = tokens.new_salt()
        event.invitation_salt = salt
        event.invitation_token_hash = tokens.hash_token(tokens.invitation_token(salt))
        event.save(update_fields=["invitation_salt", "invitation_token_hash"])
        record(event.authority_id, "event.invitation_renewed", event, staff.user_id)
    return tokens.invitation_token(salt)


def event_by_invitation(token: str | None) -> Event | None:
    if not token or len(token) > 100:
        return None
    return (
        Event.objects.select_related("authority", "office", "room")
        .filter(invitation_token_hash=tokens.hash_token(token), registration=RegistrationMode.INVITATION)
        .first()
    )


def _revoke(member: Member | None, now: dt.datetime, staff: Staff | None) -> None:
    """The member's join link stops opening the room, and its open pages and media in the live room end
    at once (rooms.actions.members.revoke_member, after the commit)."""
    if member is not None and member.removed_at is None:
        room_members.revoke_member(member, actor=staff.user if staff else None, now=now)


def make_hall_link(event: Event, staff: Staff, now: dt.datetime | None = None) -> str:
    """The meeting hall's room system joins as a member marked as the hall. A new link replaces the
    old one (whose member is removed). Returns the join token."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock_event(event.pk)
        if event.is_cancelled:
            raise ActionError("cancelled", _("This event has been cancelled."))
        if event.room.state == RoomState.ENDED:
            raise ActionError("ended", _("This event is over."))
        old = event.hall_member
        member, token = room_members.add_member(
            event.room, display_name=_("Meeting hall"), role=hall_role(event), is_hall=True, actor=staff.user
        )
        assert token is not None  # a member without a user always gets a link
        _revoke(old, now, staff)
        event.hall_member = member
        event.hall_link_sealed = tokens.seal(token)
        event.save(update_fields=["hall_member", "hall_link_sealed"])
        record(event.authority_id, "event.hall_link", event, staff.user_id, renewed=old is not None)
    return token


def hall_token(event: Event) -> str:
    return tokens.unseal(event.hall_link_sealed) if event.hall_member_id else ""


def start_event(event: Event, staff: Staff) -> Room:
    """Open the live room (rooms.actions.lifecycle.start_room); an already live room is left as it is."""
    if event.is_cancelled:
        raise ActionError("cancelled", _("This event has been cancelled."))
    room = Room.objects.get(pk=event.room_id)
    if room.state == RoomState.ENDED:
        raise ActionError("ended", _("This event is over."))
    if room.state == RoomState.SCHEDULED:
        with transaction.atomic():
            try:
                room = room_lifecycle.start_room(room, actor=staff.user)
            except ActionError as error:
                if error.code != "already_live":  # a colleague started it a moment ago
                    raise
            else:
                record(event.authority_id, "event.started", event, staff.user_id)
    return room


def cancel_event(event: Event, staff: Staff, message: str = "", now: dt.datetime | None = None) -> Event:
    """The office calls the event off: everyone registered is told by mail (with a calendar
    cancellation), nobody can register any more, and a live room is ended."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock_event(event.pk)
        if event.is_cancelled:
            raise ActionError("cancelled", _("This event has already been cancelled."))
        if has_ended(event, now):
            raise ActionError("ended", _("This event is over and can no longer be cancelled."))
        event.cancelled_at = now
        event.cancel_message = message.strip()
        event.save(update_fields=["cancelled_at", "cancel_message"])
        if event.room.state == RoomState.LIVE:
            room_lifecycle.end_room(event.room, actor=staff.user)
        record(event.authority_id, "event.cancelled", event, staff.user_id)
        ids = list(active_registrations(event).values_list("pk", flat=True))
        transaction.on_commit(lambda: [mails.send(pk, mails.EVENT_CANCELLED) for pk in ids])
    return event


# --- registrations ------------------------------------------------------------------------------------


def _taken(event: Event) -> int:
    return active_registrations(event).count()


def _was_removed(event: Event, email: str) -> bool:
    """A removal holds for the event: a registration of this address that the office cancelled, or
    whose member a moderator removed from the room (still registered, but out), bars registering anew.
    A registrant who cancelled themselves may register again."""
    of_address = Registration.objects.filter(event=event, email=email)
    return (
        of_address.filter(cancelled_by=CancelledBy.OFFICE).exists()
        or of_address.filter(cancelled_at__isnull=True, member__removed_at__isnull=False).exists()
    )


def register(
    event: Event,
    *,
    name: str,
    email: str,
    language: str = "de",
    now: dt.datetime | None = None,
) -> Registration:
    """A place at the event, with a personal join link to its room; the confirmation mail leaves after
    commit. Refused when the event is cancelled, over or full (``full`` also for the loser of a race)."""
    now = now or timezone.now()
    email = email.strip().lower()
    with transaction.atomic():
        event = _lock_event(event.pk)
        refusal = _closed(event, now)
        if refusal:
            raise refusal
        if email and _was_removed(event, email):
            raise ActionError(
                "removed",
                _(
                    "The organisers have removed this e-mail address from the event, so it cannot be "
                    "registered again. If you think this is a mistake, please contact the organisers."
                ),
            )
        if _taken(event) >= event.capacity:
            raise _full()
        member, join = room_members.add_member(
            event.room, display_name=name.strip(), role=participant_role(event)
        )
        assert join is not None
        salt = tokens.new_salt()
        registration = Registration.objects.create(
            event=event,
            member=member,
            name=name.strip(),
            email=email,
            language=language,
            consent_at=now,
            token_salt=salt,
            token_hash=tokens.hash_token(tokens.registration_token(salt)),
            join_link_sealed=tokens.seal(join),
        )
        record(event.authority_id, "event.registered", registration, event=event.pk)
        transaction.on_commit(lambda: mails.send(registration.pk, mails.CONFIRMED))
    return registration


def registration_by_token(token: str | None) -> Registration | None:
    if not token or len(token) > 100:
        return None
    return (
        Registration.objects.select_related("event__authority", "event__office", "event__room", "member")
        .filter(token_hash=tokens.hash_token(token))
        .first()
    )


def join_token(registration: Registration) -> str:
    return tokens.unseal(registration.join_link_sealed)


def can_cancel(registration: Registration, now: dt.datetime) -> bool:
    event = registration.event
    return registration.is_active and not event.is_cancelled and not has_ended(event, now)


def cancel_registration(
    registration: Registration, *, by: Staff | None = None, now: dt.datetime | None = None
) -> Registration:
    """By the registrant (``by`` None) or an official (removal). The place is free again at once and the
    join link stops working; the person gets a mail that removes the calendar entry."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_event(registration.event_id)
        registration = Registration.objects.select_related("event__room", "member").get(pk=registration.pk)
        if not registration.is_active:
            raise ActionError("not_registered", _("This registration has already been cancelled."))
        if not can_cancel(registration, now):
            raise ActionError("ended", _("This event is over or cancelled; there is nothing to cancel."))
        registration.cancelled_at = now
        registration.cancelled_by = CancelledBy.OFFICE if by else CancelledBy.REGISTRANT
        registration.save(update_fields=["cancelled_at", "cancelled_by"])
        _revoke(registration.member, now, by)
        record(
            registration.event.authority_id,
            "event.registration_cancelled",
            registration,
            by.user_id if by else None,
            by_office=by is not None,
        )
        transaction.on_commit(lambda: mails.send(registration.pk, mails.CANCELLED))
    return registration


# --- retention ----------------------------------------------------------------------------------------


def delete_personal_data(cutoff: dt.datetime) -> int:
    """Names and e-mail addresses of registrations of events that ended before ``cutoff`` are cleared,
    and the sealed join links with them (the rows stay, so counts stay). Idempotent; returns how many
    registrations were cleared. The room members' names belong to rooms' own retention."""
    due = Registration.objects.filter(event__ends_at__lt=cutoff, personal_data_deleted_at__isnull=True)
    with transaction.atomic():
        return due.update(name="", email="", join_link_sealed="", personal_data_deleted_at=timezone.now())
