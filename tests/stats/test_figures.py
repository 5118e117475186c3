"""stats.figures.compute over the fixed scenario (tests/stats/scenario.py): every figure equals what was
worked out by hand below, live from the raw rows, from the rollups, and after the retention job cleared
and deleted personal data; other authorities never count; the query count does not grow with the days."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from buergerbuero.site import retention
from buergerbuero.stats.actions import rollup_due
from buergerbuero.stats.figures import compute
from buergerbuero.stats.models import OfficeDay
from buergerbuero.stats.types import DayFigures, Figures, Period, RowFigures, Scope
from buergerbuero.waitingroom.models import Ticket
from tests.stats import scenario
from tests.stats.scenario import MONDAY, NOW, TUESDAY

PERIOD = Period(MONDAY, TUESDAY)


def heat(cells: dict[tuple[int, int], int]) -> list[list[int]]:
    grid = [[0] * 24 for _ in range(7)]
    for (weekday, hour), count in cells.items():
        grid[weekday][hour] = count
    return grid


def expected_authority(world) -> Figures:
    a, b = world.office_a, world.office_b
    return Figures(
        scope=Scope(world.authority.pk),
        period=PERIOD,
        # One citizen in each of C1, C4, C5 (A) and C6 (B); Alex in C1 is an official, not a participant.
        participants=4,
        # A: Mon 08-12 (240) + Mon 22-24 (120) + Tue 00-02 (120); B: Mon 10-11 (60) + Tue 09-10 (60).
        open_minutes=600,
        meetings=4,
        contact_persons=3,  # Anna, Alex, Bernd
        # T1-T5, T8 in A; T6 (received by transfer) and T7 in B.
        tickets_created=8,
        tickets_admitted=5,  # T1, T4, T5, T8 (A), T6 (B); T8 never joined but was let in
        tickets_left=2,  # T2 left, T7 expired while waiting
        tickets_declined=1,
        tickets_transferred=1,
        abandonment_rate=0.25,
        # Waits 300 (T1), 300 (T4), 600 (T5), 120 (T8), 600 (T6): sorted 120 300 300 600 600.
        wait_median_s=300,
        wait_p90_s=600,
        # Lengths 1200 (C1), 1800 (C4, across midnight), 600 (C5), 600 (C6): lower median 600.
        consultation_median_s=600,
        rating_count=3,
        rating_average=4.0,
        ratings={1: 0, 2: 0, 3: 1, 4: 1, 5: 1},
        appointments_booked=1,  # confirmed Mon (cancelled on Tue still counts as booked on Mon)
        appointments_cancelled=1,
        appointments_no_show=1,
        trainings_held=1,
        training_participants=3,  # the individual and two checked-in pupils; not the official
        events_held=1,
        event_participants=3,  # not the meeting hall, not the official
        certificates_issued=1,
        heatmap=heat({(0, 8): 2, (0, 9): 1, (0, 10): 2, (0, 23): 1, (1, 1): 1, (1, 9): 1}),
        daily=[DayFigures(MONDAY, 4, 420, 4, 6), DayFigures(TUESDAY, 0, 180, 0, 2)],
        rows=[
            RowFigures(f"office-{a.pk}", "Energieberatung", 3, 480, 3, 6, 300),
            RowFigures(f"office-{b.pk}", "Gartenkultur", 1, 120, 1, 2, 600),
        ],
    )


@pytest.fixture
def built(world):
    return scenario.build(world)


def test_authority_figures_from_the_raw_rows(world, built) -> None:
    assert compute(Scope(world.authority.pk), PERIOD, NOW) == expected_authority(world)


def test_the_same_figures_from_the_rollups_and_after_retention(world, built, settings) -> None:
    rollup_due(NOW)
    mine = OfficeDay.objects.filter(authority=world.authority, final=True, day=MONDAY)
    assert mine.count() == 3  # A, B, the authority's own
    assert compute(Scope(world.authority.pk), PERIOD, NOW) == expected_authority(world)

    settings.RETENTION_DAYS = 30
    settings.CERTIFICATE_RETENTION_DAYS = 30
    later = NOW + dt.timedelta(days=60)
    cleaned = retention.run(later)
    assert cleaned["certificates"] == 1 and cleaned["tickets"] >= 8
    assert not Ticket.objects.exclude(display_name="").filter(office__authority=world.authority).exists()
    assert compute(Scope(world.authority.pk), PERIOD, NOW) == expected_authority(world)
    assert compute(Scope(world.authority.pk), PERIOD, later) == expected_authority(world)


def test_a_day_half_rolled_up_gives_the_same_figures(world, built) -> None:
    # Monday final, Tuesday still live: the seams (the night across midnight) must not double or drop.
    rollup_due(dt.datetime(2026, 12, 1, 12, 0, tzinfo=scenario.BERLIN))
    assert OfficeDay.objects.filter(final=True, day=MONDAY).exists()
    assert not OfficeDay.objects.filter(final=True, day=TUESDAY).exists()
    assert compute(Scope(world.authority.pk), PERIOD, NOW) == expected_authority(world)


def test_office_scope_breaks_down_by_official(world, built) -> None:
    a = world.office_a
    figures = compute(Scope(world.authority.pk, office_id=a.pk), PERIOD, NOW)
    assert (figures.participants, figures.open_minutes, figures.meetings, figures.contact_persons) == (
        3,
        480,
        3,
        2,
    )
    assert (figures.tickets_created, figures.tickets_left, figures.events_held) == (6, 1, 0)
    assert figures.trainings_held == 1 and figures.certificates_issued == 1
    assert figures.rows == [
        # Alex: the colleague in C1 (a meeting with one citizen), present Mon 09-11, declined T3.
        RowFigures(f"staff-{world.official_a2.pk}", "Alex Adler", 1, 120, 1, 1, None),
        # Anna: C1, C4, C5; present 240 + 120 + 120 minutes; let in T1, T4, T5, T8 (waits 300 300 600 120).
        RowFigures(f"staff-{world.official_a.pk}", "Anna Amsel", 3, 480, 3, 4, 300),
    ]


def test_official_scope(world, built) -> None:
    anna = world.official_a
    figures = compute(Scope(world.authority.pk, staff_id=anna.pk), PERIOD, NOW)
    assert dataclasses.asdict(figures) | {"scope": None} == dataclasses.asdict(
        Figures(
            scope=None,  # type: ignore[arg-type]
            period=PERIOD,
            participants=3,
            open_minutes=480,
            meetings=3,
            contact_persons=1,
            tickets_created=4,  # taken from the waiting area: let in (4) or declined (0)
            tickets_admitted=4,
            tickets_left=0,
            tickets_declined=0,
            tickets_transferred=1,
            abandonment_rate=None,
            wait_median_s=300,
            wait_p90_s=600,
            consultation_median_s=1200,  # C5 600, C1 1200, C4 1800
            rating_count=2,  # C1 and C4, which Anna led; C5 ended in a transfer
            rating_average=4.5,
            ratings={1: 0, 2: 0, 3: 0, 4: 1, 5: 1},
            appointments_booked=0,
            appointments_cancelled=0,
            appointments_no_show=0,
            trainings_held=0,
            training_participants=0,
            events_held=0,
            event_participants=0,
            certificates_issued=0,
            heatmap=heat({(0, 8): 1, (0, 10): 1, (0, 23): 1, (1, 1): 1}),
            daily=[DayFigures(MONDAY, 3, 360, 3, 3), DayFigures(TUESDAY, 0, 120, 0, 1)],
            rows=[RowFigures(f"office-{world.office_a.pk}", "Energieberatung", 3, 480, 3, 4, 300)],
        )
    ) | {"scope": None}


def test_narrowed_scopes_never_reach_beyond_the_authority(world, built) -> None:
    other = world.other_office
    # Another authority's office, department or official named in a scope finds nothing.
    for scope in (
        Scope(world.authority.pk, office_id=other.pk),
        Scope(world.authority.pk, office_ids=frozenset({other.pk})),
        Scope(world.authority.pk, staff_id=world.other_admin.pk),
    ):
        figures = compute(scope, PERIOD, NOW)
        assert (figures.participants, figures.open_minutes, figures.tickets_created, figures.events_held) == (
            0,
        ) * 4
        assert figures.rows == []
    # The other authority sees its own only.
    theirs = compute(Scope(world.other_authority.pk), PERIOD, NOW)
    assert (theirs.meetings, theirs.open_minutes, theirs.tickets_created, theirs.contact_persons) == (
        1,
        480,
        1,
        1,
    )
    assert theirs.events_held == 0 and theirs.certificates_issued == 0
    # Restricted to office B, the authority's own event is not counted.
    only_b = compute(Scope(world.authority.pk, office_ids=frozenset({world.office_b.pk})), PERIOD, NOW)
    assert (only_b.participants, only_b.open_minutes, only_b.events_held, only_b.tickets_created) == (
        1,
        120,
        0,
        2,
    )


def test_days_to_come_count_nothing_and_a_running_period_counts_up_to_now(world) -> None:
    from buergerbuero.offices.models import OpenPeriod

    OpenPeriod.objects.create(office=world.office_a, started_at=scenario.tue("09:00"))
    at_ten = scenario.tue("10:00")
    figures = compute(Scope(world.authority.pk), Period(TUESDAY, dt.date(2026, 12, 31)), at_ten)
    assert figures.open_minutes == 60
    assert len(figures.daily) == 31 and sum(d.open_minutes for d in figures.daily[1:]) == 0


def queries(scope: Scope, period: Period, now: dt.datetime) -> int:
    with CaptureQueriesContext(connection) as captured:
        compute(scope, period, now)
    return len(captured)


def test_query_count_does_not_grow_with_the_days(world, built) -> None:
    now = dt.datetime(2026, 12, 31, 12, 0, tzinfo=scenario.BERLIN)
    rollup_due(now)
    year = Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    # Both hold the scenario's days and end with today, which is always read from the raw rows.
    week = Period(dt.date(2026, 11, 30), dt.date(2026, 12, 31))
    for scope in (
        Scope(world.authority.pk),
        Scope(world.authority.pk, office_id=world.office_a.pk),
        Scope(world.authority.pk, staff_id=world.official_a.pk),
    ):
        assert queries(scope, year, now) == queries(scope, week, now) <= 20
    # Nothing rolled up at all: the whole year is read from the raw rows, still in a fixed number of queries.
    OfficeDay.objects.all().delete()
    assert (
        queries(Scope(world.authority.pk), year, now) == queries(Scope(world.authority.pk), week, now) <= 20
    )


def test_a_citizen_sent_back_is_admitted_and_waits_once(world) -> None:
    from buergerbuero.calls.models import EndReason
    from tests.stats.scenario import S, consultation, mon, ticket

    anna = world.official_a
    t = ticket(
        world.office_a,
        mon("09:00"),
        (S.WAITING, S.INVITED, mon("09:01"), anna),
        (S.INVITED, S.IN_CONSULTATION, mon("09:02"), None),
        (S.IN_CONSULTATION, S.WAITING, mon("09:10"), anna),  # sent back
        (S.WAITING, S.INVITED, mon("09:30"), anna),
        (S.INVITED, S.LEFT, mon("09:31"), None),
    )
    consultation(t, anna, mon("09:01"), mon("09:02"), mon("09:10"), EndReason.SENT_BACK)
    figures = compute(Scope(world.authority.pk), Period(MONDAY, MONDAY), NOW)
    assert (figures.tickets_created, figures.tickets_admitted, figures.tickets_left) == (1, 1, 0)
    assert (figures.wait_median_s, figures.meetings, figures.consultation_median_s) == (60, 1, 480)
