from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from buergerbuero.appointments.actions import delete_personal_data as delete_booking_data
from buergerbuero.waitingroom.actions import delete_personal_data


class Command(BaseCommand):
    help = (
        "Delete names, concerns and messages of tickets older than BUERGERBUERO_RETENTION_DAYS, and names, "
        "addresses, phone numbers and concerns of appointments that ended before then. The tickets and "
        "bookings themselves (times, states, ratings) stay for statistics. The daily job does the same."
    )

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.RETENTION_DAYS)
        cleaned = delete_personal_data(cutoff)
        bookings = delete_booking_data(cutoff)
        tickets = "ticket" if cleaned == 1 else "tickets"
        appointments = "appointment" if bookings == 1 else "appointments"
        self.stdout.write(
            f"Deleted the personal data of {cleaned} {tickets} created and {bookings} {appointments} ended "
            f"before {cutoff:%Y-%m-%d %H:%M} UTC (retention {settings.RETENTION_DAYS} days)."
        )
