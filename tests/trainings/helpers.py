"""Training types, sessions and registrations at times the tests control."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from buergerbuero.authorities.models import Staff
from buergerbuero.offices.models import Office
from buergerbuero.rooms.models import Attendance, Member, PresenceAnswer, PresenceCheck
from buergerbuero.trainings import checktext
from buergerbuero.trainings.actions import catalogue as catalogue_actions
from buergerbuero.trainings.actions import registrations as registration_actions
from buergerbuero.trainings.actions import sessions as session_actions
from buergerbuero.trainings.csvimport import PupilRow
from buergerbuero.trainings.models import TrainingSession, TrainingType

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
# Monday 9 March 2026, 10:00; the session is on Tuesday 10 March 2026, 10:00-11:00 in Berlin.
NOW = dt.datetime(2026, 3, 9, 10, 0, tzinfo=BERLIN)
START = dt.datetime(2026, 3, 10, 10, 0, tzinfo=BERLIN)
END = START + dt.timedelta(hours=1)
AFTER = END + dt.timedelta(minutes=30)

CHECK = """Wer darf mit Durchfall in einer Küche arbeiten?
- jeder, der sich gesund fühlt
* niemand

Was tun Sie bei Erbrechen?
* dem Arbeitgeber melden
* zu Hause bleiben
- weiterarbeiten
"""


def make_type(office: Office, actor: Staff, *, check: bool = False, **fields: object) -> TrainingType:
    data: dict = {
        "title": "Belehrung nach § 43 IfSG",
        "legal_basis": "§ 43 Abs. 1 Nr. 1 IfSG",
        "duration_minutes": 60,
        "required_attendance_percent": 90,
        "pass_mark_percent": 50,
    }
    data.update(fields)
    training_type = catalogue_actions.create_type(office, actor=actor, **data)
    if check:
        questions, errors = checktext.parse_questions(CHECK)
        assert not errors
        catalogue_actions.set_questions(training_type, questions, actor=actor)
    return training_type


def make_session(
    training_type: TrainingType, actor: Staff, *, capacity: int = 10, starts_at=START
) -> TrainingSession:
    return session_actions.create_session(
        training_type, starts_at=starts_at, capacity=capacity, presenters=[actor], actor=actor
    )


def register(
    session: TrainingSession, name: str = "Erika Muster", **fields: object
) -> registration_actions.Registered:
    data: dict = {"birth_date": dt.date(1990, 5, 1), "email": "erika@example.org", "now": NOW}
    data.update(fields)
    return registration_actions.register_individual(session, name=name, **data)


def pupils(*rows: tuple[str, dt.date]) -> list[PupilRow]:
    return [PupilRow(i + 1, name, birth) for i, (name, birth) in enumerate(rows)]


def register_class(
    session: TrainingSession, rows: list[PupilRow], **fields: object
) -> registration_actions.Registered:
    data: dict = {
        "teacher_name": "Lena Lehrer",
        "email": "lehrer@schule.example",
        "school": "Mittelschule Testdorf",
        "class_name": "8b",
        "teacher_declaration": True,
        "now": NOW,
    }
    data.update(fields)
    return registration_actions.register_class(session, pupils=rows, **data)


def attend(member: Member, joined: dt.datetime, left: dt.datetime | None) -> Attendance:
    return Attendance.objects.create(member=member, joined_at=joined, left_at=left)


def presence_check(session: TrainingSession, at: dt.datetime, seconds: int = 60) -> PresenceCheck:
    return PresenceCheck.objects.create(
        room=session.room, sent_at=at, deadline_at=at + dt.timedelta(seconds=seconds)
    )


def answer(check: PresenceCheck, member: Member, after_seconds: int = 10) -> PresenceAnswer:
    return PresenceAnswer.objects.create(
        presence_check=check, member=member, answered_at=check.sent_at + dt.timedelta(seconds=after_seconds)
    )
