"""``compute(scope, period)``: every figure of ``stats.types.Figures`` (definitions: docs/statistics.md).

Days with a final rollup are read from ``stats.models`` (a few rows per office and day, whatever the
traffic); every other day up to today (today itself, yesterday for the first hours of a day, any day the
job has not reached yet) is computed from the raw rows by ``rollup.collect``, the code the rollups are made
with, so a day shows the same figures before and after it is rolled up. Days after today count nothing.
The number of queries does not grow with the number of days or rows (tests/stats/test_figures.py).
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Min, Q
from django.utils import timezone

from buergerbuero.authorities.models import Staff
from buergerbuero.offices.models import Office
from buergerbuero.stats import day_values, histograms, localdays, rollup
from buergerbuero.stats.day_values import OfficeKey, OfficeValues, Shared, StaffValues
from buergerbuero.stats.models import OfficeDay, StaffDay
from buergerbuero.stats.types import DayFigures, Figures, Period, RowFigures, Scope

_SHARED_FIELDS = (
    *day_values.SHARED_COUNTS,
    "wait_histogram",
    "consultation_histogram",
    "hourly",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
)
_RATINGS = tuple(f"rating_{stars}" for stars in range(1, 6))
# A stored office day as read for a period: the counts first, so that they can be summed as a slice.
_COUNTS = (*day_values.SHARED_COUNTS, *_RATINGS, *day_values.OFFICE_COUNTS)
_OFFICE_ROW = ("office_id", "day", *_COUNTS, "wait_histogram", "consultation_histogram", "hourly")
_FIRST, _END = 2, 2 + len(_COUNTS)
_WAITS, _LENGTHS, _HOURLY = _END, _END + 1, _END + 2
_PARTICIPANTS, _OPEN, _MEETINGS, _CREATED = (
    _OFFICE_ROW.index(name) for name in ("participants", "open_seconds", "meetings", "tickets_created")
)


class _Sums:
    """One office's rows of a period, added up."""

    def __init__(self) -> None:
        self.counts = [0] * len(_COUNTS)
        self.waits: list[int] = []
        self.lengths: list[int] = []

    def add(self, row: Sequence[Any]) -> None:
        self.counts = list(map(operator.add, self.counts, row[_FIRST:_END]))
        histograms.merge(self.waits, row[_WAITS])
        histograms.merge(self.lengths, row[_LENGTHS])

    def values(self) -> OfficeValues:
        values = OfficeValues(wait_histogram=self.waits, consultation_histogram=self.lengths)
        named = dict(zip(_COUNTS, self.counts, strict=True))
        for name in (*day_values.SHARED_COUNTS, *day_values.OFFICE_COUNTS):
            setattr(values, name, named[name])
        values.ratings = [named[name] for name in _RATINGS]
        return values


def _office_row(key: OfficeKey, values: OfficeValues) -> tuple[Any, ...]:
    named = {name: getattr(values, name) for name in (*day_values.SHARED_COUNTS, *day_values.OFFICE_COUNTS)}
    named.update(zip(_RATINGS, values.ratings, strict=True))
    return (
        *key,
        *(named[name] for name in _COUNTS),
        values.wait_histogram,
        values.consultation_histogram,
        values.hourly,
    )


_STAFF_FIELDS = ("office_id", "staff_id", "day", *_SHARED_FIELDS, "present", "presence_seconds")


@dataclass
class _Day:
    """What the chart over time shows of one day."""

    participants: int = 0
    seconds: float = 0
    meetings: int = 0
    tickets: int = 0


