"""stats.actions: rollups are idempotent, final only once nothing of the day can change, never overwritten
by the job, keep their certificates after retention, and two processes rolling up the same day end with
one set of rows (on PostgreSQL the race is first shown without the unique constraint)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from buergerbuero.calls.models import Consultation
from buergerbuero.certificates.models import Certificate
from buergerbuero.stats import actions
from buergerbuero.stats.actions import rollup_day, rollup_due
from buergerbuero.stats.models import OfficeDay, StaffDay
from tests.stats import scenario
from tests.stats.scenario import MONDAY, NOW, TUESDAY, mon, tue
from tests.test_concurrency import together

ROW_FIELDS = [f.name for f in OfficeDay._meta.concrete_fields if f.name not in ("id", "computed_at")]
STAFF_FIELDS = [f.name for f in StaffDay._meta.concrete_fields if f.name not in ("id", "computed_at")]


def snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    return (
        list(OfficeDay.objects.order_by("authority_id", "office_id", "day").values_list(*ROW_FIELDS)),
        list(StaffDay.objects.order_by("office_id", "staff_id", "day").values_list(*STAFF_FIELDS)),
    )


@pytest.fixture
def built(world):
    return scenario.build(world)


def test_rollup_day_holds_the_days_counts(world, built) -> None:
    row = rollup_day(world.office_a, MONDAY, NOW)
    assert row.final and row.authority_id == world.authority.pk
    assert (row.tickets_created, row.tickets_admitted, row.tickets_left, row.tickets_declined) == (5, 3, 1, 1)
    assert (row.meetings, row.participants, row.open_seconds, row.contact_persons) == (3, 3, 360 * 60, 2)
    # Buckets: 10 s wide below 10 minutes (300 s is the 31st), a minute wide from 600 s (the 61st) on.
    assert row.wait_histogram == [0] * 30 + [2] + [0] * 29 + [1]
    assert row.consultation_histogram == [0] * 60 + [1] + [0] * 9 + [1] + [0] * 9 + [1]
    assert (row.rating_4, row.rating_5, row.certificates_issued, row.trainings_held) == (1, 1, 1, 1)
    assert row.hourly[8] == 2 and sum(row.hourly) == 5
    anna = StaffDay.objects.get(staff=world.official_a, day=MONDAY)
    assert (anna.meetings, anna.tickets_admitted, anna.presence_seconds, anna.present) == (
        3,
        3,
        360 * 60,
        True,
    )
    # Counts only: nothing of a person is stored.
    assert "Erika" not in str(snapshot())


def test_rolling_up_twice_gives_the_same_rows(world, built) -> None:
    assert rollup_due(NOW) > 0
    first = snapshot()
    # Only today is written again: offices A, B and the other authority's, and each authority's own row.
    assert rollup_due(NOW) == 5
    assert snapshot() == first
    rollup_day(world.office_a, MONDAY, NOW)
    rollup_day(world.office_a, MONDAY, NOW)
    assert snapshot() == first
    assert OfficeDay.objects.filter(office=world.office_a, day=MONDAY).count() == 1


def test_a_day_is_final_only_once_it_cannot_change(world, built) -> None:
    # Shortly after midnight Monday's last consultation (23:56-00:26) may still be rated: not final.
    assert not rollup_day(world.office_a, MONDAY, tue("01:00")).final
    assert rollup_day(world.office_a, MONDAY, tue("03:00")).final
    # A consultation still running keeps its day open, but not longer than a week.
    Consultation.objects.filter(connected_at=mon("23:56")).update(ended_at=None)
    assert not rollup_day(world.office_a, MONDAY, NOW).final
    assert rollup_day(world.office_a, MONDAY, NOW + dt.timedelta(days=7)).final


def test_the_job_never_recomputes_final_days(world, built) -> None:
    rollup_due(NOW)
    OfficeDay.objects.filter(office=world.office_a, day=MONDAY).update(meetings=99)
    rollup_due(NOW + dt.timedelta(days=1))
    assert OfficeDay.objects.get(office=world.office_a, day=MONDAY).meetings == 99
    # Today's row is refreshed on every pass, and the first days of a new office are found.
    assert OfficeDay.objects.filter(office=world.office_a, day=TUESDAY + dt.timedelta(days=2)).exists()


def test_certificates_deleted_by_retention_still_count(world, built) -> None:
    rollup_due(NOW)
    Certificate.objects.all().delete()
    assert rollup_day(world.office_a, MONDAY, NOW).certificates_issued == 1


def test_a_day_not_final_is_taken_up_again(world, built) -> None:
    rollup_due(tue("01:00"))
    assert not OfficeDay.objects.get(office=world.office_a, day=MONDAY).final
    rollup_due(NOW)
    assert OfficeDay.objects.get(office=world.office_a, day=MONDAY).final


# --- two processes at once -------------------------------------------------------------------------


def _meet_before_insert(monkeypatch) -> threading.Barrier:
    """Both threads delete the old rows before either inserts (the interleaving that races)."""
    barrier = threading.Barrier(2, timeout=5)
    original = OfficeDay.objects.bulk_create
    waited = threading.local()

    def bulk_create(rows, *args, **kwargs):
        if not getattr(waited, "done", False):
            waited.done = True
            barrier.wait()
        return original(rows, *args, **kwargs)

    monkeypatch.setattr(OfficeDay.objects, "bulk_create", bulk_create)
    return barrier


@pytest.mark.django_db(transaction=True)
def test_racing_rollups_of_one_day_leave_one_row(world, monkeypatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE); the interleaving cannot happen there")
    scenario.build(world)
    office = world.office_a
    constraint = next(c for c in OfficeDay._meta.constraints if c.name == "stats_one_row_per_office_day")
    staff_constraint = StaffDay._meta.constraints[0]

    # Without the constraints both processes insert: the day is counted twice.
    with connection.schema_editor() as editor:
        editor.remove_constraint(OfficeDay, constraint)
        editor.remove_constraint(StaffDay, staff_constraint)
    try:
        _meet_before_insert(monkeypatch)
        results = together(lambda: rollup_day(office, MONDAY, NOW), lambda: rollup_day(office, MONDAY, NOW))
        assert OfficeDay.objects.filter(office=office, day=MONDAY).count() == 2, results
    finally:
        monkeypatch.undo()
        OfficeDay.objects.all().delete()
        StaffDay.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(OfficeDay, constraint)
            editor.add_constraint(StaffDay, staff_constraint)

    # With them, the slower one fails on the constraint, tries again and replaces the faster one's rows.
    _meet_before_insert(monkeypatch)
    results = together(lambda: rollup_day(office, MONDAY, NOW), lambda: rollup_day(office, MONDAY, NOW))
    assert all(isinstance(r, OfficeDay) for r in results), results
    rows = OfficeDay.objects.filter(office=office, day=MONDAY)
    assert rows.count() == 1 and rows.get().meetings == 3
    assert StaffDay.objects.filter(office=office, day=MONDAY, staff=world.official_a).count() == 1


@pytest.mark.django_db(transaction=True)
def test_rollups_at_once_end_with_one_set_of_rows(world) -> None:
    scenario.build(world)
    results = together(*(lambda: rollup_due(NOW) for _ in range(3)))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert OfficeDay.objects.filter(office=world.office_a, day=MONDAY).count() == 1
    assert actions.ATTEMPTS >= 2
