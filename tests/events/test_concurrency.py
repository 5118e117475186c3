"""Many people registering for the last places at the same moment: never more than the capacity.

First the race is shown without the guard (PostgreSQL, the event row lock replaced by a plain read;
every request counts the places before any writes, a barrier forces that interleaving): all of them
register although one place was left. Then the real action with many threads at once leaves exactly
the capacity; the others get a clean "full". SQLite starts every write transaction exclusively
(IMMEDIATE), so there the interleaving cannot happen at all; the many-threads tests run on both.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from buergerbuero.core.errors import ActionError
from buergerbuero.events.actions import registrations
from buergerbuero.events.models import Event, Registration
from tests.events.helpers import make_event
from tests.test_concurrency import TIMEOUT, together

pytestmark = pytest.mark.django_db(transaction=True)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises write transactions: no interleaving"
)


@pytest.fixture
def event(world, monkeypatch) -> Event:
    monkeypatch.setattr("buergerbuero.events.mails.send", lambda *a, **k: True)
    return make_event(world, capacity=1)


def attempt(event: Event, n: int, barrier: threading.Barrier | None = None):
    def call() -> Registration:
        if barrier is not None:
            barrier.wait()
        return registrations.register(event, name=f"P{n}", email=f"p{n}@example.org")

    return call


@postgres_only
def test_without_the_lock_everyone_takes_the_last_place(event, monkeypatch) -> None:
    barrier = threading.Barrier(3, timeout=TIMEOUT)
    real_taken = registrations._taken
    monkeypatch.setattr(
        registrations, "lock_event", lambda pk: Event.objects.select_related("room", "authority").get(pk=pk)
    )

    def taken(event: Event) -> int:
        count = real_taken(event)
        barrier.wait()
        return count

    monkeypatch.setattr(registrations, "_taken", taken)
    results = together(*(attempt(event, n) for n in range(3)))
    assert all(isinstance(r, Registration) for r in results), results
    assert event.registrations.count() == 3  # over capacity: the race the lock prevents


def test_many_at_once_exactly_one_gets_the_last_place(event) -> None:
    barrier = threading.Barrier(8, timeout=TIMEOUT)
    results = together(*(attempt(event, n, barrier) for n in range(8)))
    assert sum(isinstance(r, Registration) for r in results) == 1, results
    assert {r.code for r in results if isinstance(r, ActionError)} == {"full"}, results
    assert event.registrations.filter(cancelled_at__isnull=True).count() == 1


def test_an_event_with_three_places_takes_exactly_three(event) -> None:
    Event.objects.filter(pk=event.pk).update(capacity=3)
    barrier = threading.Barrier(6, timeout=TIMEOUT)
    results = together(*(attempt(event, n, barrier) for n in range(6)))
    assert sum(isinstance(r, Registration) for r in results) == 3, results
    assert event.registrations.count() == 3
    # Each winner has a place of its own in the room.
    assert event.room.members.filter(user__isnull=True).count() == 3
