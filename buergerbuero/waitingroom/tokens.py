"""Ticket tokens: 256 random bits proving that a browser owns its place in the queue.

Only the SHA-256 is stored, on the ``Ticket`` and in the citizen's session alike: the secret itself is
never kept, so a leaked session store or database names no ticket that a browser could take over without
its session cookie. Sessions written before hashes were kept may still hold the secret; it is hashed
when read (``session_hash``) and replaced by its hash on the next page the browser opens
(``public.views``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

SESSION_KEY = "bb_ticket_token"
_HASH = re.compile(r"^[0-9a-f]{64}$")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def remember(session: Any, token: str) -> None:
    """Keep the hash of the ticket's token in the browser's session (never the token)."""
    session[SESSION_KEY] = hash_token(token)


def session_hash(session: Any) -> str | None:
    """The hash of the ticket token this session holds, or None. A raw token (an older session, 43
    characters, never 64 hex digits) is hashed here; anything else is ignored."""
    value = session.get(SESSION_KEY) if session is not None else None
    if not isinstance(value, str) or not value or len(value) > 100:
        return None
    return value if _HASH.match(value) else hash_token(value)


def upgrade_session(session: Any) -> None:
    """Replace a raw token from an older session by its hash (nothing else changes)."""
    hashed = session_hash(session)
    if hashed is not None and session.get(SESSION_KEY) != hashed:
        session[SESSION_KEY] = hashed
