"""Tries counted per client address and per e-mail address in a window, in Django's cache: the bookings
of appointments and the registrations of events (and trainings) share this one counter.

Invariants: no address is stored in clear, only a keyed hash in the cache key (the salt and the key's
prefix are the caller's, so counters of different forms never mix); nothing about it is written to the
database. A window starts with the first try and lasts as long as the window setting says. ``take``
counts before the booking or registration is tried, so two concurrent requests cannot both slip under the
limit; a try that fails (slot taken, event full) is given back.

Every public rate limit (bookings, events, trainings, certificates, the waiting area, the logins) counts
a client by ``address_bucket(client_address(request))``: an IPv4 address whole, an IPv6 address by its
/64 network, because one connection usually holds a whole /64 and can pick a fresh address from it for
every request.
"""

from __future__ import annotations

import contextlib
import ipaddress
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

ADDRESS = "address"
EMAIL = "email"


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind our reverse proxy (BEHIND_PROXY) that is the last X-Forwarded-For
    entry, the one the proxy appended; entries before it are whatever the client claimed."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")


def address_bucket(address: str) -> str:
    """What a rate limit counts for ``address``: an IPv4 address itself, an IPv6 address by its /64
    (an IPv4-mapped IPv6 address as its IPv4 address). Anything unparsable counts as itself."""
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        network = ipaddress.IPv6Network((int(parsed) >> 64 << 64, 64))
        return str(network)
    return str(parsed)


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
        values = {ADDRESS: address_bucket(address), EMAIL: email.strip().casefold()}
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


@dataclass(frozen=True)
class AddressLimit:
    """Tries counted per client address only (``address_bucket``), with the same invariants as
    ``TryLimit``. ``per_address`` and ``window`` are (setting name, default)."""

    salt: str
    prefix: str
    per_address: tuple[str, int]
    window: tuple[str, int]

    def limit(self) -> int:
        return _setting(self.per_address)

    def window_seconds(self) -> int:
        return _setting(self.window)

    def _key(self, address: str) -> str:
        return f"{self.prefix}:{ADDRESS}:{salted_hmac(self.salt, address_bucket(address)).hexdigest()}"

    def take(self, address: str) -> bool:
        """Count one try; False (and not counted) when the address has used up its window."""
        key = self._key(address)
        if cache.add(key, 1, self.window_seconds()):
            return True
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, self.window_seconds())
            return True
        if count > self.limit():
            _decr(key)
            return False
        return True

    def give_back(self, address: str) -> None:
        _decr(self._key(address))


class TokenBucket:
    """A rate limit held in memory: ``rate`` takes a second on average, bursts up to ``burst`` (a socket's
    frames, core.consumers; an address's violations, core.sockguard)."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:
        self.rate = rate
        self.capacity = burst
        self.tokens = float(burst)
        self.clock = clock
        self.updated = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def seconds_until(self, tokens: float) -> float:
        """How long until the bucket holds ``tokens`` (at most its capacity) again."""
        missing = min(tokens, self.capacity) - self.tokens - (self.clock() - self.updated) * self.rate
        return max(0.0, missing / self.rate)
