"""Two officials admitting the same citizen at once: exactly one wins.

First the race is shown without the guard: with a naive read-check-then-write claim and an office
"lock" that locks nothing, both threads read the ticket as waiting before either writes (a barrier forces
that interleaving), and both believe they won. Then the same interleaving with the real conditional
UPDATE, and the real admission under the office lock, leave exactly one winner. Runs on SQLite and on
PostgreSQL (DATABASE_URL).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import connection
from django.utils import timezone

from buergerbuero.calls.actions import admission, course, holding
from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.models import Consultation, Participant
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.actions import connection_closed, connection_opened
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition
from buergerbuero.waitingroom.selectors import waiting_tickets
from tests.conftest import citizen_cookie, connect, enter, frame_of, open_

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10


def together(*calls: Callable[[], Any]) -> list[Any]:
    """Run each call in its own thread (its own database connection); return results or exceptions."""
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive(), "a thread hung: the interleaving deadlocked"
    return results


@pytest.fixture
def office(world):
    open_(world.official_a, world.office_a)
    open_(world.official_a2, world.office_a)
    return world.office_a


def claim_step() -> Callable[[int, int], bool]:
    """The claim step of an admission, looked up at call time so monkeypatching applies: lock the office,
    then claim the ticket."""

    def step(office_id: int, ticket_id: int) -> bool:
        office = admission.lock_office(office_id)
        return admission.claim_ticket(ticket_id, office.pk)

    return step


def test_without_the_guard_both_officials_win(office, monkeypatch) -> None:
    ticket, _ = enter(office)
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def naive_claim(ticket_id: int, office_id: int) -> bool:
        is_waiting = Ticket.objects.filter(
            pk=ticket_id, office_id=office_id, state=TicketState.WAITING
        ).exists()
        barrier.wait()  # both have read "waiting" before either writes
        if is_waiting:
            Ticket.objects.filter(pk=ticket_id).update(
                state=TicketState.INVITED, state_changed_at=timezone.now()
            )
        return is_waiting

    monkeypatch.setattr(admission, "claim_ticket", naive_claim)
    monkeypatch.setattr(admission, "lock_office", lambda office_id: Office.objects.get(pk=office_id))
    step = claim_step()
    assert together(lambda: step(office.pk, ticket.pk), lambda: step(office.pk, ticket.pk)) == [True, True]


def test_with_the_conditional_update_exactly_one_wins_the_same_interleaving(office, monkeypatch) -> None:
    ticket, _ = enter(office)
    barrier = threading.Barrier(2, timeout=TIMEOUT)
    real_claim = admission.claim_ticket

    def read_then_claim(ticket_id: int, office_id: int) -> bool:
        assert Ticket.objects.filter(pk=ticket_id, state=TicketState.WAITING).exists()
        barrier.wait()  # the same interleaving: both have read "waiting" before either writes
        return real_claim(ticket_id, office_id)

    monkeypatch.setattr(admission, "claim_ticket", read_then_claim)
    monkeypatch.setattr(admission, "lock_office", lambda office_id: Office.objects.get(pk=office_id))
    step = claim_step()
    results = together(lambda: step(office.pk, ticket.pk), lambda: step(office.pk, ticket.pk))
    assert sorted(results) == [False, True]


def test_two_officials_admitting_the_same_citizen(world, office) -> None:
    ticket, _ = enter(office)
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def by(staff):
        def call() -> Consultation:
            barrier.wait()
            return admit(staff, office, ticket.pk)

        return call

    results = together(by(world.official_a), by(world.official_a2))
    winners = [r for r in results if isinstance(r, Consultation)]
    losers = [r for r in results if not isinstance(r, Consultation)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], ActionError) and losers[0].code == "not_waiting", (
        results
    )
    assert Consultation.objects.filter(ticket=ticket).count() == 1
    assert TicketTransition.objects.filter(ticket=ticket, to_state=TicketState.INVITED).count() == 1
    ticket.refresh_from_db()
    assert ticket.state == TicketState.INVITED


def test_two_officials_admitting_the_next_citizen(world, office) -> None:
    only, _ = enter(office)
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def by(staff):
        def call() -> Consultation:
            barrier.wait()
            return admit(staff, office)

        return call

    results = together(by(world.official_a), by(world.official_a2))
    assert sum(isinstance(r, Consultation) for r in results) == 1, results
    assert {r.code for r in results if isinstance(r, ActionError)} <= {"queue_empty", "not_waiting"}
    assert Consultation.objects.get().ticket_id == only.pk


def test_one_official_admitting_twice_at_once(world, office) -> None:
    enter(office)
    enter(office)
    barrier = threading.Barrier(2, timeout=TIMEOUT)

    def call() -> Consultation:
        barrier.wait()
        return admit(world.official_a, office)

    results = together(call, call)
    assert sum(isinstance(r, Consultation) for r in results) == 1, results
    assert [r.code for r in results if isinstance(r, ActionError)] == ["busy"]
    assert Participant.objects.filter(staff=world.official_a, left_at__isnull=True).count() == 1
    assert waiting_tickets(office).count() == 1


async def test_fifo_order_survives_reconnects(world, office) -> None:
    db = database_sync_to_async
    entered = [await db(enter)(office, f"Person {n}") for n in range(3)]
    pages = []
    # Open the pages in reverse order, and reload the first: order is by arrival, not by connection.
    for ticket, token in reversed(entered):
        page, connected, _ = await connect("/ws/ticket/", await db(citizen_cookie)(token))
        assert connected
        pages.append((ticket, page, (await frame_of(page, "snapshot"))["position"]))
    assert {t.pk: p for t, _, p in pages} == {entered[0][0].pk: 1, entered[1][0].pk: 2, entered[2][0].pk: 3}

    _first_ticket, first_page, _ = pages[-1]
    await first_page.disconnect()
    again, connected, _ = await connect("/ws/ticket/", await db(citizen_cookie)(entered[0][1]))
    assert connected
    assert (await frame_of(again, "snapshot"))["position"] == 1

    # A page that dropped and came back within the grace period also keeps its place.
    await db(connection_closed)(entered[1][0], "gone")
    await db(connection_opened)(entered[1][0], "back")

    admitted = [(await db(admit)(world.official_a, office)).ticket_id]
    admitted.append((await db(admit)(world.official_a2, office)).ticket_id)
    assert admitted == [entered[0][0].pk, entered[1][0].pk]
    for _, page, _ in pages[:-1]:
        await page.disconnect()
    await again.disconnect()


def test_opposite_transfers_at_once_do_not_deadlock(world, office, monkeypatch) -> None:
    """Officials of A and B transfer their citizens to each other's office at the same moment. Each
    transfer locks two offices; taken in opposite orders, the locks deadlock on PostgreSQL (one official
    gets a database error). The barrier lets each thread take its first lock before either takes its second
    one; when the first locks are the same row, the second thread waits for it and the barrier times out."""
    open_(world.official_b, world.office_b)
    enter(world.office_a, "Anton")
    enter(world.office_b, "Berta")
    from_a = admit(world.official_a, world.office_a)
    from_b = admit(world.official_b, world.office_b)
    barrier = threading.Barrier(2, timeout=0.5)
    real_lock = course.lock_office
    local = threading.local()

    def lock_then_wait(office_id: int) -> Office:
        locked = real_lock(office_id)
        if not getattr(local, "waited", False):
            local.waited = True
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()
        return locked

    monkeypatch.setattr(course, "lock_office", lock_then_wait)
    results = together(
        lambda: course.transfer(from_a, world.official_a, world.office_b, ""),
        lambda: course.transfer(from_b, world.official_b, world.office_a, ""),
    )
    assert all(isinstance(r, Ticket) for r in results), results
    assert Ticket.objects.filter(state=TicketState.TRANSFERRED).count() == 2


def test_a_page_reconnecting_during_an_action_is_not_overwritten(world, office, monkeypatch) -> None:
    """The citizen's page reconnects (its own short transaction, no office lock) while an official sends
    the citizen back. The action must not write back the connection state it read before: a page that
    is connected would otherwise count as gone and its place expire after the grace period."""
    ticket, _ = enter(office)
    connection_opened(ticket, "old-page")
    connection_closed(ticket, "old-page")
    consultation = admit(world.official_a, office)
    real_transition = course.transition
    reconnect = threading.Thread(target=lambda: (connection_opened(ticket, "new-page"), connection.close()))

    def transition_meanwhile(ticket: Ticket, *args: Any, **kwargs: Any) -> None:
        reconnect.start()
        if connection.vendor == "postgresql":
            # No row lock keeps the page's update out: it commits while the action is still open.
            reconnect.join(TIMEOUT)
        # (SQLite: the page's transaction waits for the action's write lock, so it comes after.)
        real_transition(ticket, *args, **kwargs)

    monkeypatch.setattr(course, "transition", transition_meanwhile)
    course.send_back(consultation, world.official_a)
    reconnect.join(TIMEOUT)
    ticket.refresh_from_db()
    assert (ticket.state, ticket.connection_id, ticket.disconnected_at) == (
        TicketState.WAITING,
        "new-page",
        None,
    )


def test_two_pages_claiming_one_call_at_once_exactly_one_holds_it(world, office) -> None:
    """An admission that named no page (a form sent without script) goes to the first page that claims
    it (calls.actions.holding.hold_call, under a row lock): two pages of the official claiming at the same
    moment get one call between them."""
    enter(office)
    consultation = admit(world.official_a, office)
    official = consultation.participants.get(role="official")
    for attempt in range(5):
        Participant.objects.filter(pk=official.pk).update(call_page="", call_connection="")
        outcomes = together(
            partial(holding.hold_call, official.pk, world.official_a, f"page-one-{attempt}", "conn-1"),
            partial(holding.hold_call, official.pk, world.official_a, f"page-two-{attempt}", "conn-2"),
        )
        assert sorted(outcomes) == ["elsewhere", "held"], outcomes
        official.refresh_from_db()
        winner = "conn-1" if outcomes[0] == "held" else "conn-2"
        assert official.call_connection == winner
