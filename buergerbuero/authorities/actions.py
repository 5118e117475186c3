"""The only place that changes an authority's people: one's own name and password, inviting an official,
the invitation's life (sent again, revoked, taken up), role and activity, and a new authority with its
first administrator.

Who acts is ``actor`` (a ``Staff``; ``None`` for the operator's command line). Rules that say no raise
``ActionError``. Every change writes an audit entry; passwords and tokens never reach the audit log.

Invariants a reader must not break:
- An authority keeps at least one *active administrator*: role administrator, user active, and an
  account that has been taken up (no open invitation). Changes that could take the last one away lock
  the authority's row first, so two administrators demoting each other at once cannot both succeed.
- An invited account has no usable password until its invitation is taken up, so it cannot sign in nor
  ask for a password reset (Django's reset skips such accounts).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities import mails, tokens
from buergerbuero.authorities.models import GERMAN_STATES, Authority, Invitation, Role, Staff
from buergerbuero.core.errors import ActionError

INVITATION_DAYS = 7
DISPLAY_NAME_MAX_LENGTH = 100


# --- one's own account -----------------------------------------------------------------------------


def change_display_name(actor: Staff, display_name: str) -> Staff:
    """The name citizens see for ``actor``."""
    display_name = " ".join(display_name.split())
    if not display_name:
        raise ActionError("name_required", _("Enter the name shown to citizens."))
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        raise ActionError(
            "name_too_long",
            _("The name is too long (at most %(limit_value)d characters).")
            % {"limit_value": DISPLAY_NAME_MAX_LENGTH},
        )
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=actor.pk)
        if staff.display_name == display_name:
            return staff
        before = staff.display_name
        staff.display_name = display_name
        staff.save(update_fields=["display_name"])
        record(staff.authority_id, "staff.renamed", staff, actor.user_id, before=before, after=display_name)
    return staff


def change_password(actor: Staff, password: str) -> None:
    """``actor``'s own new password (the form has checked the old one and the password rules).

    Changing the password ends the official's other sessions (Django's session hash); the view keeps the
    current one signed in."""
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=actor.user_id)
        user.set_password(password)
        user.save(update_fields=["password"])
        record(actor.authority_id, "staff.password_changed", actor, actor.user_id)


def reset_password(staff: Staff, password: str) -> None:
    """A new password set through the link of the password-reset mail (the view has checked the link).
    The official acts for themselves."""
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=staff.user_id)
        user.set_password(password)
        user.save(update_fields=["password"])
        record(staff.authority_id, "staff.password_reset", staff, staff.user_id)


# --- inviting --------------------------------------------------------------------------------------


def _check_admin(actor: Staff, staff: Staff | None = None) -> None:
    if not actor.is_authority_admin:
        raise ActionError("not_admin", _("Only an administrator of your authority may do this."))
    if staff is not None and staff.authority_id != actor.authority_id:
        raise ActionError("other_authority", _("This person belongs to another authority."))


def _new_invitation(staff: Staff, now: dt.datetime) -> tuple[Invitation, str]:
    token = tokens.new_token()
    invitation, _created = Invitation.objects.update_or_create(
        staff=staff,
        defaults={
            "token_hash": tokens.hash_token(token),
            "created_at": now,
            "expires_at": now + dt.timedelta(days=INVITATION_DAYS),
            "accepted_at": None,
        },
    )
    return invitation, token


def _create_invited(
    authority: Authority, *, username: str, email: str, display_name: str, role: str, now: dt.datetime
) -> tuple[Staff, Invitation, str]:
    username = username.strip()
    display_name = " ".join(display_name.split()) or username
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        raise ActionError(
            "name_too_long",
            _("The name is too long (at most %(limit_value)d characters).")
            % {"limit_value": DISPLAY_NAME_MAX_LENGTH},
        )
    if not username:
        raise ActionError("username_required", _("Enter a user name."))
    if role not in Role.values:
        raise ActionError("invalid_role", _("Choose a role."))
    User = get_user_model()
    try:
        User.username_validator(username)
    except ValidationError as error:
        raise ActionError("invalid_username", " ".join(error.messages)) from error
    try:
        validate_email(email.strip())
    except ValidationError as error:
        raise ActionError(
            "invalid_email", _("Enter a valid e-mail address, for example name@example.org.")
        ) from error
    if User.objects.filter(username__iexact=username).exists():
        raise ActionError("username_taken", _("This user name is already taken. Please choose another one."))
    user = User(username=username, email=email.strip())
    user.set_unusable_password()
    user.save()
    staff = Staff.objects.create(user=user, authority=authority, display_name=display_name, role=role)
    invitation, token = _new_invitation(staff, now)
    return staff, invitation, token


def invite(
    actor: Staff, *, username: str, email: str, display_name: str, role: str = Role.OFFICIAL
) -> tuple[Staff, str]:
    """Create an account for a new official of ``actor``'s authority that they take up through the
    link sent to ``email``. Returns the new official and the link's token (for the mail only)."""
    _check_admin(actor)
    now = timezone.now()
    with transaction.atomic():
        staff, invitation, token = _create_invited(
            actor.authority, username=username, email=email, display_name=display_name, role=role, now=now
        )
        record(
            actor.authority_id,
            "staff.invited",
            staff,
            actor.user_id,
            username=staff.user.username,
            role=role,
            expires_at=invitation.expires_at.isoformat(),
        )
        transaction.on_commit(lambda: mails.send_invitation(staff.pk, token))
    return staff, token


