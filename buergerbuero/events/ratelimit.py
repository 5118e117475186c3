"""How many registrations one client address and one e-mail address may make in a window (default: 10
and 5 per hour), counted in Django's cache under keyed hashes (core/ratelimit.py, as for bookings).

Settings (read with defaults): ``EVENT_RATE_PER_ADDRESS`` (10), ``EVENT_RATE_PER_EMAIL`` (5),
``EVENT_RATE_WINDOW_SECONDS`` (3600).
"""

from __future__ import annotations

from buergerbuero.core.ratelimit import ADDRESS, EMAIL, TryLimit

__all__ = ["ADDRESS", "EMAIL", "give_back", "limits", "take", "window_seconds"]

REGISTRATIONS = TryLimit(
    salt="buergerbuero.events.ratelimit",
    prefix="events-registrations",
    per_address=("EVENT_RATE_PER_ADDRESS", 10),
    per_email=("EVENT_RATE_PER_EMAIL", 5),
    window=("EVENT_RATE_WINDOW_SECONDS", 3600),
)

limits = REGISTRATIONS.limits
window_seconds = REGISTRATIONS.window_seconds
take = REGISTRATIONS.take
give_back = REGISTRATIONS.give_back
