"""The shapes the statistics pass between their parts: what is asked (``Scope``, ``Period``) and what is
answered (``Figures``). ``stats.figures.compute(scope, period)`` fills a ``Figures``; the dashboard, the
exports and the ``stats_report`` command only read it. Definitions of every figure: docs/statistics.md."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Period:
    """Days from ``start`` to ``end``, both included, as calendar days in the offices' time zone."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period ends on or after its first day")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class Scope:
    """Whose figures: an authority, optionally narrowed to one department, one office or one official.
    ``office_ids`` further limits the offices (an official who is no administrator sees only the offices
    they are assigned to); None means every office of the authority."""

    authority_id: int
    department_id: int | None = None
    office_id: int | None = None
    staff_id: int | None = None
    office_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class DayFigures:
    """One day of the period, for the charts over time."""

    day: dt.date
    participants: int
    open_minutes: int
    meetings: int
    tickets_created: int


@dataclass(frozen=True)
class RowFigures:
    """One line of the breakdown: an office of the scope (or an official within an office scope)."""

    key: str  # "office-<id>" or "staff-<id>"
    label: str
    participants: int
    open_minutes: int
    meetings: int
    tickets_created: int
    wait_median_s: int | None


@dataclass(frozen=True)
class Figures:
    scope: Scope
    period: Period
    # The four figures the reference county reported.
    participants: int
    open_minutes: int
    meetings: int
    contact_persons: int
    # Waiting area.
    tickets_created: int
    tickets_admitted: int
    tickets_left: int  # left or expired before they were admitted
    tickets_declined: int
    tickets_transferred: int
    abandonment_rate: float | None  # tickets_left / tickets_created; None without tickets
    wait_median_s: int | None
    wait_p90_s: int | None
    consultation_median_s: int | None
    rating_count: int
    rating_average: float | None
    ratings: dict[int, int]  # stars (1..5) -> count, every key present
    # Appointments.
    appointments_booked: int
    appointments_cancelled: int
    appointments_no_show: int
    # Group sessions.
    trainings_held: int
    training_participants: int
    events_held: int
    event_participants: int
    certificates_issued: int
    # Busiest hours: 7 rows (Monday first) of 24 hours, tickets created in that local hour.
    heatmap: list[list[int]] = field(default_factory=list)
    daily: list[DayFigures] = field(default_factory=list)
    rows: list[RowFigures] = field(default_factory=list)
