"""The secret of an invitation link: 256 random bits, of which only the SHA-256 is stored. The link is
known only to the mail (and to the operator who ran ``create_authority``); a new token ends the old
link."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
