"""Events at times the tests control, and a registration through the action."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from buergerbuero.events.actions import lifecycle, registrations
from buergerbuero.events.models import Event, Registration, RegistrationMode
from buergerbuero.rooms.models import RoomMode
from tests.conftest import World

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def soon(days: int = 7, hour: int = 18) -> dt.datetime:
    """A start some days ahead, at a whole hour in Berlin (tests of the pages run at the real time)."""
    day = timezone.localtime(timezone.now(), BERLIN).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BERLIN)


def make_event(world: World, **fields: object) -> Event:
    """An open conference of office A (by its lead Anna), 18:00-20:00 a week ahead, 20 places."""
    start = fields.pop("starts_at", soon())
    data: dict = {
        "office": world.office_a,
        "title": "Bürgerversammlung Windkraft",
        "description": "Informationen & Fragen",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),  # type: ignore[operator]
        "mode": RoomMode.CONFERENCE,
        "registration": RegistrationMode.OPEN,
        "capacity": 20,
        "moderators": [world.official_a],
    }
    data.update(fields)
    actor = data.pop("actor", world.official_a)
    return lifecycle.create_event(actor, **data)


def register(
    event: Event, name: str = "Erika Muster", email: str = "erika@example.org", **kw
) -> Registration:
    return registrations.register(event, name=name, email=email, **kw)
