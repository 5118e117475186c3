"""Many people booking the one seat of a slot at the same moment: exactly one gets it.

First the race is shown without the guard (PostgreSQL, the seat constraint dropped; the requests come
from different addresses, so nothing else serialises them): every request reads the slot as free before
any writes (a barrier forces that interleaving), and all of them book it. Then the same interleaving
with the constraint, and the real action with many threads, leave exactly one booking; the others get a
clean "slot_full". SQLite starts every write transaction exclusively (IMMEDIATE), so there the
interleaving cannot happen at all; the many-threads test runs on both databases.
"""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from buergerbuero.appointments import actions
from buergerbuero.appointments.models import AppointmentSettings, Booking, BookingState, BookingWindow
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.models import Office
from tests.test_concurrency import TIMEOUT, together

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2026, 12, 7, 8, tzinfo=ZoneInfo("Europe/Berlin"))
START = dt.datetime(2026, 12, 9, 9, tzinfo=ZoneInfo("Europe/Berlin")).astimezone(dt.UTC)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises write transactions: no interleaving"
)


@pytest.fixture
def office(world, monkeypatch) -> Office:
    AppointmentSettings.objects.create(
        office=world.office_a,
        enabled=True,
        slot_minutes=20,
        capacity=1,
        lead_minutes=0,
        max_open_per_email=50,
    )
    BookingWindow.objects.create(office=world.office_a, weekday=2, start=dt.time(9), end=dt.time(12))
    monkeypatch.setattr("buergerbuero.appointments.mails.send", lambda *a, **k: None)
    return world.office_a


def attempt(office: Office, n: int):
    def call() -> Booking:
        return actions.book(office, START, name=f"P{n}", email=f"p{n}@example.org", now=NOW)

    return call


def racing_reads(monkeypatch, parties: int) -> None:
    """Every request reads the slot as free, then waits until all have read, then writes."""
    barrier = threading.Barrier(parties, timeout=TIMEOUT)
    real_bookable = actions._bookable

    def bookable(*args):
        slot = real_bookable(*args)
        barrier.wait()
        return slot

    monkeypatch.setattr(actions, "_bookable", bookable)


@postgres_only
def test_without_the_guard_everyone_books_the_one_seat(office, monkeypatch) -> None:
    constraint = next(c for c in Booking._meta.constraints if c.name == "one_booking_per_seat")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Booking, constraint)
    try:
        racing_reads(monkeypatch, 3)
        results = together(*(attempt(office, n) for n in range(3)))
        assert all(isinstance(r, Booking) for r in results), results
        assert Booking.objects.filter(start=START, state=BookingState.CONFIRMED).count() == 3
    finally:
        Booking.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Booking, constraint)


@postgres_only
def test_with_the_seat_constraint_alone_exactly_one_books_the_same_interleaving(office, monkeypatch) -> None:
    racing_reads(monkeypatch, 3)
    results = together(*(attempt(office, n) for n in range(3)))
    assert sum(isinstance(r, Booking) for r in results) == 1, results
    assert sorted(r.code for r in results if isinstance(r, ActionError)) == ["slot_full", "slot_full"]
    assert Booking.objects.filter(start=START).count() == 1


def test_many_at_once_exactly_one_books_and_the_rest_hear_that_it_is_taken(office) -> None:
    barrier = threading.Barrier(8, timeout=TIMEOUT)

    def at_once(n: int):
        def call() -> Booking:
            barrier.wait()
            return attempt(office, n)()

        return call

    results = together(*(at_once(n) for n in range(8)))
    winners = [r for r in results if isinstance(r, Booking)]
    assert len(winners) == 1, results
    assert {r.code for r in results if not isinstance(r, Booking)} == {"slot_full"}, results
    assert Booking.objects.filter(start=START, state=BookingState.CONFIRMED).count() == 1


def test_a_slot_with_three_seats_takes_exactly_three(office) -> None:
    AppointmentSettings.objects.filter(office=office).update(capacity=3)
    barrier = threading.Barrier(6, timeout=TIMEOUT)

    def at_once(n: int):
        def call() -> Booking:
            barrier.wait()
            return attempt(office, n)()

        return call

    results = together(*(at_once(n) for n in range(6)))
    assert sum(isinstance(r, Booking) for r in results) == 3, results
    assert sorted(Booking.objects.filter(start=START).values_list("seat", flat=True)) == [0, 1, 2]
