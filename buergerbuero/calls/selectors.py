"""Read-only queries about consultations: what a page needs to start its call, and the figures that
the office's live state takes from the calls (offices.selectors.LiveSources, set in calls/apps.py)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from django.db.models import Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from buergerbuero.calls.events import ParticipantInfo, participants_of
from buergerbuero.calls.ice import ice_configuration
from buergerbuero.calls.models import Consultation, Participant
from buergerbuero.offices.models import Office

DEFAULT_SERVICE_SECONDS = 600
SERVICE_SAMPLE = 20


def call_start_frame(participant: Participant) -> dict[str, Any]:
    """What a participant's page needs to start (or restart) its media: who it is, who else takes part,
    and its ICE servers with TURN credentials issued for this participant only."""
    consultation: Consultation = participant.consultation
    return with_ice(call_payload(consultation, participant, participants_of(consultation)))


def call_payload(
    consultation: Consultation, participant: Participant, participants: list[ParticipantInfo]
) -> dict[str, Any]:
    """``call.start`` without the ICE servers. Actions put it into the event that starts a page's
    call, so the consumer needs no query when it matters most (admission)."""
    return {
        "type": "call.start",
        "consultation": consultation.pk,
        "me": participant.pk,
        "role": str(participant.role),
        "office": consultation.office.name,
        "participants": participants,
    }


def with_ice(payload: dict[str, Any]) -> dict[str, Any]:
    """Add the ICE servers; TURN credentials are made here, for this participant only."""
    return {**payload, "ice": ice_configuration(payload["me"])}


def active_participant(participant_id: int) -> Participant | None:
    """A participant who has not left a consultation that is still running."""
    return (
        Participant.objects.select_related("consultation__office", "consultation__ticket", "staff")
        .filter(pk=participant_id, left_at__isnull=True, consultation__ended_at__isnull=True)
        .first()
    )


def in_consultation() -> Exists:
    """Over a row that has a ``staff_id`` (an office's presence): whether that official takes part in a
    running consultation, of any office."""
    return Exists(
        Participant.objects.filter(
            staff_id=OuterRef("staff_id"), joined_at__isnull=False, left_at__isnull=True
        )
    )


def median_service_seconds(office: Office) -> int:
    return median_service_seconds_of([office.pk])[office.pk]


def median_service_seconds_of(office_ids: Iterable[int]) -> dict[int, int]:
    """The median length of each office's last SERVICE_SAMPLE consultations of the past 30 days (at least
    a minute; DEFAULT_SERVICE_SECONDS without any), in one query."""
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
    for office_id, start, end in cast("Iterable[tuple[int, datetime, datetime]]", rows):
        lengths[office_id].append((end - start).total_seconds())
    return {
        pk: max(60, int(statistics.median(lengths[pk]))) if lengths[pk] else DEFAULT_SERVICE_SECONDS
        for pk in ids
    }
