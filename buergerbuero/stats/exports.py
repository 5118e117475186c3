"""The dashboard's figures as files: CSV for any spreadsheet, XLSX for Excel and LibreOffice.

CSV is written for German Excel, which opens a double-clicked file with the system's list separator and
decimal sign: UTF-8 with a byte order mark (else umlauts break), ``;`` between fields, a decimal comma
(``4,5``), dates as ``YYYY-MM-DD`` (which Excel recognises in every locale), no thousands separator. One
file holds four blocks one after another, each with its own heading row and separated by an empty line:
the headline figures, the breakdown, the days, the busiest hours. Durations are in seconds, open time in
minutes and hours, the abandonment rate in per cent.

XLSX has one sheet per block; numbers are numbers (the rate a fraction shown as per cent, dates real
dates), so they can be summed and charted at once.

Labels come partly from the database (office and official names). A spreadsheet runs a cell that starts
with ``=``, ``+``, ``-`` or ``@`` as a formula (CSV injection), so such text gets a leading apostrophe
in CSV (``core.spreadsheet.safe_text``); in XLSX it is stored as a string cell marked "quote prefix",
which is never evaluated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from buergerbuero.core.spreadsheet import FORMULA_STARTS, safe_text
from buergerbuero.stats.types import DayFigures, Figures, Period

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Value = int | float | None


@dataclass(frozen=True)
class Line:
    section: str
    label: str
    value: Value
    unit: str
    kind: str = "number"  # "number", "decimal" (one decimal place), "rate" (a fraction)


def headline(figures: Figures) -> list[Line]:
    """The single figures, in the order of the dashboard. Definitions: docs/statistics.md."""
    overview, waiting = _("Overview"), _("Waiting area")
    appointments, groups = _("Appointments"), _("Group sessions")
    count, seconds, minutes = _("number"), _("seconds"), _("minutes")
    lines = [
        Line(overview, _("Participants"), figures.participants, count),
        Line(overview, _("Time open"), figures.open_minutes, minutes),
        Line(overview, _("Time open"), round(figures.open_minutes / 60, 1), _("hours"), "decimal"),
        Line(overview, _("Meetings"), figures.meetings, count),
        Line(overview, _("Contact persons"), figures.contact_persons, count),
        Line(waiting, _("Arrivals in the waiting area"), figures.tickets_created, count),
        Line(waiting, _("Admitted to a consultation"), figures.tickets_admitted, count),
        Line(waiting, _("Left before admission"), figures.tickets_left, count),
        Line(waiting, _("Abandonment rate"), figures.abandonment_rate, _("per cent"), "rate"),
        Line(waiting, _("Declined"), figures.tickets_declined, count),
        Line(waiting, _("Transferred"), figures.tickets_transferred, count),
        Line(waiting, _("Waiting time, median"), figures.wait_median_s, seconds),
        Line(waiting, _("Waiting time, 90th percentile"), figures.wait_p90_s, seconds),
        Line(waiting, _("Length of a consultation, median"), figures.consultation_median_s, seconds),
        Line(waiting, _("Ratings"), figures.rating_count, count),
        Line(waiting, _("Average rating"), figures.rating_average, _("stars"), "decimal"),
    ]
    for stars in range(5, 0, -1):
        label = _("Ratings with %(stars)d of 5 stars") % {"stars": stars}
        lines.append(Line(waiting, label, figures.ratings.get(stars, 0), count))
    lines += [
        Line(appointments, _("Appointments booked"), figures.appointments_booked, count),
        Line(appointments, _("Appointments cancelled"), figures.appointments_cancelled, count),
        Line(appointments, _("Appointments not attended"), figures.appointments_no_show, count),
        Line(groups, _("Trainings held"), figures.trainings_held, count),
        Line(groups, _("Participants of trainings"), figures.training_participants, count),
        Line(groups, _("Events held"), figures.events_held, count),
        Line(groups, _("Participants of events"), figures.event_participants, count),
        Line(groups, _("Certificates issued"), figures.certificates_issued, count),
    ]
    return lines


def every_day(figures: Figures) -> list[DayFigures]:
    """A line for every day of the period, also the days without figures."""
    known = {d.day: d for d in figures.daily}
    days = (figures.period.start + dt.timedelta(days=i) for i in range(figures.period.days))
    return [known.get(day) or DayFigures(day, 0, 0, 0, 0) for day in days]


def heat_grid(figures: Figures) -> list[list[int]]:
    grid = [list(row)[:24] + [0] * (24 - len(row)) for row in figures.heatmap[:7]]
    return grid + [[0] * 24 for _missing in range(7 - len(grid))]


def period_slug(period: Period) -> str:
    """For file names: 2025-03-31 (a day), 2025-W14 (an ISO week), 2025-03 (a month), 2025 (a year), else
    2025-01-01_2025-03-31."""
    start, end = period.start, period.end
    if start == end:
        return start.isoformat()
    if start.weekday() == 0 and period.days == 7:
        year, week, _day = start.isocalendar()
        return f"{year}-W{week:02d}"
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    if start.day == 1 and end == following - dt.timedelta(days=1):
        return f"{start:%Y-%m}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and start.year == end.year:
        return str(start.year)
    return f"{start.isoformat()}_{end.isoformat()}"


def filename(figures: Figures, extension: str) -> str:
    return f"statistik-{period_slug(figures.period)}.{extension}"


def _breakdown_header() -> list[str]:
    return [
        _("Name"),
        _("Participants"),
        _("Time open (minutes)"),
        _("Meetings"),
        _("Arrivals in the waiting area"),
        _("Waiting time, median (seconds)"),
    ]


def _days_header() -> list[str]:
    return [
        _("Day"),
        _("Participants"),
        _("Time open (minutes)"),
        _("Meetings"),
        _("Arrivals in the waiting area"),
    ]


# --- CSV -----------------------------------------------------------------------------------------


def _csv_number(value: Value, kind: str = "number") -> str:
    if value is None:
        return ""
    if kind == "rate":
        value = value * 100
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def to_csv(figures: Figures, about: Sequence[tuple[str, str]], generated_at: dt.datetime) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Statistics")])
    for label, value in about:
        writer.writerow([safe_text(label), safe_text(value)])
    writer.writerow([_("Period"), figures.period.start.isoformat(), figures.period.end.isoformat()])
    writer.writerow([_("Created"), timezone.localtime(generated_at).strftime("%Y-%m-%d %H:%M")])
    writer.writerow([])
    writer.writerow([_("Area"), _("Figure"), _("Value"), _("Unit")])
    for line in headline(figures):
        writer.writerow([line.section, line.label, _csv_number(line.value, line.kind), line.unit])
    writer.writerow([])
    writer.writerow([_("Breakdown")])
    writer.writerow(_breakdown_header())
    for row in figures.rows:
        writer.writerow(
            [
                safe_text(row.label),
                row.participants,
                row.open_minutes,
                row.meetings,
                row.tickets_created,
                _csv_number(row.wait_median_s),
            ]
        )
    writer.writerow([])
    writer.writerow([_("Days")])
    writer.writerow(_days_header())
    for day in every_day(figures):
        writer.writerow(
            [day.day.isoformat(), day.participants, day.open_minutes, day.meetings, day.tickets_created]
        )
    writer.writerow([])
    writer.writerow([_("Busiest hours: arrivals in the waiting area by weekday and hour")])
    writer.writerow([_("Weekday"), *[str(hour) for hour in range(24)]])
    for weekday, counts in enumerate(heat_grid(figures)):
        writer.writerow([str(WEEKDAYS[weekday]), *counts])
    # The byte order mark tells Excel that the file is UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- XLSX ----------------------------------------------------------------------------------------


class _Sheet:
    """Writes rows top-down; text is always a string cell (see the module's note on formulas)."""

    def __init__(self, worksheet: Any, widths: Sequence[int] = ()) -> None:
        from openpyxl.utils import get_column_letter

        self.worksheet = worksheet
        self.row = 0
        for index, width in enumerate(widths, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width

    def write(self, values: Sequence[object], *, bold: bool = False) -> list[Any]:
        from openpyxl.styles import Font

        self.row += 1
        cells = []
        for column, value in enumerate(values, start=1):
            cell = self.worksheet.cell(row=self.row, column=column)
            cell.value = value
            if isinstance(value, str):
                # openpyxl writes a value that starts with "=" as a formula unless told it is text.
                cell.data_type = "s"
                cell.quotePrefix = value.startswith(FORMULA_STARTS)
            elif isinstance(value, dt.datetime):
                cell.number_format = "YYYY-MM-DD HH:MM"
            elif isinstance(value, dt.date):
                cell.number_format = "YYYY-MM-DD"
            if bold:
                cell.font = Font(bold=True)
            cells.append(cell)
        return cells

    def skip(self) -> None:
        self.row += 1

    def freeze_below(self, column: str = "A") -> None:
        """Keep the rows written so far (the heading) in view while scrolling."""
        self.worksheet.freeze_panes = f"{column}{self.row + 1}"


def to_xlsx(figures: Figures, about: Sequence[tuple[str, str]], generated_at: dt.datetime) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = _Sheet(book.active, [34, 40, 12, 12])
    book.active.title = _sheet_title(_("Figures"))
    for label, value in about:
        sheet.write([label, value])
    sheet.write([_("First day"), figures.period.start])
    sheet.write([_("Last day"), figures.period.end])
    # Excel has no time zones: the local wall-clock time.
    sheet.write([_("Created"), timezone.localtime(generated_at).replace(tzinfo=None)])
    sheet.skip()
    sheet.write([_("Area"), _("Figure"), _("Value"), _("Unit")], bold=True)
    sheet.freeze_below()
    for line in headline(figures):
        cell = sheet.write([line.section, line.label, line.value, line.unit])[2]
        if line.kind == "rate":
            cell.number_format = "0.0%"
        elif line.kind == "decimal":
            cell.number_format = "0.0"

    rows = _Sheet(book.create_sheet(_sheet_title(_("Breakdown"))), [40, 14, 20, 12, 24, 28])
    rows.write(_breakdown_header(), bold=True)
    rows.freeze_below("B")
    for row in figures.rows:
        values = [row.label, row.participants, row.open_minutes, row.meetings, row.tickets_created]
        rows.write([*values, row.wait_median_s])

    days = _Sheet(book.create_sheet(_sheet_title(_("Days"))), [14, 14, 20, 12, 24])
    days.write(_days_header(), bold=True)
    days.freeze_below("B")
    for day in every_day(figures):
        days.write([day.day, day.participants, day.open_minutes, day.meetings, day.tickets_created])

    heat = _Sheet(book.create_sheet(_sheet_title(_("Busiest hours"))), [14])
    heat.write([_("Weekday"), *range(24)], bold=True)
    heat.freeze_below("B")
    for weekday, counts in enumerate(heat_grid(figures)):
        heat.write([str(WEEKDAYS[weekday]), *counts])

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    # Excel allows 31 characters and none of []:*?/\ in a sheet's name.
    return "".join(c for c in title if c not in "[]:*?/\\")[:31]
