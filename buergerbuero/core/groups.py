"""The one place where channel-layer group names are made (docs/architecture.md, "Groups").

- ``authority-<id>``          public live state of every office of an authority (overview, widget)
- ``office-<id>-queue``       citizens waiting in an office: queue deltas and office state
- ``office-<id>-staff``       officials assigned to an office: the queue with names, presence
- ``ticket-<id>``             the browser(s) of one ticket
- ``staff-<id>``              the workspace page(s) of one official
- ``consultation-<id>``       everyone taking part in a consultation (chat, participants)
- ``participant-<id>``        one participant: signalling addressed to them
- ``room-<id>``               every page of a group session (trainings, events): members, chat, hands
- ``room-member-<id>``        the page(s) of one member of a group session
"""


def authority(authority_id: int) -> str:
    return f"authority-{authority_id}"


def office_queue(office_id: int) -> str:
    return f"office-{office_id}-queue"


def office_staff(office_id: int) -> str:
    return f"office-{office_id}-staff"


def ticket(ticket_id: int) -> str:
    return f"ticket-{ticket_id}"


def staff(staff_id: int) -> str:
    return f"staff-{staff_id}"


def consultation(consultation_id: int) -> str:
    return f"consultation-{consultation_id}"


def participant(participant_id: int) -> str:
    return f"participant-{participant_id}"


def room(room_id: int) -> str:
    return f"room-{room_id}"


def room_member(member_id: int) -> str:
    return f"room-member-{member_id}"
