"""core.tasks.cancel_and_wait: a task of ours ends, and a cancellation of the caller is never swallowed."""

from __future__ import annotations

import asyncio

import pytest

from buergerbuero.core.tasks import cancel_and_wait


async def test_the_task_is_cancelled_and_has_ended() -> None:
    task = asyncio.create_task(asyncio.sleep(3600))
    await asyncio.sleep(0)
    await cancel_and_wait(task)
    assert task.cancelled()


async def test_a_task_failing_on_its_way_out_is_waited_for_quietly() -> None:
    async def fails_when_cancelled() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            raise RuntimeError("connection gone") from None

    task = asyncio.create_task(fails_when_cancelled())
    await asyncio.sleep(0)
    await cancel_and_wait(task)
    assert task.done() and isinstance(task.exception(), RuntimeError)


async def test_a_cancellation_of_the_caller_while_waiting_is_raised_again() -> None:
    ending = asyncio.Event()

    async def slow_to_end() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await ending.wait()  # takes its time to tidy up
            raise

    child = asyncio.create_task(slow_to_end())
    carried_on = []

    async def closer() -> None:
        await cancel_and_wait(child)
        carried_on.append(True)  # must not happen: the closer itself was cancelled

    outer = asyncio.create_task(closer())
    await asyncio.sleep(0.01)
    outer.cancel()
    await asyncio.sleep(0.01)
    ending.set()
    with pytest.raises(asyncio.CancelledError):
        await outer
    assert carried_on == []


async def test_no_task_or_the_current_one_is_left_alone() -> None:
    await cancel_and_wait(None)
    await cancel_and_wait(asyncio.current_task())  # would wait for itself
    assert not asyncio.current_task().cancelled()
