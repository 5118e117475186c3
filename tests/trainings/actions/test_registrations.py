"""trainings.actions.registrations: capacity counts people, guardians' consent, the roster,
retention."""

from __future__ import annotations

import datetime as dt

import pytest

from buergerbuero.audit.models import AuditEntry
from buergerbuero.core.errors import ActionError
from buergerbuero.rooms.models import MemberRole
from buergerbuero.rooms.tokens import hash_token as room_hash
from buergerbuero.trainings import selectors
from buergerbuero.trainings.actions import registrations as registration_actions
from buergerbuero.trainings.models import GuardianConsent, Pupil, Registration
from tests.trainings.helpers import (
    NOW,
    START,
    make_session,
    make_type,
    pupils,
    register,
    register_class,
)

pytestmark = pytest.mark.django_db


def test_an_individual_gets_a_member_with_a_join_link(session) -> None:
    registered = register(session)
    registration = registered.registration
    assert registration.member.token_hash == room_hash(registered.join_token)
    assert registration.member.role == MemberRole.PARTICIPANT
    assert registration.member.room == session.room
    assert selectors.registration_by_token(registered.token) == registration
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
    assert selectors.seats_taken(session) == 3 and selectors.free_places(session) == 0
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
        registration_actions.check_in(registration, {kai.pk}, NOW)
    assert early.value.code == "roster_closed"
    registration_actions.check_in(registration, {kai.pk}, START - dt.timedelta(minutes=10))
    assert registration.pupils.get().checked_in_at is not None
    registration_actions.check_in(registration, set(), START + dt.timedelta(minutes=10))
    assert registration.pupils.get().checked_in_at is None
    other = register_class(
        session, pupils(("Other", dt.date(2011, 1, 1))), email="o@example.org"
    ).registration
    with pytest.raises(ActionError):
        registration_actions.check_in(registration, {other.pupils.get().pk}, START)


def test_personal_data_is_deleted_and_the_counts_stay(session, world) -> None:
    register(session)
    register_class(session, pupils(("Kai", dt.date(2011, 1, 1))))
    later = make_session(session.training_type, world.official_a, starts_at=START + dt.timedelta(days=30))
    register(later, "Bleibt Da", email="b@example.org", now=NOW)
    assert (
        registration_actions.delete_personal_data(START + dt.timedelta(days=1)) == 2
    )  # the individual and the class
    assert registration_actions.delete_personal_data(START + dt.timedelta(days=1)) == 0
    cleared = list(session.registrations.values_list("name", "birth_date", "email", "school"))
    assert cleared == [("", None, "", ""), ("", None, "", "")]
    assert list(Pupil.objects.values_list("name", "birth_date")) == [("", None)]
    assert selectors.seats_taken(session) == 2
    assert later.registrations.get().name == "Bleibt Da"
