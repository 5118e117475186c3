"""The people pages and one's own account (/staff/people/), per persona: an official, the authority's
administrator, the administrator of another authority (who finds nothing of ours: 404), and someone
signed out. Each page's effect is checked in the database, the audit log and the mails."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities import actions
from buergerbuero.authorities.models import Invitation, Role, Staff
from tests.conftest import PASSWORD, login

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a new and long passphrase"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    # The limits of tries (authorities.forms) count in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


def url(name: str, *args: object) -> str:
    return reverse(f"staff_people:{name}", args=args)


def actions_of(code: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=code).order_by("id"))


def page(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def invited(world, django_capture_on_commit_callbacks, role: str = Role.OFFICIAL) -> tuple[Staff, str]:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return actions.invite(
            world.admin, username="nina", email="nina@example.org", display_name="Nina Neu", role=role
        )


# --- one's own account -----------------------------------------------------------------------------


def test_an_official_changes_their_name(world, client) -> None:
    login(client, world.official_a)
    response = client.get(url("account"))
    assert response.status_code == 200
    assert 'value="Anna Amsel"' in page(response) and "anna" in page(response)
    response = client.post(url("account"), {"display_name": "Frau Amsel"}, follow=True)
    assert response.redirect_chain == [(url("account"), 302)]
    assert "Your name has been saved." in page(response) or "gespeichert" in page(response)
    world.official_a.refresh_from_db()
    assert world.official_a.display_name == "Frau Amsel"
    assert actions_of("staff.renamed")[0].actor_id == world.official_a.user_id


def test_an_empty_name_is_refused_with_a_message_at_the_field(world, client) -> None:
    login(client, world.official_a)
    response = client.post(url("account"), {"display_name": ""})
    assert response.status_code == 400
    html = page(response)
    assert 'id="error-summary"' in html
    assert 'aria-describedby="id_display_name-hint id_display_name-error"' in html
    assert 'aria-invalid="true"' in html
    world.official_a.refresh_from_db()
    assert world.official_a.display_name == "Anna Amsel"
    assert actions_of("staff.renamed") == []


def test_the_account_pages_need_a_login_and_the_right_method(world, client) -> None:
    for name in ("account", "password"):
        response = client.get(url(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))
    login(client, world.official_a)
    assert client.put(url("account")).status_code == 405
    assert client.delete(url("password")).status_code == 405


def test_an_official_changes_their_password_and_stays_signed_in(world, client) -> None:
    login(client, world.official_a)
    other_device = login(Client(), world.official_a)
    response = client.post(
        url("password"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302 and response["Location"] == url("account")
    assert get_user_model().objects.get(pk=world.official_a.user_id).check_password(NEW_PASSWORD)
    assert [e.actor_id for e in actions_of("staff.password_changed")] == [world.official_a.user_id]
    assert client.get(url("account")).status_code == 200
    # The other session ends with the old password.
    assert other_device.get(url("account")).status_code == 302


def test_a_wrong_old_password_or_weak_new_one_is_refused_and_never_echoed(world, client) -> None:
    login(client, world.official_a)
    response = client.post(
        url("password"), {"old_password": "wrong", "new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 400
    html = page(response)
    assert 'id="id_old_password-error"' in html
    assert 'value="wrong"' not in html and 'value="short"' not in html
    response = client.post(
        url("password"), {"old_password": PASSWORD, "new_password1": "12345", "new_password2": "12345"}
    )
    assert response.status_code == 400 and 'id="id_new_password2-error"' in page(response)
    assert get_user_model().objects.get(pk=world.official_a.user_id).check_password(PASSWORD)
    assert actions_of("staff.password_changed") == []


def test_guessing_the_old_password_is_limited(world, client) -> None:
    login(client, world.official_a)
    wrong = {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert [client.post(url("password"), wrong).status_code for _ in range(5)] == [400] * 5
    # From now on even the right password is refused.
    right = {**wrong, "old_password": PASSWORD}
    response = client.post(url("password"), right)
    assert response.status_code == 429
    assert get_user_model().objects.get(pk=world.official_a.user_id).check_password(PASSWORD)


# --- the password reset by mail --------------------------------------------------------------------


def test_the_login_page_links_to_the_reset(client, db) -> None:
    assert f'href="{url("reset")}"' in page(client.get(reverse("staff:login")))


def test_a_password_reset_by_mail(world, client, mailoutbox) -> None:
    get_user_model().objects.filter(pk=world.official_a.user_id).update(email="anna@example.org")
    response = client.post(url("reset"), {"email": "Anna@example.org"})
    assert response.status_code == 302 and response["Location"] == url("reset-sent")
    [mail] = mailoutbox
    assert mail.to == ["anna@example.org"]
    assert mail.extra_headers["X-Buergerbuero-Authority"] == str(world.authority.pk)
    link = re.search(r"https?://\S+/staff/people/password-reset/\S+/", mail.body)
    assert link is not None
    response = client.get(urlsplit(link.group(0)).path)
    assert response.status_code == 302  # Django moves the token out of the address into the session
    form_url = response["Location"]
    response = client.get(form_url)
    assert response.status_code == 200 and response["Referrer-Policy"] == "strict-origin"
    assert client.post(form_url, {"new_password1": "x", "new_password2": "y"}).status_code == 400
    response = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert response.redirect_chain[0] == (reverse("staff:login"), 302)
    assert get_user_model().objects.get(pk=world.official_a.user_id).check_password(NEW_PASSWORD)
    assert [e.object_id for e in actions_of("staff.password_reset")] == [world.official_a.pk]
    # The reset signs nobody in: the next login goes through the staff login and its lockout.
    assert client.get(url("account")).status_code == 302
    # The link works once.
    assert "invalid-link" in page(client.get(form_url))


def test_a_reset_sends_nothing_to_unknown_invited_or_non_staff_accounts(
    world, client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    invited(world, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-12345")
    for email in ("nobody@example.org", "nina@example.org", "root@example.org"):
        response = client.post(url("reset"), {"email": email})
        assert response.status_code == 302 and response["Location"] == url("reset-sent")
    assert mailoutbox == []


def test_a_failing_mail_server_does_not_tell_whether_an_address_is_known(world, client, monkeypatch) -> None:
    from django.core.mail import EmailMessage

    def fail(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(EmailMessage, "send", fail)
    get_user_model().objects.filter(pk=world.official_a.user_id).update(email="anna@example.org")
    for email in ("anna@example.org", "nobody@example.org"):
        response = client.post(url("reset"), {"email": email})
        assert response.status_code == 302 and response["Location"] == url("reset-sent")


def test_a_reset_link_of_someone_without_a_place_in_an_authority_is_invalid(client, db) -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw-root-12345")
    link = url(
        "reset-confirm", urlsafe_base64_encode(force_bytes(root.pk)), default_token_generator.make_token(root)
    )
    response = client.get(link, follow=True)
    assert response.status_code == 200 and 'id="invalid-link"' in page(response)
    assert get_user_model().objects.get(pk=root.pk).check_password("pw-root-12345")


def test_reset_requests_are_limited_per_address(world, client, mailoutbox) -> None:
    get_user_model().objects.filter(pk=world.official_a.user_id).update(email="anna@example.org")
    assert [client.post(url("reset"), {"email": "anna@example.org"}).status_code for _ in range(3)] == [
        302
    ] * 3
    response = client.post(url("reset"), {"email": "anna@example.org"})
    assert response.status_code == 429
    assert 'value="anna@example.org"' in page(response)
    assert len(mailoutbox) == 3
    assert client.post(url("reset"), {"email": "not an address"}).status_code == 400


# --- the people of the authority -------------------------------------------------------------------


def test_the_administrator_sees_the_people_of_their_authority_only(
    world, client, django_assert_max_num_queries, django_capture_on_commit_callbacks
) -> None:
    invited(world, django_capture_on_commit_callbacks)
    get_user_model().objects.filter(pk=world.official_a.user_id).update(
        email="anna@example.org", last_login=timezone.now()
    )
    get_user_model().objects.filter(pk=world.official_b.user_id).update(is_active=False)
    login(client, world.admin)
    # Session, user, staff, and the people with their users and invitations in one query: however many.
    with django_assert_max_num_queries(4):
        response = client.get(url("index"))
    assert response.status_code == 200
    html = page(response)
    assert "Nina Neu" in html and ("Invited" in html or "Eingeladen" in html)
    for name in ("Anna Amsel", "Alex Adler", "Bernd Bussard", "Ada Admin", "anna@example.org", "bernd"):
        assert name in html
    assert "Otto Other" not in html and "otto" not in html
    row_b = re.search(rf'data-staff-id="{world.official_b.pk}">(.*?)</tr>', html, re.S)
    assert row_b is not None and ("Deactivated" in row_b.group(1) or "Deaktiviert" in row_b.group(1))


def test_the_people_pages_are_for_administrators(world, client) -> None:
    person = url("person", world.official_a.pk)
    for path in (url("index"), url("invite"), person):
        assert client.get(path).status_code == 302  # signed out: to the login
    login(client, world.official_a)
    for path in (url("index"), url("invite"), person):
        assert client.get(path).status_code == 403
    assert client.post(url("role", world.official_a.pk), {"role": "admin"}).status_code == 403
    world.official_a.refresh_from_db()
    assert world.official_a.role == Role.OFFICIAL


def test_another_authoritys_administrator_finds_nothing_of_ours(world, client) -> None:
    login(client, world.other_admin)
    assert client.get(url("person", world.official_a.pk)).status_code == 404
    assert client.post(url("role", world.official_a.pk), {"role": "admin"}).status_code == 404
    assert client.post(url("active", world.official_a.pk), {"active": "0"}).status_code == 404
    assert client.post(url("revoke", world.official_a.pk)).status_code == 404
    assert get_user_model().objects.get(pk=world.official_a.user_id).is_active
    assert AuditEntry.objects.filter(action__startswith="staff.").count() == 0


def test_the_dashboard_links_the_account_and_for_administrators_the_people(world, client) -> None:
    login(client, world.official_a)
    html = page(client.get(reverse("staff:dashboard")))
    assert f'href="{url("account")}"' in html and f'href="{url("index")}"' not in html
    login(client, world.admin)
    html = page(client.get(reverse("staff:dashboard")))
    assert f'href="{url("account")}"' in html and f'href="{url("index")}"' in html


# --- inviting --------------------------------------------------------------------------------------


def test_the_administrator_invites_an_official(
    world, client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    login(client, world.admin)
    assert client.get(url("invite")).status_code == 200
    data = {"display_name": "Nina Neu", "username": "nina", "email": "nina@example.org", "role": "official"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("invite"), data)
    staff = Staff.objects.get(user__username="nina")
    assert response.status_code == 302 and response["Location"] == url("person", staff.pk)
    assert staff.authority == world.authority and not staff.user.has_usable_password()
    [mail] = mailoutbox
    assert mail.to == ["nina@example.org"] and "/staff/people/invitation/" in mail.body
    assert actions_of("staff.invited")[0].actor_id == world.admin.user_id
    html = page(client.get(url("person", staff.pk)))
    assert 'id="resend-invitation"' in html and 'id="deactivate"' not in html


def test_invite_keeps_what_was_typed_on_errors(world, client, mailoutbox) -> None:
    login(client, world.admin)
    data = {"display_name": "Nina Neu", "username": "nina ?", "email": "nina@", "role": "official"}
    response = client.post(url("invite"), data)
    assert response.status_code == 400
    html = page(response)
    assert 'value="Nina Neu"' in html and 'value="nina ?"' in html and 'value="nina@"' in html
    assert 'id="id_username-error"' in html and 'id="id_email-error"' in html
    response = client.post(url("invite"), {**data, "username": "anna", "email": "nina@example.org"})
    assert response.status_code == 409
    assert 'id="id_username-error"' in page(response) and 'value="nina@example.org"' in page(response)
    assert mailoutbox == [] and not Staff.objects.filter(display_name="Nina Neu").exists()


def test_resend_and_revoke_an_invitation(
    world, client, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    staff, token = invited(world, django_capture_on_commit_callbacks)
    login(client, world.admin)
    assert client.get(url("resend", staff.pk)).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("resend", staff.pk))
    assert response.status_code == 302 and response["Location"] == url("person", staff.pk)
    assert len(mailoutbox) == 2 and token not in mailoutbox[1].body
    assert len(actions_of("staff.invitation_resent")) == 1
    response = client.post(url("revoke", staff.pk))
    assert response.status_code == 302 and response["Location"] == url("index")
    assert not Staff.objects.filter(pk=staff.pk).exists()
    assert len(actions_of("staff.invitation_revoked")) == 1
    # An account in use has no invitation to revoke.
    response = client.post(url("revoke", world.official_a.pk), follow=True)
    assert "no open invitation" in page(response) or "keine offene Einladung" in page(response)
    assert Staff.objects.filter(pk=world.official_a.pk).exists()


# --- role and activity -----------------------------------------------------------------------------


def test_the_administrator_changes_a_role(world, client) -> None:
    login(client, world.admin)
    response = client.post(url("role", world.official_a.pk), {"role": "admin"})
    assert response.status_code == 302
    world.official_a.refresh_from_db()
    assert world.official_a.role == Role.AUTHORITY_ADMIN
    assert actions_of("staff.role_changed")[0].data == {"before": "official", "after": "admin"}
    response = client.post(url("role", world.official_a.pk), {"role": "boss"})
    assert response.status_code == 400 and 'id="id_role-error"' in page(response)


def test_the_last_administrator_cannot_step_down(world, client) -> None:
    login(client, world.admin)
    response = client.post(url("role", world.admin.pk), {"role": "official"}, follow=True)
    assert response.redirect_chain == [(url("person", world.admin.pk), 302)]
    assert page(response).count("message--error") == 1
    response = client.post(url("active", world.admin.pk), {"active": "0"}, follow=True)
    assert response.status_code == 200 and page(response).count("message--error") == 1
    world.admin.refresh_from_db()
    assert world.admin.role == Role.AUTHORITY_ADMIN and world.admin.user.is_active
    assert actions_of("staff.role_changed") == actions_of("staff.deactivated") == []


def test_an_administrator_who_steps_down_goes_back_to_the_workspace(world, client) -> None:
    actions.change_role(world.admin, world.official_a, Role.AUTHORITY_ADMIN)
    login(client, world.admin)
    response = client.post(url("role", world.admin.pk), {"role": "official"})
    assert response.status_code == 302 and response["Location"] == reverse("staff:dashboard")
    world.admin.refresh_from_db()
    assert world.admin.role == Role.OFFICIAL
    assert client.get(url("index")).status_code == 403


def test_deactivating_signs_the_official_out_and_activating_lets_them_in(world, client) -> None:
    official = login(Client(), world.official_a)
    login(client, world.admin)
    assert client.post(url("active", world.official_a.pk), {"active": "maybe"}).status_code == 400
    response = client.post(url("active", world.official_a.pk), {"active": "0"})
    assert response.status_code == 302
    assert not get_user_model().objects.get(pk=world.official_a.user_id).is_active
    assert official.get(reverse("staff:dashboard")).status_code == 302
    assert not Client().login(username="anna", password=PASSWORD)
    assert client.post(url("active", world.official_a.pk), {"active": "1"}).status_code == 302
    assert Client().login(username="anna", password=PASSWORD)
    assert [e.action for e in AuditEntry.objects.filter(object_id=world.official_a.pk).order_by("id")] == [
        "staff.deactivated",
        "staff.reactivated",
    ]


# --- taking up an invitation -----------------------------------------------------------------------


def test_the_invitee_sets_a_password_and_logs_in(world, client, django_capture_on_commit_callbacks) -> None:
    staff, token = invited(world, django_capture_on_commit_callbacks)
    response = client.get(url("accept", token))
    assert response.status_code == 200
    assert "nina" in page(response) and response["Referrer-Policy"] == "strict-origin"
    assert response["Cache-Control"] == "no-store"
    response = client.post(url("accept", token), {"new_password1": "nina", "new_password2": "nina"})
    assert response.status_code == 400 and 'id="id_new_password2-error"' in page(response)
    response = client.post(
        url("accept", token), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("staff:login")
    assert Client().login(username="nina", password=NEW_PASSWORD)
    assert Invitation.objects.get(staff=staff).accepted_at is not None
    assert len(actions_of("staff.invitation_accepted")) == 1
    response = client.get(url("accept", token))
    assert response.status_code == 410 and 'id="invitation-problem"' in page(response)


def test_an_expired_or_unknown_invitation_link_says_so(
    world, client, django_capture_on_commit_callbacks
) -> None:
    staff, token = invited(world, django_capture_on_commit_callbacks)
    Invitation.objects.filter(staff=staff).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.post(
        url("accept", token), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert "expired" in page(response) or "abgelaufen" in page(response)
    assert not get_user_model().objects.get(pk=staff.user_id).has_usable_password()
    response = client.get(url("accept", "not-a-token"))
    assert response.status_code == 404 and 'id="invitation-problem"' in page(response)
    assert actions_of("staff.invitation_accepted") == []
