"""How many registrations one client address and one e-mail address may make in a window (default: 10
and 5 per hour), counted in Django's cache under keyed hashes, as appointments/ratelimit.py does for
bookings (no address is stored in clear; nothing is written to the database). Counted before the
registration is tried; a try that fails (event full) is given back.

Settings (read with defaults): ``EVENT_RATE_PER_ADDRESS`` (10), ``EVENT_RATE_PER_EMAIL`` (5),
``EVENT_RATE_WINDOW_SECONDS`` (3600).
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

_SALT = "buergerbuero.events.ratelimit"

ADDRESS = "address"
EMAIL = "email"


def limits() -> dict[str, int]:
    return {
        ADDRESS: int(getattr(settings, "EVENT_RATE_PER_ADDRESS", 10)),
        EMAIL: int(getattr(settings, "EVENT_RATE_PER_EMAIL", 5)),
    }


def window_seconds() -> int:
    return int(getattr(settings, "EVENT_RATE_WINDOW_SECONDS", 3600))


def _keys(address: str, email: str) -> dict[str, str]:
    values = {ADDRESS: address, EMAIL: email.strip().casefold()}
    return {
        kind: f"events-registrations:{kind}:{salted_hmac(_SALT, v).hexdigest()}" for kind, v in values.items()
    }


def _incr(key: str) -> int:
    if cache.add(key, 1, window_seconds()):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, window_seconds())
        return 1


def _decr(key: str) -> None:
    with contextlib.suppress(ValueError):
        cache.decr(key)


def take(address: str, email: str) -> str | None:
    """Count one try; None if it may go ahead, else the limit it hit (a refused try is not counted)."""
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
    for key in _keys(address, email).values():
        _decr(key)
