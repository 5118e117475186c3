"""Read-only queries about offices: who is present, the live state, the expected wait."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber
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
    return median_service_seconds_of([office.pk])[office.pk]


def median_service_seconds_of(office_ids: Iterable[int]) -> dict[int, int]:
    """The median length of each office's last SERVICE_SAMPLE consultations of the past 30 days (at least
    a minute; DEFAULT_SERVICE_SECONDS without any), in one query."""
    from buergerbuero.calls.models import Consultation

    ids = list(office_ids)
    since = timezone.now() - timedelta(days=30)
    rows = (
        Consultation.objects.filter(
            office_id__in=ids, connected_at__isnull=False, ended_at__isnull=False, connected_at__gte=since
        )
        .annotate(latest=Window(RowNumber(), partition_by=[F("office_id")], order_by=F("ended_at").desc()))
        .filter(latest__lte=SERVICE_SAMPLE)
        .values_list("office_id", "connected_at", "ended_at")
    )
    lengths: dict[int, list[float]] = defaultdict(list)
    # Both are set: the filter above excludes consultations that never connected or still run.
    for office_id, start, end in rows:
        lengths[office_id].append((end - start).total_seconds())
    return {
        pk: max(60, int(statistics.median(lengths[pk]))) if lengths[pk] else DEFAULT_SERVICE_SECONDS
        for pk in ids
    }


def office_state(office: Office) -> OfficeState:
    return office_states([office])[office.pk]


def office_states(offices: Iterable[Office]) -> dict[int, OfficeState]:
    """The live state of each of ``offices`` by id, in four queries however many there are (the public
    overview, its socket and the workspace show all of an authority's offices at once)."""
    from buergerbuero.calls.models import Participant
    from buergerbuero.waitingroom.models import Ticket, TicketState

    ids = [office.pk for office in offices]
    if not ids:
        return {}
    busy = Participant.objects.filter(
        staff_id=OuterRef("staff_id"), joined_at__isnull=False, left_at__isnull=True
    )
    opened: set[int] = set()
    present: dict[int, list[bool]] = defaultdict(list)  # busy or not, per available official
    for office_id, availability, is_busy in (
        Presence.objects.filter(office_id__in=ids, ended_at__isnull=True)
        .annotate(busy=Exists(busy))
        .values_list("office_id", "staff__availability", "busy")
    ):
        opened.add(office_id)
        if availability == Availability.AVAILABLE:
            present[office_id].append(is_busy)
    waiting = dict(
        Ticket.objects.filter(office_id__in=ids, state=TicketState.WAITING)
        .values("office_id")
        .annotate(n=Count("id"))
        .values_list("office_id", "n")
    )
    service = median_service_seconds_of(ids)
    states = {}
    for pk in ids:
        free = sum(1 for b in present[pk] if not b)
        if pk not in opened:
            state = "closed"
        elif free > 0:
            state = "open_free"
        else:
            state = "open_busy"
        states[pk] = OfficeState(
            office_id=pk,
            state=state,
            waiting=waiting.get(pk, 0),
            officials_present=len(present[pk]),
            officials_free=free,
            service_seconds=service[pk],
        )
    return states
