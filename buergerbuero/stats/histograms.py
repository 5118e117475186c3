"""Histograms of durations (waits, consultation lengths): counts per bucket, fine where the values
usually are and coarse where they are rare, so that percentiles over any period are sums of stored rows
(docs/statistics.md, "Percentiles")."""

from __future__ import annotations

import bisect
import itertools
import math
import operator
from collections.abc import Sequence

# (below, width): a duration under ``below`` seconds falls into a bucket ``width`` seconds wide. Fine where
# waits usually are, coarse where they are rare. Beyond the last, everything is in one bucket.
BUCKETS = ((600, 10), (3600, 60), (8 * 3600, 600), (32 * 3600, 3600))


def _bounds() -> tuple[int, ...]:
    bounds: list[int] = []
    start = 0
    for below, width in BUCKETS:
        bounds += range(start, below, width)
        start = below
    return (*bounds, start)


# The lower bound in seconds of each bucket. A histogram is a list of counts, one per bucket in this
# order, without the trailing zeros: dense lists add up at C speed, which a year of rows on every
# dashboard view needs.
BOUNDS = _bounds()


def bucket(seconds: float) -> int:
    """The index of a duration's bucket (see docs/statistics.md)."""
    return max(0, bisect.bisect_right(BOUNDS, seconds) - 1)


def add_to(histogram: list[int], seconds: float) -> None:
    index = bucket(seconds)
    if index >= len(histogram):
        histogram.extend([0] * (index + 1 - len(histogram)))
    histogram[index] += 1


def percentile(histogram: Sequence[int], p: float) -> int | None:
    """Nearest rank: the lower bound of the smallest bucket at or below which at least ``p`` percent of
    the values lie (the median of an even count is the lower of the two middle values). None for an empty
    histogram."""
    total = sum(histogram)
    if total == 0:
        return None
    rank = max(1, math.ceil(p / 100 * total))
    for index, seen in enumerate(itertools.accumulate(histogram)):
        if seen >= rank:
            return BOUNDS[index]
    raise AssertionError("unreachable")


def merge(into: list[int], histogram: Sequence[int]) -> None:
    if len(histogram) > len(into):
        into.extend([0] * (len(histogram) - len(into)))
    into[: len(histogram)] = map(operator.add, into, histogram)
