"""Registrations: a place at an event with a personal join link to its room, and giving it back. The
places are counted under the event row's lock (``lifecycle.lock_event``), so an event is never
overbooked."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.events import mails, tokens
from buergerbuero.events.actions.lifecycle import lock_event, revoke
from buergerbuero.events.actions.rules import active_registrations, closed, full, has_ended, participant_role
from buergerbuero.events.models import CancelledBy, Event, Registration
from buergerbuero.rooms.actions import members as room_members


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
        event = lock_event(event.pk)
        refusal = closed(event, now)
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
            raise full()
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
    registration: Registration, *, actor: Staff | None = None, now: dt.datetime | None = None
) -> Registration:
    """By the registrant (``actor`` None) or an official (removal). The place is free again at once and the
    join link stops working; the person gets a mail that removes the calendar entry."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_event(registration.event_id)
        registration = Registration.objects.select_related("event__room", "member").get(pk=registration.pk)
        if not registration.is_active:
            raise ActionError("not_registered", _("This registration has already been cancelled."))
        if not can_cancel(registration, now):
            raise ActionError("ended", _("This event is over or cancelled; there is nothing to cancel."))
        registration.cancelled_at = now
        registration.cancelled_by = CancelledBy.OFFICE if actor else CancelledBy.REGISTRANT
        registration.save(update_fields=["cancelled_at", "cancelled_by"])
        revoke(registration.member, now, actor)
        record(
            registration.event.authority_id,
            "event.registration_cancelled",
            registration,
            actor.user_id if actor else None,
            by_office=actor is not None,
        )
        transaction.on_commit(lambda: mails.send(registration.pk, mails.CANCELLED))
    return registration
