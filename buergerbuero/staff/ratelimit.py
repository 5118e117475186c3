"""Failed staff logins, counted in Django's cache per username and per client address.

Invariants: no address (nor username) is stored in clear, only a keyed hash in the cache key; nothing
about logins is written to the database. A window starts with the first failure and lasts
``LOGIN_LOCKOUT_SECONDS``; once either counter reaches ``LOGIN_MAX_FAILURES`` every attempt (even with the
right password) is refused until the window ends.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

_SALT = "buergerbuero.staff.ratelimit"


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind our reverse proxy (BEHIND_PROXY) that is the last X-Forwarded-For
    entry, the one the proxy appended; entries before it are whatever the client claimed."""
    if settings.SECURE_PROXY_SSL_HEADER:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "")


def _key(kind: str, value: str) -> str:
    return f"staff-login-failures:{kind}:{salted_hmac(_SALT, value).hexdigest()}"


def _keys(username: str, address: str) -> list[str]:
    return [_key("user", username.strip().casefold()), _key("addr", address)]


def is_locked(username: str, address: str) -> bool:
    counts = cache.get_many(_keys(username, address))
    return any(count >= settings.LOGIN_MAX_FAILURES for count in counts.values())


def register_failure(username: str, address: str) -> None:
    for key in _keys(username, address):
        # add() starts the window only once; incr() keeps the key's expiry.
        if not cache.add(key, 1, settings.LOGIN_LOCKOUT_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.add(key, 1, settings.LOGIN_LOCKOUT_SECONDS)


def register_success(username: str) -> None:
    """A correct login clears the username's counter; the address counter stays, so one's own account
    cannot be used to reset guesses against others from the same address."""
    cache.delete(_key("user", username.strip().casefold()))
