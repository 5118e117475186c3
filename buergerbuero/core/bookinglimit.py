"""How many bookings one client address and one e-mail address may make in a window (default: 5 and 3
per hour), counted in Django's cache under keyed hashes (core/ratelimit.py; the client address is
core.ratelimit's ``client_address``, an IPv6 client by its /64). Trainings' registrations count here too,
which is why it lives in core and not in appointments. Salt and prefix keep their first names, so
counters survive an update.

Settings: ``BOOKING_RATE_PER_ADDRESS``, ``BOOKING_RATE_PER_EMAIL``, ``BOOKING_RATE_WINDOW_SECONDS``.
"""

from __future__ import annotations

from django.conf import settings

from buergerbuero.core.ratelimit import ADDRESS, EMAIL, TryLimit

__all__ = ["ADDRESS", "EMAIL", "give_back", "limits", "take", "window_seconds"]

BOOKINGS = TryLimit(
    salt="buergerbuero.appointments.ratelimit",
    prefix="appointments-bookings",
    per_address=lambda: settings.BOOKING_RATE_PER_ADDRESS,
    per_email=lambda: settings.BOOKING_RATE_PER_EMAIL,
    window=lambda: settings.BOOKING_RATE_WINDOW_SECONDS,
)

limits = BOOKINGS.limits
window_seconds = BOOKINGS.window_seconds
take = BOOKINGS.take
give_back = BOOKINGS.give_back
