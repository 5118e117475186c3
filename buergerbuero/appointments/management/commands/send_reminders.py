from django.core.management.base import BaseCommand
from django.utils import timezone

from buergerbuero.appointments.actions import expire_holds
from buergerbuero.appointments.reminders import send_due_reminders


class Command(BaseCommand):
    help = (
        "Send the appointment reminders that are due now (each at most once, however often and in how "
        "many places this runs) and end bookings whose confirmation did not come in time. "
        "For a timer or cron job when neither the web processes nor run_jobs run the background jobs."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        expired = expire_holds(now)
        sent = send_due_reminders(now)
        reminders = "reminder" if sent == 1 else "reminders"
        holds = "booking" if expired == 1 else "bookings"
        self.stdout.write(f"Sent {sent} {reminders}; {expired} unconfirmed {holds} lapsed.")
