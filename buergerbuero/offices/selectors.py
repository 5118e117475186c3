"""Read-only queries about offices: who is present, the live state, the expected wait."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone

from buergerbuero.authorities.models import Availability
from buergerbuero.offices.models import Office, Presence

DEFAULT_SERVICE_SECONDS = 600
SERVICE_SAMPLE = 20


@dataclass(frozen=True)
class OfficeState:
    """What every page shows about an office right now."""

    office_id: int
    state: str  # "closed" | "open_free" | "open_busy"
    waiting: int
    officials_present: int  # present and not on a break
    officials_free: int  # of those, not in a consultation
    service_seconds: int  # median length of recent consultations

    def expected_wait_seconds(self, position: int) -> int:
        """Expected wait of the person at ``position`` (1-based). Free officials take the first people at
        once; the rest are served in rounds of one median consultation per present official."""
        if self.state == "closed":
            return 0
        ahead_of_free = position - self.officials_free
        if ahead_of_free <= 0:
            return 0
        rounds = math.ceil(ahead_of_free / max(1, self.officials_present))
        return rounds * self.service_seconds

    def as_event(self) -> dict[str, object]:
        return {
            "office": self.office_id,
            "state": self.state,
            "waiting": self.waiting,
            "officials_present": self.officials_present,
            "officials_free": self.officials_free,
            "service_seconds": self.service_seconds,
            "expected_wait_seconds": self.expected_wait_seconds(self.waiting + 1),
        }


def open_presences(office: Office):
    return Presence.objects.filter(office=office, ended_at__isnull=True)


def median_service_seconds(office: Office) -> int:
    from buergerbuero.calls.models import Consultation

    since = timezone.now() - timedelta(days=30)
    rows = (
        Consultation.objects.filter(
            office=office, connected_at__isnull=False, ended_at__isnull=False, connected_at__gte=since
        )
        .order_by("-ended_at")
        .values_list("connected_at", "ended_at")[:SERVICE_SAMPLE]
    )
    # Both are set: the filter above excludes consultations that never connected or still run.
    lengths = [(end - start).total_seconds() for start, end in rows if start and end]
    if not lengths:
        return DEFAULT_SERVICE_SECONDS
    return max(60, int(statistics.median(lengths)))


def office_state(office: Office) -> OfficeState:
    from buergerbuero.calls.models import Participant
    from buergerbuero.waitingroom.models import Ticket, TicketState

    busy = Participant.objects.filter(
        staff_id=OuterRef("staff_id"), joined_at__isnull=False, left_at__isnull=True
    )
    present = list(
        open_presences(office)
        .filter(staff__availability=Availability.AVAILABLE)
        .annotate(busy=Exists(busy))
        .values_list("busy", flat=True)
    )
    is_open = bool(present) or open_presences(office).exists()
    free = sum(1 for b in present if not b)
    waiting = Ticket.objects.filter(office=office, state=TicketState.WAITING).count()
    if not is_open:
        state = "closed"
    elif free > 0:
        state = "open_free"
    else:
        state = "open_busy"
    return OfficeState(
        office_id=office.pk,
        state=state,
        waiting=waiting,
        officials_present=len(present),
        officials_free=free,
        service_seconds=median_service_seconds(office),
    )
