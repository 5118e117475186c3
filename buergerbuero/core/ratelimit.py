"""Tries counted per client address and per e-mail address in a window, in Django's cache: the bookings
of appointments and the registrations of events (and trainings) share this one counter.

Invariants: no address is stored in clear, only a keyed hash in the cache key (the salt and the key's
prefix are the caller's, so counters of different forms never mix); nothing about it is written to the
database. A window starts with the first try and lasts as long as the window setting says. ``take``
counts before the booking or registration is tried, so two concurrent requests cannot both slip under the
limit; a try that fails (slot taken, event full) is given back.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

ADDRESS = "address"
EMAIL = "email"


@dataclass(frozen=True)
class TryLimit:
    """One kind of try. ``per_address``, ``per_email`` and ``window`` are (setting name, default)."""

    salt: str
    prefix: str
    per_address: tuple[str, int]
    per_email: tuple[str, int]
    window: tuple[str, int]

    def limits(self) -> dict[str, int]:
        return {ADDRESS: _setting(self.per_address), EMAIL: _setting(self.per_email)}

    def window_seconds(self) -> int:
        return _setting(self.window)

    def _keys(self, address: str, email: str) -> dict[str, str]:
        values = {ADDRESS: address, EMAIL: email.strip().casefold()}
        return {
            kind: f"{self.prefix}:{kind}:{salted_hmac(self.salt, value).hexdigest()}"
            for kind, value in values.items()
        }

    def _incr(self, key: str) -> int:
        # add() starts the window only once; incr() keeps the key's expiry.
        if cache.add(key, 1, self.window_seconds()):
            return 1
        try:
            return cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, self.window_seconds())
            return 1

    def take(self, address: str, email: str) -> str | None:
        """Count one try. Returns None if it may go ahead, else which limit it hit (``ADDRESS`` or
        ``EMAIL``); a refused try is not counted."""
        keys = self._keys(address, email)
        taken: list[str] = []
        for kind, limit in self.limits().items():
            taken.append(keys[kind])
            if self._incr(keys[kind]) > limit:
                for key in taken:
                    _decr(key)
                return kind
        return None

    def give_back(self, address: str, email: str) -> None:
        """The try was not made after all (e.g. the slot was taken meanwhile): it does not count."""
        for key in self._keys(address, email).values():
            _decr(key)


def _setting(name_and_default: tuple[str, int]) -> int:
    name, default = name_and_default
    return int(getattr(settings, name, default))


def _decr(key: str) -> None:
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        cache.decr(key)
