"""Many people registering for the last places of a session at the same moment: never more people than
places.

First the race is shown without the guard (PostgreSQL, the row lock switched off): every request reads
the places as free before any writes (a barrier forces that interleaving), and all of them register.
Then the real action, with a pause between reading the places and writing the registration that would
let the requests overlap, leaves exactly as many people as places; the others hear "full" or "too many".
SQLite starts every write transaction exclusively (IMMEDIATE), so there the interleaving cannot happen;
the guarded tests run on both databases.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.db.models.query import QuerySet

from buergerbuero.core.errors import ActionError
from buergerbuero.trainings import selectors
from buergerbuero.trainings.models import Registration
from tests.test_concurrency import TIMEOUT, together
from tests.trainings.helpers import make_session, make_type, pupils, register, register_class

pytestmark = pytest.mark.django_db(transaction=True)
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite serialises write transactions: no interleaving"
)


@pytest.fixture
def session(world, monkeypatch):
    monkeypatch.setattr("buergerbuero.trainings.mails.send_confirmation", lambda *a, **k: None)
    return make_session(make_type(world.office_a, world.official_a), world.official_a, capacity=2)


TAKEN = selectors.seats_taken  # the real one, for the assertions (the tests slow the action's down)


def attempt(session, n: int):
    def call() -> Registration:
        return register(session, f"P{n}", email=f"p{n}@example.org").registration

    return call


def slow_reads(monkeypatch, barrier: threading.Barrier | None = None) -> None:
    """Each request reads the taken places, then waits (for the others, or a moment) before it writes."""
    real = selectors.seats_taken

    def seats_taken(session):
        taken = real(session)
        if barrier is not None:
            barrier.wait()
        else:
            time.sleep(0.05)
        return taken

    monkeypatch.setattr(selectors, "seats_taken", seats_taken)


@postgres_only
def test_without_the_lock_everyone_registers(session, monkeypatch) -> None:
    monkeypatch.setattr(QuerySet, "select_for_update", lambda self, *a, **k: self)
    slow_reads(monkeypatch, threading.Barrier(4, timeout=TIMEOUT))
    results = together(*(attempt(session, n) for n in range(4)))
    assert all(isinstance(r, Registration) for r in results), results
    assert TAKEN(session) == 4  # two more than the session has places


def test_with_the_lock_exactly_the_places_are_taken(session, monkeypatch) -> None:
    slow_reads(monkeypatch)
    barrier = threading.Barrier(6, timeout=TIMEOUT)

    def at_once(n: int):
        def call():
            barrier.wait()
            return attempt(session, n)()

        return call

    results = together(*(at_once(n) for n in range(6)))
    assert sum(isinstance(r, Registration) for r in results) == 2, results
    assert {r.code for r in results if isinstance(r, ActionError)} == {"full"}
    assert Registration.objects.count() == 2


def test_a_class_and_individuals_racing_for_three_places(session, monkeypatch) -> None:
    from buergerbuero.trainings.models import TrainingSession

    TrainingSession.objects.filter(pk=session.pk).update(capacity=3)
    slow_reads(monkeypatch)
    barrier = threading.Barrier(4, timeout=TIMEOUT)
    rows = pupils(("A", dt.date(2010, 1, 1)), ("B", dt.date(2010, 1, 2)))

    def klass():
        barrier.wait()
        return register_class(session, rows).registration

    def single(n: int):
        def call():
            barrier.wait()
            return attempt(session, n)()

        return call

    results = together(klass, single(1), single(2), single(3))
    assert TAKEN(session) <= 3
    taken = sum(r.seats for r in results if isinstance(r, Registration))
    assert taken == TAKEN(session)
    assert taken >= 2  # whoever came first got in
