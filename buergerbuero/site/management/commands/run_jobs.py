import asyncio
import contextlib

from django.core.management.base import BaseCommand

from buergerbuero.site.jobs import run_forever


class Command(BaseCommand):
    help = "Run the background jobs (ticket expiry, retention) when RUN_JOBS_IN_PROCESS is off."

    def handle(self, *args, **options):
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_forever())
