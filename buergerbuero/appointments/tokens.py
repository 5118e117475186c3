"""The secret links of a booking: one to manage it (cancel, reschedule, join), one to confirm it.

Each is 256 bits: HMAC-SHA256 of a random per-booking salt under the installation's SECRET_KEY. Only the
SHA-256 of a token is stored, and the salt is useless without the key, so the database alone opens no
booking; yet every mail (confirmation, each reminder, a notice that the office moved it) can carry the
same link again without storing it. Changing SECRET_KEY ends all links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings


def new_salt() -> str:
    return secrets.token_hex(16)


def derive(salt: str, purpose: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"booking-{purpose}:{salt}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def manage_token(salt: str) -> str:
    return derive(salt, "manage")


def confirm_token(salt: str) -> str:
    return derive(salt, "confirm")
