"""The server's garbage-collector settings: what is loaded at start-up is frozen, full collections are
rarer; the young generations keep CPython's defaults."""

from __future__ import annotations

import gc

from buergerbuero.core.gc import THRESHOLDS, tune_for_server


def test_tune_for_server_freezes_what_is_loaded_and_raises_the_oldest_threshold() -> None:
    before = gc.get_threshold()
    try:
        tune_for_server()
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == THRESHOLDS
        assert THRESHOLDS[:2] == (700, 10) and THRESHOLDS[2] > 10
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
