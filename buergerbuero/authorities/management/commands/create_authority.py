"""``manage.py create_authority``: a new authority and its first administrator, for the operator of the
installation. The administrator is invited like every official (authorities.actions.invite): the
command prints the invitation link, and the link is also mailed to the given address."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from buergerbuero.authorities import actions, mails
from buergerbuero.authorities.models import GERMAN_STATES
from buergerbuero.core.errors import ActionError


class Command(BaseCommand):
    help = (
        "Create an authority and invite its first administrator. Prints the invitation link, which is "
        "also sent by mail and is valid for seven days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--name", required=True, help="The authority's name, e.g. 'Landratsamt Musterkreis'."
        )
        parser.add_argument(
            "--slug", required=True, help="Short name in the public addresses, e.g. 'musterkreis'."
        )
        parser.add_argument(
            "--state",
            required=True,
            help="Federal state whose public holidays apply: one of " + ", ".join(dict(GERMAN_STATES)) + ".",
        )
        parser.add_argument("--username", required=True, help="User name of the first administrator.")
        parser.add_argument("--email", required=True, help="E-mail address the invitation is sent to.")
        parser.add_argument(
            "--display-name", default="", help="The administrator's name (default: the user name)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The operator reads English; the invitation mail is written in the site's default language.
        with translation.override("en"):
            try:
                authority, staff, token = actions.create_authority(
                    name=options["name"],
                    slug=options["slug"].strip(),
                    holiday_state=options["state"].strip().upper(),
                    username=options["username"],
                    email=options["email"].strip(),
                    display_name=options["display_name"],
                )
            except ActionError as error:
                raise CommandError(error.message) from error
        self.stdout.write(f"Created authority {authority.name!r} ({authority.slug}).")
        self.stdout.write(f"Invited administrator {staff.user.username!r} <{staff.user.email}>.")
        self.stdout.write(
            f"Invitation link (valid for {actions.INVITATION_DAYS} days, sent by mail as well):"
        )
        self.stdout.write(mails.invitation_url(token))
