from __future__ import annotations

import pytest

from buergerbuero.authorities.models import Availability
from buergerbuero.calls.actions.admission import admit
from buergerbuero.offices.actions import set_availability
from buergerbuero.offices.selectors import OfficeState, office_state, office_states
from tests.calls.test_selectors import make_consultations
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db


def test_closed_without_presence(world) -> None:
    state = office_state(world.office_a)
    assert (state.state, state.officials_present, state.officials_free, state.waiting) == ("closed", 0, 0, 0)
    assert state.expected_wait_seconds(5) == 0


def test_open_free(world) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    state = office_state(world.office_a)
    assert (state.state, state.officials_present, state.officials_free, state.waiting) == (
        "open_free",
        1,
        1,
        1,
    )


def test_open_busy_when_everyone_is_in_a_consultation(world) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    enter(world.office_a)
    admit(world.official_a, world.office_a)
    state = office_state(world.office_a)
    assert (state.state, state.officials_present, state.officials_free, state.waiting) == (
        "open_busy",
        1,
        0,
        1,
    )


def test_official_on_break_keeps_office_open_but_busy(world) -> None:
    open_(world.official_a, world.office_a)
    set_availability(world.official_a, Availability.BREAK)
    state = office_state(world.office_a)
    assert (state.state, state.officials_present, state.officials_free) == ("open_busy", 0, 0)


def test_busy_in_one_office_is_busy_everywhere(world) -> None:
    world.office_b.assignments.create(staff=world.official_a)
    open_(world.official_a, world.office_a)
    open_(world.official_a, world.office_b)
    enter(world.office_a)
    admit(world.official_a, world.office_a)
    assert office_state(world.office_b).state == "open_busy"


def state(present: int, free: int, service: int = 600, name: str = "open_busy") -> OfficeState:
    return OfficeState(1, name, 0, present, free, service)


@pytest.mark.parametrize(
    ("present", "free", "position", "expected"),
    [
        (1, 1, 1, 0),  # a free official takes the first at once
        (1, 0, 1, 600),
        (1, 0, 3, 1800),
        (2, 0, 1, 600),
        (2, 0, 2, 600),  # two officials serve two people per round
        (2, 0, 3, 1200),
        (2, 1, 1, 0),
        (2, 1, 2, 600),
        (3, 2, 5, 600),  # two go at once, the other three share one round
        (3, 2, 6, 1200),
        (0, 0, 2, 1200),  # everyone on a break: counted as one official
    ],
)
def test_expected_wait(present: int, free: int, position: int, expected: int) -> None:
    assert state(present, free).expected_wait_seconds(position) == expected


def test_expected_wait_closed_is_zero_and_event_is_for_a_newcomer() -> None:
    assert state(0, 0, name="closed").expected_wait_seconds(3) == 0
    event = OfficeState(7, "open_busy", 2, 1, 0, 300).as_event()
    assert event == {
        "office": 7,
        "state": "open_busy",
        "waiting": 2,
        "officials_present": 1,
        "officials_free": 0,
        "service_seconds": 300,
        "expected_wait_seconds": 900,
    }


def test_office_state_query_count(world, django_assert_max_num_queries) -> None:
    open_(world.official_a, world.office_a)
    for n in range(5):
        enter(world.office_a, f"Person {n}")
    with django_assert_max_num_queries(4):
        office_state(world.office_a)


def test_office_states_equal_each_office_on_its_own(world) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a, "Person 1")
    enter(world.office_a, "Person 2")
    ticket, _ = enter(world.office_a, "Person 3")
    make_consultations(world.office_b, ticket, [4, 8, 30])
    offices = [world.office_a, world.office_b]
    assert office_states(offices) == {o.pk: office_state(o) for o in offices}
    assert office_states([]) == {}
    assert office_states(offices)[world.office_a.pk].waiting == 3
    assert office_states(offices)[world.office_b.pk].service_seconds == 8 * 60


def test_office_states_query_count_does_not_grow_with_offices(world, django_assert_max_num_queries) -> None:
    open_(world.official_a, world.office_a)
    open_(world.official_b, world.office_b)
    enter(world.office_a, "Person 1")
    with django_assert_max_num_queries(3):
        office_states([world.office_a, world.office_b])
