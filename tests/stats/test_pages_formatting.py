"""stats.pages.formatting: durations, hours and rates as a person reads them, in the active language."""

from __future__ import annotations

import pytest
from django.utils import translation

from buergerbuero.stats.pages import formatting


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_formatting() -> None:
    assert [formatting.duration(s) for s in (None, 42, 60, 270, 3900)] == [
        "–",
        "42 s",
        "1 min",
        "4 min 30 s",
        "1 h 5 min",
    ]
    assert formatting.hours(750) == "12.5"
    assert formatting.percent(0.15) == "15.0 %" and formatting.percent(None) == "–"
    with translation.override("de"):
        assert formatting.hours(750) == "12,5"
