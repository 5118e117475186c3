"""Mails about bookings (written by the mails helper; see the module docstring there)."""

from __future__ import annotations

OPT_IN = "opt_in"
CONFIRMED = "confirmed"
CANCELLED = "cancelled"
MOVED = "moved"
REMINDER = "reminder"


def send(booking_id: int, kind: str, **extra: object) -> None:
    raise NotImplementedError("appointments.mails.send is being written")
