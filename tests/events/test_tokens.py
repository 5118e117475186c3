"""events.tokens: links derived from a salt under SECRET_KEY, and join links sealed so that the
database alone cannot open them."""

from __future__ import annotations

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
