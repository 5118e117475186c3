import asyncio

from django.core.management.base import BaseCommand

from buergerbuero.core.jobs import run_forever


class Command(BaseCommand):
    help = "Run the background jobs (ticket expiry, retention) when RUN_JOBS_IN_PROCESS is off."

    def handle(self, *args, **options):  # noqa: ANN002, ANN003, ANN201
        try:
            asyncio.run(run_forever())
        except KeyboardInterrupt:
            pass
