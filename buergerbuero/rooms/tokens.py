"""Join links of group sessions: 256 random bits in the link; only the SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

# The member token a browser presented with its join link, kept in its session for the room's socket.
SESSION_KEY = "bb_room_member_tokens"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
