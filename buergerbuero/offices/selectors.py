"""Read-only queries about offices: who is present, the live state, the expected wait."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, Value
from django.db.models.expressions import BaseExpression

from buergerbuero.authorities.models import Availability
from buergerbuero.offices.models import Office, Presence


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


def _no_figures(office_ids: list[int]) -> dict[int, int]:
    return {}


def _nobody_in_consultation() -> BaseExpression:
    return Value(False, output_field=BooleanField())


@dataclass
class LiveSources:
    """The parts of an office's live state that belong to the apps above offices, which offices does not
    import: the waiting room counts the people waiting, the calls know who is in a consultation and how
    long consultations take. Those apps set them when Django starts (``ready()`` in waitingroom/apps.py
    and calls/apps.py). Each answers for all offices of one ``office_states`` call in one query (or
    none), which keeps that call at a fixed number of queries."""

    # office ids -> people waiting per office (offices without any may be left out)
    waiting: Callable[[list[int]], dict[int, int]] = _no_figures
    # an expression over a Presence row: whether its official takes part in a running consultation
    in_consultation: Callable[[], BaseExpression] = _nobody_in_consultation
    # office ids -> median length of recent consultations in seconds, for every office
    service_seconds: Callable[[list[int]], dict[int, int]] = _no_figures


live_sources = LiveSources()


def office_state(office: Office, waiting: int | None = None) -> OfficeState:
    """``waiting``: how many wait there, when the caller has just read it (one query fewer)."""
    return office_states([office], None if waiting is None else {office.pk: waiting})[office.pk]


def office_states(offices: Iterable[Office], waiting: dict[int, int] | None = None) -> dict[int, OfficeState]:
    """The live state of each of ``offices`` by id, in three queries however many there are (the public
    overview, its socket and the workspace show all of an authority's offices at once; see LiveSources);
    two when the caller passes the counts of people ``waiting`` it has just read itself."""
    ids = [office.pk for office in offices]
    if not ids:
        return {}
    opened: set[int] = set()
    present: dict[int, list[bool]] = defaultdict(list)  # busy or not, per available official
    for office_id, availability, is_busy in (
        Presence.objects.filter(office_id__in=ids, ended_at__isnull=True)
        .annotate(busy=live_sources.in_consultation())
        .values_list("office_id", "staff__availability", "busy")
    ):
        opened.add(office_id)
        if availability == Availability.AVAILABLE:
            present[office_id].append(is_busy)
    if waiting is None:
        waiting = live_sources.waiting(ids)
    service = live_sources.service_seconds(ids)
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
            service_seconds=service.get(pk, 0),
        )
    return states


def office_names(authority_id: int) -> list[tuple[int, str]]:
    """Every office of the authority as (id, name), archived ones included (for the audit log's filter)."""
    offices = Office.objects.filter(authority_id=authority_id).order_by("name", "pk")
    return list(offices.values_list("pk", "name"))
