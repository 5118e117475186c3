"""The secrets of events: the invitation link, each registrant's own link, and the room's join links.

- Invitation and registrant links are 256 bits: HMAC-SHA256 of a random salt under SECRET_KEY (as the
  appointments' links, appointments/tokens.py). Only the SHA-256 of a link is stored; a new salt ends the
  old link. Every mail can carry the link again without it being stored.
- Join links of the room are made by ``rooms.actions.members.add_member``, which returns the secret once.
  We need it again (in every mail, on the registrant's page, on the staff page for the meeting hall), so it is
  kept *sealed*: AES-256-GCM under a key derived from SECRET_KEY (core/sealing.py). The database alone
  cannot open it, nor change it unnoticed; changing SECRET_KEY ends all links, as it does for
  appointments. (Links sealed by older versions with a home-made key stream were sealed anew by
  migration 0002.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings

from buergerbuero.core import sealing

SEAL_PURPOSE = "event-join-link"


def new_salt() -> str:
    return secrets.token_hex(16)


def _hmac(message: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).digest()


def derive(salt: str, purpose: str) -> str:
    return base64.urlsafe_b64encode(_hmac(f"event-{purpose}:{salt}")).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_token(salt: str) -> str:
    return derive(salt, "invitation")


def registration_token(salt: str) -> str:
    return derive(salt, "registration")


def seal(secret: str) -> str:
    """The join link sealed with AES-GCM under a key derived from SECRET_KEY (core.sealing)."""
    return sealing.seal(secret, SEAL_PURPOSE)


def unseal(sealed: str) -> str:
    """The secret of ``seal``; "" for nothing or something that was not sealed by us."""
    return sealing.unseal(sealed, SEAL_PURPOSE)
