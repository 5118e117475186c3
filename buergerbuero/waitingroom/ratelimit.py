"""What keeps one client from flooding a waiting area with tickets (public.views.offices enters through it).

- Per client address (IPv6 by /64, ``core.ratelimit``): ``WAITING_ENTRIES_PER_ADDRESS`` entries in
  ``WAITING_ENTRY_WINDOW_SECONDS``, counted in the cache under a keyed hash.
- Per browser session: ``WAITING_ENTRIES_PER_SESSION`` in the same window, kept in the session itself
  (server-side; a client that drops its cookie is still counted by its address).
- Under pressure (``under_pressure``) the form must carry a solved proof of work (core.pow),
  which the page's script solves by itself: cheap for one person, costly for a flood.

An entry is counted before the ticket is made and given back when the action refuses it (office
closed, queue full), as with bookings. Nothing of it is written to the database.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.utils import timezone

from buergerbuero.core.ratelimit import AddressLimit
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.models import Ticket, TicketState

ADDRESS = "address"
SESSION = "session"
SESSION_ENTRIES_KEY = "bb_waiting_entries"

ENTRIES = AddressLimit(
    salt="buergerbuero.waitingroom.ratelimit",
    prefix="waitingroom-entries",
    per_address=lambda: settings.WAITING_ENTRIES_PER_ADDRESS,
    window=lambda: settings.WAITING_ENTRY_WINDOW_SECONDS,
)


def window_seconds() -> int:
    return ENTRIES.window_seconds()


def _session_entries(session: SessionBase, now: float) -> list[float]:
    raw = session.get(SESSION_ENTRIES_KEY)
    if not isinstance(raw, list):
        return []
    since = now - window_seconds()
    return [t for t in raw if isinstance(t, int | float) and since < t <= now]


def take(address: str, session: SessionBase, now: float | None = None) -> str | None:
    """Count one entry. None if it may go ahead, else which limit it hit (``ADDRESS``, ``SESSION``);
    a refused entry is not counted."""
    now = time.time() if now is None else now
    entries = _session_entries(session, now)
    if len(entries) >= int(settings.WAITING_ENTRIES_PER_SESSION):
        return SESSION
    if not ENTRIES.take(address):
        return ADDRESS
    session[SESSION_ENTRIES_KEY] = [*entries, now]
    return None


def give_back(address: str, session: SessionBase) -> None:
    """The entry was refused by the action after all: it does not count."""
    ENTRIES.give_back(address)
    entries = session.get(SESSION_ENTRIES_KEY)
    if isinstance(entries, list) and entries:
        session[SESSION_ENTRIES_KEY] = entries[:-1]


def under_pressure(office: Office) -> bool:
    """Whether entering ``office`` needs the proof of work now: its queue holds at least
    ``WAITING_POW_QUEUE_PERCENT`` % of its maximum length (0: this criterion is off), or at least
    ``WAITING_POW_ENTRIES_PER_MINUTE`` tickets were made for it in the last minute."""
    percent = int(settings.WAITING_POW_QUEUE_PERCENT)
    if office.max_queue_length and percent:
        waiting = Ticket.objects.filter(office=office, state=TicketState.WAITING).count()
        if waiting * 100 >= office.max_queue_length * percent:
            return True
    recent = Ticket.objects.filter(office=office, created_at__gte=timezone.now() - timedelta(minutes=1))
    return recent.count() >= int(settings.WAITING_POW_ENTRIES_PER_MINUTE)
