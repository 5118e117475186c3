from django.core.management.base import BaseCommand

from buergerbuero.site.demo import DEMO_PASSWORD, OFFICES, load_demo


class Command(BaseCommand):
    help = "Load the demo authority 'Landratsamt Musterkreis' (idempotent: loading twice changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--always-open",
            action="store_true",
            help="Give every office the hours 00:00-23:59 on every day (browser tests, benchmarks).",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help=f"Set every demo account's password back to {DEMO_PASSWORD!r}.",
        )

    def handle(self, *args, **options):
        authority = load_demo(always_open=options["always_open"], reset_passwords=options["reset_passwords"])
        rows = [
            ("admin", "authority administrator (every office)"),
            ("superuser", "Django admin (/admin/)"),
            *((", ".join(user for user, _ in office.officials), office.name) for office in OFFICES),
        ]
        width = max(len(login) for login, _ in rows)
        self.stdout.write(f"Demo authority: {authority.name} (/{authority.slug}/)")
        self.stdout.write(f"Demo logins, all with the password {DEMO_PASSWORD}:")
        for login, who in rows:
            self.stdout.write(f"  {login:<{width}}  {who}")
