"""Personal-data retention, one pass over every app (the daily job and ``manage.py retention``).

Each app deletes its own personal data past its period and keeps what statistics need (times, states,
counts). The statistics' rollups of every day that has ended are made final first, so figures stay right
whatever a step deletes (certificates go as a whole). Returns how many records each step cleaned, by
name."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from buergerbuero.appointments.actions import delete_personal_data as delete_booking_data
from buergerbuero.certificates.actions import delete_expired as delete_certificates
from buergerbuero.events.actions.retention import delete_personal_data as delete_event_data
from buergerbuero.rooms.actions.lifecycle import delete_personal_data as delete_room_data
from buergerbuero.stats.actions import rollup_due
from buergerbuero.trainings.actions.registrations import delete_personal_data as delete_training_data
from buergerbuero.waitingroom.actions import delete_personal_data as delete_ticket_data


def run(now: datetime) -> dict[str, int]:

    # Every cutoff lies a day or more back; rollup_due makes such days final (a day with a consultation
    # still running waits at most a week, and only rows that stay, tickets, are cleared that early).
    rollup_due(now)
    cutoff = now - timedelta(days=settings.RETENTION_DAYS)
    return {
        "tickets": delete_ticket_data(cutoff),
        "appointments": delete_booking_data(cutoff),
        "training registrations": delete_training_data(cutoff),
        "event registrations": delete_event_data(cutoff),
        "group sessions": delete_room_data(cutoff),
        "certificates": delete_certificates(now),
    }
