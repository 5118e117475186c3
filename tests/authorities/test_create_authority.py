"""manage.py create_authority: a new authority with an invited administrator, and clear refusals."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities import actions, tokens
from buergerbuero.authorities.models import Authority, Invitation, Role, Staff

pytestmark = pytest.mark.django_db
ARGS = {
    "name": "Landkreis Neu",
    "slug": "neukreis",
    "state": "sn",
    "username": "chefin",
    "email": "chefin@example.org",
}


def run(**overrides: str) -> str:
    out = StringIO()
    options = {**ARGS, **overrides}
    call_command(
        "create_authority", *[f"--{k.replace('_', '-')}={v}" for k, v in options.items()], stdout=out
    )
    return out.getvalue()


def test_creates_the_authority_and_prints_a_working_invitation_link(
    mailoutbox, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        output = run(display_name="Frau Chefin")
    authority = Authority.objects.get(slug="neukreis")
    assert (authority.name, authority.holiday_state) == ("Landkreis Neu", "SN")
    staff = Staff.objects.get(user__username="chefin")
    assert (staff.authority, staff.role, staff.display_name) == (
        authority,
        Role.AUTHORITY_ADMIN,
        "Frau Chefin",
    )
    link = output.strip().splitlines()[-1]
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert link.endswith(f"/staff/people/invitation/{token}/")
    assert Invitation.objects.get(staff=staff).token_hash == tokens.hash_token(token)
    assert link in mailoutbox[0].body and mailoutbox[0].to == ["chefin@example.org"]
    assert set(AuditEntry.objects.filter(authority=authority).values_list("action", flat=True)) == {
        "authority.created",
        "staff.invited",
    }
    actions.accept_invitation(token, "a new and long passphrase")
    assert get_user_model().objects.get(username="chefin").check_password("a new and long passphrase")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slug": "testkreis"}, "already taken"),
        ({"state": "XX"}, "Unknown federal state XX"),
        ({"username": "anna"}, "user name is already taken"),
        ({"email": "not-an-address"}, "valid e-mail address"),
        ({"slug": "staff"}, "already used by other addresses"),
        ({"display_name": "x" * 101}, "name is too long"),
        ({"username": "a b"}, "valid username"),
    ],
)
def test_refuses_with_a_clear_error_and_leaves_nothing_behind(world, overrides, message, mailoutbox) -> None:
    with pytest.raises(CommandError, match=message):
        run(**overrides)
    assert not Authority.objects.filter(name="Landkreis Neu").exists()
    assert not get_user_model().objects.filter(username="chefin").exists()
    assert mailoutbox == []
    assert not AuditEntry.objects.filter(action="authority.created").exists()


def test_all_options_are_required(db) -> None:
    with pytest.raises(CommandError, match="--email"):
        call_command("create_authority", "--name=X", "--slug=x", "--state=BY", "--username=x")
