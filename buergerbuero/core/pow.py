"""A proof of work on the booking form, so that a bot cannot grab scarce slots by the thousand (the scheme
of ALTCHA, self-hosted: no third-party service, no cookie, nothing stored about the person).

The server picks a random ``salt`` (with its expiry in it) and a secret ``number`` from 0 to
``max_number``, and hands out ``challenge = SHA-256(salt + number)`` with an HMAC of the challenge under
SECRET_KEY. The browser (static/core/pow-worker.js) tries numbers until one hashes to the
challenge, about ``max_number / 2`` hashes, a fraction of a second on a phone and the same for every
bot request. It returns the found number with the challenge, salt and signature.

Invariants:
- The expiry is part of the salt, so it is covered by the hash, and the hash by the signature: nobody
  can lengthen a challenge's life or make up a challenge without SECRET_KEY.
- A solution is accepted once: ``consume`` adds the challenge to the cache until it expires, with the
  cache's atomic ``add``. With several web processes the cache must be shared (Redis, REDIS_URL); the
  embedded default is one process with an in-memory cache.

Settings (none needs to be set): ``BOOKING_POW_MAX_NUMBER`` (default 50,000),
``BOOKING_POW_TTL_SECONDS`` (default 3,600: the page re-fetches a fresh challenge when a form stays
open longer, so nobody is timed out, see static/core/pow-form.js).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.crypto import salted_hmac

from buergerbuero.core import untrusted

ALGORITHM = "SHA-256"
# Salt and prefix keep the names of the app this came from: challenges and used solutions survive an update.
_KEY_SALT = "buergerbuero.appointments.pow"
_CACHE_PREFIX = "appointments-pow-used:"


def max_number() -> int:
    return int(settings.BOOKING_POW_MAX_NUMBER)


def ttl_seconds() -> int:
    return int(settings.BOOKING_POW_TTL_SECONDS)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sign(challenge: str) -> str:
    return salted_hmac(_KEY_SALT, challenge, algorithm="sha256").hexdigest()


def create_challenge(now: float | None = None, maximum: int | None = None) -> dict[str, Any]:
    """A new challenge for the page (JSON-serialisable). ``expires_in`` lets the page know when to
    fetch a new one without trusting its own clock."""
    now = time.time() if now is None else now
    maximum = max_number() if maximum is None else maximum
    ttl = ttl_seconds()
    expires = int(now) + ttl
    salt = f"{secrets.token_hex(12)}?expires={expires}"
    number = secrets.randbelow(maximum + 1)
    challenge = _sha256(f"{salt}{number}")
    return {
        "algorithm": ALGORITHM,
        "challenge": challenge,
        "maxnumber": maximum,
        "salt": salt,
        "signature": _sign(challenge),
        "expires_in": ttl,
    }


def page_config() -> dict[str, Any]:
    """What a page with a protected form hands its script (json_script ``pow-config``, read by
    static/core/pow-form.js): a challenge, and where to fetch a fresh one."""
    return {"challenge": create_challenge(), "challenge_url": reverse("appointments:pow-challenge")}


def solve(challenge: dict[str, Any]) -> str:
    """What the browser does, in Python (for tests and tools): the payload of the hidden field."""
    for number in range(int(challenge["maxnumber"]) + 1):
        if _sha256(f"{challenge['salt']}{number}") == challenge["challenge"]:
            return encode_solution(challenge, number)
    raise ValueError("no solution")


def encode_solution(challenge: dict[str, Any], number: int) -> str:
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


@dataclass(frozen=True)
class Verdict:
    ok: bool
    # "" when ok, else one of: missing, malformed, signature, expired, wrong, replayed
    reason: str = ""
    challenge: str = ""
    expires: int = 0


def _expiry(salt: str) -> int | None:
    _random, sep, query = salt.partition("?")
    if not sep or not query.startswith("expires="):
        return None
    try:
        return int(query.removeprefix("expires="))
    except ValueError:
        return None


def verify(payload: str | None, now: float | None = None) -> Verdict:
    """Check a solution without using it up: signature, expiry, hash, and that it was not used before."""
    now = time.time() if now is None else now
    if not payload:
        return Verdict(False, "missing")
    if len(payload) > 2000:
        return Verdict(False, "malformed")
    try:
        data = untrusted.loads(base64.b64decode(payload, validate=True))  # deep nesting too
        algorithm, challenge, salt, signature = (
            data["algorithm"],
            data["challenge"],
            data["salt"],
            data["signature"],
        )
        number = data["number"]
    except (ValueError, TypeError, KeyError, binascii.Error):
        return Verdict(False, "malformed")
    if not all(isinstance(v, str) for v in (algorithm, challenge, salt, signature)):
        return Verdict(False, "malformed")
    if untrusted.unclean_text([algorithm, challenge, salt, signature]):  # a lone surrogate cannot be hashed
        return Verdict(False, "malformed")
    if algorithm != ALGORITHM or not isinstance(number, int) or isinstance(number, bool) or number < 0:
        return Verdict(False, "malformed")
    if not hmac.compare_digest(_sign(challenge), signature):
        return Verdict(False, "signature")
    expires = _expiry(salt)
    if expires is None:
        return Verdict(False, "malformed")
    if expires <= now:
        return Verdict(False, "expired")
    if not hmac.compare_digest(_sha256(f"{salt}{number}"), challenge):
        return Verdict(False, "wrong")
    if cache.get(_CACHE_PREFIX + challenge) is not None:
        return Verdict(False, "replayed")
    return Verdict(True, "", challenge, expires)


def consume(verdict: Verdict, now: float | None = None) -> bool:
    """Use a verified solution up. False if another request used it first (they raced)."""
    now = time.time() if now is None else now
    if not verdict.ok:
        return False
    timeout = max(1, int(verdict.expires - now) + 1)
    return cache.add(_CACHE_PREFIX + verdict.challenge, 1, timeout)
