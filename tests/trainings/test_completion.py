"""Completion from join/leave times clipped to the scheduled time, presence checks and the comprehension
check; every expected value is computed by hand in the test's comment.

The session runs 10:00-11:00 (Berlin); 90 % attendance needed = 54 minutes = 3,240 s."""

from __future__ import annotations

import datetime as dt

import pytest

from buergerbuero.rooms.models import RoomState
from buergerbuero.trainings import completion
from buergerbuero.trainings.actions import registrations as registration_actions
from buergerbuero.trainings.actions import sessions as session_actions
from buergerbuero.trainings.models import Pupil, Registration
from tests.trainings.helpers import (
    AFTER,
    START,
    answer,
    attend,
    make_session,
    make_type,
    presence_check,
    pupils,
    register,
    register_class,
)

pytestmark = pytest.mark.django_db


def at(hh: int, mm: int, ss: int = 0) -> dt.datetime:
    return START.replace(hour=hh, minute=mm, second=ss)


@pytest.fixture
def session(world):
    return make_session(make_type(world.office_a, world.official_a), world.official_a)


def outcome_of(session, registration: Registration):
    return completion.individual_outcome(
        registration, session, AFTER, has_check=session.training_type.has_check
    )


def test_joining_before_the_start_counts_from_the_start(session) -> None:
    member = register(session).registration.member
    attend(member, at(9, 50), at(10, 56))  # 10:00-10:56 = 56 min = 3,360 s >= 3,240 s
    record = completion.member_record(member, session, AFTER)
    assert (record.attended_seconds, record.required_seconds) == (3360, 3240)
    assert outcome_of(session, member.training_registration).code == completion.COMPLETED


def test_a_short_break_and_leaving_after_the_end(session) -> None:
    member = register(session).registration.member
    attend(member, at(9, 50), at(10, 30))  # 10:00-10:30 = 30 min
    attend(member, at(10, 35), at(11, 10))  # 10:35-11:00 = 25 min (after 11:00 does not count)
    assert completion.member_record(member, session, AFTER).attended_seconds == 55 * 60
    assert outcome_of(session, member.training_registration).completed


def test_coming_ten_minutes_late_is_too_short(session) -> None:
    member = register(session).registration.member
    attend(member, at(10, 10), at(11, 0))  # 50 min < 54 min
    outcome = outcome_of(session, member.training_registration)
    assert outcome.code == completion.TOO_SHORT
    assert "50" in outcome.message and "54" in outcome.message


def test_two_tabs_at_once_count_once(session) -> None:
    member = register(session).registration.member
    attend(member, at(10, 0), at(10, 40))
    attend(member, at(10, 20), at(10, 50))  # merged: 10:00-10:50 = 50 min, not 70
    assert completion.member_record(member, session, AFTER).attended_seconds == 50 * 60


def test_a_stretch_left_open_ends_with_the_room(session) -> None:
    member = register(session).registration.member
    attend(member, at(9, 58), None)
    session.room.state, session.room.ended_at = RoomState.ENDED, at(10, 58)
    session.room.save()
    assert completion.member_record(member, session, AFTER).attended_seconds == 58 * 60


def test_nobody_there_did_not_take_part(session) -> None:
    registration = register(session).registration
    assert outcome_of(session, registration).code == completion.NO_ATTENDANCE


def test_presence_checks_answered_missed_and_sent_while_away(session) -> None:
    member = register(session).registration.member
    attend(member, at(9, 55), at(10, 30))
    attend(member, at(10, 33), at(11, 0))  # 30 + 27 = 57 min: enough
    first = presence_check(session, at(10, 20))
    answer(first, member, 10)
    presence_check(session, at(10, 31))  # sent while away: not counted against them
    late = presence_check(session, at(10, 45), seconds=30)
    answer(late, member, 45)  # after its 30 s deadline: missed
    record = completion.member_record(member, session, AFTER)
    assert (record.checks_counted, record.checks_answered) == (2, 1)
    outcome = outcome_of(session, member.training_registration)
    assert outcome.code == completion.PRESENCE_MISSED
    assert "1" in outcome.message and "2" in outcome.message


def test_all_checks_answered_completes(session) -> None:
    member = register(session).registration.member
    attend(member, at(10, 0), at(11, 0))
    for minute in (15, 40):
        answer(presence_check(session, at(10, minute)), member)
    presence_check(session, at(11, 5))  # after the scheduled end: not counted
    assert completion.member_record(member, session, AFTER).checks_counted == 2
    assert outcome_of(session, member.training_registration).completed


