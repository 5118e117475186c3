"""authorities.mails: the invitation and the reset mail, in the default language (German), from the
authority's name, with absolute links; a failing mail server never raises out of send_invitation."""

from __future__ import annotations

from email.utils import parseaddr

import pytest
from django.core.mail import EmailMessage

from buergerbuero.authorities import actions, mails

pytestmark = pytest.mark.django_db


def test_the_invitation_mail(world, settings) -> None:
    settings.SITE_URL = "https://buergerbuero.example"
    staff, token = actions.invite(
        world.admin, username="nina", email="nina@example.org", display_name="Nina Neu"
    )
    mail = mails.build_invitation(staff, token)
    assert mail.to == ["nina@example.org"]
    assert parseaddr(mail.from_email)[0] == "Landratsamt Testkreis"
    assert mail.extra_headers["Content-Language"] == "de"
    assert mail.extra_headers["Auto-Submitted"] == "auto-generated"
    assert f"https://buergerbuero.example/staff/people/invitation/{token}/" in mail.body
    assert "Nina Neu" in mail.body and "nina" in mail.body and "Testkreis" in mail.subject
    assert "\n\n\n" not in mail.body


def test_the_reset_mail(world) -> None:
    world.official_a.user.email = "anna@example.org"
    mail = mails.build_password_reset(world.official_a, "https://x.example/reset/")
    assert mail.to == ["anna@example.org"]
    assert parseaddr(mail.from_email)[0] == "Landratsamt Testkreis"
    assert "https://x.example/reset/" in mail.body and "anna" in mail.body
    assert "Testkreis" in mail.subject


def test_send_invitation_never_raises(world, monkeypatch, mailoutbox) -> None:
    staff, token = actions.invite(
        world.admin, username="nina", email="nina@example.org", display_name="Nina Neu"
    )

    def fail(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(EmailMessage, "send", fail)
    assert mails.send_invitation(staff.pk, token) is False
    assert mails.send_invitation(10**9, token) is False
    assert mailoutbox == []
