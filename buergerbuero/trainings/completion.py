"""Who completed a training session, and why not.

Inputs, all read from the database (nothing here writes; ``actions.compute_completion`` stores results):
- the member's ``rooms.Attendance`` stretches, clipped to the session's scheduled time
  [starts_at, starts_at + duration]. Stretches of two tabs that overlap count once; a stretch still open
  counts until the room ended (or, while it runs, until now). Needed: ``required_attendance_percent`` of
  the scheduled time, rounded down to whole seconds.
- the presence checks (``rooms.PresenceCheck``) sent within the scheduled time while the member was
  connected: every one must be answered (``PresenceAnswer``) by its deadline. A check sent while the member
  was away is not counted against them: the missing attendance already is.
- the comprehension check, when the type has questions: an individual takes it on their registration page
  after the session and needs the pass mark; for a class the teacher records on the roster page which
  pupils passed (the class goes through the questions together, in front of the one screen).
- for a class: the class screen's member gives attendance and presence answers for every pupil, and a
  pupil must have been checked in by the teacher on the roster page during the session.

The reasons are stable codes (``Outcome.code``) with a sentence for the staff page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.rooms.models import Attendance, Member, PresenceAnswer, PresenceCheck, RoomState
from buergerbuero.trainings.models import Pupil, Registration, TrainingSession

COMPLETED = "completed"
NOT_ENDED = "not_ended"
NO_ATTENDANCE = "no_attendance"
TOO_SHORT = "too_short"
PRESENCE_MISSED = "presence_missed"
CHECK_NOT_TAKEN = "check_not_taken"
CHECK_FAILED = "check_failed"
NOT_CHECKED_IN = "not_checked_in"


@dataclass(frozen=True)
class Outcome:
    completed: bool
    code: str
    message: str


@dataclass(frozen=True)
class MemberRecord:
    """What the room recorded about one member (a person, or a class's screen)."""

    attended_seconds: int
    required_seconds: int
    checks_counted: int
    checks_answered: int

    @property
    def attended_enough(self) -> bool:
        return self.attended_seconds >= self.required_seconds


def window(session: TrainingSession) -> tuple[dt.datetime, dt.datetime]:
    return session.starts_at, session.ends_at


def session_over(session: TrainingSession, now: dt.datetime) -> bool:
    return session.room.state == RoomState.ENDED or now >= session.ends_at


def _stretches(
    member: Member, session: TrainingSession, now: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The member's connected stretches clipped to the scheduled time, merged where they overlap."""
    start, end = window(session)
    open_until = min(session.room.ended_at or now, now)
    clipped = []
    for attendance in Attendance.objects.filter(member=member).order_by("joined_at"):
        left = attendance.left_at or open_until
        a, b = max(attendance.joined_at, start), min(left, end)
        if b > a:
            clipped.append((a, b))
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for a, b in sorted(clipped):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def member_record(member: Member | None, session: TrainingSession, now: dt.datetime) -> MemberRecord:
    duration = session.ends_at - session.starts_at
    required = int(duration.total_seconds() * session.training_type.required_attendance_percent // 100)
    if member is None:
        return MemberRecord(0, required, 0, 0)
    stretches = _stretches(member, session, now)
    attended = int(sum((b - a).total_seconds() for a, b in stretches))
    start, end = window(session)
    checks = PresenceCheck.objects.filter(room_id=member.room_id, sent_at__gte=start, sent_at__lte=end)
    counted = [c for c in checks if any(a <= c.sent_at <= b for a, b in stretches)]
    answered = set(
        PresenceAnswer.objects.filter(member=member, presence_check__in=[c.pk for c in counted]).values_list(
            "presence_check_id", "answered_at"
        )
    )
    deadlines = {c.pk: c.deadline_at for c in counted}
    in_time = sum(1 for check_id, at in answered if at <= deadlines[check_id])
    return MemberRecord(attended, required, len(counted), in_time)


def _room_outcome(record: MemberRecord) -> Outcome | None:
    """The reason the room's record rules completion out, or None."""
    if record.attended_seconds == 0:
        return Outcome(False, NO_ATTENDANCE, _("Did not take part in the session."))
    if not record.attended_enough:
        return Outcome(
            False,
            TOO_SHORT,
            _("Took part for %(attended)d of the %(required)d minutes needed.")
            % {"attended": record.attended_seconds // 60, "required": -(-record.required_seconds // 60)},
        )
    if record.checks_answered < record.checks_counted:
        missed = record.checks_counted - record.checks_answered
        return Outcome(
            False,
            PRESENCE_MISSED,
            _("Did not answer %(missed)d of %(count)d presence checks in time.")
            % {"missed": missed, "count": record.checks_counted},
        )
    return None


def _done() -> Outcome:
    return Outcome(True, COMPLETED, _("Completed."))


def _not_ended() -> Outcome:
    return Outcome(False, NOT_ENDED, _("The session has not ended yet."))


def individual_outcome(
    registration: Registration, session: TrainingSession, now: dt.datetime, *, has_check: bool
) -> Outcome:
    if not session_over(session, now):
        return _not_ended()
    refusal = _room_outcome(member_record(registration.member, session, now))
    if refusal:
        return refusal
    if has_check:
        score = registration.check_score_percent
        if score is None:
            return Outcome(False, CHECK_NOT_TAKEN, _("Has not taken the comprehension check."))
        if score < session.training_type.pass_mark_percent:
            return Outcome(
                False,
                CHECK_FAILED,
                _("Comprehension check: %(score)d %% of %(mark)d %% needed.")
                % {"score": score, "mark": session.training_type.pass_mark_percent},
            )
    return _done()


def pupil_outcome(
    pupil: Pupil, record: MemberRecord, session: TrainingSession, now: dt.datetime, *, has_check: bool
) -> Outcome:
    """A pupil's outcome from their class screen's record (computed once per class)."""
    if not session_over(session, now):
        return _not_ended()
    refusal = _room_outcome(record)
    if refusal:
        return refusal
    if pupil.checked_in_at is None:
        return Outcome(False, NOT_CHECKED_IN, _("The teacher did not confirm that this pupil was there."))
    if has_check:
        if pupil.check_passed is None:
            return Outcome(False, CHECK_NOT_TAKEN, _("The teacher has not recorded the comprehension check."))
        if not pupil.check_passed:
            return Outcome(False, CHECK_FAILED, _("Did not pass the comprehension check."))
    return _done()


def outcomes(session: TrainingSession, now: dt.datetime | None = None) -> dict[tuple[str, int], Outcome]:
    """Every participant's outcome: keys ("registration", id) for individuals, ("pupil", id) for pupils."""
    now = now or timezone.now()
    has_check = session.training_type.has_check
    result: dict[tuple[str, int], Outcome] = {}
    for registration in session.registrations.select_related("member").prefetch_related("pupils"):
        if registration.is_class:
            record = member_record(registration.member, session, now)
            for pupil in registration.pupils.all():
                result[("pupil", pupil.pk)] = pupil_outcome(pupil, record, session, now, has_check=has_check)
        else:
            result[("registration", registration.pk)] = individual_outcome(
                registration, session, now, has_check=has_check
            )
    return result