def compute(scope: Scope, period: Period, now: dt.datetime | None = None) -> Figures:
    now = now or timezone.now()
    offices = _offices(scope)
    # The authority's own rows (events without an office) belong only to the whole authority.
    unassigned = (
        scope.department_id is None
        and scope.office_id is None
        and scope.staff_id is None
        and scope.office_ids is None
    )
    if scope.staff_id is not None:
        return _for_official(scope, period, now, offices)
    ids = [o.pk for o in offices]
    where = Q(office_id__in=ids) | Q(office__isnull=True) if unassigned else Q(office_id__in=ids)
    stored = list(
        OfficeDay.objects.filter(
            where, authority_id=scope.authority_id, final=True, day__gte=period.start, day__lte=period.end
        )
        .order_by()
        .values_list(*_OFFICE_ROW)
    )
    covered = {(row[0], row[1]) for row in stored}
    live = _live(scope.authority_id, offices, unassigned, period, now, covered | _before_first(scope, period))
    stored += [_office_row(key, values) for key, values in live.offices.items()]
    # Officials present: distinct over the whole period, so from the officials' days, not summed.
    present = set(
        StaffDay.objects.filter(
            authority_id=scope.authority_id,
            office_id__in=ids,
            final=True,
            present=True,
            day__gte=period.start,
            day__lte=period.end,
        )
        # Without the model's ordering, which DISTINCT would otherwise take into account.
        .order_by()
        .values_list("staff_id", flat=True)
        .distinct()
    )
    present |= {staff for (_o, staff, _d), values in live.staff.items() if values.present}

    # Summed as plain tuples: a year of ten offices is some 3,650 rows, read on every dashboard view.
    sums: dict[int | None, _Sums] = {o.pk: _Sums() for o in offices}
    chart = {day: _Day() for day in localdays.days(period.start, period.end)}
    heat = [[0] * 24 for _ in range(7)]
    for row in stored:
        owner = sums.get(row[0])
        if owner is None:
            owner = sums[row[0]] = _Sums()
        owner.add(row)
        point = chart[row[1]]
        point.participants += row[_PARTICIPANTS]
        point.seconds += row[_OPEN]
        point.meetings += row[_MEETINGS]
        point.tickets += row[_CREATED]
        _heat(heat, row[1], row[_HOURLY])
    per_office = {owner: part.values() for owner, part in sums.items()}
    total = OfficeValues()
    for values in per_office.values():
        total.add(values)

    if scope.office_id is not None and len(offices) == 1:
        rows = _official_rows(scope, period, offices[0], live.staff)
    else:
        rows = [
            _row(
                f"office-{o.pk}",
                o.name,
                per_office[o.pk],
                per_office[o.pk].open_seconds,
                _created(per_office[o.pk]),
            )
            for o in offices
        ]
    return _figures(
        scope,
        period,
        total,
        open_seconds=total.open_seconds,
        contact_persons=len(present),
        tickets_created=total.tickets_created,
        tickets_left=total.tickets_left,
        extra={name: getattr(total, name) for name in _GROUP_FIELDS},
        heatmap=heat,
        chart=chart,
        rows=rows,
    )


_GROUP_FIELDS = day_values.APPOINTMENT_AND_GROUP_COUNTS


