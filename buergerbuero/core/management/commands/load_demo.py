from django.core.management.base import BaseCommand

from buergerbuero.core.demo import DEMO_PASSWORD, OFFICES, load_demo


class Command(BaseCommand):
    help = "Load the demo authority 'Landratsamt Musterkreis' (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--always-open", action="store_true", help="Give every office the hours 00:00-23:59 every day."
        )

    def handle(self, *args, **options):
        authority = load_demo(always_open=options["always_open"])
        self.stdout.write(f"Demo authority: {authority.name} (/{authority.slug}/)")
        self.stdout.write(f"Logins (password {DEMO_PASSWORD}):")
        self.stdout.write("  admin        authority administrator (all offices)")
        self.stdout.write("  superuser    Django admin (/admin/)")
        for office in OFFICES:
            names = ", ".join(username for username, _ in office.officials)
            self.stdout.write(f"  {names:<36} {office.name}")
