"""What one day holds: the values of an office's day and of an official's day as ``rollup.collect``
computes them and ``stats.models`` stores them, and how they add up."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from buergerbuero.stats.histograms import merge


def _zeros(n: int) -> list[int]:
    return [0] * n


@dataclass
class Shared:
    """The fields an office's day and an official's day have in common (``models.DayCounts``)."""

    participants: int = 0
    meetings: int = 0
    tickets_admitted: int = 0
    tickets_declined: int = 0
    tickets_transferred: int = 0
    wait_histogram: list[int] = field(default_factory=list)
    consultation_histogram: list[int] = field(default_factory=list)
    ratings: list[int] = field(default_factory=lambda: _zeros(5))  # index 0 = 1 star
    hourly: list[int] = field(default_factory=lambda: _zeros(24))

    def add(self, other: Shared) -> None:
        """Sum ``other`` into this (rows of several days or offices)."""
        for name in SHARED_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        merge(self.wait_histogram, other.wait_histogram)
        merge(self.consultation_histogram, other.consultation_histogram)
        self.ratings = [a + b for a, b in zip(self.ratings, other.ratings, strict=True)]
        self.hourly = [a + b for a, b in zip(self.hourly, other.hourly, strict=True)]


@dataclass
class OfficeValues(Shared):
    open_seconds: float = 0
    contact_persons: int = 0
    tickets_created: int = 0
    tickets_received: int = 0
    tickets_left: int = 0
    appointments_booked: int = 0
    appointments_cancelled: int = 0
    appointments_no_show: int = 0
    trainings_held: int = 0
    training_participants: int = 0
    events_held: int = 0
    event_participants: int = 0
    certificates_issued: int = 0
    last_ticket_id: int = 0
    last_transition_id: int = 0
    last_consultation_id: int = 0

    def add(self, other: Shared) -> None:
        super().add(other)
        assert isinstance(other, OfficeValues)
        for name in OFFICE_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class StaffValues(Shared):
    present: bool = False
    presence_seconds: float = 0

    def add(self, other: Shared) -> None:
        super().add(other)
        assert isinstance(other, StaffValues)
        self.present = self.present or other.present
        self.presence_seconds += other.presence_seconds


SHARED_COUNTS = ("participants", "meetings", "tickets_admitted", "tickets_declined", "tickets_transferred")
# Counted per office only (not per official), and summed as they are into ``Figures``.
APPOINTMENT_AND_GROUP_COUNTS = (
    "appointments_booked",
    "appointments_cancelled",
    "appointments_no_show",
    "trainings_held",
    "training_participants",
    "events_held",
    "event_participants",
    "certificates_issued",
)
OFFICE_COUNTS = (
    "open_seconds",
    "contact_persons",
    "tickets_created",
    "tickets_received",
    "tickets_left",
    *APPOINTMENT_AND_GROUP_COUNTS,
)
LAST_IDS = ("last_ticket_id", "last_transition_id", "last_consultation_id")

OfficeKey = tuple[int | None, dt.date]  # (office id or None for the authority's own, day)
StaffKey = tuple[int, int, dt.date]  # (office id, staff id, day)


@dataclass
class Collected:
    offices: dict[OfficeKey, OfficeValues]
    staff: dict[StaffKey, StaffValues]
    # Office days with a consultation that connected then and is still running: not final yet.
    running: set[OfficeKey]
