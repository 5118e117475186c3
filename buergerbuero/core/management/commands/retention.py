from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from buergerbuero.waitingroom.actions import delete_personal_data


class Command(BaseCommand):
    help = "Delete names and concerns of tickets older than BUERGERBUERO_RETENTION_DAYS (counts stay)."

    def handle(self, *args, **options):
        cutoff = timezone.now() - timedelta(days=settings.RETENTION_DAYS)
        cleaned = delete_personal_data(cutoff)
        self.stdout.write(
            f"Deleted personal data of {cleaned} tickets created before {cutoff:%Y-%m-%d %H:%M} UTC."
        )