def _for_official(scope: Scope, period: Period, now: dt.datetime, offices: list[Office]) -> Figures:
    """One official's figures: their presence, their meetings and the tickets they took from the waiting
    area (admitted or declined), within the offices of the scope."""
    assert scope.staff_id is not None
    if not Staff.objects.filter(pk=scope.staff_id, authority_id=scope.authority_id).exists():
        offices = []
    ids = [o.pk for o in offices]
    staff_days: dict[tuple[int, dt.date], StaffValues] = {}
    stored = (
        StaffDay.objects.filter(
            authority_id=scope.authority_id,
            staff_id=scope.staff_id,
            office_id__in=ids,
            final=True,
            day__gte=period.start,
            day__lte=period.end,
        )
        .order_by()
        .values_list(*_STAFF_FIELDS)
    )
    for row in stored:
        staff_days[(row[0], row[2])] = _staff_values(row)
    covered: set[OfficeKey] = set(
        OfficeDay.objects.filter(
            office_id__in=ids, final=True, day__gte=period.start, day__lte=period.end
        ).values_list("office_id", "day")
    ) | _before_first(scope, period)
    live = _live(scope.authority_id, offices, False, period, now, covered)
    for (office_id, staff_id, day), values in live.staff.items():
        if staff_id == scope.staff_id:
            staff_days[(office_id, day)] = values

    total = StaffValues()
    per_office: dict[int, StaffValues] = {}
    chart = {day: _Day() for day in localdays.days(period.start, period.end)}
    heat = [[0] * 24 for _ in range(7)]
    for (office_id, day), values in staff_days.items():
        total.add(values)
        per_office.setdefault(office_id, StaffValues()).add(values)
        point = chart[day]
        point.participants += values.participants
        point.seconds += values.presence_seconds
        point.meetings += values.meetings
        point.tickets += values.tickets_admitted + values.tickets_declined
        _heat(heat, day, values.hourly)
    rows = [
        _row(
            f"office-{o.pk}",
            o.name,
            per_office[o.pk],
            per_office[o.pk].presence_seconds,
            _handled(per_office[o.pk]),
        )
        for o in offices
        if o.pk in per_office
    ]
    return _figures(
        scope,
        period,
        total,
        open_seconds=total.presence_seconds,
        contact_persons=int(total.present),
        tickets_created=_handled(total),
        tickets_left=0,
        extra=dict.fromkeys(_GROUP_FIELDS, 0),
        heatmap=heat,
        chart=chart,
        rows=rows,
        abandonment=False,
    )


def _official_rows(
    scope: Scope, period: Period, office: Office, live: dict[day_values.StaffKey, StaffValues]
) -> list[RowFigures]:
    per_staff: dict[int, StaffValues] = {}
    stored = (
        StaffDay.objects.filter(office_id=office.pk, final=True, day__gte=period.start, day__lte=period.end)
        .order_by()
        .values_list(*_STAFF_FIELDS)
    )
    for row in stored:
        per_staff.setdefault(row[1], StaffValues()).add(_staff_values(row))
    for (_office, staff_id, _day), values in live.items():
        per_staff.setdefault(staff_id, StaffValues()).add(values)
    names = dict(Staff.objects.filter(pk__in=list(per_staff)).values_list("pk", "display_name"))
    order = sorted(per_staff, key=lambda pk: (names.get(pk, ""), pk))
    return [
        _row(
            f"staff-{pk}",
            names.get(pk, f"#{pk}"),
            per_staff[pk],
            per_staff[pk].presence_seconds,
            _handled(per_staff[pk]),
        )
        for pk in order
    ]


def _figures(
    scope: Scope,
    period: Period,
    total: Shared,
    *,
    open_seconds: float,
    contact_persons: int,
    tickets_created: int,
    tickets_left: int,
    extra: dict[str, int],
    heatmap: list[list[int]],
    chart: dict[dt.date, _Day],
    rows: list[RowFigures],
    abandonment: bool = True,
) -> Figures:
    rated = sum(total.ratings)
    stars = sum(count * (index + 1) for index, count in enumerate(total.ratings))
    return Figures(
        scope=scope,
        period=period,
        participants=total.participants,
        open_minutes=_minutes(open_seconds),
        meetings=total.meetings,
        contact_persons=contact_persons,
        tickets_created=tickets_created,
        tickets_admitted=total.tickets_admitted,
        tickets_left=tickets_left,
        tickets_declined=total.tickets_declined,
        tickets_transferred=total.tickets_transferred,
        abandonment_rate=tickets_left / tickets_created if abandonment and tickets_created else None,
        wait_median_s=histograms.percentile(total.wait_histogram, 50),
        wait_p90_s=histograms.percentile(total.wait_histogram, 90),
        consultation_median_s=histograms.percentile(total.consultation_histogram, 50),
        rating_count=rated,
        rating_average=round(stars / rated, 2) if rated else None,
        ratings={index + 1: count for index, count in enumerate(total.ratings)},
        heatmap=heatmap,
        daily=[
            DayFigures(day, point.participants, _minutes(point.seconds), point.meetings, point.tickets)
            for day, point in chart.items()
        ],
        rows=rows,
        **extra,
    )


