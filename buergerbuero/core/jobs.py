"""Background jobs: ticket expiry every few seconds, personal-data retention once a day.

Both are idempotent and safe to run in several processes at once, so every uvicorn worker may run them
(or one ``manage.py run_jobs`` process with RUN_JOBS_IN_PROCESS off)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from importlib import import_module

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

EXPIRY_INTERVAL_SECONDS = 5
RETENTION_INTERVAL_SECONDS = 24 * 3600


def run_expiry() -> int:
    from buergerbuero.waitingroom.actions import expire_stale

    close_old_connections()
    return expire_stale()


def run_retention() -> int:
    from buergerbuero.waitingroom.actions import delete_personal_data

    close_old_connections()
    cleaned = delete_personal_data(timezone.now() - timedelta(days=settings.RETENTION_DAYS))
    logger.info("retention: deleted personal data of %d tickets", cleaned)
    # Expired sessions hold ticket tokens and logins; Django never removes them by itself.
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return cleaned


async def run_forever() -> None:
    last_retention = 0.0
    while True:
        try:
            await sync_to_async(run_expiry, thread_sensitive=True)()
            if time.monotonic() - last_retention >= RETENTION_INTERVAL_SECONDS or last_retention == 0.0:
                await sync_to_async(run_retention, thread_sensitive=True)()
                last_retention = time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("background job failed")
        await asyncio.sleep(EXPIRY_INTERVAL_SECONDS)
