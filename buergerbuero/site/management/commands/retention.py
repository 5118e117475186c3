from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from buergerbuero.site.retention import run


class Command(BaseCommand):
    help = (
        "Delete personal data past its retention period: names, concerns and messages of tickets older "
        "than BUERGERBUERO_RETENTION_DAYS, names, addresses, phone numbers and concerns of appointments "
        "that ended before then, and certificates older than BUERGERBUERO_CERTIFICATE_RETENTION_DAYS. "
        "What statistics need (times, states, ratings, counts) stays. The daily job does the same."
    )

    def handle(self, *args, **options):
        cleaned = run(timezone.now())
        done = ", ".join(f"{name}: {count}" for name, count in cleaned.items())
        self.stdout.write(
            f"Deleted personal data past retention ({settings.RETENTION_DAYS} days; certificates "
            f"{settings.CERTIFICATE_RETENTION_DAYS} days): {done}."
        )