def _row(key: str, label: str, values: Shared, seconds: float, tickets: int) -> RowFigures:
    return RowFigures(
        key=key,
        label=label,
        participants=values.participants,
        open_minutes=_minutes(seconds),
        meetings=values.meetings,
        tickets_created=tickets,
        wait_median_s=histograms.percentile(values.wait_histogram, 50),
    )


def _minutes(seconds: float) -> int:
    # Whole minutes of the summed seconds (not a sum of rounded days): the total does not depend on how
    # a period is cut into days.
    return int(seconds // 60)


def _created(values: OfficeValues) -> int:
    return values.tickets_created


def _handled(values: StaffValues) -> int:
    return values.tickets_admitted + values.tickets_declined


def _heat(heat: list[list[int]], day: dt.date, hourly: Sequence[int]) -> None:
    row = heat[day.weekday()]
    for hour, count in enumerate(hourly):
        row[hour] += count


def _offices(scope: Scope) -> list[Office]:
    offices = Office.objects.filter(authority_id=scope.authority_id)
    if scope.department_id is not None:
        offices = offices.filter(department_id=scope.department_id)
    if scope.office_id is not None:
        offices = offices.filter(pk=scope.office_id)
    if scope.office_ids is not None:
        offices = offices.filter(pk__in=list(scope.office_ids))
    return list(offices.order_by("name", "pk"))


def _before_first(scope: Scope, period: Period) -> set[OfficeKey]:
    """The days of the period before the first rollup of each office: the job starts an office at its
    first day with any data, so there is nothing to count before (and nothing to read from raw rows)."""
    firsts = (
        OfficeDay.objects.filter(authority_id=scope.authority_id)
        .values("office_id")
        .annotate(first=Min("day"))
        .values_list("office_id", "first")
    )
    return {
        (office_id, day) for office_id, first in firsts for day in localdays.days(period.start, first - _DAY)
    }


_DAY = dt.timedelta(days=1)


def _live(
    authority_id: int,
    offices: Iterable[Office],
    unassigned: bool,
    period: Period,
    now: dt.datetime,
    covered: set[OfficeKey],
) -> day_values.Collected:
    """The days up to today without a final rollup, from the raw rows: one collection per distinct span
    of such days (usually one: today, for every office)."""
    found = day_values.Collected(offices={}, staff={}, running=set())
    groups: dict[tuple[dt.date, dt.date], list[Office | None]] = {}
    members: list[Office | None] = [*offices, *([None] if unassigned else [])]
    for office in members:
        tz = office.tz if office is not None else localdays.default_tz()
        last = min(period.end, now.astimezone(tz).date())
        key = office.pk if office is not None else None
        missing = [day for day in localdays.days(period.start, last) if (key, day) not in covered]
        if missing:
            groups.setdefault((missing[0], missing[-1]), []).append(office)
    for (first, last), group in groups.items():
        part = rollup.collect(
            authority_id,
            [o for o in group if o is not None],
            first,
            last,
            now,
            unassigned=None in group,
        )
        found.offices.update({key: v for key, v in part.offices.items() if key not in covered})
        found.staff.update({key: v for key, v in part.staff.items() if (key[0], key[2]) not in covered})
    return found


def _shared(values: Shared, row: Sequence, start: int) -> None:  # type: ignore[type-arg]
    for offset, name in enumerate(day_values.SHARED_COUNTS):
        setattr(values, name, row[start + offset])
    at = start + len(day_values.SHARED_COUNTS)
    values.wait_histogram, values.consultation_histogram, values.hourly = row[at], row[at + 1], row[at + 2]
    values.ratings = list(row[at + 3 : at + 8])


def _staff_values(row: Sequence) -> StaffValues:  # type: ignore[type-arg]
    values = StaffValues()
    _shared(values, row, 3)
    at = 3 + len(_SHARED_FIELDS)
    values.present, values.presence_seconds = row[at], row[at + 1]
    return values
