"""How many registrations one client address and one e-mail address may make in a window (default: 10
and 5 per hour), counted in Django's cache under keyed hashes (core/ratelimit.py, as for bookings).

Settings: ``EVENT_RATE_PER_ADDRESS``, ``EVENT_RATE_PER_EMAIL``, ``EVENT_RATE_WINDOW_SECONDS``.
"""

from __future__ import annotations

from django.conf import settings

from buergerbuero.core.ratelimit import ADDRESS, EMAIL, TryLimit

__all__ = ["ADDRESS", "EMAIL", "give_back", "limits", "take", "window_seconds"]

REGISTRATIONS = TryLimit(
    salt="buergerbuero.events.ratelimit",
    prefix="events-registrations",
    per_address=lambda: settings.EVENT_RATE_PER_ADDRESS,
    per_email=lambda: settings.EVENT_RATE_PER_EMAIL,
    window=lambda: settings.EVENT_RATE_WINDOW_SECONDS,
)

limits = REGISTRATIONS.limits
window_seconds = REGISTRATIONS.window_seconds
take = REGISTRATIONS.take
give_back = REGISTRATIONS.give_back
