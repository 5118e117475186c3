"""The secret link of a registration: the individual's page (check after the session, certificate) or
the teacher's class page (roster check-in, certificates of the class).

As for bookings (appointments/tokens.py): 256 bits, HMAC-SHA256 of a random per-registration salt under
SECRET_KEY; only the SHA-256 of the token is stored, so every mail can carry the link again and the
database alone opens nothing. (The join link of the live room is another secret, made by rooms.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings


def new_salt() -> str:
    return secrets.token_hex(16)


def registration_token(salt: str) -> str:
    digest = hmac.new(settings.SECRET_KEY.encode(), f"training-registration:{salt}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
