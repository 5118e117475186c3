"""How the statistics pages write their figures: numbers, durations, hours and rates in the active
language, shared by the dashboard, its charts (stats.pages.charts) and the print view."""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _

from buergerbuero.stats.types import Figures


def number(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    # number_format cuts decimals off; 6.66 hours are "6.7", not "6.6".
    return formats.number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True)


def duration(seconds: int | None) -> str:
    """A waiting time or consultation length as a person reads it: "4 min 30 s", "1 h 5 min"."""
    if seconds is None:
        return "–"
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": rest} if rest else _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}


def hours(minutes: int) -> str:
    return number(minutes / 60, 1)


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{number(rate * 100, 1)} %"


def short_date(day: dt.date) -> str:
    return formats.date_format(day, "SHORT_DATE_FORMAT")


def texts(figures: Figures) -> dict[str, str]:
    """The figures that a page shows formatted rather than as plain counts."""
    return {
        "open_hours": hours(figures.open_minutes),
        "abandonment_rate": percent(figures.abandonment_rate),
        "wait_median": duration(figures.wait_median_s),
        "wait_p90": duration(figures.wait_p90_s),
        "consultation_median": duration(figures.consultation_median_s),
        "rating_average": number(figures.rating_average, 1),
        "start": short_date(figures.period.start),
        "end": short_date(figures.period.end),
    }


def no_data() -> str:
    return _("There are no data in this period.")
