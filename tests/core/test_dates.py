"""core.dates: the "weekday, date" label of pages and mails, in the active language."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from buergerbuero.core.dates import weekday_date


def test_weekday_and_date_in_german_and_english() -> None:
    day = dt.date(2026, 12, 7)
    with translation.override("de"):
        assert weekday_date(day) == "Montag, 7. Dezember 2026"
    with translation.override("en"):
        assert weekday_date(day) == "Monday, Dec. 7, 2026"


def test_with_the_time_of_a_datetime_as_given() -> None:
    moment = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)
    with translation.override("de"):
        assert weekday_date(moment) == "Montag, 7. Dezember 2026"
        assert weekday_date(moment, "DATETIME_FORMAT") == "Montag, 7. Dezember 2026 08:00"
