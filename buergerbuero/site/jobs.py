"""Background jobs: ticket expiry and the end of calls whose participant has gone every few seconds,
appointment reminders (and the end of unconfirmed holds) every 30 seconds, the end of forgotten group
sessions and the statistics' daily rollups every five minutes, personal-data retention once a day.

All are idempotent and safe to run in several processes at once, so every uvicorn worker may run them
(or one ``manage.py run_jobs`` process with RUN_JOBS_IN_PROCESS off). A job that fails is logged and
does not keep the others from running."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from importlib import import_module

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from buergerbuero.appointments.actions import expire_holds, record_no_shows
from buergerbuero.appointments.reminders import send_due_reminders
from buergerbuero.calls.actions.admission import expire_invitations
from buergerbuero.calls.actions.holding import calls_of_worker_gone
from buergerbuero.calls.actions.liveness import end_gone_participants
from buergerbuero.core.errors import DATABASE_UNAVAILABLE
from buergerbuero.core.liveness import end_dead_workers
from buergerbuero.offices.actions import end_absent_presences
from buergerbuero.rooms.actions.lifecycle import end_idle_rooms
from buergerbuero.site.retention import run
from buergerbuero.stats.actions import rollup_due
from buergerbuero.waitingroom.actions import expire_stale, pages_of_worker_gone

logger = logging.getLogger(__name__)

EXPIRY_INTERVAL_SECONDS = 5
REMINDER_INTERVAL_SECONDS = 30
ROLLUP_INTERVAL_SECONDS = 300
RETENTION_INTERVAL_SECONDS = 24 * 3600


def run_expiry() -> int:
    """Count the pages of dead workers as gone, then end waiting places, invitations not taken up, and
    calls of pages that have gone for longer than their grace."""
    close_old_connections()
    run_dead_workers()
    return expire_stale() + expire_invitations() + end_gone_participants()


def run_dead_workers(now: datetime | None = None) -> int:
    """The pages served by web workers that died without closing them (core/liveness.py) count as gone
    since the worker's last sign of life. Returns how many pages and calls were marked."""
    return end_dead_workers([pages_of_worker_gone, calls_of_worker_gone], now)


def run_presence() -> int:
    """End the presences of officials whose workspace has gone without closing; the last one closes
    its office (offices/actions.py)."""
    close_old_connections()
    return end_absent_presences()


def run_reminders() -> int:
    """End unconfirmed holds, record the appointments nobody came to, then send the reminders that are
    due. Returns the reminders sent."""
    close_old_connections()
    try:
        now = timezone.now()
        expire_holds(now)
        record_no_shows(now)
        return send_due_reminders(now)
    finally:
        # This job runs in a worker thread of its own (see run_forever); leave no connection behind.
        close_old_connections()


def run_room_ends() -> int:
    """End the group sessions nobody has been in for a while, or live too long (rooms.actions.lifecycle)."""
    close_old_connections()
    return end_idle_rooms(timezone.now())


def run_rollups() -> int:
    """Roll up the statistics of every day that is not final yet, today's included (stats/actions.py).
    Returns the office days written."""
    close_old_connections()
    try:
        return rollup_due(timezone.now())
    finally:
        close_old_connections()


def run_retention() -> int:
    """Delete personal data past its retention period in every app (core/retention.py). Returns how
    many records were cleaned."""
    close_old_connections()
    try:
        cleaned = run(timezone.now())
        logger.info("retention: %s", ", ".join(f"{count} {name}" for name, count in cleaned.items()))
        # Expired sessions hold ticket tokens and logins; Django never removes them by itself.
        import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
        return sum(cleaned.values())
    finally:
        close_old_connections()


async def _run(job: Callable[[], int], thread_sensitive: bool = True) -> bool:
    """Run one job; False (and a log entry) when it failed."""
    try:
        await sync_to_async(job, thread_sensitive=thread_sensitive)()
    except asyncio.CancelledError:
        raise
    except DATABASE_UNAVAILABLE as exc:
        # PostgreSQL restarting: the job runs again in a few seconds; no traceback for an outage.
        logger.warning("background job %s: database unavailable: %s", getattr(job, "__name__", job), exc)
        return False
    except Exception:
        logger.exception("background job %s failed", getattr(job, "__name__", job))
        return False
    return True


async def run_forever() -> None:
    last_reminders = last_rollups = last_retention = 0.0
    while True:
        await _run(run_expiry)
        await _run(run_presence)
        if time.monotonic() - last_reminders >= REMINDER_INTERVAL_SECONDS or last_reminders == 0.0:
            # Sending mail may wait for a slow mail server: not in the thread that sync code of the
            # consumers shares.
            await _run(run_reminders, thread_sensitive=False)
            last_reminders = time.monotonic()
        if time.monotonic() - last_rollups >= ROLLUP_INTERVAL_SECONDS or last_rollups == 0.0:
            await _run(run_room_ends)
            # The first pass after an upgrade may roll up months of history: not in the consumers' thread.
            await _run(run_rollups, thread_sensitive=False)
            last_rollups = time.monotonic()
        retention_due = time.monotonic() - last_retention >= RETENTION_INTERVAL_SECONDS
        # Retention's first pass comes as the process starts, when every page of a worker that died
        # reconnects through the consumers' thread: not in that thread.
        if (retention_due or last_retention == 0.0) and await _run(run_retention, thread_sensitive=False):
            last_retention = time.monotonic()
        await asyncio.sleep(EXPIRY_INTERVAL_SECONDS)
