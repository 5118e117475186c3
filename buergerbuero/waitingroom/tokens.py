"""Ticket tokens: 256 random bits, kept in the citizen's browser session; only the SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

SESSION_KEY = "bb_ticket_token"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
