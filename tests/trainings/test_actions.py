"""Registration (capacity counts people, guardians' consent), the roster, certificates, materials and
retention, through the actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from buergerbuero.audit.models import AuditEntry
from buergerbuero.certificates.models import Certificate
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms.models import MemberRole, RoomKind, RoomMode
from buergerbuero.rooms.tokens import hash_token as room_hash
from buergerbuero.trainings import actions
from buergerbuero.trainings.models import GuardianConsent, Pupil, Registration
from tests.trainings.helpers import (
    AFTER,
    NOW,
    START,
    attend,
    make_session,
    make_type,
    pupils,
    register,
    register_class,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world):
    return make_session(make_type(world.office_a, world.official_a), world.official_a, capacity=3)


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


def test_an_individual_gets_a_member_with_a_join_link(session) -> None:
    registered = register(session)
    registration = registered.registration
    assert registration.member.token_hash == room_hash(registered.join_token)
    assert registration.member.role == MemberRole.PARTICIPANT
    assert registration.member.room == session.room
    assert actions.registration_by_token(registered.token) == registration
    assert registration.seats == 1 and registration.guardian_consent == GuardianConsent.NOT_NEEDED
    entry = AuditEntry.objects.get(action="training_registration.created")
    assert "Erika" not in str(entry.data)


def test_capacity_counts_people_and_pupils(session) -> None:
    register(session)
    with pytest.raises(ActionError) as too_many:
        register_class(
            session,
            pupils(("A", dt.date(2010, 1, 1)), ("B", dt.date(2010, 1, 2)), ("C", dt.date(2010, 1, 3))),
        )
    assert too_many.value.code == "too_many"
    assert "nur noch 2 Plätze" in too_many.value.message  # German is the default language
    register_class(session, pupils(("A", dt.date(2010, 1, 1)), ("B", dt.date(2010, 1, 2))))
    assert actions.seats_taken(session) == 3 and actions.free_places(session) == 0
    with pytest.raises(ActionError) as full:
        register(session, "Zu Spät", email="z@example.org")
    assert full.value.code == "full"
    assert Registration.objects.count() == 2 and Pupil.objects.count() == 2


def test_registration_closes_at_the_start(session) -> None:
    with pytest.raises(ActionError) as closed:
        register(session, now=START)
    assert closed.value.code == "closed"


def test_a_minor_needs_the_guardians_consent(session) -> None:
    with pytest.raises(ActionError) as refused:
        register(session, birth_date=dt.date(2010, 1, 1))
    assert refused.value.code == "guardian_consent"
    registration = register(session, birth_date=dt.date(2010, 1, 1), guardian_consent=True).registration
    assert registration.guardian_consent == GuardianConsent.PER_PERSON


def test_a_class_records_how_the_guardians_consented(session) -> None:
    rows = pupils(
        ("Klein Kai", dt.date(2011, 1, 1)),
        ("Groß Gabi", dt.date(2007, 1, 1)),
        ("Mini Max", dt.date(2012, 1, 1)),
    )
    with pytest.raises(ActionError) as missing:
        register_class(session, rows, teacher_declaration=False, consents={1})
    assert "Mini Max" in missing.value.message and "Klein Kai" not in missing.value.message
    registration = register_class(session, rows, teacher_declaration=False, consents={1, 3}).registration
    assert registration.guardian_consent == GuardianConsent.PER_PERSON
    assert [(p.name, p.minor, p.guardian_consent) for p in registration.pupils.all()] == [
        ("Klein Kai", True, True),
        ("Groß Gabi", False, False),
        ("Mini Max", True, True),
    ]
    assert registration.seats == 3
    assert registration.member.display_name == "Klasse 8b, Mittelschule Testdorf"


def test_the_teachers_declaration(world) -> None:
    session = make_session(make_type(world.office_a, world.official_a), world.official_a)
    registration = register_class(session, pupils(("Kai", dt.date(2011, 1, 1)))).registration
    assert registration.guardian_consent == GuardianConsent.TEACHER_DECLARATION


def test_the_roster_is_open_only_around_the_session(session) -> None:
    registration = register_class(session, pupils(("Kai", dt.date(2011, 1, 1)))).registration
    kai = registration.pupils.get()
    with pytest.raises(ActionError) as early:
        actions.check_in(registration, {kai.pk}, NOW)
    assert early.value.code == "roster_closed"
    actions.check_in(registration, {kai.pk}, START - dt.timedelta(minutes=10))
    assert registration.pupils.get().checked_in_at is not None
    actions.check_in(registration, set(), START + dt.timedelta(minutes=10))
    assert registration.pupils.get().checked_in_at is None
    other = register_class(
        session, pupils(("Other", dt.date(2011, 1, 1))), email="o@example.org"
    ).registration
    with pytest.raises(ActionError):
        actions.check_in(registration, {other.pupils.get().pk}, START)


def test_certificates_for_everyone_who_completed_once(session, world) -> None:
    done = register(session, "Anna Amsel-Teil", birth_date=dt.date(1990, 5, 1)).registration
    absent = register(session, "Otto Weg", email="o@example.org").registration
    klass = register_class(session, pupils(("Kai Klein", dt.date(2011, 1, 1)))).registration
    attend(done.member, START, START + dt.timedelta(hours=1))
    attend(klass.member, START, START + dt.timedelta(hours=1))
    actions.check_in(klass, {klass.pupils.get().pk}, START)
    with pytest.raises(ActionError) as first:
        actions.issue_certificates(session, by=world.official_a)
    assert first.value.code == "not_computed"
    assert actions.compute_completion(session, by=world.official_a, now=AFTER) == (2, 3)
    session.refresh_from_db()
    assert actions.issue_certificates(session, by=world.official_a) == 2
    assert actions.issue_certificates(session, by=world.official_a) == 0
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
        actions.compute_completion(session, by=world.official_a, now=START)
    assert early.value.code == "not_ended"


def test_capacity_cannot_go_below_the_registered(session, world) -> None:
    register(session)
    register(session, "Zwei", email="2@example.org")
    with pytest.raises(ActionError) as refused:
        actions.update_session(session, starts_at=START, capacity=1, presenters=[], by=world.official_a)
    assert refused.value.code == "capacity_below_registered"
    actions.update_session(
        session, starts_at=START, capacity=2, presenters=[world.official_a2], by=world.official_a
    )
    assert session.room.members.get(user=world.official_a2.user).role == MemberRole.PRESENTER


def test_personal_data_is_deleted_and_the_counts_stay(session, world) -> None:
    register(session)
    register_class(session, pupils(("Kai", dt.date(2011, 1, 1))))
    later = make_session(session.training_type, world.official_a, starts_at=START + dt.timedelta(days=30))
    register(later, "Bleibt Da", email="b@example.org", now=NOW)
    assert actions.delete_personal_data(START + dt.timedelta(days=1)) == 2  # the individual and the class
    assert actions.delete_personal_data(START + dt.timedelta(days=1)) == 0
    cleared = list(session.registrations.values_list("name", "birth_date", "email", "school"))
    assert cleared == [("", None, "", ""), ("", None, "", "")]
    assert list(Pupil.objects.values_list("name", "birth_date")) == [("", None)]
    assert actions.seats_taken(session) == 2
    assert later.registrations.get().name == "Bleibt Da"


def test_questions_are_parsed_with_their_errors() -> None:
    questions, errors = actions.parse_questions("- vorher\nFrage eins?\n* ja\nFrage zwei?\n- a\n- b\n")
    assert [q.text for q in questions] == ["Frage eins?", "Frage zwei?"]
    assert len(errors) == 3  # an answer before any question; one answer only; no right answer


def test_materials_are_stored_under_a_random_name(session, world, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("Folien Erika.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    material = actions.add_material(session.training_type, upload, title="Folien", by=world.official_a)
    assert material.kind == "pdf" and material.content_type == "application/pdf"
    assert "Erika" not in material.file.name and material.file.name.endswith(".pdf")
    with pytest.raises(ActionError):
        actions.add_material(
            session.training_type, SimpleUploadedFile("x.exe", b"MZ"), title="", by=world.official_a
        )
