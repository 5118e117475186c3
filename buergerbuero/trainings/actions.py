"""The only place that changes trainings (../shared/STYLE.md): types, their check and materials; sessions
and their live rooms; registrations (capacity guarded); the roster; completion; certificates; retention.

Every action runs in one transaction and writes an audit entry (never a participant's name: the audit log
outlives the retention period). Mails leave after the commit (``transaction.on_commit``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.models import Office
from buergerbuero.rooms import actions as room_actions
from buergerbuero.rooms.models import MemberRole, RoomKind, RoomMode, RoomState
from buergerbuero.trainings import completion, mails
from buergerbuero.trainings.csvimport import PupilRow, is_minor
from buergerbuero.trainings.models import (
    MATERIAL_TYPES,
    Choice,
    GuardianConsent,
    Material,
    Pupil,
    Question,
    Registration,
    RegistrationKind,
    TrainingSession,
    TrainingType,
)
from buergerbuero.trainings.tokens import hash_token, new_salt, registration_token

# The roster can be filled in from this long before the start (the class sits down) until the end.
CHECK_IN_BEFORE = dt.timedelta(minutes=30)
MAX_MATERIAL_BYTES = 200 * 1024 * 1024


def _actor(by: Staff | None) -> int | None:
    return by.user_id if by else None


def local_date(session: TrainingSession) -> dt.date:
    return timezone.localtime(session.starts_at, session.office.tz).date()


# --- types -------------------------------------------------------------------------------------------


TYPE_FIELDS = (
    "title",
    "legal_basis",
    "description",
    "duration_minutes",
    "required_attendance_percent",
    "pass_mark_percent",
)


@transaction.atomic
def create_type(office: Office, *, by: Staff, **fields: object) -> TrainingType:
    training_type = TrainingType.objects.create(
        authority_id=office.authority_id, office=office, **{k: fields[k] for k in TYPE_FIELDS if k in fields}
    )
    record(office.authority_id, "training_type.created", training_type, _actor(by))
    return training_type


@transaction.atomic
def update_type(training_type: TrainingType, *, by: Staff, **fields: object) -> TrainingType:
    changed = [k for k in TYPE_FIELDS if k in fields and getattr(training_type, k) != fields[k]]
    for name in changed:
        setattr(training_type, name, fields[name])
    if changed:
        training_type.save(update_fields=changed)
        record(training_type.authority_id, "training_type.changed", training_type, _actor(by), fields=changed)
    return training_type


@dataclass(frozen=True)
class ParsedQuestion:
    text: str
    choices: list[tuple[str, bool]]


def parse_questions(text: str) -> tuple[list[ParsedQuestion], list[str]]:
    """The comprehension check as staff write it: a question on a line of its own, its answers below it,
    each starting with ``-`` (wrong) or ``*`` (right)::

        Who may work in the kitchen with diarrhoea?
        - everyone who feels well
        * nobody

    Returns the questions and a list of errors (with line numbers)."""
    questions: list[ParsedQuestion] = []
    errors: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        marker = re.match(r"^([-*])\s*(.*)$", line)
        if marker:
            if not questions:
                errors.append(_("Line %(line)d: an answer before the first question.") % {"line": number})
                continue
            answer = marker.group(2).strip()[:300]
            if not answer:
                errors.append(_("Line %(line)d: the answer is empty.") % {"line": number})
                continue
            questions[-1].choices.append((answer, marker.group(1) == "*"))
        else:
            questions.append(ParsedQuestion(line[:500], []))
    for question in questions:
        if len(question.choices) < 2:
            errors.append(_("“%(question)s” needs at least two answers.") % {"question": question.text[:60]})
        elif not any(correct for _text, correct in question.choices):
            errors.append(
                _("“%(question)s” has no right answer (mark it with *).") % {"question": question.text[:60]}
            )
    return questions, errors


def questions_as_text(training_type: TrainingType) -> str:
    lines: list[str] = []
    for question in training_type.questions.prefetch_related("choices"):
        if lines:
            lines.append("")
        lines.append(question.text)
        lines.extend(f"{'*' if c.correct else '-'} {c.text}" for c in question.choices.all())
    return "\n".join(lines)


@transaction.atomic
def set_questions(training_type: TrainingType, questions: Sequence[ParsedQuestion], *, by: Staff) -> None:
    """Replace the comprehension check (an empty list: no check)."""
    training_type.questions.all().delete()
    for position, parsed in enumerate(questions):
        question = Question.objects.create(training_type=training_type, position=position, text=parsed.text)
        Choice.objects.bulk_create(
            Choice(question=question, position=i, text=text, correct=correct)
            for i, (text, correct) in enumerate(parsed.choices)
        )
    record(
        training_type.authority_id,
        "training_type.check_set",
        training_type,
        _actor(by),
        questions=len(questions),
    )


def material_kind(filename: str) -> tuple[str, str] | None:
    suffix = ("." + filename.rsplit(".", 1)[-1].lower()) if "." in filename else ""
    return MATERIAL_TYPES.get(suffix)


@transaction.atomic
def add_material(training_type: TrainingType, upload: UploadedFile, *, title: str, by: Staff) -> Material:
    kind = material_kind(upload.name or "")
    if kind is None:
        raise ActionError(
            "material_type", _("Please upload a PDF, an image (PNG, JPEG, WebP) or a video (MP4, WebM).")
        )
    if (upload.size or 0) > MAX_MATERIAL_BYTES:
        raise ActionError("material_size", _("The file is larger than 200 MB."))
    position = training_type.materials.count()
    material = Material(
        training_type=training_type,
        title=title or (upload.name or "")[:200],
        kind=kind[0],
        content_type=kind[1],
        position=position,
    )
    material.file.save(upload.name or "material", upload, save=False)
    material.save()
    record(training_type.authority_id, "training_material.added", material, _actor(by), kind=kind[0])
    return material


@transaction.atomic
def delete_material(material: Material, *, by: Staff) -> None:
    record(material.training_type.authority_id, "training_material.deleted", material, _actor(by))
    name = material.file.name
    storage = material.file.storage
    material.delete()
    # The file goes only once the row is gone for good.
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- sessions ----------------------------------------------------------------------------------------


@transaction.atomic
def create_session(
    training_type: TrainingType,
    *,
    starts_at: dt.datetime,
    capacity: int,
    presenters: Iterable[Staff],
    by: Staff,
) -> TrainingSession:
    """A session with its live room (a webinar: presenters publish, participants watch and ask)."""
    room = room_actions.create_room(
        training_type.authority,
        kind=RoomKind.TRAINING,
        title=training_type.title,
        office=training_type.office,
        mode=RoomMode.WEBINAR,
        actor=by.user,
        starts_at=starts_at,
    )
    session = TrainingSession.objects.create(
        training_type=training_type, starts_at=starts_at, capacity=capacity, room=room
    )
    _set_presenters(session, presenters, by)
    record(training_type.authority_id, "training_session.created", session, _actor(by), capacity=capacity)
    return session


def _set_presenters(session: TrainingSession, presenters: Iterable[Staff], by: Staff) -> None:
    """Presenters are members of the room by their user. One who is dropped keeps a place as a viewer
    (as events' dropped moderators do); their open room pages lose the presenter's rights at once."""
    chosen = list(presenters)
    session.presenters.set(chosen)
    for staff in chosen:
        room_actions.add_member(
            session.room,
            display_name=staff.display_name,
            role=MemberRole.PRESENTER,
            user=staff.user,
            actor=by.user,
        )
    dropped = session.room.members.filter(role=MemberRole.PRESENTER, user__isnull=False).exclude(
        user_id__in=[staff.user_id for staff in chosen]
    )
    for member in dropped.select_related("user"):
        assert member.user is not None
        room_actions.add_member(
            session.room,
            display_name=member.display_name,
            role=MemberRole.VIEWER,
            user=member.user,
            actor=by.user,
        )


@transaction.atomic
def update_session(
    session: TrainingSession,
    *,
    starts_at: dt.datetime,
    capacity: int,
    presenters: Iterable[Staff],
    by: Staff,
) -> TrainingSession:
    session = (
        TrainingSession.objects.select_for_update()
        .select_related("training_type__office", "room")
        .get(pk=session.pk)
    )
    if session.room.state != RoomState.SCHEDULED and starts_at != session.starts_at:
        raise ActionError("started", _("The session has started: its time cannot be changed any more."))
    taken = seats_taken(session)
    if capacity < taken:
        raise ActionError(
            "capacity_below_registered",
            _("%(taken)d people are registered already; the places cannot be fewer.") % {"taken": taken},
        )
    session.starts_at = starts_at
    session.capacity = capacity
    session.save(update_fields=["starts_at", "capacity"])
    _set_presenters(session, presenters, by)
    record(
        session.training_type.authority_id, "training_session.changed", session, _actor(by), capacity=capacity
    )
    return session


def seats_taken(session: TrainingSession) -> int:
    return session.registrations.aggregate(n=Sum("seats"))["n"] or 0


def free_places(session: TrainingSession) -> int:
    return max(0, session.capacity - seats_taken(session))


def open_for_registration(session: TrainingSession, now: dt.datetime) -> bool:
    return session.room.state == RoomState.SCHEDULED and session.starts_at > now


@transaction.atomic
def start_session(session: TrainingSession, *, by: Staff) -> None:
    """The live room goes live (the presenters then open /staff/rooms/<id>/)."""
    if session.room.state != RoomState.SCHEDULED:
        return
    room_actions.start_room(session.room, actor=by.user)
    record(session.training_type.authority_id, "training_session.started", session, _actor(by))


@transaction.atomic
def show_material(session: TrainingSession, material: Material, *, by: Staff, url: str) -> None:
    """Put a material on the room's stage (what every participant sees beside the presenter)."""
    if material.training_type_id != session.training_type_id:
        raise ActionError("invalid", _("This material belongs to another training."))
    member = session.room.members.filter(user=by.user).first()
    if member is None:
        raise ActionError("not_presenter", _("Only the session's presenters can show materials."))
    stage = {"kind": "material", "url": url, "title": material.title, "media": material.kind}
    room_actions.set_stage(session.room, stage, member)


# --- registration ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    registration: Registration
    join_token: str  # the room's join link secret: shown and mailed once, never stored
    token: str  # the registration page's token


def _claim(session: TrainingSession, seats: int, now: dt.datetime) -> TrainingSession:
    """Lock the session and check that ``seats`` more people fit. Must run inside the transaction that
    writes the registration: the lock (PostgreSQL) or SQLite's exclusive write transaction keeps two
    registrations from both reading the last places as free."""
    locked = (
        TrainingSession.objects.select_for_update(of=("self",))
        .select_related("training_type__office__authority", "room")
        .get(pk=session.pk)
    )
    if not open_for_registration(locked, now):
        raise ActionError("closed", _("Registration for this session has closed."))
    free = locked.capacity - seats_taken(locked)
    if seats > free:
        if free <= 0:
            raise ActionError("full", _("This session is fully booked. Please choose another date."))
        raise ActionError(
            "too_many",
            _("Only %(free)d places are left in this session, and you registered %(seats)d people.")
            % {"free": free, "seats": seats},
        )
    return locked


def _create(session: TrainingSession, member_name: str, **fields: object) -> tuple[Registration, str, str]:
    salt = new_salt()
    token = registration_token(salt)
    member, join_token = room_actions.add_member(
        session.room, display_name=member_name, role=MemberRole.PARTICIPANT
    )
    assert join_token is not None
    registration = Registration.objects.create(
        session=session, member=member, token_salt=salt, token_hash=hash_token(token), **fields
    )
    return registration, join_token, token


def register_individual(
    session: TrainingSession,
    *,
    name: str,
    birth_date: dt.date,
    email: str,
    guardian_consent: bool = False,
    language: str = "de",
    now: dt.datetime | None = None,
) -> Registered:
    now = now or timezone.now()
    with transaction.atomic():
        session = _claim(session, 1, now)
        minor = is_minor(birth_date, local_date(session))
        if minor and not guardian_consent:
            raise ActionError(
                "guardian_consent",
                _("You are under 18 on the day of the training: please confirm your guardians' consent."),
            )
        registration, join_token, token = _create(
            session,
            name,
            kind=RegistrationKind.INDIVIDUAL,
            name=name,
            birth_date=birth_date,
            email=email.strip().lower(),
            language=language,
            seats=1,
            guardian_consent=GuardianConsent.PER_PERSON if minor else GuardianConsent.NOT_NEEDED,
            consented_at=now,
        )
        record(
            session.training_type.authority_id,
            "training_registration.created",
            registration,
            kind="individual",
        )
        transaction.on_commit(lambda: mails.send_confirmation(registration.pk, join_token, token))
    return Registered(registration, join_token, token)


def register_class(
    session: TrainingSession,
    *,
    teacher_name: str,
    email: str,
    school: str,
    class_name: str,
    pupils: Sequence[PupilRow],
    teacher_declaration: bool,
    consents: Collection[int] = (),
    language: str = "de",
    now: dt.datetime | None = None,
) -> Registered:
    """A teacher registers a class. ``consents`` holds the list lines of the minors whose guardians'
    consent the teacher ticked; with ``teacher_declaration`` the teacher declares instead that the school
    holds the consents of all minors. One member (the class screen) joins the room for all pupils."""
    now = now or timezone.now()
    if not pupils:
        raise ActionError("no_pupils", _("Please enter at least one pupil."))
    with transaction.atomic():
        session = _claim(session, len(pupils), now)
        day = local_date(session)
        minors = [p for p in pupils if is_minor(p.birth_date, day)]
        if minors and not teacher_declaration:
            missing = [p for p in minors if p.line not in consents]
            if missing:
                raise ActionError(
                    "guardian_consent",
                    _("Please confirm the guardians' consent for: %(names)s.")
                    % {"names": ", ".join(p.name for p in missing)},
                )
        mode = (
            GuardianConsent.NOT_NEEDED
            if not minors
            else GuardianConsent.TEACHER_DECLARATION
            if teacher_declaration
            else GuardianConsent.PER_PERSON
        )
        label = school if not class_name else f"{class_name}, {school}"
        registration, join_token, token = _create(
            session,
            _("Class %(label)s") % {"label": label},
            kind=RegistrationKind.CLASS,
            name=teacher_name,
            email=email.strip().lower(),
            school=school,
            class_name=class_name,
            language=language,
            seats=len(pupils),
            guardian_consent=mode,
            consented_at=now,
        )
        Pupil.objects.bulk_create(
            Pupil(
                registration=registration,
                position=i,
                name=p.name,
                birth_date=p.birth_date,
                minor=is_minor(p.birth_date, day),
                guardian_consent=is_minor(p.birth_date, day),
            )
            for i, p in enumerate(pupils)
        )
        record(
            session.training_type.authority_id,
            "training_registration.created",
            registration,
            kind="class",
            pupils=len(pupils),
            minors=len(minors),
            guardian_consent=mode,
        )
        transaction.on_commit(lambda: mails.send_confirmation(registration.pk, join_token, token))
    return Registered(registration, join_token, token)


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


# --- the class roster and checks ---------------------------------------------------------------------


def roster_open(session: TrainingSession, now: dt.datetime) -> bool:
    """The teacher confirms who sits in front of the screen while the session runs."""
    if session.room.state == RoomState.ENDED or session.completion_computed_at is not None:
        return False
    return session.room.state == RoomState.LIVE or (
        session.starts_at - CHECK_IN_BEFORE <= now <= session.ends_at
    )


@transaction.atomic
def check_in(registration: Registration, present: Collection[int], now: dt.datetime | None = None) -> int:
    """Record which pupils (ids) sit in front of the class screen; the others are not (any more)."""
    now = now or timezone.now()
    session = registration.session
    if not registration.is_class:
        raise ActionError("invalid", _("This registration is not for a class."))
    if not roster_open(session, now):
        raise ActionError("roster_closed", _("Pupils can be checked in only while the session runs."))
    pupils = registration.pupils.select_for_update()
    ids = {p.pk for p in pupils}
    unknown = set(present) - ids
    if unknown:
        raise ActionError("invalid", _("Some of the pupils are not in this class."))
    registration.pupils.filter(pk__in=present, checked_in_at__isnull=True).update(checked_in_at=now)
    registration.pupils.exclude(pk__in=present).update(checked_in_at=None)
    record(
        session.training_type.authority_id, "training_roster.checked_in", registration, present=len(present)
    )
    return len(present)


def check_open(session: TrainingSession, now: dt.datetime) -> bool:
    """The comprehension check is taken after the session, until completion has been computed."""
    return completion.session_over(session, now) and session.completion_computed_at is None


@transaction.atomic
def record_class_check(
    registration: Registration, passed: Collection[int], now: dt.datetime | None = None
) -> None:
    """The teacher records which pupils passed the comprehension check (the others did not)."""
    now = now or timezone.now()
    session = registration.session
    if not registration.is_class:
        raise ActionError("invalid", _("This registration is not for a class."))
    if not check_open(session, now):
        raise ActionError(
            "check_closed", _("The comprehension check can be recorded after the session only.")
        )
    if set(passed) - set(registration.pupils.values_list("pk", flat=True)):
        raise ActionError("invalid", _("Some of the pupils are not in this class."))
    registration.pupils.filter(pk__in=passed).update(check_passed=True)
    registration.pupils.exclude(pk__in=passed).update(check_passed=False)
    record(session.training_type.authority_id, "training_check.recorded", registration, passed=len(passed))


def score(training_type: TrainingType, answers: dict[int, set[int]]) -> int:
    """Percent of questions answered exactly right (all right choices and no wrong one)."""
    questions = list(training_type.questions.prefetch_related("choices"))
    if not questions:
        return 100
    right = 0
    for question in questions:
        correct = {c.pk for c in question.choices.all() if c.correct}
        if answers.get(question.pk, set()) == correct:
            right += 1
    return right * 100 // len(questions)


@transaction.atomic
def take_check(
    registration: Registration, answers: dict[int, set[int]], now: dt.datetime | None = None
) -> int:
    """An individual's comprehension check: once, after the session. Returns the score in percent."""
    now = now or timezone.now()
    registration = (
        Registration.objects.select_for_update()
        .select_related("session__room", "session__training_type__office")
        .get(pk=registration.pk)
    )
    session = registration.session
    if registration.is_class:
        raise ActionError("invalid", _("For a class, the teacher records the check on the class page."))
    if registration.check_taken_at is not None:
        raise ActionError("check_taken", _("You have already taken the comprehension check."))
    if not check_open(session, now):
        raise ActionError("check_closed", _("The comprehension check opens after the session."))
    registration.check_score_percent = score(session.training_type, answers)
    registration.check_taken_at = now
    registration.save(update_fields=["check_score_percent", "check_taken_at"])
    record(
        session.training_type.authority_id,
        "training_check.taken",
        registration,
        score=registration.check_score_percent,
    )
    return registration.check_score_percent


# --- completion and certificates ---------------------------------------------------------------------


@transaction.atomic
def compute_completion(
    session: TrainingSession, *, by: Staff | None, now: dt.datetime | None = None
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
        _actor(by),
        completed=done,
        participants=len(results),
    )
    return done, len(results)


def source_key(kind: str, pk: int) -> str:
    return f"training-{kind}-{pk}"


@transaction.atomic
def issue_certificates(session: TrainingSession, *, by: Staff | None) -> int:
    """A certificate for everyone who completed and has none yet (idempotent per participant)."""
    from buergerbuero.certificates import actions as certificate_actions

    if session.completion_computed_at is None:
        raise ActionError("not_computed", _("Please compute completion first."))
    training_type = session.training_type
    held_on = local_date(session)
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
            actor=by.user if by else None,
        )
        type(holder).objects.filter(pk=holder.pk).update(certificate_id=certificate.pk)
        issued += 1

    for registration in session.registrations.filter(kind=RegistrationKind.INDIVIDUAL, completed=True):
        issue("participant", registration)
    for pupil in Pupil.objects.filter(registration__session=session, completed=True):
        issue("pupil", pupil)
    record(
        training_type.authority_id, "training_session.certificates_issued", session, _actor(by), issued=issued
    )
    return issued


# --- retention ---------------------------------------------------------------------------------------


@transaction.atomic
def delete_personal_data(cutoff: dt.datetime) -> int:
    """Clear names, dates of birth and e-mail addresses of the registrations (and pupils) of sessions
    that started before ``cutoff``. The rows stay, so the counts do. Idempotent; returns the
    registrations cleared. (Certificates keep what they certify, for their own retention period; the
    room's member names are cleared by rooms.actions.delete_personal_data.)"""
    sessions = list(
        TrainingSession.objects.select_related("training_type").filter(
            starts_at__lt=cutoff, personal_data_deleted_at__isnull=True
        )
    )
    now = timezone.now()
    cleared = 0
    for session in sessions:
        Pupil.objects.filter(registration__session=session).update(name="", birth_date=None)
        cleared += session.registrations.update(name="", birth_date=None, email="", school="", class_name="")
        session.personal_data_deleted_at = now
        session.save(update_fields=["personal_data_deleted_at"])
        record(session.training_type.authority_id, "training_session.personal_data_deleted", session)
    return cleared
