"""The secrets of events: the invitation link, each registrant's own link, and the room's join links.

- Invitation and registrant links are 256 bits: HMAC-SHA256 of a random salt under SECRET_KEY (as the
  appointments' links, appointments/tokens.py). Only the SHA-256 of a link is stored; a new salt ends the
  old link. Every mail can carry the link again without it being stored.
- Join links of the room are made by ``rooms.actions.add_member``, which returns the secret once. We need
  it again (in every mail, on the registrant's page, on the staff page for the meeting hall), so it is
  kept *sealed*: XORed with a key stream derived from SECRET_KEY and a random nonce. The database alone
  cannot open it; changing SECRET_KEY ends all links, as it does for appointments.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings


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


def _stream(nonce: str, length: int) -> bytes:
    blocks = b""
    counter = 0
    while len(blocks) < length:
        blocks += _hmac(f"event-seal:{nonce}:{counter}")
        counter += 1
    return blocks[:length]


def seal(secret: str) -> str:
    """``nonce$hex``: the secret (at most 90 bytes) under a key stream that needs SECRET_KEY."""
    data = secret.encode("utf-8")
    if len(data) > 90:
        raise ValueError("secret too long to seal")
    nonce = secrets.token_hex(8)
    return f"{nonce}${bytes(a ^ b for a, b in zip(data, _stream(nonce, len(data)), strict=True)).hex()}"


def unseal(sealed: str) -> str:
    """The secret of ``seal``; "" for nothing or something that was not sealed by us."""
    nonce, sep, payload = sealed.partition("$")
    if not sep:
        return ""
    try:
        data = bytes.fromhex(payload)
    except ValueError:
        return ""
    plain = bytes(a ^ b for a, b in zip(data, _stream(nonce, len(data)), strict=True))
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        return ""
