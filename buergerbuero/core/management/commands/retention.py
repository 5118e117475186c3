from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from buergerbuero.waitingroom.actions import delete_personal_data


class Command(BaseCommand):
    help = (
        "Delete names, concerns and messages of tickets older than BUERGERBUERO_RETENTION_DAYS. "
        "The tickets themselves (times, states, ratings) stay for statistics. The daily job does the same."
    )

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.RETENTION_DAYS)
        cleaned = delete_personal_data(cutoff)
        tickets = "ticket" if cleaned == 1 else "tickets"
        self.stdout.write(
            f"Deleted the personal data of {cleaned} {tickets} created before {cutoff:%Y-%m-%d %H:%M} UTC "
            f"(retention {settings.RETENTION_DAYS} days)."
        )
