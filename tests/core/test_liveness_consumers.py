"""Over the real sockets: every page's connection names the web worker serving it, the worker keeps one
liveness row (not one per page), and when that worker stops refreshing it (killed: its row is backdated
here, the clock is not waited for) the background job counts its pages as gone; a page that reconnects
to another worker holds its place again, and a worker that was only taken for dead claims its pages
back (core/liveness.py)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.models import Participant
from buergerbuero.core import liveness
from buergerbuero.core.models import WorkerProcess
from buergerbuero.site.jobs import run_dead_workers
from buergerbuero.waitingroom.models import Ticket
from tests.conftest import citizen_cookie, connect, enter, frame_of, frame_where, open_, staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async
TIMEOUT = 15


@pytest.fixture(autouse=True)
def _timeout(settings) -> None:
    settings.WORKER_TIMEOUT_SECONDS = TIMEOUT


@pytest.fixture
async def heartbeat_stopped():
    """The heartbeat of the test's event loop ends with the test (it would only beat after 5 s)."""
    yield
    current = liveness.worker()
    if current.heartbeat is not None:
        current.heartbeat.cancel()


async def citizen_page(token: str):
    communicator, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert connected, code
    await frame_of(communicator, "snapshot")
    return communicator


async def workspace(staff, page: str):
    communicator, connected, code = await connect(f"/ws/staff/?page={page}", await db(staff_cookie)(staff))
    assert connected, code
    await frame_of(communicator, "snapshot")
    return communicator


def worker_of(ticket_id: int):
    return Ticket.objects.filter(pk=ticket_id).values_list("connected_worker", "disconnected_at").get()


def call_worker_of(participant_id: int):
    return (
        Participant.objects.filter(pk=participant_id).values_list("call_worker", "connection_lost_at").get()
    )


async def held(participant_id: int) -> None:
    """Wait until the official's socket has written down that it holds the call (beside its frame loop).
    A condition, not a clock."""
    for _ in range(500):
        if (await db(call_worker_of)(participant_id))[0] is not None:
            return
        await db(Participant.objects.count)()  # yields to the socket's thread without a timed sleep
    raise AssertionError("the page never held the call")


def kill(worker_id) -> object:
    """The worker stops refreshing its row: its last sign of life was TIMEOUT + 1 seconds ago. Another
    worker (of two) has been serving throughout, so its pages count as gone from then."""
    now = timezone.now()
    seen = now - timedelta(seconds=TIMEOUT + 1)
    WorkerProcess.objects.filter(pk=worker_id).update(seen_at=seen)
    WorkerProcess.objects.create(id=uuid.uuid4(), started_at=seen - timedelta(seconds=60), seen_at=now)
    return WorkerProcess.objects.get(pk=worker_id).seen_at


async def test_pages_name_their_worker_which_keeps_one_row(world, heartbeat_stopped) -> None:
    await db(open_)(world.official_a, world.office_a)
    entered = [await db(enter)(world.office_a, f"Person {i}") for i in range(3)]
    pages = [await citizen_page(token) for _ticket, token in entered]
    official = await workspace(world.official_a, "tab-of-anna-1")
    ticket = entered[0][0]
    consultation = await db(admit)(world.official_a, world.office_a, ticket.pk, page="tab-of-anna-1")
    start = await frame_of(official, "call.start")
    await held(start["me"])

    me = liveness.worker().id
    assert await db(lambda: list(WorkerProcess.objects.values_list("pk", flat=True)))() == [me]
    for entry_ticket, _token in entered:
        assert await db(worker_of)(entry_ticket.pk) == (me, None)
    assert (await db(call_worker_of)(start["me"]))[0] == me
    assert consultation.pk == start["consultation"]
    for communicator in [*pages, official]:
        await communicator.disconnect()


async def test_a_killed_workers_page_reconnects_to_another_worker(world, heartbeat_stopped) -> None:
    await db(open_)(world.official_a, world.office_a)
    ticket, token = await db(enter)(world.office_a)
    official = await workspace(world.official_a, "tab-of-anna-1")
    page = await citizen_page(token)
    dead = liveness.worker().id
    seen = await db(kill)(dead)

    assert await db(run_dead_workers)() == 1

    assert await db(worker_of)(ticket.pk) == (None, seen)
    assert not await db(WorkerProcess.objects.filter(pk=dead).exists)()
    # The page's first connection marked it open; now the officials see it closed.
    await frame_where(official, type="queue.connected", ticket=ticket.pk, connected=False)

    # The worker is gone (its sockets with it); after the restart the page connects to another one.
    del liveness._workers[asyncio.get_running_loop()]
    again = await citizen_page(token)
    other = liveness.worker().id
    assert other != dead
    assert await db(worker_of)(ticket.pk) == (other, None)
    assert await db(WorkerProcess.objects.filter(pk=other).exists)()
    await frame_where(official, type="queue.connected", ticket=ticket.pk, connected=True)
    for communicator in (page, again, official):
        await communicator.disconnect()


async def test_a_worker_taken_for_dead_claims_its_open_pages_back(world, heartbeat_stopped) -> None:
    await db(open_)(world.official_a, world.office_a)
    await db(open_)(world.official_a2, world.office_a)
    waiting, waiting_token = await db(enter)(world.office_a, "Wartend")
    called, called_token = await db(enter)(world.office_a, "Gerufen")
    official = await workspace(world.official_a, "tab-of-anna-1")
    colleague = await workspace(world.official_a2, "tab-of-alex-1")
    pages = [await citizen_page(waiting_token), await citizen_page(called_token)]
    await db(admit)(world.official_a, world.office_a, called.pk, page="tab-of-anna-1")
    start = await frame_of(official, "call.start")
    await held(start["me"])
    current = liveness.worker()
    seen = await db(kill)(current.id)
    assert await db(run_dead_workers)() == 3  # two tickets and the official's call
    assert (await db(call_worker_of)(start["me"]))[1] == seen

    # The worker was only stalled: its next heartbeat finds its row gone.
    assert await liveness.pulse(current) is True

    assert await db(worker_of)(waiting.pk) == (current.id, None)
    assert await db(worker_of)(called.pk) == (current.id, None)
    assert await db(call_worker_of)(start["me"]) == (current.id, None)
    assert await db(WorkerProcess.objects.filter(pk=current.id).exists)()
    # Seen by the officials as closed, then open again.
    await frame_where(colleague, type="queue.connected", ticket=waiting.pk, connected=False)
    await frame_where(colleague, type="queue.connected", ticket=waiting.pk, connected=True)
    assert await liveness.pulse(current) is False
    for communicator in (*pages, official, colleague):
        await communicator.disconnect()