def _open_invitation(staff: Staff) -> Invitation:
    invitation = Invitation.objects.select_for_update().filter(staff=staff).first()
    if invitation is None or not invitation.is_open:
        raise ActionError("no_open_invitation", _("This person has no open invitation."))
    return invitation


def resend_invitation(actor: Staff, staff: Staff) -> str:
    """A new link (valid for another seven days) for an invitation not yet taken up; the old link ends."""
    _check_admin(actor, staff)
    now = timezone.now()
    with transaction.atomic():
        _open_invitation(staff)
        invitation, token = _new_invitation(staff, now)
        record(
            actor.authority_id,
            "staff.invitation_resent",
            staff,
            actor.user_id,
            expires_at=invitation.expires_at.isoformat(),
        )
        transaction.on_commit(lambda: mails.send_invitation(staff.pk, token))
    return token


def revoke_invitation(actor: Staff, staff: Staff) -> None:
    """Withdraw an invitation not yet taken up: the account, never used, is deleted with it."""
    _check_admin(actor, staff)
    with transaction.atomic():
        _open_invitation(staff)
        record(
            actor.authority_id, "staff.invitation_revoked", staff, actor.user_id, username=staff.user.username
        )
        # Deleting the user deletes the official and the invitation with it.
        get_user_model().objects.filter(pk=staff.user_id).delete()


def check_invitation(token: str, *, lock: bool = False) -> Invitation:
    """The invitation of a link that can still be taken up; else ``ActionError``: ``invitation_unknown``
    (also a revoked one), ``invitation_used``, ``invitation_expired``."""
    invitations = Invitation.objects.select_related("staff__user", "staff__authority")
    if lock:
        invitations = invitations.select_for_update()
    invitation = invitations.filter(token_hash=tokens.hash_token(token)).first()
    if invitation is None:
        raise ActionError(
            "invitation_unknown", _("This link is not valid. Please check that you copied it completely.")
        )
    if not invitation.is_open:
        raise ActionError(
            "invitation_used", _("This invitation has already been used. Please log in with your password.")
        )
    if invitation.expires_at <= timezone.now():
        raise ActionError(
            "invitation_expired",
            _("This invitation has expired. Please ask your administrator to send it again."),
        )
    return invitation


