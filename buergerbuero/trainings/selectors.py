"""What the trainings' pages and actions read: a session's day, its places and whether registration, the
class roster and the comprehension check are open; a registration by its token; the kind of an upload.
Nothing here changes state (trainings.actions does)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.utils import timezone

from buergerbuero.rooms.models import RoomState
from buergerbuero.trainings import completion
from buergerbuero.trainings.models import MATERIAL_TYPES, Registration, TrainingSession
from buergerbuero.trainings.tokens import hash_token

# The roster can be filled in from this long before the start (the class sits down) until the end.
CHECK_IN_BEFORE = dt.timedelta(minutes=30)


def local_date(session: TrainingSession) -> dt.date:
    return timezone.localtime(session.starts_at, session.office.tz).date()


def material_kind(filename: str) -> tuple[str, str] | None:
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    return MATERIAL_TYPES.get(suffix)


def seats_taken(session: TrainingSession) -> int:
    return session.registrations.aggregate(n=Sum("seats"))["n"] or 0


def free_places(session: TrainingSession) -> int:
    return max(0, session.capacity - seats_taken(session))


def open_for_registration(session: TrainingSession, now: dt.datetime) -> bool:
    return session.room.state == RoomState.SCHEDULED and session.starts_at > now


def registration_by_token(token: str | None) -> Registration | None:
    if not token or len(token) > 100:
        return None
    return (
        Registration.objects.select_related(
            "session__training_type__office__authority", "session__room", "member"
        )
        .filter(token_hash=hash_token(token))
        .first()
    )


def roster_open(session: TrainingSession, now: dt.datetime) -> bool:
    """The teacher confirms who sits in front of the screen while the session runs."""
    if session.room.state == RoomState.ENDED or session.completion_computed_at is not None:
        return False
    return session.room.state == RoomState.LIVE or (
        session.starts_at - CHECK_IN_BEFORE <= now <= session.ends_at
    )


def check_open(session: TrainingSession, now: dt.datetime) -> bool:
    """The comprehension check is taken after the session, until completion has been computed."""
    return completion.session_over(session, now) and session.completion_computed_at is None
