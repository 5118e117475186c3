"""ICE servers for a participant's browser. TURN credentials follow coturn's REST API scheme
(``use-auth-secret``): the username is ``<expiry unix time>:<participant id>`` and the password is
base64(HMAC-SHA1(secret, username)). They are handed only to a participant of a running consultation,
live TURN_CREDENTIAL_TTL_SECONDS (minutes), and are renewed while the call runs: the connection that
holds the call sends its page fresh ones (``call.ice``) renewal_delay() seconds after the last ones, so a
credential that leaked is of no use soon after, and a page never holds an expired one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from django.conf import settings


def turn_credentials(participant_id: int, now: float | None = None) -> tuple[str, str]:
    expiry = int((now if now is not None else time.time()) + settings.TURN_CREDENTIAL_TTL_SECONDS)
    username = f"{expiry}:bb{participant_id}"
    digest = hmac.new(settings.TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def ice_configuration(participant_id: int) -> dict[str, object]:
    servers: list[dict[str, object]] = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    if settings.TURN_URLS:
        username, credential = turn_credentials(participant_id)
        servers.append({"urls": list(settings.TURN_URLS), "username": username, "credential": credential})
    return {
        "iceServers": servers,
        "iceTransportPolicy": "relay" if settings.ICE_RELAY_ONLY else "all",
    }


def renewal_delay() -> float:
    """Seconds after issuing credentials at which the page gets fresh ones: a minute before they expire
    (half their life when that is shorter), so a renewal that is late by seconds still comes in time."""
    ttl = float(settings.TURN_CREDENTIAL_TTL_SECONDS)
    return ttl - min(60.0, ttl / 2)
