"""Garbage-collector settings for the long-running server process.

A server holding thousands of open WebSockets has a large, long-lived heap, and a full collection walks
every tracked object: 135 to 220 ms with 2,000 waiting pages in bench/bench_waiting.py, during which no
frame goes out. With CPython's default thresholds (700, 10, 10) such collections came every few seconds
while pages connected, and landed in the middle of a fan-out. So:

- the objects that exist once Django and the application are loaded (hundreds of thousands, never
  freed) move to the permanent generation (``gc.freeze``), out of every later collection;
- the oldest generation is looked at after 100 instead of 10 collections of the middle one (and, as
  always, only collected when the objects it gained since its last collection are a quarter of it).
  The young generations keep their defaults: collecting them is cheap, and reference counting frees
  almost everything anyway; the collector is only for cycles.
"""

from __future__ import annotations

import gc

THRESHOLDS = (700, 10, 100)


def tune_for_server() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
