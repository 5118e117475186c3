"""A worker's heartbeat that meets the job deciding it is dead (core.liveness.end_dead_workers): the
heartbeat waits for the decision and then finds the row gone, so the worker writes it again and claims
its pages back. Without the lock on the worker's row the heartbeat would refresh the row just before the
job deletes it: the worker would believe itself alive while its pages count as gone and its row is
missing. PostgreSQL only: SQLite serialises write transactions, so there is no interleaving."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from buergerbuero.core.liveness import beat, end_dead_workers
from buergerbuero.core.models import WorkerProcess
from buergerbuero.site.jobs import run_dead_workers
from buergerbuero.waitingroom.actions import connection_opened, pages_of_worker_gone
from buergerbuero.waitingroom.models import Ticket
from tests.conftest import enter, open_
from tests.test_concurrency import together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises write transactions: no interleaving"
    ),
]

TIMEOUT = 15
# A bound for waiting on a condition, never a measured time.
PATIENCE_S = 10


def blocked_on_a_lock() -> bool:
    """Whether a session of this database waits for a lock (the statistics are read afresh: within a
    transaction PostgreSQL would otherwise show the same snapshot every time)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool(cursor.fetchone()[0])


def test_a_heartbeat_meeting_the_job_finds_its_row_gone(world, settings) -> None:
    settings.WORKER_TIMEOUT_SECONDS = TIMEOUT
    open_(world.official_a, world.office_a)
    worker = uuid.uuid4()
    seen = timezone.now() - timedelta(seconds=TIMEOUT + 1)
    beat(worker, seen)
    # The other worker of two, serving throughout: the pages count as gone since ``seen``.
    other = uuid.uuid4()
    beat(other, seen - timedelta(seconds=60))
    beat(other)
    ticket, _ = enter(world.office_a)
    connection_opened(ticket, "page-1", worker)
    job_inside = threading.Event()
    beat_done = threading.Event()

    def mark(worker_id: uuid.UUID, seen_at) -> int:
        """The job's first step, inside its transaction: let the heartbeat start, and go on once it
        waits for the job (or, without the lock, has finished)."""
        job_inside.set()
        deadline = time.monotonic() + PATIENCE_S
        while not (beat_done.is_set() or blocked_on_a_lock()):
            assert time.monotonic() < deadline, "the heartbeat neither finished nor waited"
        return pages_of_worker_gone(worker_id, seen_at)

    def heartbeat() -> bool:
        assert job_inside.wait(PATIENCE_S)
        try:
            return beat(worker)
        finally:
            beat_done.set()

    marked, revived = together(lambda: end_dead_workers([mark]), heartbeat)

    assert marked == 1
    assert revived is True  # it found its row gone, so it claims its pages back
    assert WorkerProcess.objects.filter(pk=worker).exists()
    assert Ticket.objects.get(pk=ticket.pk).disconnected_at == seen


def test_two_jobs_at_once_handle_a_dead_worker_once(world, settings) -> None:
    settings.WORKER_TIMEOUT_SECONDS = TIMEOUT
    open_(world.official_a, world.office_a)
    worker = uuid.uuid4()
    beat(worker, timezone.now() - timedelta(seconds=TIMEOUT + 1))
    tickets = [enter(world.office_a, f"Person {i}")[0] for i in range(20)]
    for n, ticket in enumerate(tickets):
        connection_opened(ticket, f"page-{n}", worker)

    results = together(run_dead_workers, run_dead_workers)

    assert sorted(results) == [0, 20]
    assert not WorkerProcess.objects.filter(pk=worker).exists()
    assert Ticket.objects.filter(disconnected_at__isnull=True).count() == 0
