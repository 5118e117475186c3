"""events.tokens: links derived from a salt under SECRET_KEY, and join links sealed so that the
database alone cannot open them."""

from __future__ import annotations

import pytest
from django.test import override_settings

from buergerbuero.events import tokens
from buergerbuero.rooms.tokens import new_token


def test_derived_links_depend_on_salt_purpose_and_key() -> None:
    salt = tokens.new_salt()
    invitation = tokens.invitation_token(salt)
    assert invitation == tokens.invitation_token(salt)
    assert invitation != tokens.registration_token(salt)
    assert invitation != tokens.invitation_token(tokens.new_salt())
    assert len(invitation) == 43
    with override_settings(SECRET_KEY="another key of sufficient length for the test 0123456789"):
        assert tokens.invitation_token(salt) != invitation


def test_a_sealed_join_link_opens_only_with_the_key() -> None:
    secret = new_token()
    sealed = tokens.seal(secret)
    assert secret not in sealed and tokens.unseal(sealed) == secret
    assert tokens.seal(secret) != sealed  # a fresh nonce every time
    with override_settings(SECRET_KEY="another key of sufficient length for the test 0123456789"):
        assert tokens.unseal(sealed) != secret


def test_unseal_of_nothing_or_garbage_is_empty() -> None:
    assert tokens.unseal("") == ""
    assert tokens.unseal("no-separator") == ""
    assert tokens.unseal("abc$not-hex") == ""


def test_a_sealed_join_link_is_authenticated() -> None:
    """A sealed link changed in one bit, or opened under another key, gives nothing (not a changed
    secret, as a bare key stream would)."""
    import base64

    secret = new_token()
    sealed = tokens.seal(secret)
    body = sealed.split("$", 1)[1]
    data = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    data[len(data) // 2] ^= 1
    changed = "g1$" + base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode()
    assert sealed.startswith("g1$") and tokens.unseal(changed) == ""
    with override_settings(SECRET_KEY="another key of sufficient length for the test 0123456789"):
        assert tokens.unseal(sealed) == ""
    assert tokens.unseal(sealed[:-4]) == "" and tokens.unseal("g1$!!") == ""


@pytest.mark.django_db
def test_links_sealed_by_older_versions_are_sealed_anew(world) -> None:
    """Migration 0002 turns the home-made key stream into AES-GCM; the link stays the same."""
    import hashlib
    import hmac
    import importlib

    from django.apps import apps
    from django.conf import settings

    from buergerbuero.events.models import Registration
    from tests.events.helpers import make_event, register

    registration = register(make_event(world))
    secret = tokens.unseal(registration.join_link_sealed)
    nonce = "0123456789abcdef"
    stream = b"".join(
        hmac.new(settings.SECRET_KEY.encode(), f"event-seal:{nonce}:{i}".encode(), hashlib.sha256).digest()
        for i in range(2)
    )
    legacy = f"{nonce}${bytes(a ^ b for a, b in zip(secret.encode(), stream, strict=False)).hex()}"
    Registration.objects.filter(pk=registration.pk).update(join_link_sealed=legacy)
    importlib.import_module("buergerbuero.events.migrations.0002_reseal_join_links").reseal(apps, None)
    registration.refresh_from_db()
    assert registration.join_link_sealed.startswith("g1$")
    assert tokens.unseal(registration.join_link_sealed) == secret