def accept_invitation(token: str, password: str) -> Staff:
    """The invitee sets their password through the link; from now on they can sign in."""
    with transaction.atomic():
        invitation = check_invitation(token, lock=True)
        staff = invitation.staff
        staff.user.set_password(password)
        staff.user.save(update_fields=["password"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        record(staff.authority_id, "staff.invitation_accepted", staff, staff.user_id)
    return staff


# --- role and activity -----------------------------------------------------------------------------


def _active_admins(authority_id: int) -> int:
    return (
        Staff.objects.filter(authority_id=authority_id, role=Role.AUTHORITY_ADMIN, user__is_active=True)
        .filter(Q(invitation__isnull=True) | Q(invitation__accepted_at__isnull=False))
        .count()
    )


def _is_active_admin(staff: Staff) -> bool:
    invitation = Invitation.objects.filter(staff=staff).first()
    return (
        staff.is_authority_admin and staff.user.is_active and (invitation is None or not invitation.is_open)
    )


def _keep_an_admin(staff: Staff) -> None:
    """Refuse a change that would leave the authority without an active administrator (the caller has
    locked the authority's row and is about to take ``staff`` out of that group)."""
    if _is_active_admin(staff) and _active_admins(staff.authority_id) <= 1:
        raise ActionError(
            "last_admin",
            _(
                "This is the last active administrator of your authority. Make another person an "
                "administrator first."
            ),
        )


def _lock(actor: Staff, staff: Staff) -> Staff:
    """Lock the authority (the administrators' count) and read ``staff`` afresh."""
    Authority.objects.select_for_update().get(pk=actor.authority_id)
    return Staff.objects.select_related("user").get(pk=staff.pk)


def change_role(actor: Staff, staff: Staff, role: str) -> Staff:
    _check_admin(actor, staff)
    if role not in Role.values:
        raise ActionError("invalid_role", _("Choose a role."))
    with transaction.atomic():
        staff = _lock(actor, staff)
        if staff.role == role:
            return staff
        if role != Role.AUTHORITY_ADMIN:
            _keep_an_admin(staff)
        before = staff.role
        staff.role = role
        staff.save(update_fields=["role"])
        record(actor.authority_id, "staff.role_changed", staff, actor.user_id, before=before, after=role)
    return staff


def set_active(actor: Staff, staff: Staff, active: bool) -> Staff:
    """Deactivate an official (they can no longer sign in; their open pages lose access at once through
    ``staff.signals``) or activate them again."""
    _check_admin(actor, staff)
    with transaction.atomic():
        staff = _lock(actor, staff)
        if staff.user.is_active == active:
            return staff
        if not active:
            _keep_an_admin(staff)
        staff.user.is_active = active
        staff.user.save(update_fields=["is_active"])
        code = "staff.reactivated" if active else "staff.deactivated"
        record(actor.authority_id, code, staff, actor.user_id)
    return staff


# --- a new authority -------------------------------------------------------------------------------


def create_authority(
    *, name: str, slug: str, holiday_state: str, username: str, email: str, display_name: str = ""
) -> tuple[Authority, Staff, str]:
    """A new authority and its first administrator, invited by the operator (no actor). Returns the
    authority, the administrator and the invitation link's token."""
    name = " ".join(name.split())
    if not name:
        raise ActionError("name_required", _("Enter the authority's name."))
    if holiday_state not in dict(GERMAN_STATES):
        raise ActionError(
            "unknown_state",
            _("Unknown federal state %(state)s. Use one of: %(states)s.")
            % {"state": holiday_state, "states": ", ".join(dict(GERMAN_STATES))},
        )
    now = timezone.now()
    with transaction.atomic():
        if Authority.objects.filter(slug=slug).exists():
            raise ActionError("slug_taken", _("The short name %(slug)s is already taken.") % {"slug": slug})
        authority = Authority(name=name, slug=slug, holiday_state=holiday_state)
        try:
            authority.full_clean()
        except ValidationError as error:
            raise ActionError("invalid_authority", " ".join(error.messages)) from error
        authority.save()
        staff, invitation, token = _create_invited(
            authority,
            username=username,
            email=email,
            display_name=display_name or username,
            role=Role.AUTHORITY_ADMIN,
            now=now,
        )
        record(authority.pk, "authority.created", authority, None, slug=slug)
        record(
            authority.pk,
            "staff.invited",
            staff,
            None,
            username=staff.user.username,
            role=Role.AUTHORITY_ADMIN,
            expires_at=invitation.expires_at.isoformat(),
        )
        transaction.on_commit(lambda: mails.send_invitation(staff.pk, token))
    return authority, staff, token
