from __future__ import annotations

from datetime import timedelta

import pytest

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.course import send_back
from buergerbuero.waitingroom.actions import connection_opened, leave_queue
from buergerbuero.waitingroom.models import Ticket
from buergerbuero.waitingroom.selectors import (
    place_of,
    position,
    queue_entries,
    queue_key,
    waiting_tickets,
)
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db


def position_and_seq(ticket: Ticket) -> tuple[int, int]:
    place = place_of(ticket.pk)
    assert place is not None and place.ticket == ticket
    return place.position, place.seq


@pytest.fixture
def office(world):
    open_(world.official_a, world.office_a)
    return world.office_a


def test_position_and_seq_follow_the_queue(office) -> None:
    a, _ = enter(office, "A")
    b, _ = enter(office, "B")
    c, _ = enter(office, "C")
    assert [position_and_seq(t) for t in (a, b, c)] == [(1, 3), (2, 3), (3, 3)]
    leave_queue(b)
    assert position_and_seq(c) == (2, 4)
    assert position(c) == 2


def test_place_in_one_query(world, office, django_assert_num_queries) -> None:
    enter(office, "A")
    b, _ = enter(office, "B")
    enter(office, "C")
    open_(world.official_b, world.office_b)
    enter(world.office_b)
    with django_assert_num_queries(1):
        place = place_of(b.pk)
        assert place is not None
        assert (place.position, place.seq, place.waiting) == (2, 3, 3)
        assert place.ticket.office.authority == world.authority


def test_place_of_a_ticket_that_is_gone(office) -> None:
    assert place_of(10**9) is None


def test_first_in_line_with_empty_office(office) -> None:
    a, _ = enter(office)
    assert position_and_seq(a) == (1, 1)


def test_same_arrival_time_is_ordered_by_id(office) -> None:
    a, _ = enter(office, "A")
    b, _ = enter(office, "B")
    Ticket.objects.filter(pk=b.pk).update(enqueued_at=a.enqueued_at)
    b.refresh_from_db()
    assert (position(a), position(b)) == (1, 2)
    assert (position_and_seq(a)[0], position_and_seq(b)[0]) == (1, 2)
    assert queue_key(a) < queue_key(b)


def test_priority_goes_first_in_arrival_order(world, office) -> None:
    a, _ = enter(office, "A")
    b, _ = enter(office, "B")
    c, _ = enter(office, "C")
    consultation = admit(world.official_a, office, b.pk)
    send_back(consultation, world.official_a)
    b.refresh_from_db()
    assert [t.pk for t in waiting_tickets(office)] == [b.pk, a.pk, c.pk]
    assert [position(t) for t in (b, a, c)] == [1, 2, 3]
    assert [position_and_seq(t)[0] for t in (b, a, c)] == [1, 2, 3]
    assert sorted([a, b, c], key=queue_key) == [b, a, c]


def test_other_offices_do_not_count(world, office) -> None:
    open_(world.official_b, world.office_b)
    enter(world.office_b)
    a, _ = enter(office)
    assert position_and_seq(a) == (1, 1)


def test_queue_key_is_integers_in_microseconds(office) -> None:
    a, _ = enter(office)
    key = queue_key(a)
    assert all(isinstance(part, int) for part in key)
    later = a.enqueued_at + timedelta(microseconds=1)
    Ticket.objects.filter(pk=a.pk).update(enqueued_at=later)
    a.refresh_from_db()
    assert queue_key(a)[1] == key[1] + 1


def test_queue_entries(office) -> None:
    a, _ = enter(office, "Anna", "Wärmepumpe")
    b, _ = enter(office, "Bert", "Dach")
    connection_opened(b, "p")
    entries = queue_entries(office)
    assert [(e["ticket"], e["name"], e["concern"], e["connected"]) for e in entries] == [
        (a.pk, "Anna", "Wärmepumpe", False),
        (b.pk, "Bert", "Dach", True),
    ]
    assert entries[0]["transferred_from"] == "" and entries[0]["returned"] is False
