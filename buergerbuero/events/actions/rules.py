"""The rules of events: what makes a valid event, whether anyone can register now, and the room roles
of registrants and the hall. The actions check these; forms and pages ask them too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.events.models import Event, Registration
from buergerbuero.offices.models import Office
from buergerbuero.rooms.models import MemberRole, RoomMode, RoomState

# How many people a webinar's audience may have at most (the media server's streaming serves them).
WEBINAR_MAX = 10_000


# --- rules (the actions check these; forms and pages ask them too) ------------------------------------


def capacity_limit(mode: str) -> int:
    """In a conference everyone may publish: at most GROUP_CONFERENCE_MAX interactive participants."""
    return settings.GROUP_CONFERENCE_MAX if mode == RoomMode.CONFERENCE else WEBINAR_MAX


def check_fields(
    actor: Staff,
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
    if office is not None and office.authority_id != actor.authority_id:
        raise ActionError("office", _("This office does not belong to your authority."))
    if office is None and not actor.is_authority_admin:
        raise ActionError("office", _("Please choose the office that holds the event."))
    for person in [*moderators, *speakers]:
        if person.authority_id != actor.authority_id:
            raise ActionError("moderators", _("Moderators and speakers must be officials of your authority."))


def active_registrations(event: Event) -> QuerySet[Registration]:
    return event.registrations.filter(cancelled_at__isnull=True)


def seats_left(event: Event) -> int:
    return max(0, event.capacity - active_registrations(event).count())


def has_ended(event: Event, now: dt.datetime) -> bool:
    return event.ends_at <= now or event.room.state == RoomState.ENDED


def closed(event: Event, now: dt.datetime) -> ActionError | None:
    """The refusal of an event that is cancelled or over, or None."""
    if event.is_cancelled:
        return ActionError("cancelled", _("This event has been cancelled."))
    if has_ended(event, now):
        return ActionError("ended", _("This event is over."))
    return None


def full() -> ActionError:
    """The refusal of a fully booked event."""
    return ActionError("full", _("This event is fully booked."))


def registration_refusal(event: Event, now: dt.datetime) -> ActionError | None:
    """Why nobody can register now (for the pages; ``register`` decides again under the lock)."""
    return closed(event, now) or (full() if seats_left(event) <= 0 else None)


def participant_role(event: Event) -> MemberRole:
    return MemberRole.PARTICIPANT if event.mode == RoomMode.CONFERENCE else MemberRole.VIEWER


def hall_role(event: Event) -> MemberRole:
    """The hall speaks in both modes: the people in the meeting hall take part as one participant."""
    return MemberRole.PARTICIPANT if event.mode == RoomMode.CONFERENCE else MemberRole.SPEAKER
