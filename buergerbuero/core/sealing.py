"""Sealing short secrets that must be shown again later but must not be readable from the database
alone (a registrant's join link, which the room makes once): AES-256-GCM from ``cryptography``, under a
key derived with HKDF from SECRET_KEY and the purpose. A sealed value opens only with the same
SECRET_KEY and purpose; a changed or truncated one does not open at all (authenticated encryption).

Format: ``g1$`` and the URL-safe base64 of a random 96-bit nonce followed by ciphertext and tag.
"""

from __future__ import annotations

import base64
import binascii
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "g1$"
_NONCE_BYTES = 12


def _cipher(purpose: str) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"buergerbuero-seal:{purpose}".encode()
    ).derive(settings.SECRET_KEY.encode("utf-8"))
    return AESGCM(key)


def seal(secret: str, purpose: str) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    sealed = _cipher(purpose).encrypt(nonce, secret.encode("utf-8"), purpose.encode())
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")


def unseal(sealed: str, purpose: str) -> str:
    """The secret of ``seal``; "" for nothing, something not sealed by us, for another purpose or under
    another SECRET_KEY, or changed in any bit."""
    if not sealed.startswith(PREFIX) or len(sealed) > 1000:
        return ""
    body = sealed[len(PREFIX) :]
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return ""
    if len(data) <= _NONCE_BYTES + 16:
        return ""
    try:
        plain = _cipher(purpose).decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], purpose.encode())
    except InvalidTag:
        return ""
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        return ""
