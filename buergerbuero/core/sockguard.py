"""Addresses whose sockets break the rules get no new socket for a while.

A socket breaks the rules when it floods past its frame rate limit (core.consumers.BaseConsumer) or when
the server closes it for a frame over the size limit, invalid UTF-8 or a protocol error (close codes
1009, 1007, 1002). Pages of this site never do either. Each such violation takes a token from the
address's bucket (an IPv4 address, an IPv6 /64: core.ratelimit.address_bucket); while the bucket is
empty, new sockets from the address are refused at the handshake (HTTP 403), before any session or
database work. Sockets that are open stay open and keep their own frame limit.

Why: a client that reconnects after each violation would otherwise cost the server a session lookup and
a snapshot per reconnect (measured with bench/bench_faults.py's ``fuzz`` step: 125 reconnects in 14 s
took half a worker's database thread and raised other pages' round trips from 1.6 to 25 ms at the 95th
percentile).

Invariants: no address is held in clear, only a keyed hash of its bucket; an address forgiven in full is
forgotten; the ledger lives in each process (an attacker spread over N workers gets N times the
allowance, which still bounds the cost, and needs no round trip to Redis per handshake); it holds at most
MAX_ADDRESSES addresses, dropping the least recently seen; an address is refused only after violations
of its own (a school's pupils behind one address share that address's allowance, so one misbehaving
browser there can keep the others from opening new sockets while it goes on: the price of cheap
refusals, written in docs/operations.md).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.utils.crypto import salted_hmac

from buergerbuero.core.ratelimit import TokenBucket, address_bucket

logger = logging.getLogger(__name__)

# Close codes of a socket the server (uvicorn) closed for what the client sent: a protocol error, text
# that is not UTF-8, a message over --ws-max-size.
VIOLATION_CLOSE_CODES = frozenset({1002, 1007, 1009})
MAX_ADDRESSES = 10_000


class ViolationLedger:
    """Violations per address bucket, as token buckets of ``burst`` tokens refilled one per ``refill``
    seconds."""

    def __init__(
        self, burst: int, refill_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = burst
        self.rate = 1.0 / refill_seconds
        self.clock = clock
        self.buckets: OrderedDict[str, TokenBucket] = OrderedDict()
        self.warned: set[str] = set()

    def record(self, address: str) -> None:
        """One violation of ``address`` (a client address as the scope holds it)."""
        key = _key(address)
        bucket = self.buckets.get(key)
        if bucket is None:
            # Addresses forgiven in full are forgotten (the least recently seen come first).
            while self.buckets and next(iter(self.buckets.values())).seconds_until(self.burst) == 0:
                self._forget(next(iter(self.buckets)))
            while len(self.buckets) >= MAX_ADDRESSES:
                self._forget(next(iter(self.buckets)))
            bucket = self.buckets[key] = TokenBucket(self.rate, self.burst, clock=self.clock)
        self.buckets.move_to_end(key)
        bucket.take()

    def _forget(self, key: str) -> None:
        del self.buckets[key]
        self.warned.discard(key)

    def refused(self, address: str) -> bool:
        """Whether a new socket from ``address`` is refused now."""
        if not self.buckets:
            return False  # nobody broke the rules: no keyed hash on every handshake
        key = _key(address)
        bucket = self.buckets.get(key)
        if bucket is None:
            return False
        if bucket.seconds_until(1) > 0:
            if key not in self.warned:
                # Once per episode, without the address (logs hold no personal data).
                self.warned.add(key)
                logger.warning("refusing new sockets from an address whose sockets broke the rules")
            return True
        self.warned.discard(key)
        if bucket.seconds_until(self.burst) == 0:
            self._forget(key)  # back to a full allowance
        return False


def _key(address: str) -> str:
    # Held in memory only, and not in clear: a keyed hash of the address's bucket (IPv6 by /64).
    return salted_hmac("buergerbuero.core.sockguard", address_bucket(address)).hexdigest()[:32]


_ledger: ViolationLedger | None = None


def ledger() -> ViolationLedger:
    global _ledger
    if _ledger is None:
        _ledger = ViolationLedger(settings.WS_VIOLATION_BURST, settings.WS_VIOLATION_REFILL_SECONDS)
    return _ledger


def reset() -> None:
    """Forget every address (tests; settings changed)."""
    global _ledger
    _ledger = None


def scope_address(scope: dict[str, Any]) -> str | None:
    """The client's address of a socket (uvicorn puts the proxy's X-Forwarded-For there when it runs
    behind our reverse proxy, see deploy/)."""
    client = scope.get("client")
    return str(client[0]) if client else None


def record_violation(scope: dict[str, Any]) -> None:
    address = scope_address(scope)
    if address:
        ledger().record(address)


class SocketGuard:
    """Outermost layer of the socket stack: refuses new sockets from addresses that broke the rules."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        address = scope_address(scope)
        if address and ledger().refused(address):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
