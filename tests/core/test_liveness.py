"""Pages served by a web worker that died without running any disconnect code (SIGKILL, a hang) count
as gone since the worker's last sign of life (core.liveness, site.jobs.run_dead_workers), so the
ordinary graces end their places and calls. A worker is "killed" here by not refreshing its row while
the clock is moved explicitly (``now``)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from buergerbuero.calls.actions.admission import admit, citizen_joined
from buergerbuero.calls.actions.holding import call_reclaimed, hold_call
from buergerbuero.calls.actions.liveness import end_gone_participants
from buergerbuero.calls.models import Consultation, EndReason, Participant, ParticipantRole
from buergerbuero.core import groups
from buergerbuero.core.liveness import beat
from buergerbuero.core.models import WorkerProcess
from buergerbuero.site.jobs import run_dead_workers
from buergerbuero.waitingroom.actions import (
    connection_closed,
    connection_opened,
    connection_reclaimed,
    expire_stale,
)
from buergerbuero.waitingroom.models import Ticket, TicketState
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db

TIMEOUT = 15
WAITING_GRACE = 60
CALL_GRACE = 30


@pytest.fixture(autouse=True)
def _timeouts(settings) -> None:
    settings.WORKER_TIMEOUT_SECONDS = TIMEOUT
    settings.WAITING_GRACE_SECONDS = WAITING_GRACE
    settings.CALL_GRACE_SECONDS = CALL_GRACE


@pytest.fixture
def office(world):
    open_(world.official_a, world.office_a)
    open_(world.official_a2, world.office_a)
    return world.office_a


def started_worker(at=None) -> tuple[uuid.UUID, object]:
    """A worker that wrote its row at ``at`` (now) and then died."""
    at = at or timezone.now()
    worker = uuid.uuid4()
    assert beat(worker, at) is True  # no row yet: written
    return worker, at


def serving_worker(seen, *, started_before: bool = True) -> uuid.UUID:
    """Another worker, alive at ``seen + TIMEOUT`` (when the sweeps below run). By default it has been
    serving since before the dead one's last beat (one of two workers was killed); otherwise it came
    up only then (every worker died, and one started again)."""
    worker = uuid.uuid4()
    beat(worker, seen - timedelta(seconds=60) if started_before else seen + timedelta(seconds=TIMEOUT))
    beat(worker, seen + timedelta(seconds=TIMEOUT))
    return worker


def official_of(consultation: Consultation) -> Participant:
    return consultation.participants.get(role=ParticipantRole.OFFICIAL)


def test_beat_refreshes_the_row_with_one_update(django_assert_num_queries) -> None:
    worker, at = started_worker()
    with django_assert_num_queries(1):
        assert beat(worker, at + timedelta(seconds=5)) is False
    row = WorkerProcess.objects.get(pk=worker)
    assert (row.started_at, row.seen_at) == (at, at + timedelta(seconds=5))


def test_a_dead_workers_waiting_page_counts_as_closed_since_it_was_last_seen(office, events) -> None:
    worker, seen = started_worker()
    serving_worker(seen)
    ticket, _ = enter(office)
    connection_opened(ticket, "page-1", worker)
    assert Ticket.objects.get(pk=ticket.pk).connected_worker == worker
    events.sent.clear()

    # Within the timeout the worker is alive: nothing changes.
    assert run_dead_workers(seen + timedelta(seconds=TIMEOUT - 1)) == 0
    assert Ticket.objects.get(pk=ticket.pk).disconnected_at is None
    assert WorkerProcess.objects.filter(pk=worker).exists()

    assert run_dead_workers(seen + timedelta(seconds=TIMEOUT + 1)) == 1

    ticket.refresh_from_db()
    assert (ticket.disconnected_at, ticket.connected_worker) == (seen, None)
    assert not WorkerProcess.objects.filter(pk=worker).exists()
    # The officials' list shows the page as closed.
    assert events.of(groups.office_staff(office.pk)) == [
        {"type": "queue.connected", "office": office.pk, "ticket": ticket.pk, "connected": False}
    ]
    # The waiting grace runs from the worker's last sign of life.
    assert expire_stale(seen + timedelta(seconds=WAITING_GRACE - 1)) == 0
    assert expire_stale(seen + timedelta(seconds=WAITING_GRACE + 1)) == 1
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.EXPIRED


def test_when_every_worker_died_the_grace_runs_from_when_one_serves_again(world, office, events) -> None:
    """The server was away for longer than the call's grace (all workers killed, slow to start again):
    the pages could not come back before a worker served again, so their grace starts then, and a call
    whose pages reconnect within it goes on."""
    worker, seen = started_worker()
    consultation, ticket = running_call(world, office, worker, citizen_worker=worker)
    back = seen + timedelta(seconds=CALL_GRACE * 3)  # the first worker serving again, long after
    beat(uuid.uuid4(), back)

    assert run_dead_workers(back + timedelta(seconds=1)) == 2  # the official's call and the ticket

    official = official_of(consultation)
    assert official.connection_lost_at == back
    assert Ticket.objects.get(pk=ticket.pk).disconnected_at == back
    assert end_gone_participants(back + timedelta(seconds=CALL_GRACE - 1)) == 0
    # Both pages reconnect in time: the call goes on.
    hold_call(official.pk, world.official_a, "page-anna-1", "conn-2", worker=None)
    connection_opened(Ticket.objects.get(pk=ticket.pk), "citizen-conn-2", None)
    assert end_gone_participants(back + timedelta(seconds=CALL_GRACE + 1)) == 0
    consultation.refresh_from_db()
    assert consultation.ended_at is None


def test_with_no_worker_serving_at_all_the_grace_runs_from_the_sweep(office) -> None:
    worker, seen = started_worker()
    ticket, _ = enter(office)
    connection_opened(ticket, "page-1", worker)
    sweep = seen + timedelta(seconds=TIMEOUT * 4)

    assert run_dead_workers(sweep) == 1
    assert Ticket.objects.get(pk=ticket.pk).disconnected_at == sweep


def test_a_worker_that_beats_is_alive(office) -> None:
    worker, seen = started_worker()
    ticket, _ = enter(office)
    connection_opened(ticket, "page-1", worker)
    beat(worker, seen + timedelta(seconds=10))

    assert run_dead_workers(seen + timedelta(seconds=TIMEOUT + 1)) == 0
    assert Ticket.objects.get(pk=ticket.pk).disconnected_at is None


def test_a_page_that_reconnected_to_another_worker_is_left_alone(office, events) -> None:
    dead, seen = started_worker()
    alive = serving_worker(seen)
    ticket, _ = enter(office)
    connection_opened(ticket, "page-1", dead)
    connection_opened(ticket, "page-1b", alive)  # the page reconnected after the restart
    events.sent.clear()

    assert run_dead_workers(seen + timedelta(seconds=TIMEOUT + 1)) == 0

    ticket.refresh_from_db()
    assert (ticket.disconnected_at, ticket.connected_worker) == (None, alive)
    assert events.of(groups.office_staff(office.pk)) == []
    assert not WorkerProcess.objects.filter(pk=dead).exists()
    assert WorkerProcess.objects.filter(pk=alive).exists()


def test_a_page_closed_before_the_worker_died_keeps_its_own_time(office) -> None:
    worker, seen = started_worker()
    ticket, _ = enter(office)
    connection_opened(ticket, "page-1", worker)
    connection_closed(ticket, "page-1")
    closed_at = Ticket.objects.get(pk=ticket.pk).disconnected_at

    assert run_dead_workers(seen + timedelta(seconds=TIMEOUT + 1)) == 0
    assert Ticket.objects.get(pk=ticket.pk).disconnected_at == closed_at


def running_call(world, office, worker: uuid.UUID, citizen_worker: uuid.UUID):
    ticket, _ = enter(office, "Zweite")
    connection_opened(ticket, "citizen-conn", citizen_worker)
    consultation = admit(world.official_a, office, ticket.pk, page="page-anna-1")
    hold_call(official_of(consultation).pk, world.official_a, "page-anna-1", "conn-1", worker=worker)
    citizen_joined(ticket)
    return consultation, Ticket.objects.get(pk=ticket.pk)


def test_a_call_held_on_a_dead_worker_ends_after_the_call_grace(world, office, events) -> None:
    worker, seen = started_worker()
    alive = serving_worker(seen)
    consultation, ticket = running_call(world, office, worker, citizen_worker=alive)
    official = official_of(consultation)
    assert official.call_worker == worker

    assert run_dead_workers(seen + timedelta(seconds=TIMEOUT + 1)) == 1

    official.refresh_from_db()
    assert (official.call_connection, official.call_worker, official.connection_lost_at) == ("", None, seen)
    assert Ticket.objects.get(pk=ticket.pk).disconnected_at is None  # the citizen's page is fine
    assert end_gone_participants(seen + timedelta(seconds=CALL_GRACE - 1)) == 0
    assert end_gone_participants(seen + timedelta(seconds=CALL_GRACE + 1)) == 1
    consultation.refresh_from_db()
    assert consultation.end_reason == EndReason.OFFICIAL_GONE
    # The citizen is first in line again and told so.
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.WAITING
    assert [e["reason"] for e in events.of(groups.ticket(ticket.pk)) if e["type"] == "ticket.state"][-1] == (
        "official_gone"
    )


def test_a_citizens_call_page_on_a_dead_worker_ends_the_call_after_the_grace(world, office, events) -> None:
    worker, seen = started_worker()
    alive = serving_worker(seen)
    consultation, ticket = running_call(world, office, alive, citizen_worker=worker)
    events.sent.clear()

    assert run_dead_workers(seen + timedelta(seconds=TIMEOUT + 1)) == 1

    ticket.refresh_from_db()
    assert ticket.disconnected_at == seen
    # In a call the waiting list is not concerned: no "page closed" mark for a ticket not waiting.
    assert [e for e in events.of(groups.office_staff(office.pk)) if e["type"] == "queue.connected"] == []
    assert end_gone_participants(seen + timedelta(seconds=CALL_GRACE + 1)) == 1
    consultation.refresh_from_db()
    assert consultation.end_reason == EndReason.CITIZEN_GONE


def test_a_call_taken_over_by_a_page_on_another_worker_is_left_alone(world, office) -> None:
    worker, seen = started_worker()
    alive = serving_worker(seen)
    consultation, _ticket = running_call(world, office, worker, citizen_worker=alive)
    official = official_of(consultation)
    # After the restart the same tab reconnects to another worker and holds the call again.
    assert hold_call(official.pk, world.official_a, "page-anna-1", "conn-2", worker=alive) == "reconnected"

    assert run_dead_workers(seen + timedelta(seconds=TIMEOUT + 1)) == 0

    official.refresh_from_db()
    assert (official.call_connection, official.call_worker, official.connection_lost_at) == (
        "conn-2",
        alive,
        None,
    )


def test_several_processes_handle_a_dead_worker_once(office, events) -> None:
    worker, seen = started_worker()
    ticket, _ = enter(office)
    connection_opened(ticket, "page-1", worker)
    events.sent.clear()
    later = seen + timedelta(seconds=TIMEOUT + 1)

    assert run_dead_workers(later) == 1
    assert run_dead_workers(later) == 0  # the other process finds nothing left to do

    assert len(events.of(groups.office_staff(office.pk))) == 1


def test_a_worker_taken_for_dead_claims_back_its_open_pages(world, office, events) -> None:
    """A stalled worker (or one cut off from the database for longer than the timeout) comes back: its
    row is written again and its pages that are still open hold their ticket and call again."""
    worker, seen = started_worker()
    alive = serving_worker(seen)
    waiting, _ = enter(office, "Wartend")
    connection_opened(waiting, "page-w", worker)
    consultation, _ticket = running_call(world, office, worker, citizen_worker=alive)
    official = official_of(consultation)
    assert run_dead_workers(seen + timedelta(seconds=TIMEOUT + 1)) == 2
    events.sent.clear()

    back = seen + timedelta(seconds=TIMEOUT + 2)
    assert beat(worker, back) is True  # its row was gone
    assert connection_reclaimed(waiting, "page-w", worker) is True
    assert call_reclaimed(official.pk, "page-anna-1", "conn-1", worker) is True

    waiting.refresh_from_db()
    official.refresh_from_db()
    assert (waiting.disconnected_at, waiting.connected_worker) == (None, worker)
    assert (official.call_connection, official.call_worker, official.connection_lost_at) == (
        "conn-1",
        worker,
        None,
    )
    assert events.of(groups.office_staff(office.pk)) == [
        {"type": "queue.connected", "office": office.pk, "ticket": waiting.pk, "connected": True}
    ]
    assert end_gone_participants(seen + timedelta(seconds=CALL_GRACE + 60)) == 0
    assert expire_stale(seen + timedelta(seconds=WAITING_GRACE + 60)) == 0


def test_a_page_taken_over_meanwhile_is_not_claimed_back(world, office) -> None:
    worker, seen = started_worker()
    alive = serving_worker(seen)
    ticket, _ = enter(office)
    connection_opened(ticket, "page-old", worker)
    consultation, _ticket = running_call(world, office, worker, citizen_worker=alive)
    official = official_of(consultation)
    run_dead_workers(seen + timedelta(seconds=TIMEOUT + 1))
    # Meanwhile the citizen opened the page again, and the official took the call over in another tab.
    connection_opened(ticket, "page-new", alive)
    hold_call(official.pk, world.official_a, "page-anna-2", "conn-9", take_over=True, worker=alive)

    assert connection_reclaimed(ticket, "page-old", worker) is False
    assert call_reclaimed(official.pk, "page-anna-1", "conn-1", worker) is False

    ticket.refresh_from_db()
    official.refresh_from_db()
    assert (ticket.connection_id, ticket.connected_worker) == ("page-new", alive)
    assert (official.call_page, official.call_connection, official.call_worker) == (
        "page-anna-2",
        "conn-9",
        alive,
    )
