"""authorities.actions: one's own account, invitations, role and activity, a new authority. Every change
is audited; passwords and tokens never reach the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities import actions, tokens
from buergerbuero.authorities.models import Authority, Invitation, Role, Staff
from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a new and long passphrase"


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def refused(code: str, call) -> ActionError:  # type: ignore[no-untyped-def]
    with pytest.raises(ActionError) as caught:
        call()
    assert caught.value.code == code
    return caught.value


def invite(world, django_capture_on_commit_callbacks, **fields):  # type: ignore[no-untyped-def]
    values = {
        "username": "nina",
        "email": "nina@example.org",
        "display_name": "Nina Neu",
        "role": Role.OFFICIAL,
    }
    with django_capture_on_commit_callbacks(execute=True):
        return actions.invite(world.admin, **{**values, **fields})


# --- one's own account -----------------------------------------------------------------------------


def test_change_display_name_saves_tidied_and_audits(world) -> None:
    actions.change_display_name(world.official_a, "  Frau   Amsel ")
    world.official_a.refresh_from_db()
    assert world.official_a.display_name == "Frau Amsel"
    [entry] = entries("staff.renamed")
    assert entry.actor_id == world.official_a.user_id
    assert entry.data == {"before": "Anna Amsel", "after": "Frau Amsel"}
    # The same name again changes nothing and writes nothing.
    actions.change_display_name(world.official_a, "Frau Amsel")
    assert len(entries("staff.renamed")) == 1


def test_change_display_name_refuses_an_empty_or_long_name(world) -> None:
    refused("name_required", lambda: actions.change_display_name(world.official_a, "   "))
    refused("name_too_long", lambda: actions.change_display_name(world.official_a, "x" * 101))
    world.official_a.refresh_from_db()
    assert world.official_a.display_name == "Anna Amsel"
    assert entries("staff.renamed") == []


def test_change_password_sets_it_and_audits_without_the_password(world) -> None:
    actions.change_password(world.official_a, NEW_PASSWORD)
    user = get_user_model().objects.get(pk=world.official_a.user_id)
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)
    [entry] = entries("staff.password_changed")
    assert entry.data == {}
    assert entry.actor_id == user.pk


def test_reset_password_sets_it_and_audits(world) -> None:
    actions.reset_password(world.official_b, NEW_PASSWORD)
    assert get_user_model().objects.get(pk=world.official_b.user_id).check_password(NEW_PASSWORD)
    [entry] = entries("staff.password_reset")
    assert (entry.actor_id, entry.object_id, entry.data) == (
        world.official_b.user_id,
        world.official_b.pk,
        {},
    )


# --- invitations -----------------------------------------------------------------------------------


def test_invite_creates_an_account_that_cannot_sign_in_and_mails_the_link(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    staff, token = invite(world, django_capture_on_commit_callbacks, role=Role.AUTHORITY_ADMIN)
    assert (staff.authority, staff.display_name, staff.role) == (
        world.authority,
        "Nina Neu",
        Role.AUTHORITY_ADMIN,
    )
    assert staff.user.email == "nina@example.org"
    assert not staff.user.has_usable_password()
    invitation = Invitation.objects.get(staff=staff)
    # Only the hash is stored, never the token.
    assert invitation.token_hash == tokens.hash_token(token) != token
    assert not Invitation.objects.filter(token_hash=token).exists()
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    [mail] = mailoutbox
    assert mail.to == ["nina@example.org"]
    assert f"/staff/people/invitation/{token}/" in mail.body
    assert "nina" in mail.body
    assert mail.extra_headers["X-Buergerbuero-Authority"] == str(world.authority.pk)
    [entry] = entries("staff.invited")
    assert entry.actor_id == world.admin.user_id
    assert entry.data["username"] == "nina" and entry.data["role"] == "admin"
    assert token not in str(entry.data)


def test_invite_is_for_administrators_and_refuses_a_taken_user_name(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    refused(
        "not_admin",
        lambda: actions.invite(world.official_a, username="x1", email="x@example.org", display_name="X"),
    )
    refused("username_taken", lambda: invite(world, django_capture_on_commit_callbacks, username="ANNA"))
    refused("invalid_username", lambda: invite(world, django_capture_on_commit_callbacks, username="a b"))
    assert not get_user_model().objects.filter(username="x1").exists()
    assert mailoutbox == []
    assert entries("staff.invited") == []


def test_resend_makes_a_new_link_and_ends_the_old_one(
    world, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    staff, old = invite(world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        new = actions.resend_invitation(world.admin, staff)
    assert new != old
    assert Invitation.objects.get(staff=staff).token_hash == tokens.hash_token(new)
    assert f"/invitation/{new}/" in mailoutbox[-1].body
    refused("invitation_unknown", lambda: actions.accept_invitation(old, NEW_PASSWORD))
    assert len(entries("staff.invitation_resent")) == 1
    # Accepted: nothing is left to send.
    actions.accept_invitation(new, NEW_PASSWORD)
    refused("no_open_invitation", lambda: actions.resend_invitation(world.admin, staff))
    refused("no_open_invitation", lambda: actions.resend_invitation(world.admin, world.official_a))


def test_resend_and_revoke_refuse_another_authority(world, django_capture_on_commit_callbacks) -> None:
    staff, _token = invite(world, django_capture_on_commit_callbacks)
    refused("other_authority", lambda: actions.resend_invitation(world.other_admin, staff))
    refused("other_authority", lambda: actions.revoke_invitation(world.other_admin, staff))
    refused("not_admin", lambda: actions.revoke_invitation(world.official_a, staff))
    assert Staff.objects.filter(pk=staff.pk).exists()


def test_revoke_deletes_the_unused_account(world, django_capture_on_commit_callbacks) -> None:
    staff, token = invite(world, django_capture_on_commit_callbacks)
    actions.revoke_invitation(world.admin, staff)
    assert not get_user_model().objects.filter(username="nina").exists()
    assert not Staff.objects.filter(pk=staff.pk).exists()
    assert not Invitation.objects.exists()
    [entry] = entries("staff.invitation_revoked")
    assert (entry.object_id, entry.data) == (staff.pk, {"username": "nina"})
    refused("invitation_unknown", lambda: actions.accept_invitation(token, NEW_PASSWORD))


def test_accept_sets_the_password_once(world, django_capture_on_commit_callbacks) -> None:
    staff, token = invite(world, django_capture_on_commit_callbacks)
    accepted = actions.accept_invitation(token, NEW_PASSWORD)
    assert accepted.pk == staff.pk
    assert get_user_model().objects.get(pk=staff.user_id).check_password(NEW_PASSWORD)
    assert Invitation.objects.get(staff=staff).accepted_at is not None
    [entry] = entries("staff.invitation_accepted")
    assert entry.actor_id == staff.user_id
    refused("invitation_used", lambda: actions.accept_invitation(token, "another long passphrase"))
    assert get_user_model().objects.get(pk=staff.user_id).check_password(NEW_PASSWORD)


def test_accept_refuses_an_expired_invitation(world, django_capture_on_commit_callbacks) -> None:
    staff, token = invite(world, django_capture_on_commit_callbacks)
    Invitation.objects.filter(staff=staff).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    refused("invitation_expired", lambda: actions.accept_invitation(token, NEW_PASSWORD))
    assert not get_user_model().objects.get(pk=staff.user_id).has_usable_password()
    assert entries("staff.invitation_accepted") == []


# --- role and activity -----------------------------------------------------------------------------


def test_change_role_promotes_and_demotes_with_audit(world) -> None:
    actions.change_role(world.admin, world.official_a, Role.AUTHORITY_ADMIN)
    world.official_a.refresh_from_db()
    assert world.official_a.role == Role.AUTHORITY_ADMIN
    # Now two administrators: the first may step down.
    actions.change_role(world.admin, world.admin, Role.OFFICIAL)
    world.admin.refresh_from_db()
    assert world.admin.role == Role.OFFICIAL
    assert [e.data for e in entries("staff.role_changed")] == [
        {"before": "official", "after": "admin"},
        {"before": "admin", "after": "official"},
    ]


def test_the_last_active_administrator_stays(world, django_capture_on_commit_callbacks) -> None:
    error = refused("last_admin", lambda: actions.change_role(world.admin, world.admin, Role.OFFICIAL))
    assert error.code == "last_admin" and "letzte aktive Konto" in error.message
    refused("last_admin", lambda: actions.set_active(world.admin, world.admin, False))
    # An invited administrator who has not taken up the account does not count, nor a deactivated one.
    invite(world, django_capture_on_commit_callbacks, role=Role.AUTHORITY_ADMIN)
    deactivated = make_staff(world.authority, "dora", "Dora Deaktiviert", Role.AUTHORITY_ADMIN)
    get_user_model().objects.filter(pk=deactivated.user_id).update(is_active=False)
    refused("last_admin", lambda: actions.change_role(world.admin, world.admin, Role.OFFICIAL))
    world.admin.refresh_from_db()
    assert world.admin.role == Role.AUTHORITY_ADMIN and world.admin.user.is_active
    assert entries("staff.role_changed") == entries("staff.deactivated") == []


def test_role_changes_are_for_administrators_of_the_same_authority(world) -> None:
    refused(
        "not_admin", lambda: actions.change_role(world.official_a, world.official_a, Role.AUTHORITY_ADMIN)
    )
    refused(
        "other_authority",
        lambda: actions.change_role(world.other_admin, world.official_a, Role.AUTHORITY_ADMIN),
    )
    refused("other_authority", lambda: actions.set_active(world.other_admin, world.official_a, False))
    refused("invalid_role", lambda: actions.change_role(world.admin, world.official_a, "boss"))
    world.official_a.refresh_from_db()
    assert world.official_a.role == Role.OFFICIAL


def test_deactivation_ends_access_and_is_announced_to_the_workspace(world, events) -> None:
    actions.set_active(world.admin, world.official_a, False)
    user = get_user_model().objects.get(pk=world.official_a.user_id)
    assert not user.is_active
    # staff.signals tells the official's open workspace sockets to check their access again.
    assert {"type": "staff.access"} in events.of(groups.staff(world.official_a.pk))
    [entry] = entries("staff.deactivated")
    assert (entry.actor_id, entry.object_id) == (world.admin.user_id, world.official_a.pk)
    actions.set_active(world.admin, world.official_a, True)
    assert get_user_model().objects.get(pk=world.official_a.user_id).is_active
    assert len(entries("staff.reactivated")) == 1


def test_an_administrator_may_deactivate_themselves_if_another_remains(world) -> None:
    actions.change_role(world.admin, world.official_b, Role.AUTHORITY_ADMIN)
    actions.set_active(world.admin, world.admin, False)
    assert not get_user_model().objects.get(pk=world.admin.user_id).is_active
    new_admin = Staff.objects.get(pk=world.official_b.pk)
    refused("last_admin", lambda: actions.set_active(new_admin, new_admin, False))


# --- a new authority -------------------------------------------------------------------------------


def test_create_authority_with_an_invited_administrator(
    mailoutbox, django_capture_on_commit_callbacks, db
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        authority, staff, token = actions.create_authority(
            name="Landkreis Neu",
            slug="neukreis",
            holiday_state="SN",
            username="chefin",
            email="chefin@example.org",
        )
    assert (authority.name, authority.slug, authority.holiday_state) == ("Landkreis Neu", "neukreis", "SN")
    assert staff.role == Role.AUTHORITY_ADMIN and staff.authority == authority
    assert not staff.user.has_usable_password()
    assert Invitation.objects.get(staff=staff).token_hash == tokens.hash_token(token)
    assert mailoutbox[0].to == ["chefin@example.org"]
    assert [e.action for e in AuditEntry.objects.filter(authority=authority).order_by("id")] == [
        "authority.created",
        "staff.invited",
    ]


def test_create_authority_refuses_clearly(world) -> None:
    fields = {
        "name": "X",
        "slug": "neukreis",
        "holiday_state": "BY",
        "username": "neu",
        "email": "n@example.org",
    }
    refused("slug_taken", lambda: actions.create_authority(**{**fields, "slug": "testkreis"}))
    refused("unknown_state", lambda: actions.create_authority(**{**fields, "holiday_state": "XX"}))
    refused("invalid_authority", lambda: actions.create_authority(**{**fields, "slug": "staff"}))
    refused("invalid_authority", lambda: actions.create_authority(**{**fields, "slug": "no spaces"}))
    refused("username_taken", lambda: actions.create_authority(**{**fields, "username": "anna"}))
    # Nothing of a refused attempt is left behind.
    assert not Authority.objects.filter(slug="neukreis").exists()
    assert not get_user_model().objects.filter(username="neu").exists()
