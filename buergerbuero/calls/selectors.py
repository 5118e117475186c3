from __future__ import annotations

from typing import Any

from buergerbuero.calls.events import ParticipantInfo, participants_of
from buergerbuero.calls.ice import ice_configuration
from buergerbuero.calls.models import Consultation, Participant


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
