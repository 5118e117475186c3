"""Sessions: made with their live room and presenters, changed, started, a material put on the stage; after
the session, completion and certificates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.certificates import actions as certificate_actions
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms.actions import activity as room_activity
from buergerbuero.rooms.actions import lifecycle as room_lifecycle
from buergerbuero.rooms.actions import members as room_members
from buergerbuero.rooms.models import MemberRole, RoomKind, RoomMode, RoomState
from buergerbuero.trainings import completion, selectors
from buergerbuero.trainings.models import (
    Material,
    Pupil,
    Registration,
    RegistrationKind,
    TrainingSession,
    TrainingType,
)


def _actor_id(actor: Staff | None) -> int | None:
    return actor.user_id if actor else None


@transaction.atomic
def create_session(
    training_type: TrainingType,
    *,
    starts_at: dt.datetime,
    capacity: int,
    presenters: Iterable[Staff],
    actor: Staff,
) -> TrainingSession:
    """A session with its live room (a webinar: presenters publish, participants watch and ask)."""
    room = room_lifecycle.create_room(
        training_type.authority,
        kind=RoomKind.TRAINING,
        title=training_type.title,
        office=training_type.office,
        mode=RoomMode.WEBINAR,
        actor=actor.user,
        starts_at=starts_at,
    )
    session = TrainingSession.objects.create(
        training_type=training_type, starts_at=starts_at, capacity=capacity, room=room
    )
    _set_presenters(session, presenters, actor)
    record(
        training_type.authority_id, "training_session.created", session, _actor_id(actor), capacity=capacity
    )
    return session


def _set_presenters(session: TrainingSession, presenters: Iterable[Staff], actor: Staff) -> None:
    """Presenters are members of the room by their user. One who is dropped keeps a place as a viewer
    (as events' dropped moderators do); their open room pages lose the presenter's rights at once."""
    chosen = list(presenters)
    session.presenters.set(chosen)
    for staff in chosen:
        room_members.add_member(
            session.room,
            display_name=staff.display_name,
            role=MemberRole.PRESENTER,
            user=staff.user,
            actor=actor.user,
        )
    dropped = session.room.members.filter(role=MemberRole.PRESENTER, user__isnull=False).exclude(
        user_id__in=[staff.user_id for staff in chosen]
    )
    for member in dropped.select_related("user"):
        assert member.user is not None
        room_members.add_member(
            session.room,
            display_name=member.display_name,
            role=MemberRole.VIEWER,
            user=member.user,
            actor=actor.user,
        )


@transaction.atomic
def update_session(
    session: TrainingSession,
    *,
    starts_at: dt.datetime,
    capacity: int,
    presenters: Iterable[Staff],
    actor: Staff,
) -> TrainingSession:
    session = (
        TrainingSession.objects.select_for_update()
        .select_related("training_type__office", "room")
        .get(pk=session.pk)
    )
    if session.room.state != RoomState.SCHEDULED and starts_at != session.starts_at:
        raise ActionError("started", _("The session has started: its time cannot be changed any more."))
    taken = selectors.seats_taken(session)
    if capacity < taken:
        raise ActionError(
            "capacity_below_registered",
            _("%(taken)d people are registered already; the places cannot be fewer.") % {"taken": taken},
        )
    session.starts_at = starts_at
    session.capacity = capacity
    session.save(update_fields=["starts_at", "capacity"])
    _set_presenters(session, presenters, actor)
    record(
        session.training_type.authority_id,
        "training_session.changed",
        session,
        _actor_id(actor),
        capacity=capacity,
    )
    return session


@transaction.atomic
def start_session(session: TrainingSession, *, actor: Staff) -> None:
    """The live room goes live (the presenters then open /staff/rooms/<id>/)."""
    if session.room.state != RoomState.SCHEDULED:
        return
    room_lifecycle.start_room(session.room, actor=actor.user)
    record(session.training_type.authority_id, "training_session.started", session, _actor_id(actor))


@transaction.atomic
def show_material(session: TrainingSession, material: Material, *, actor: Staff, url: str) -> None:
    """Put a material on the room's stage (what every participant sees beside the presenter)."""
    if material.training_type_id != session.training_type_id:
        raise ActionError("invalid", _("This material belongs to another training."))
    member = session.room.members.filter(user=actor.user).first()
    if member is None:
        raise ActionError("not_presenter", _("Only the session's presenters can show materials."))
    stage = {"kind": "material", "url": url, "title": material.title, "media": material.kind}
    room_activity.set_stage(session.room, stage, member)


@transaction.atomic
def compute_completion(
    session: TrainingSession, *, actor: Staff | None, now: dt.datetime | None = None
) -> tuple[int, int]:
    """Store every participant's outcome. Returns (completed, participants)."""
    now = now or timezone.now()
    session = (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("training_type__office__authority", "room")
        .get(pk=session.pk)
    )
    if not completion.session_over(session, now):
        raise ActionError("not_ended", _("Completion can be computed after the session only."))
    results = completion.outcomes(session, now)
    for (kind, pk), outcome in results.items():
        model = Pupil if kind == "pupil" else Registration
        model.objects.filter(pk=pk).update(completed=outcome.completed, completion_reason=outcome.message)
    done = sum(1 for o in results.values() if o.completed)
    session.completion_computed_at = now
    session.save(update_fields=["completion_computed_at"])
    record(
        session.training_type.authority_id,
        "training_session.completion_computed",
        session,
        _actor_id(actor),
        completed=done,
        participants=len(results),
    )
    return done, len(results)


def source_key(kind: str, pk: int) -> str:
    return f"training-{kind}-{pk}"


@transaction.atomic
def issue_certificates(session: TrainingSession, *, actor: Staff | None) -> int:
    """A certificate for everyone who completed and has none yet (idempotent per participant)."""
    if session.completion_computed_at is None:
        raise ActionError("not_computed", _("Please compute completion first."))
    training_type = session.training_type
    held_on = selectors.local_date(session)
    issued = 0

    def issue(kind: str, holder: Registration | Pupil) -> None:
        nonlocal issued
        if holder.certificate_id is not None or not holder.name or holder.birth_date is None:
            return  # issued before, or the personal data is gone
        certificate = certificate_actions.issue(
            authority=training_type.authority,
            office=training_type.office,
            holder_name=holder.name,
            birth_date=holder.birth_date,
            title=training_type.title,
            legal_basis=training_type.legal_basis,
            held_on=held_on,
            source_key=source_key(kind, holder.pk),
            actor=actor.user if actor else None,
        )
        type(holder).objects.filter(pk=holder.pk).update(certificate_id=certificate.pk)
        issued += 1

    for registration in session.registrations.filter(kind=RegistrationKind.INDIVIDUAL, completed=True):
        issue("participant", registration)
    for pupil in Pupil.objects.filter(registration__session=session, completed=True):
        issue("pupil", pupil)
    record(
        training_type.authority_id,
        "training_session.certificates_issued",
        session,
        _actor_id(actor),
        issued=issued,
    )
    return issued
