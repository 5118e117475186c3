"""Failed logins, one policy for the staff login and the admin login (staff.forms.LockoutMixin), counted
in Django's cache.

Two counters. One per (username, client address): once it holds ``LOGIN_MAX_FAILURES`` failures the
next attempt is refused (even with the right password) until ``LOGIN_LOCKOUT_SECONDS`` after the last
failure, and every further failure doubles that, up to ``LOGIN_LOCKOUT_MAX_SECONDS``; it is forgotten
``LOGIN_FAILURE_MEMORY_SECONDS`` after the last failure, and cleared by a successful login. One per
client address across all usernames (against trying many accounts): ``LOGIN_MAX_FAILURES_PER_ADDRESS``
failures within a fixed window of ``LOGIN_LOCKOUT_SECONDS`` lock that address the same way; the window
does not slide, so the occasional typos of the many people behind one office network do not add up.
Addresses count by ``core.ratelimit.address_bucket`` (an IPv6 client by its /64). There is
deliberately no counter per username alone: anyone could then lock an official out. So a lock never
reaches an address that has not failed itself. A refused attempt is not counted.

Invariants: no address nor username is stored in clear, only keyed hashes in the cache keys; nothing
about logins is written to the database. An attempt is counted (``cache.incr``, atomic) before its
password is checked and given back on success or refusal, so parallel attempts cannot all slip in
under the threshold while the first ones are still being hashed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from buergerbuero.core.ratelimit import address_bucket, count, uncount

_SALT = "buergerbuero.staff.ratelimit"
_PREFIX = "login-failures"


def _now() -> float:
    return time.time()


def lock_seconds(failures: int, threshold: int) -> int:
    """How long ``failures`` failures lock a counter whose threshold is ``threshold`` (0: not locked)."""
    if failures < threshold:
        return 0
    base = int(settings.LOGIN_LOCKOUT_SECONDS)
    ceiling = int(settings.LOGIN_LOCKOUT_MAX_SECONDS)
    # Past ~40 doublings every sensible ceiling is reached; the cap keeps the power small.
    return min(ceiling, base * 2 ** min(failures - threshold, 40))


@dataclass(frozen=True)
class _Counter:
    key: str
    threshold: int
    # Seconds the count is kept; ``sliding``: from the last failure, else from the first.
    memory: int
    sliding: bool

    @property
    def time_key(self) -> str:
        return f"{self.key}:last"


def _counters(username: str, address: str) -> list[_Counter]:
    bucket = address_bucket(address)
    user = username.strip().casefold()
    pair = salted_hmac(_SALT, f"{user}\x00{bucket}").hexdigest()
    addr = salted_hmac(_SALT, bucket).hexdigest()
    per_address = int(settings.LOGIN_MAX_FAILURES_PER_ADDRESS)
    memory = int(settings.LOGIN_FAILURE_MEMORY_SECONDS)
    return [
        _Counter(f"{_PREFIX}:pair:{pair}", int(settings.LOGIN_MAX_FAILURES), memory, sliding=True),
        # A fixed window: behind one address (an authority's own network) many people log in, and
        # their occasional typos must not add up over days.
        _Counter(f"{_PREFIX}:addr:{addr}", per_address, int(settings.LOGIN_LOCKOUT_SECONDS), sliding=False),
    ]


def _remaining(counter: _Counter, failures: int, now: float) -> int:
    """Seconds the counter stays locked with ``failures`` failures so far."""
    seconds = lock_seconds(failures, counter.threshold)
    if not seconds:
        return 0
    # A failure whose time is not written yet is one being checked right now.
    last = cache.get(counter.time_key)
    last = now if last is None else float(last)
    return max(0, math.ceil(last + seconds - now))


def begin_attempt(username: str, address: str, now: float | None = None) -> int:
    """Count an attempt before its password is checked. Returns 0 if it may go ahead, else the seconds
    until it may (the attempt is then not counted). An attempt that went ahead must be ended with
    ``register_failure`` or ``register_success``."""
    now = _now() if now is None else now
    counters = _counters(username, address)
    taken: list[_Counter] = []
    wait = 0
    for counter in counters:
        failures = count(counter.key, counter.memory)
        taken.append(counter)
        wait = max(wait, _remaining(counter, failures - 1, now))
        if wait:
            break
    if wait:
        for counter in taken:
            uncount(counter.key)
    return wait


def register_failure(username: str, address: str, now: float | None = None) -> None:
    """The attempt begun with ``begin_attempt`` failed: it stays counted, and its time starts the lock."""
    now = _now() if now is None else now
    for counter in _counters(username, address):
        cache.set(counter.time_key, now, counter.memory)
        if counter.sliding:
            cache.touch(counter.key, counter.memory)


def register_success(username: str, address: str) -> None:
    """The attempt succeeded: the pair's counter is cleared, the address's gets its attempt back."""
    pair, addr = _counters(username, address)
    cache.delete_many([pair.key, pair.time_key])
    uncount(addr.key)


def cancel_attempt(username: str, address: str) -> None:
    """The attempt begun with ``begin_attempt`` checked no password (a field was empty): not counted."""
    for counter in _counters(username, address):
        uncount(counter.key)


def is_locked(username: str, address: str, now: float | None = None) -> bool:
    """Whether an attempt now would be refused (counts nothing)."""
    now = _now() if now is None else now
    counters = _counters(username, address)
    counts = cache.get_many([c.key for c in counters])
    return any(_remaining(c, int(counts.get(c.key, 0)), now) for c in counters)
