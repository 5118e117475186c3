"""Typed events about offices. Sent only from actions, after commit."""

from __future__ import annotations

from typing import Literal, TypedDict

from buergerbuero.authorities.models import Staff
from buergerbuero.core import groups
from buergerbuero.core.events import send_after_commit
from buergerbuero.offices.models import Office, Presence
from buergerbuero.offices.selectors import office_state


class OfficeStateEvent(TypedDict):
    type: Literal["office.state"]
    office: int
    state: str
    waiting: int
    officials_present: int
    officials_free: int
    service_seconds: int
    expected_wait_seconds: int


def announce_office_state(office: Office, waiting_pages: bool = True) -> dict[str, object]:
    """Compute the office's live state inside the current transaction and send it, after commit, to the
    public overview, its officials and (unless a queue delta carries it to them) the people waiting."""
    state = office_state(office).as_event()
    event: OfficeStateEvent = {"type": "office.state", **state}  # type: ignore[typeddict-item]
    send_after_commit(groups.authority(office.authority_id), event)
    if waiting_pages:
        send_after_commit(groups.office_queue(office.pk), event)
    send_after_commit(groups.office_staff(office.pk), event)
    return state


class StaffMeEvent(TypedDict):
    type: Literal["staff.me"]
    availability: str
    present: list[int]


def announce_staff_me(staff: Staff) -> None:
    """Tell every workspace page of the official their own availability and the offices they serve
    (a second tab stays right without a reload)."""
    present = list(
        Presence.objects.filter(staff=staff, ended_at__isnull=True)
        .order_by("office_id")
        .values_list("office_id", flat=True)
    )
    event: StaffMeEvent = {"type": "staff.me", "availability": staff.availability, "present": present}
    send_after_commit(groups.staff(staff.pk), event)
