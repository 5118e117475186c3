"""Typed events about consultations. Sent only from actions, after commit; signalling and chat are
relayed by consumers directly (they change no state)."""

from __future__ import annotations

from typing import Literal, TypedDict

from buergerbuero.calls.models import Consultation, Participant
from buergerbuero.core import groups
from buergerbuero.core.events import send_after_commit


class ParticipantInfo(TypedDict):
    id: int
    role: str
    name: str
    joined: bool


class ParticipantsEvent(TypedDict):
    type: Literal["consultation.participants"]
    consultation: int
    participants: list[ParticipantInfo]


class ConsultationEndedEvent(TypedDict):
    type: Literal["consultation.ended"]
    consultation: int
    reason: str


class StaffConsultationEvent(TypedDict, total=False):
    type: Literal["staff.consultation"]
    consultation: int | None
    # With a consultation: the official's participant, and the page that holds the call ("" when the
    # action came from no page, e.g. a form sent without script: the first page to claim it holds it).
    participant: int
    page: str
    call: dict[str, object]  # the official's call.start without ICE (calls.selectors.call_payload)


class CallMovedEvent(TypedDict):
    """A participant's call is now held by another connection (calls.actions.holding.hold_call)."""

    type: Literal["consultation.moved"]
    consultation: int
    participant: int
    page: str
    connection: str
    # True when another page holds it now: the other participants' peer connections to this participant
    # end at a page that no longer exists, so they build new ones. False for the same page's new socket.
    reset: bool


class ColleagueInvitedEvent(TypedDict):
    type: Literal["colleague.invited"]
    consultation: int
    participant: int
    office: str
    by: str


def participants_of(consultation: Consultation) -> list[ParticipantInfo]:
    out: list[ParticipantInfo] = []
    for p in consultation.participants.select_related("staff").filter(left_at__isnull=True):
        if p.role == "citizen":
            name = consultation.ticket.display_name
        else:
            name = p.staff.display_name if p.staff else ""
        out.append({"id": p.pk, "role": p.role, "name": name, "joined": p.joined_at is not None})
    return out


def announce_participants(consultation: Consultation) -> None:
    event: ParticipantsEvent = {
        "type": "consultation.participants",
        "consultation": consultation.pk,
        "participants": participants_of(consultation),
    }
    send_after_commit(groups.consultation(consultation.pk), event)


def announce_ended(consultation: Consultation) -> None:
    event: ConsultationEndedEvent = {
        "type": "consultation.ended",
        "consultation": consultation.pk,
        "reason": consultation.end_reason,
    }
    send_after_commit(groups.consultation(consultation.pk), event)


def announce_staff_consultation(
    staff_id: int, participant: Participant, call: dict[str, object] | None = None
) -> None:
    """The official takes part in a consultation now (admitted someone, accepted an invitation)."""
    event: StaffConsultationEvent = {
        "type": "staff.consultation",
        "consultation": participant.consultation_id,
        "participant": participant.pk,
        "page": participant.call_page,
    }
    if call is not None:
        event["call"] = call
    send_after_commit(groups.staff(staff_id), event)


def announce_staff_consultation_over(staff_id: int) -> None:
    event: StaffConsultationEvent = {"type": "staff.consultation", "consultation": None}
    send_after_commit(groups.staff(staff_id), event)


def announce_moved(participant: Participant, reset: bool) -> None:
    event: CallMovedEvent = {
        "type": "consultation.moved",
        "consultation": participant.consultation_id,
        "participant": participant.pk,
        "page": participant.call_page,
        "connection": participant.call_connection,
        "reset": reset,
    }
    send_after_commit(groups.consultation(participant.consultation_id), event)


def announce_colleague_invited(
    staff_id: int, consultation: Consultation, participant_id: int, by: str
) -> None:
    event: ColleagueInvitedEvent = {
        "type": "colleague.invited",
        "consultation": consultation.pk,
        "participant": participant_id,
        "office": consultation.office.name,
        "by": by,
    }
    send_after_commit(groups.staff(staff_id), event)
