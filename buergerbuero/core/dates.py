"""Dates as people read them on pages and in mails, in the active language."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format


def weekday_date(value: dt.date | dt.datetime, format_name: str = "DATE_FORMAT") -> str:
    """The weekday and the date: "Montag, 7. Dezember 2026" (English: "Monday, Dec. 7, 2026");
    with ``format_name="DATETIME_FORMAT"`` the time follows. A datetime is shown as it is given: convert
    it to the office's or the event's time zone first."""
    return f"{date_format(value, 'l')}, {date_format(value, format_name)}"
