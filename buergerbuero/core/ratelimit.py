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
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

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


def count(key: str, window: int) -> int:
    """Count one more under ``key`` and return the count. The first count starts a window of ``window``
    seconds (``cache.add``); later ones keep its expiry (``cache.incr``, atomic, so of concurrent
    requests each sees a count of its own)."""
    if cache.add(key, 1, window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.add(key, 1, window)
        return 1


def uncount(key: str) -> None:
    """Take one count back under ``key`` (a try refused, or not made after all)."""
    with contextlib.suppress(ValueError):  # the window ended meanwhile
        cache.decr(key)


@dataclass(frozen=True)
class TryLimit:
    """One kind of try. ``per_address``, ``per_email`` and ``window`` read their settings (called at
    every try, so a changed setting applies at once)."""

    salt: str
    prefix: str
    per_address: Callable[[], int]
    per_email: Callable[[], int]
    window: Callable[[], int]

    def limits(self) -> dict[str, int]:
        return {ADDRESS: int(self.per_address()), EMAIL: int(self.per_email())}

    def window_seconds(self) -> int:
        return int(self.window())

    def _keys(self, address: str, email: str) -> dict[str, str]:
        values = {ADDRESS: address_bucket(address), EMAIL: email.strip().casefold()}
        return {
            kind: f"{self.prefix}:{kind}:{salted_hmac(self.salt, value).hexdigest()}"
            for kind, value in values.items()
        }

    def take(self, address: str, email: str) -> str | None:
        """Count one try. Returns None if it may go ahead, else which limit it hit (``ADDRESS`` or
        ``EMAIL``); a refused try is not counted."""
        keys = self._keys(address, email)
        taken: list[str] = []
        for kind, limit in self.limits().items():
            taken.append(keys[kind])
            if count(keys[kind], self.window_seconds()) > limit:
                for key in taken:
                    uncount(key)
                return kind
        return None

    def give_back(self, address: str, email: str) -> None:
        """The try was not made after all (e.g. the slot was taken meanwhile): it does not count."""
        for key in self._keys(address, email).values():
            uncount(key)


@dataclass(frozen=True)
class Refusals:
    """What a form says when a ``TryLimit`` refuses a try (the view answers 429 with it), by the limit
    that was hit."""

    per_address: str | Promise
    per_email: str | Promise

    def check(self, limit: TryLimit, address: str, email: str) -> str | None:
        """Count one try with ``limit`` (``TryLimit.take``): None if it may go ahead, else the message."""
        limited = limit.take(address, email)
        if limited is None:
            return None
        return str(self.per_address if limited == ADDRESS else self.per_email)


BOOKINGS_REFUSED = Refusals(
    gettext_lazy("Too many bookings were made from your connection within an hour. Please try again later."),
    gettext_lazy(
        "Too many bookings were made for this e-mail address within an hour. Please try again later."
    ),
)
REGISTRATIONS_REFUSED = Refusals(
    gettext_lazy(
        "Too many registrations were made from your connection within an hour. Please try again later."
    ),
    gettext_lazy(
        "Too many registrations were made for this e-mail address within an hour. Please try again later."
    ),
)


@dataclass(frozen=True)
class AddressLimit:
    """Tries counted per client address only (``address_bucket``), with the same invariants as
    ``TryLimit``. ``per_address`` and ``window`` read their settings."""

    salt: str
    prefix: str
    per_address: Callable[[], int]
    window: Callable[[], int]

    def limit(self) -> int:
        return int(self.per_address())

    def window_seconds(self) -> int:
        return int(self.window())

    def _key(self, address: str) -> str:
        return f"{self.prefix}:{ADDRESS}:{salted_hmac(self.salt, address_bucket(address)).hexdigest()}"

    def take(self, address: str) -> bool:
        """Count one try; False (and not counted) when the address has used up its window."""
        key = self._key(address)
        if count(key, self.window_seconds()) > self.limit():
            uncount(key)
            return False
        return True

    def give_back(self, address: str) -> None:
        uncount(self._key(address))


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
