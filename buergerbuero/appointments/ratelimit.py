"""How many bookings one client address and one e-mail address may make in a window (default: 5 and 3
per hour), counted in Django's cache under keyed hashes (core/ratelimit.py; the client address is
core.ratelimit's ``client_address``, an IPv6 client by its /64). Trainings' registrations count here too.

Settings (read with defaults): ``BOOKING_RATE_PER_ADDRESS`` (5), ``BOOKING_RATE_PER_EMAIL`` (3),
``BOOKING_RATE_WINDOW_SECONDS`` (3600).
"""

from __future__ import annotations

from buergerbuero.core.ratelimit import ADDRESS, EMAIL, TryLimit

__all__ = ["ADDRESS", "EMAIL", "give_back", "limits", "take", "window_seconds"]

BOOKINGS = TryLimit(
    salt="buergerbuero.appointments.ratelimit",
    prefix="appointments-bookings",
    per_address=("BOOKING_RATE_PER_ADDRESS", 5),
    per_email=("BOOKING_RATE_PER_EMAIL", 3),
    window=("BOOKING_RATE_WINDOW_SECONDS", 3600),
)

limits = BOOKINGS.limits
window_seconds = BOOKINGS.window_seconds
take = BOOKINGS.take
give_back = BOOKINGS.give_back
