"""Registrations of individuals and classes (capacity guarded), the class roster, the comprehension check,
and the retention of the registrants' personal data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms.actions import members as room_members
from buergerbuero.rooms.models import MemberRole
from buergerbuero.trainings import mails, scoring, selectors
from buergerbuero.trainings.csvimport import PupilRow, is_minor
from buergerbuero.trainings.models import (
    GuardianConsent,
    Pupil,
    Registration,
    RegistrationKind,
    TrainingSession,
)
from buergerbuero.trainings.tokens import hash_token, new_salt, registration_token


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
    if not selectors.open_for_registration(locked, now):
        raise ActionError("closed", _("Registration for this session has closed."))
    free = locked.capacity - selectors.seats_taken(locked)
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
    member, join_token = room_members.add_member(
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
        minor = is_minor(birth_date, selectors.local_date(session))
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
        day = selectors.local_date(session)
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


@transaction.atomic
def check_in(registration: Registration, present: Collection[int], now: dt.datetime | None = None) -> int:
    """Record which pupils (ids) sit in front of the class screen; the others are not (any more)."""
    now = now or timezone.now()
    session = registration.session
    if not registration.is_class:
        raise ActionError("invalid", _("This registration is not for a class."))
    if not selectors.roster_open(session, now):
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


@transaction.atomic
def record_class_check(
    registration: Registration, passed: Collection[int], now: dt.datetime | None = None
) -> None:
    """The teacher records which pupils passed the comprehension check (the others did not)."""
    now = now or timezone.now()
    session = registration.session
    if not registration.is_class:
        raise ActionError("invalid", _("This registration is not for a class."))
    if not selectors.check_open(session, now):
        raise ActionError(
            "check_closed", _("The comprehension check can be recorded after the session only.")
        )
    if set(passed) - set(registration.pupils.values_list("pk", flat=True)):
        raise ActionError("invalid", _("Some of the pupils are not in this class."))
    registration.pupils.filter(pk__in=passed).update(check_passed=True)
    registration.pupils.exclude(pk__in=passed).update(check_passed=False)
    record(session.training_type.authority_id, "training_check.recorded", registration, passed=len(passed))


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
    if not selectors.check_open(session, now):
        raise ActionError("check_closed", _("The comprehension check opens after the session."))
    registration.check_score_percent = scoring.score(session.training_type, answers)
    registration.check_taken_at = now
    registration.save(update_fields=["check_score_percent", "check_taken_at"])
    record(
        session.training_type.authority_id,
        "training_check.taken",
        registration,
        score=registration.check_score_percent,
    )
    return registration.check_score_percent


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
