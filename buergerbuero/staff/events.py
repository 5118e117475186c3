"""Typed events about an official's access to the workspace."""

from __future__ import annotations

from typing import Literal, TypedDict

from buergerbuero.core import groups
from buergerbuero.core.events import send_after_commit


class StaffAccessEvent(TypedDict):
    type: Literal["staff.access"]


def announce_access_changed(staff_id: int) -> None:
    """Something the official's workspace sockets were authorised on may have changed (assignment, role,
    activity, password, session): after commit, each socket checks its access again (StaffConsumer
    .recheck_access). The event carries nothing: the socket reads the truth itself."""
    event: StaffAccessEvent = {"type": "staff.access"}
    send_after_commit(groups.staff(staff_id), event)
