"""How many bookings one client address and one e-mail address may make in a window (default: 5 and 3
per hour), counted in Django's cache.

Invariants: no address is stored in clear, only a keyed hash in the cache key (as in staff.ratelimit,
whose ``client_address`` we use); nothing about it is written to the database. A window starts with the
first booking and lasts ``BOOKING_RATE_WINDOW_SECONDS``. ``take`` counts before the booking is tried, so
two concurrent requests cannot both slip under the limit; a try that fails (slot taken) is given back.

Settings (read with defaults): ``BOOKING_RATE_PER_ADDRESS`` (5), ``BOOKING_RATE_PER_EMAIL`` (3),
``BOOKING_RATE_WINDOW_SECONDS`` (3600).
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

_SALT = "buergerbuero.appointments.ratelimit"

ADDRESS = "address"
EMAIL = "email"


def limits() -> dict[str, int]:
    return {
        ADDRESS: int(getattr(settings, "BOOKING_RATE_PER_ADDRESS", 5)),
        EMAIL: int(getattr(settings, "BOOKING_RATE_PER_EMAIL", 3)),
    }


def window_seconds() -> int:
    return int(getattr(settings, "BOOKING_RATE_WINDOW_SECONDS", 3600))


def _key(kind: str, value: str) -> str:
    return f"appointments-bookings:{kind}:{salted_hmac(_SALT, value).hexdigest()}"


def _keys(address: str, email: str) -> dict[str, str]:
    return {ADDRESS: _key(ADDRESS, address), EMAIL: _key(EMAIL, email.strip().casefold())}


def _incr(key: str) -> int:
    # add() starts the window only once; incr() keeps the key's expiry.
    if cache.add(key, 1, window_seconds()):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, window_seconds())
        return 1


def _decr(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        cache.decr(key)


def take(address: str, email: str) -> str | None:
    """Count one booking try. Returns None if it may go ahead, else which limit it hit (``ADDRESS`` or
    ``EMAIL``); a refused try is not counted."""
    keys = _keys(address, email)
    taken: list[str] = []
    for kind, limit in limits().items():
        taken.append(keys[kind])
        if _incr(keys[kind]) > limit:
            for key in taken:
                _decr(key)
            return kind
    return None


def give_back(address: str, email: str) -> None:
    """The booking was not made (e.g. the slot was taken meanwhile): the try does not count."""
    for key in _keys(address, email).values():
        _decr(key)
