"""Which web worker holds which page, and which workers are alive.

A worker killed with SIGKILL (or hanging) runs no ``disconnect`` code: the pages it served would stay
"connected" for ever. So every event loop that serves sockets keeps one ``WorkerProcess`` row fresh with
one UPDATE every WORKER_TIMEOUT_SECONDS / 3 (``heartbeat``; one write per process, never one per page),
and every row that a page's connection holds (``Ticket.connected_worker``, ``Participant.call_worker``)
names that worker. The background job (``end_dead_workers``, run by site.jobs in every process) treats
the pages of a worker not seen for WORKER_TIMEOUT_SECONDS as gone since its last sign of life, so the
ordinary graces apply, and deletes its row.

Invariants a reader must not break:
- A worker's row is written before any page names it (``this_worker``); only after the worker was
  taken for dead may a page name it for up to one heartbeat before the row is written again.
- A dead worker is handled under a lock on its row, and its row is deleted in the same transaction: a
  heartbeat is either before (the worker is alive, nothing happens) or after (it finds no row). A worker
  that finds its row gone was taken for dead (a stall, a database outage longer than the timeout): it
  writes its row again and has each of its live pages claim back what it held (``Holder.reclaim``),
  so no open page is left counted as gone.
- Pages moved to another worker re-register through their ordinary connect path, which overwrites the
  worker they name; the job only changes rows that still name the dead worker.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
import weakref
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from buergerbuero.core.models import WorkerProcess

logger = logging.getLogger(__name__)


class Holder(Protocol):
    """A live connection of this worker that holds rows naming it."""

    async def reclaim(self) -> None:
        """Claim back what this connection holds after its worker was taken for dead."""


class Worker:
    """The worker of one event loop: its id, its row's registration and its heartbeat."""

    def __init__(self) -> None:
        self.id = uuid.uuid4()
        self.registered: asyncio.Future[bool] | None = None
        self.heartbeat: asyncio.Task[None] | None = None
        self.holders: weakref.WeakSet[Holder] = weakref.WeakSet()  # type: ignore[type-var]


_workers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Worker] = weakref.WeakKeyDictionary()


def worker() -> Worker:
    """This event loop's worker (created on first use; its row is written by ``this_worker``)."""
    loop = asyncio.get_running_loop()
    current = _workers.get(loop)
    if current is None:
        current = _workers[loop] = Worker()
    return current


def heartbeat_interval() -> float:
    return settings.WORKER_TIMEOUT_SECONDS / 3


def beat(worker_id: uuid.UUID, now: datetime | None = None) -> bool:
    """Refresh the worker's row: one UPDATE. Returns True when there was no row (a new worker, or one
    that was taken for dead) and it was written anew."""
    now = now or timezone.now()
    if WorkerProcess.objects.filter(pk=worker_id).update(seen_at=now):
        return False
    WorkerProcess.objects.create(id=worker_id, started_at=now, seen_at=now)
    return True


async def this_worker(holder: Holder | None = None) -> uuid.UUID:
    """The id of this loop's worker, whose row exists once this returns (written on first use, when the
    heartbeat starts too). ``holder`` is remembered (weakly) to ``reclaim`` after a false death."""
    current = worker()
    failed = (
        current.registered is not None
        and current.registered.done()
        and (current.registered.cancelled() or current.registered.exception() is not None)
    )
    if current.registered is None or failed:
        current.registered = asyncio.ensure_future(database_sync_to_async(beat)(current.id))
    await asyncio.shield(current.registered)
    if current.heartbeat is None or current.heartbeat.done():
        current.heartbeat = asyncio.ensure_future(_heartbeat(current))
    if holder is not None:
        current.holders.add(holder)
    return current.id


def release(holder: Holder) -> None:
    """The connection closed: no reclaim for it."""
    current = _workers.get(asyncio.get_running_loop())
    if current is not None:
        current.holders.discard(holder)


async def _heartbeat(current: Worker) -> None:
    while True:
        await asyncio.sleep(heartbeat_interval())
        try:
            await pulse(current)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database away: the next beat tries again
            logger.warning("worker heartbeat failed: %r", exc)


async def pulse(current: Worker) -> bool:
    """One heartbeat of the worker; when its row had been deleted (it was taken for dead), every live
    connection of it claims back what it holds. Returns whether that happened."""
    revived = await database_sync_to_async(beat)(current.id)
    if revived:
        await reclaim_all(current)
    return revived


async def reclaim_all(current: Worker) -> int:
    """The worker's row had been deleted (it was taken for dead): every live connection claims back
    what it holds. Returns how many connections tried."""
    holders = list(current.holders)
    logger.warning(
        "worker %s was taken for dead; %d connections claim back their pages", current.id, len(holders)
    )
    for holder in holders:
        try:
            await holder.reclaim()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("a connection could not claim back its page")
    return len(holders)


# Marks the rows held by a dead worker as disconnected since ``seen_at``; returns how many it marked.
# Runs inside the transaction that holds the lock on the worker's row.
MarkGone = Callable[[uuid.UUID, datetime], int]


def _gone_since(dead: WorkerProcess, cutoff: datetime, now: datetime) -> datetime:
    """Since when the pages of ``dead`` count as gone: its last sign of life, or, when no worker was
    serving then (every worker died, and the server took a while to come back), the moment one
    was serving again; a page cannot come back before that, so its grace must not run out before it
    could try. With no live worker at all, from now."""
    serving = WorkerProcess.objects.filter(seen_at__gte=cutoff)
    serving_since = serving.aggregate(first=Min("started_at"))["first"]
    return max(dead.seen_at, serving_since or now)


def end_dead_workers(marks: Iterable[MarkGone], now: datetime | None = None) -> int:
    """Handle every worker not seen for WORKER_TIMEOUT_SECONDS: each of ``marks`` (one per kind of
    row a page holds, given by the apps: core imports none) marks that worker's pages gone since its
    ``seen_at`` (or since a worker was serving again, ``_gone_since``), then its row is deleted. Safe
    in several processes at once: each worker is decided again under a lock on its row. Returns how many
    rows were marked."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.WORKER_TIMEOUT_SECONDS)
    marks = list(marks)
    marked = 0
    for worker_id in list(WorkerProcess.objects.filter(seen_at__lt=cutoff).values_list("pk", flat=True)):
        with transaction.atomic():
            dead = WorkerProcess.objects.select_for_update().filter(pk=worker_id, seen_at__lt=cutoff).first()
            if dead is None:
                continue  # it beat meanwhile, or another process handled it
            count = sum(mark(dead.id, _gone_since(dead, cutoff, now)) for mark in marks)
            dead.delete()
        logger.warning(
            "worker %s not seen since %s: %d pages counted as gone", worker_id, dead.seen_at, count
        )
        marked += count
    return marked