def test_before_the_end_nothing_is_decided(session) -> None:
    registration = register(session).registration
    outcome = completion.individual_outcome(registration, session, at(10, 59), has_check=False)
    assert outcome.code == completion.NOT_ENDED


@pytest.fixture
def checked_session(world):
    return make_session(
        make_type(world.office_a, world.official_a, check=True, pass_mark_percent=80), world.official_a
    )


def _answers(session, *, first_right: bool, second_right: bool) -> dict[int, set[int]]:
    q1, q2 = session.training_type.questions.all()
    right1 = {c.pk for c in q1.choices.all() if c.correct}
    wrong1 = {c.pk for c in q1.choices.all() if not c.correct}
    right2 = {c.pk for c in q2.choices.all() if c.correct}
    return {
        q1.pk: right1 if first_right else wrong1,
        q2.pk: right2 if second_right else set(list(right2)[:1]),
    }


def test_comprehension_check_pass_and_fail(checked_session) -> None:
    passing = register(checked_session, "Anna Pass", email="a@example.org").registration
    failing = register(checked_session, "Fritz Fail", email="f@example.org").registration
    lazy = register(checked_session, "Leo Lazy", email="l@example.org").registration
    for registration in (passing, failing, lazy):
        attend(registration.member, at(10, 0), at(11, 0))
    # Both right: 100 %. Second question with only one of its two right answers: wrong, so 1 of 2 = 50 %.
    assert (
        registration_actions.take_check(
            passing, _answers(checked_session, first_right=True, second_right=True), AFTER
        )
        == 100
    )
    assert (
        registration_actions.take_check(
            failing, _answers(checked_session, first_right=True, second_right=False), AFTER
        )
        == 50
    )
    assert outcome_of(checked_session, Registration.objects.get(pk=passing.pk)).completed
    failed = outcome_of(checked_session, Registration.objects.get(pk=failing.pk))
    assert failed.code == completion.CHECK_FAILED and "50" in failed.message and "80" in failed.message
    assert outcome_of(checked_session, lazy).code == completion.CHECK_NOT_TAKEN


def test_the_check_is_taken_once_and_only_after_the_session(checked_session) -> None:
    from buergerbuero.core.errors import ActionError

    registration = register(checked_session).registration
    answers = _answers(checked_session, first_right=True, second_right=True)
    with pytest.raises(ActionError) as early:
        registration_actions.take_check(registration, answers, at(10, 30))
    assert early.value.code == "check_closed"
    registration_actions.take_check(registration, answers, AFTER)
    with pytest.raises(ActionError) as again:
        registration_actions.take_check(registration, answers, AFTER)
    assert again.value.code == "check_taken"


def test_a_class_completes_per_pupil_from_its_screen_the_roster_and_the_teachers_check(
    checked_session, world
) -> None:
    rows = pupils(("Anna", dt.date(2010, 1, 1)), ("Ben", dt.date(2010, 2, 2)), ("Cem", dt.date(2010, 3, 3)))
    registration = register_class(checked_session, rows).registration
    anna, ben, cem = registration.pupils.all()
    registration_actions.check_in(
        registration, {anna.pk, ben.pk}, at(10, 5)
    )  # Cem never sat in front of the screen
    attend(registration.member, at(9, 59), at(11, 1))
    answer(presence_check(checked_session, at(10, 30)), registration.member)
    registration_actions.record_class_check(registration, {anna.pk, cem.pk}, AFTER)  # Ben did not pass
    done, total = session_actions.compute_completion(checked_session, actor=world.official_a, now=AFTER)
    assert (done, total) == (1, 3)
    results = {p.name: (p.completed, p.completion_reason) for p in Pupil.objects.all()}
    assert results["Anna"][0] is True
    assert results["Ben"][0] is False and "Verständnistest" in results["Ben"][1]
    assert results["Cem"][0] is False and "Lehrkraft" in results["Cem"][1]


def test_a_class_whose_screen_missed_a_presence_check_fails_for_every_pupil(session, world) -> None:
    registration = register_class(session, pupils(("Anna", dt.date(2010, 1, 1)))).registration
    registration_actions.check_in(registration, {registration.pupils.get().pk}, at(10, 5))
    attend(registration.member, at(10, 0), at(11, 0))
    presence_check(session, at(10, 30))
    session_actions.compute_completion(session, actor=world.official_a, now=AFTER)
    pupil = registration.pupils.get()
    assert pupil.completed is False and "Anwesenheitsprüfung" in pupil.completion_reason
