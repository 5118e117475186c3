"""How many certificates one client address may look up on the public verification page in a window
(default 60 an hour), counted in Django's cache.

Identifiers carry 90 random bits, so guessing is hopeless anyway; the limit keeps the page from being
used as an oracle in bulk, and keeps the database quiet. Only well-formed identifiers count (a typo is
caught by the check part before anything is looked up).

Invariants: no address is stored in clear, only a keyed hash in the cache key (as in
``staff.ratelimit``); nothing about lookups is written to the database. An IPv6 client counts by its /64
(``core.ratelimit.address_bucket``). A refused lookup counts too.

Settings: ``CERTIFICATE_LOOKUPS_PER_ADDRESS``, ``CERTIFICATE_LOOKUP_WINDOW_SECONDS``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

from buergerbuero.core.ratelimit import address_bucket, count

_SALT = "buergerbuero.certificates.ratelimit"


def limit() -> int:
    return int(settings.CERTIFICATE_LOOKUPS_PER_ADDRESS)


def window_seconds() -> int:
    return int(settings.CERTIFICATE_LOOKUP_WINDOW_SECONDS)


def _key(address: str) -> str:
    return f"certificate-lookups:{salted_hmac(_SALT, address_bucket(address)).hexdigest()}"


def take(address: str) -> bool:
    """Count one lookup; False when the address has used up its lookups for the window."""
    return count(_key(address), window_seconds()) <= limit()
