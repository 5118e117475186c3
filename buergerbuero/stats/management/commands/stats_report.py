"""``manage.py stats_report --authority SLUG [--from DAY --to DAY | --period NAME] [--csv FILE]``: the four
figures an authority reports (as the reference county did), and with ``--csv`` every figure per office.
Definitions and the CSV's columns: docs/statistics.md."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.authorities.models import Authority
from buergerbuero.core.spreadsheet import safe_text
from buergerbuero.offices.models import Office
from buergerbuero.stats.day_values import APPOINTMENT_AND_GROUP_COUNTS
from buergerbuero.stats.figures import compute
from buergerbuero.stats.periods import NAMES, named_period
from buergerbuero.stats.types import Figures, Period, Scope

# Every figure of one office or the whole authority, in the CSV's column order.
CSV_FIGURES = (
    "participants",
    "open_minutes",
    "meetings",
    "contact_persons",
    "tickets_created",
    "tickets_admitted",
    "tickets_left",
    "tickets_declined",
    "tickets_transferred",
    "abandonment_rate",
    "wait_median_s",
    "wait_p90_s",
    "consultation_median_s",
    "rating_count",
    "rating_average",
    *(f"ratings_{stars}" for stars in range(1, 6)),
    *APPOINTMENT_AND_GROUP_COUNTS,
)


def report_lines(figures: Figures) -> list[tuple[str, int]]:
    """The four figures with the reference county's labels (German: "Sitzungsteilnehmer", "Minuten
    geöffnete Büros", "Meetings", "virtuelle Ansprechpartner")."""
    return [
        (_("Session participants"), figures.participants),
        (_("Minutes of open offices"), figures.open_minutes),
        (_("Meetings"), figures.meetings),
        (_("Virtual contact persons"), figures.contact_persons),
    ]


def csv_values(figures: Figures) -> list[Any]:
    values: list[Any] = []
    for name in CSV_FIGURES:
        if name.startswith("ratings_"):
            values.append(figures.ratings[int(name.rsplit("_", 1)[1])])
            continue
        value = getattr(figures, name)
        values.append("" if value is None else round(value, 4) if isinstance(value, float) else value)
    return values


class Command(BaseCommand):
    help = (
        "Print the statistics of an authority for a period: session participants, minutes of open offices, "
        "meetings and virtual contact persons; with --csv also write every figure per office to a file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--authority", required=True, help="The authority's short name (slug).")
        parser.add_argument("--from", dest="start", help="First day, YYYY-MM-DD (with --to).")
        parser.add_argument("--to", dest="end", help="Last day, YYYY-MM-DD (with --from).")
        parser.add_argument("--period", choices=NAMES, help="A calendar period up to today (default: month).")
        parser.add_argument("--csv", dest="csv_path", help="Write every figure per office to this CSV file.")

    def handle(self, *args: Any, **options: Any) -> None:
        authority = Authority.objects.filter(slug=options["authority"]).first()
        if authority is None:
            raise CommandError(_("There is no authority %(slug)s.") % {"slug": options["authority"]})
        period = self._period(options, authority)
        target = Path(options["csv_path"]) if options["csv_path"] else None
        if target is not None and not target.parent.is_dir():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": target.parent})
        now = timezone.now()
        total = compute(Scope(authority.pk), period, now)
        self.stdout.write(f"{authority.name}: {period.start.isoformat()} – {period.end.isoformat()}")
        for label, value in report_lines(total):
            self.stdout.write(f"{label}: {value}")
        if target is None:
            return
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["office", "office_name", "from", "to", *CSV_FIGURES])
        for office in Office.objects.filter(authority=authority).order_by("name", "pk"):
            figures = compute(Scope(authority.pk, office_id=office.pk), period, now)
            writer.writerow(
                [
                    safe_text(office.slug),
                    safe_text(office.name),
                    period.start,
                    period.end,
                    *csv_values(figures),
                ]
            )
        # The whole authority last: it also counts what belongs to no office (events without one).
        writer.writerow(["", safe_text(authority.name), period.start, period.end, *csv_values(total)])
        # Names are the staff's text: escaped against formulas as in the dashboard's export (safe_text).
        # Written in one go once everything is computed, so that a failure leaves no half a file.
        target.write_text(out.getvalue(), encoding="utf-8")
        self.stdout.write(_("Written: %(path)s") % {"path": target})

    def _period(self, options: dict[str, Any], authority: Authority) -> Period:
        start, end, kind = options["start"], options["end"], options["period"]
        if kind and (start or end):
            raise CommandError(_("Give either --period or --from and --to, not both."))
        if bool(start) != bool(end):
            raise CommandError(_("Give both --from and --to."))
        if not start:
            return named_period(kind or "month", timezone.localdate(), authority.pk)
        days = []
        for value in (start, end):
            try:
                days.append(dt.date.fromisoformat(value))
            except ValueError:
                raise CommandError(
                    _("%(value)s is not a date; write YYYY-MM-DD, for example 2026-03-31.") % {"value": value}
                ) from None
        if days[1] < days[0]:
            raise CommandError(_("--from must not be after --to."))
        return Period(days[0], days[1])
