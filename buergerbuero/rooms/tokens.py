"""Join links of group sessions: 256 random bits in the link; only the SHA-256 is stored, in the database
and in the browser's session alike."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

# The SHA-256 of each join-link secret this browser presented, by room id (``{"<room id>": hash}``),
# written by the join page and read by the room's socket and the material view. The secret itself is
# never kept: a session store that leaks gives no working link. Sessions written before hashes were kept
# may still hold a secret there; it is hashed when read and replaced by its hash on the next join.
SESSION_KEY = "bb_room_member_tokens"
_HASH = re.compile(r"^[0-9a-f]{64}$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _as_hash(value: Any) -> str | None:
    if not isinstance(value, str) or not value or len(value) > 100:
        return None
    return value if _HASH.match(value) else hash_token(value)


def session_hashes(session: Any) -> dict[str, str]:
    """The join-link hashes this session holds, by room id (as a string)."""
    stored = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(stored, dict):
        return {}
    hashes = {}
    for room_id, value in stored.items():
        hashed = _as_hash(value)
        if isinstance(room_id, str) and hashed is not None:
            hashes[room_id] = hashed
    return hashes


def remember(session: Any, room_id: int, token: str) -> None:
    """Keep the hash of the join link this browser opened for the room (and no secret of any room)."""
    hashes = session_hashes(session)
    hashes[str(room_id)] = hash_token(token)
    if session.get(SESSION_KEY) != hashes:
        session[SESSION_KEY] = hashes
