"""The only writer of the daily rollups (``stats.models``).

``rollup_day`` recomputes one office day from the raw rows; ``rollup_due`` (the background job, and the
retention run before it clears anything) rolls up every day that is not final yet. Both are idempotent
and safe to run in several processes at once: rows are replaced inside one transaction, and the unique
constraints make the slower of two processes that replace the same day fail and try again, by which
time it replaces the rows of the faster one.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from buergerbuero.appointments.models import Booking
from buergerbuero.authorities.models import Authority
from buergerbuero.certificates.models import Certificate
from buergerbuero.offices.models import Office, OpenPeriod, Presence
from buergerbuero.rooms.models import Room
from buergerbuero.stats import day_values, localdays, rollup
from buergerbuero.stats.models import OfficeDay, StaffDay
from buergerbuero.waitingroom.models import Ticket

logger = logging.getLogger(__name__)

# A day is final this long after its local midnight: a consultation that connected late in the evening
# has ended and been rated by then. A day with a consultation of it still running waits for its end, but
# at most a week (a consultation left open by a crash must not keep the day open for ever).
FINAL_DELAY = dt.timedelta(hours=3)
FINAL_AT_LATEST = dt.timedelta(days=7)
# Days rolled up per pass when catching up (memory stays bounded on a first run over years of data).
CHUNK_DAYS = 31
ATTEMPTS = 3


def is_final(
    key: day_values.OfficeKey, collected: day_values.Collected, end: dt.datetime, now: dt.datetime
) -> bool:
    if now < end + FINAL_DELAY:
        return False
    return key not in collected.running or now >= end + FINAL_AT_LATEST


def rollup_day(office: Office, day: dt.date, now: dt.datetime | None = None) -> OfficeDay:
    """Recompute the rollup of ``office`` on ``day`` (and its officials' days) from the raw rows."""
    now = now or timezone.now()
    _rollup(office.authority_id, [office], day, day, now, unassigned=False, keep_final=False)
    return OfficeDay.objects.get(office=office, day=day)


def rollup_due(now: dt.datetime | None = None) -> int:
    """Roll up, in every authority, every day from the first one that is not final up to today (today's
    rows are refreshed, never final). Returns how many office days were written."""
    now = now or timezone.now()
    written = 0
    for authority_id in Authority.objects.values_list("pk", flat=True):
        offices = list(Office.objects.filter(authority_id=authority_id).order_by("pk"))
        groups: dict[tuple[dt.date, dt.date], list[Office]] = {}
        starts = _starts(authority_id, offices)
        for office in offices:
            today = now.astimezone(office.tz).date()
            groups.setdefault((min(starts[office.pk], today), today), []).append(office)
        for (first, last), members in groups.items():
            written += _rollup_chunks(authority_id, members, first, last, now, unassigned=False)
        today = now.astimezone(localdays.default_tz()).date()
        first = min(starts[None], today)
        written += _rollup_chunks(authority_id, [], first, today, now, unassigned=True)
    return written


def _rollup_chunks(
    authority_id: int,
    offices: list[Office],
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    unassigned: bool,
) -> int:
    written = 0
    while first <= last:
        end = min(last, first + dt.timedelta(days=CHUNK_DAYS - 1))
        written += _rollup(authority_id, offices, first, end, now, unassigned=unassigned, keep_final=True)
        first = end + dt.timedelta(days=1)
    return written


def _starts(authority_id: int, offices: Sequence[Office]) -> dict[int | None, dt.date]:
    """Per office (None: the authority's own rows) the first day to roll up: the earliest day that is not
    final, else the day after the last final one, else the first day with any raw data."""
    rows = OfficeDay.objects.filter(authority_id=authority_id)
    open_days = dict(
        rows.filter(final=False).values("office_id").annotate(d=Min("day")).values_list("office_id", "d")
    )
    final_days = dict(
        rows.filter(final=True).values("office_id").annotate(d=Max("day")).values_list("office_id", "d")
    )
    starts: dict[int | None, dt.date] = {}
    for key in [o.pk for o in offices] + [None]:
        candidates = []
        if key in open_days:
            candidates.append(open_days[key])
        if key in final_days:
            candidates.append(final_days[key] + dt.timedelta(days=1))
        if not candidates:
            candidates.append(_first_data_day(authority_id, key))
        starts[key] = min(candidates)
    return starts


def _first_data_day(authority_id: int, office_id: int | None) -> dt.date:
    """The first local day with anything to count (far in the future when there is nothing)."""
    if office_id is None:
        found = [
            Room.objects.filter(authority_id=authority_id, event__office__isnull=True).aggregate(
                at=Min("started_at")
            )["at"]
        ]
    else:
        rooms = Room.objects.filter(
            Q(training_session__training_type__office_id=office_id) | Q(event__office_id=office_id)
        )
        found = [
            Ticket.objects.filter(office_id=office_id).aggregate(at=Min("created_at"))["at"],
            OpenPeriod.objects.filter(office_id=office_id).aggregate(at=Min("started_at"))["at"],
            Presence.objects.filter(office_id=office_id).aggregate(at=Min("started_at"))["at"],
            Booking.objects.filter(office_id=office_id).aggregate(at=Min("created_at"))["at"],
            Certificate.objects.filter(office_id=office_id).aggregate(at=Min("issued_at"))["at"],
            rooms.aggregate(at=Min("started_at"))["at"],
        ]
    times = [at for at in found if at is not None]
    return min(times).astimezone(localdays.default_tz()).date() if times else dt.date.max


def _rollup(
    authority_id: int,
    offices: list[Office],
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    *,
    unassigned: bool,
    keep_final: bool,
) -> int:
    """Compute and store the days from ``first`` to ``last``. With ``keep_final`` the days already final
    are left as they are (the job); without, they are recomputed (an explicit ``rollup_day``)."""
    collected = rollup.collect(authority_id, offices, first, last, now, unassigned=unassigned)
    tzs = {o.pk: o.tz for o in offices} | {None: localdays.default_tz()}
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return _write(authority_id, offices, first, last, now, collected, tzs, unassigned, keep_final)
        except IntegrityError:
            # Another process replaced the same days between our delete and our insert; its rows are
            # committed now, so the next attempt deletes them and writes the same figures.
            if attempt == ATTEMPTS - 1:
                raise
            logger.info("rollup of %s %s..%s raced; trying again", authority_id, first, last)
    raise AssertionError("unreachable")


def _write(
    authority_id: int,
    offices: list[Office],
    first: dt.date,
    last: dt.date,
    now: dt.datetime,
    collected: day_values.Collected,
    tzs: dict[int | None, ZoneInfo],
    unassigned: bool,
    keep_final: bool,
) -> int:
    ids = [o.pk for o in offices]
    where = Q(office_id__in=ids)
    if unassigned:
        where |= Q(office__isnull=True)
    existing = OfficeDay.objects.filter(where, authority_id=authority_id, day__gte=first, day__lte=last)
    kept: set[day_values.OfficeKey] = set()
    # Certificates are deleted after their own retention period; the count of a day whose certificates
    # are gone must not drop when that day is computed again.
    certificates: dict[day_values.OfficeKey, int] = {}
    for office_id, day, final, issued in existing.values_list(
        "office_id", "day", "final", "certificates_issued"
    ):
        if final and keep_final:
            kept.add((office_id, day))
        elif final:
            certificates[(office_id, day)] = issued
    replaced = [key for key in collected.offices if key not in kept]
    # An official's day is final exactly when the office's day is, so the same filter replaces both.
    staff_days = StaffDay.objects.filter(office_id__in=ids, day__gte=first, day__lte=last)
    if keep_final:
        existing, staff_days = existing.filter(final=False), staff_days.filter(final=False)
    existing.delete()
    staff_days.delete()
    rows = []
    for key in replaced:
        owner, day = key
        values = collected.offices[key]
        end = localdays.day_start(day + dt.timedelta(days=1), tzs[owner])
        values.certificates_issued = max(values.certificates_issued, certificates.get(key, 0))
        rows.append(
            OfficeDay(
                authority_id=authority_id,
                office_id=owner,
                day=day,
                final=is_final(key, collected, end, now),
                computed_at=now,
                **office_fields(values),
            )
        )
    OfficeDay.objects.bulk_create(rows)
    finals = {(row.office_id, row.day): row.final for row in rows}
    staff_rows = [
        StaffDay(
            authority_id=authority_id,
            office_id=office_id,
            staff_id=staff_id,
            day=day,
            final=finals[(office_id, day)],
            computed_at=now,
            **staff_fields(values),
        )
        for (office_id, staff_id, day), values in collected.staff.items()
        if (office_id, day) in finals
    ]
    StaffDay.objects.bulk_create(staff_rows)
    return len(rows)


def _shared_fields(values: day_values.Shared) -> dict[str, object]:
    fields: dict[str, object] = {name: getattr(values, name) for name in day_values.SHARED_COUNTS}
    fields.update(
        wait_histogram=values.wait_histogram,
        consultation_histogram=values.consultation_histogram,
        hourly=values.hourly,
        **{f"rating_{stars}": values.ratings[stars - 1] for stars in range(1, 6)},
    )
    return fields


def office_fields(values: day_values.OfficeValues) -> dict[str, object]:
    fields = _shared_fields(values)
    fields.update({name: getattr(values, name) for name in (*day_values.OFFICE_COUNTS, *day_values.LAST_IDS)})
    fields["open_seconds"] = round(values.open_seconds)
    return fields


def staff_fields(values: day_values.StaffValues) -> dict[str, object]:
    fields = _shared_fields(values)
    fields.update(present=values.present, presence_seconds=round(values.presence_seconds))
    return fields
