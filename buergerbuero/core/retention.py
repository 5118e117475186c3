"""Personal-data retention, one pass over every app (the daily job and ``manage.py retention``).

Each app deletes its own personal data past its period and keeps what statistics need (times, states,
counts). Returns how many records each step cleaned, by name."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings


def run(now: datetime) -> dict[str, int]:
    from buergerbuero.appointments.actions import delete_personal_data as delete_booking_data
    from buergerbuero.certificates.actions import delete_expired as delete_certificates
    from buergerbuero.events.actions import delete_personal_data as delete_event_data
    from buergerbuero.rooms.actions import delete_personal_data as delete_room_data
    from buergerbuero.trainings.actions import delete_personal_data as delete_training_data
    from buergerbuero.waitingroom.actions import delete_personal_data as delete_ticket_data

    cutoff = now - timedelta(days=settings.RETENTION_DAYS)
    return {
        "tickets": delete_ticket_data(cutoff),
        "appointments": delete_booking_data(cutoff),
        "training registrations": delete_training_data(cutoff),
        "event registrations": delete_event_data(cutoff),
        "group sessions": delete_room_data(cutoff),
        "certificates": delete_certificates(now),
    }
