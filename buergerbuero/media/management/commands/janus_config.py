"""Render our Janus configuration (deploy/janus/) for a production instance.

    manage.py janus_config --folder /etc/buergerbuero/janus --api-ip 10.0.0.5 --api-port 8188

The admin secret is the installation's ``BUERGERBUERO_JANUS_ADMIN_KEY`` (our server uses it for RTP
forwarding) and the API secret its ``BUERGERBUERO_JANUS_API_SECRET``, so both sides agree. Both go into
``janus.jcfg`` (mode 600), never on Janus's command line (deploy/janus.service)."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from buergerbuero.media.janusconf import JanusSettings, render

PORT_RANGE = re.compile(r"^(\d{4,5})-(\d{4,5})$")


class Command(BaseCommand):
    help = "Write the Janus configuration folder for group sessions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--folder", required=True, help="where to write the .jcfg files")
        parser.add_argument(
            "--api-ip",
            default="127.0.0.1",
            help="address of Janus's API (loopback or a private network our server reaches; never public)",
        )
        parser.add_argument("--api-port", type=int, default=8188)
        parser.add_argument("--rtp-ports", default="20000-40000", help="UDP port range for media, LOW-HIGH")
        parser.add_argument(
            "--event-loops", type=int, default=None, help="media threads (default: the cores of this host)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.JANUS_ADMIN_KEY:
            raise CommandError("BUERGERBUERO_JANUS_ADMIN_KEY is not set: it becomes Janus's admin secret.")
        if not settings.JANUS_API_SECRET:
            raise CommandError("BUERGERBUERO_JANUS_API_SECRET is not set: it becomes Janus's API secret.")
        try:
            address = ipaddress.ip_address(options["api_ip"])
        except ValueError as exc:
            raise CommandError(f"--api-ip: {options['api_ip']!r} is not an IP address") from exc
        if address.is_global:
            # Browsers never talk to the Janus API; a public API would let anyone drive our media server.
            raise CommandError(f"--api-ip: {address} is public; use loopback or a private network address")
        match = PORT_RANGE.match(options["rtp_ports"])
        if not match:
            raise CommandError(f"--rtp-ports: {options['rtp_ports']!r} is not LOW-HIGH, e.g. 20000-40000")
        janus = JanusSettings(
            api_ip=str(address),
            api_port=options["api_port"],
            admin_secret=settings.JANUS_ADMIN_KEY,
            api_secret=settings.JANUS_API_SECRET,
            rtp_ports=(int(match.group(1)), int(match.group(2))),
            **({"event_loops": options["event_loops"]} if options["event_loops"] is not None else {}),
        )
        try:
            folder = render(janus, Path(options["folder"]))
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Janus configuration written to {folder}")
