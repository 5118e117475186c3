"""trainings.actions.sessions: a session's room and presenters, its places, completion and certificates."""

from __future__ import annotations

import datetime as dt

import pytest

from buergerbuero.audit.models import AuditEntry
from buergerbuero.certificates.models import Certificate
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms.models import MemberRole, RoomKind, RoomMode
from buergerbuero.trainings.actions import registrations as registration_actions
from buergerbuero.trainings.actions import sessions as session_actions
from buergerbuero.trainings.models import Registration
from tests.trainings.helpers import (
    AFTER,
    START,
    attend,
    pupils,
    register,
    register_class,
)

pytestmark = pytest.mark.django_db


def test_a_session_gets_a_webinar_room_with_its_presenters(session, world) -> None:
    room = session.room
    assert (room.kind, room.mode, room.authority, room.office) == (
        RoomKind.TRAINING,
        RoomMode.WEBINAR,
        world.authority,
        world.office_a,
    )
    assert room.starts_at == session.starts_at
    presenter = room.members.get(user=world.official_a.user)
    assert presenter.role == MemberRole.PRESENTER
    assert AuditEntry.objects.filter(action="training_session.created", object_id=session.pk).exists()


def test_certificates_for_everyone_who_completed_once(session, world) -> None:
    done = register(session, "Anna Amsel-Teil", birth_date=dt.date(1990, 5, 1)).registration
    absent = register(session, "Otto Weg", email="o@example.org").registration
    klass = register_class(session, pupils(("Kai Klein", dt.date(2011, 1, 1)))).registration
    attend(done.member, START, START + dt.timedelta(hours=1))
    attend(klass.member, START, START + dt.timedelta(hours=1))
    registration_actions.check_in(klass, {klass.pupils.get().pk}, START)
    with pytest.raises(ActionError) as first:
        session_actions.issue_certificates(session, actor=world.official_a)
    assert first.value.code == "not_computed"
    assert session_actions.compute_completion(session, actor=world.official_a, now=AFTER) == (2, 3)
    session.refresh_from_db()
    assert session_actions.issue_certificates(session, actor=world.official_a) == 2
    assert session_actions.issue_certificates(session, actor=world.official_a) == 0
    certificates = {c.source_key: c for c in Certificate.objects.all()}
    assert set(certificates) == {f"training-participant-{done.pk}", f"training-pupil-{klass.pupils.get().pk}"}
    mine = certificates[f"training-participant-{done.pk}"]
    assert (mine.holder_name, mine.birth_date, mine.held_on, mine.title, mine.legal_basis) == (
        "Anna Amsel-Teil",
        dt.date(1990, 5, 1),
        dt.date(2026, 3, 10),
        "Belehrung nach § 43 IfSG",
        "§ 43 Abs. 1 Nr. 1 IfSG",
    )
    assert Registration.objects.get(pk=done.pk).certificate_id == mine.pk
    assert Registration.objects.get(pk=absent.pk).certificate_id is None


def test_completion_waits_for_the_end(session, world) -> None:
    with pytest.raises(ActionError) as early:
        session_actions.compute_completion(session, actor=world.official_a, now=START)
    assert early.value.code == "not_ended"


def test_capacity_cannot_go_below_the_registered(session, world) -> None:
    register(session)
    register(session, "Zwei", email="2@example.org")
    with pytest.raises(ActionError) as refused:
        session_actions.update_session(
            session, starts_at=START, capacity=1, presenters=[], actor=world.official_a
        )
    assert refused.value.code == "capacity_below_registered"
    session_actions.update_session(
        session, starts_at=START, capacity=2, presenters=[world.official_a2], actor=world.official_a
    )
    assert session.room.members.get(user=world.official_a2.user).role == MemberRole.PRESENTER
