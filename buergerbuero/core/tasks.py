"""Ending a background task of ours without swallowing a cancellation of our own."""

from __future__ import annotations

import asyncio
import logging

logger = logging.getLogger(__name__)


async def cancel_and_wait(task: asyncio.Task[object] | None) -> None:
    """Cancel ``task`` and wait until it has ended, whatever it raised while ending (the caller is
    tidying up). ``with suppress(CancelledError): await task`` would also swallow a cancellation of the
    *caller* that arrives meanwhile: the caller would carry on, and a server stopping (or a test's event
    loop closing) would wait for it for ever. That one is raised again."""
    if task is None or task is asyncio.current_task():
        return
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
    except Exception as exc:  # the task failed on its way out; the caller is closing it anyway
        logger.debug("a cancelled task ended with %r", exc)
