from __future__ import annotations

from typing import Any

from buergerbuero.calls.events import participants_of
from buergerbuero.calls.ice import ice_configuration
from buergerbuero.calls.models import Consultation, Participant


def call_start_frame(participant: Participant) -> dict[str, Any]:
    """What a participant's page needs to start (or restart) its media: who it is, who else takes part,
    and its ICE servers with TURN credentials issued for this participant only."""
    consultation: Consultation = participant.consultation
    return {
        "type": "call.start",
        "consultation": consultation.pk,
        "me": participant.pk,
        "role": participant.role,
        "office": consultation.office.name,
        "participants": participants_of(consultation),
        "ice": ice_configuration(participant.pk),
    }


def active_participant(participant_id: int) -> Participant | None:
    """A participant who has not left a consultation that is still running."""
    return (
        Participant.objects.select_related("consultation__office", "consultation__ticket", "staff")
        .filter(pk=participant_id, left_at__isnull=True, consultation__ended_at__isnull=True)
        .first()
    )
