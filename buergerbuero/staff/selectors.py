from __future__ import annotations

from typing import Any

from buergerbuero.authorities.models import Staff
from buergerbuero.calls.actions.admission import active_participation
from buergerbuero.calls.models import Participant
from buergerbuero.offices.access import offices_of
from buergerbuero.offices.models import Office
from buergerbuero.offices.selectors import office_states, open_presences
from buergerbuero.waitingroom.selectors import queue_entries


def workspace_snapshot(staff: Staff) -> dict[str, Any]:
    offices = []
    # An archived office cannot be opened (offices.actions.archive_office): nothing to serve or watch.
    reached = list(
        offices_of(staff).filter(archived_at__isnull=True).select_related("authority").order_by("name")
    )
    states = office_states(reached)
    for office in reached:
        offices.append(
            {
                "id": office.pk,
                "name": office.name,
                "slug": office.slug,
                "assigned": office.assignments.filter(staff=staff).exists(),
                "present": open_presences(office).filter(staff=staff).exists(),
                "state": states[office.pk].as_event(),
                "queue": queue_entries(office),
                "seq": office.queue_seq,
            }
        )
    participation = active_participation(staff)
    invitations = [
        {"participant": p.pk, "consultation": p.consultation_id, "office": p.consultation.office.name}
        for p in Participant.objects.select_related("consultation__office").filter(
            staff=staff, joined_at__isnull=True, left_at__isnull=True, consultation__ended_at__isnull=True
        )
    ]
    return {
        "type": "snapshot",
        "me": {"id": staff.pk, "name": staff.display_name, "availability": staff.availability},
        "offices": offices,
        "colleagues": [
            {"id": s.pk, "name": s.display_name}
            for s in Staff.objects.filter(authority_id=staff.authority_id)
            .exclude(pk=staff.pk)
            .order_by("display_name")
        ],
        "transfer_targets": [
            {"id": o.pk, "name": o.name}
            for o in Office.objects.filter(
                authority_id=staff.authority_id, archived_at__isnull=True
            ).order_by("name")
        ],
        "invitations": invitations,
        # The consultation the official takes part in, if any: a page whose socket reconnected keeps its
        # peer connections while this is its call (the call.start or call.elsewhere that follows may
        # take a moment on a busy server) and ends the call at once when it is not.
        "consultation": participation.consultation_id if participation else None,
        "participant": participation.pk if participation else None,
    }
