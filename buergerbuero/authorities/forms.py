"""Input of the people pages and of one's own account. The forms check what was typed; the rules that
depend on the authority's state (the last administrator, an open invitation) are the actions'.

Passwords are checked by Django's own forms against ``AUTH_PASSWORD_VALIDATORS``. The two forms that
answer a question about a password or an address without a login lockout in front of them (the old
password when changing it, the address of a reset request) count their tries (``core.ratelimit``), so
neither becomes a way round the staff login's lockout (``staff.ratelimit``) nor a way to flood an
official's mailbox.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities import mails
from buergerbuero.authorities.actions import DISPLAY_NAME_MAX_LENGTH
from buergerbuero.authorities.models import Role, Staff
from buergerbuero.core.forms import email_field
from buergerbuero.core.ratelimit import TryLimit, client_address

# Tries within an hour: of the old password per user (failures only) and per address; of reset
# requests per address and per e-mail address (every request, it sends a mail).
OLD_PASSWORD_TRIES = TryLimit(
    salt="buergerbuero.authorities.old-password",
    prefix="old-password",
    per_address=lambda: 20,
    per_email=lambda: 5,
    window=lambda: 3600,
)
RESET_REQUESTS = TryLimit(
    salt="buergerbuero.authorities.password-reset",
    prefix="password-reset",
    per_address=lambda: 10,
    per_email=lambda: 3,
    window=lambda: 3600,
)
TOO_MANY_TRIES = _("Too many attempts. Please wait an hour and try again.")

NAME_ERRORS = {
    "required": _("Enter the name shown to citizens."),
    "max_length": _("The name is too long (at most %(limit_value)d characters)."),
}


class DisplayNameForm(forms.Form):
    display_name = forms.CharField(
        label=_("Name shown to citizens"),
        max_length=DISPLAY_NAME_MAX_LENGTH,
        error_messages=NAME_ERRORS,
        help_text=_(
            "Citizens see this name in the waiting area and in the consultation, for example “Frau Amsel”."
        ),
    )


class LimitedPasswordChangeForm(PasswordChangeForm):
    """Django's form to change one's password, with its guesses of the old password counted."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        address = client_address(self.request)
        if OLD_PASSWORD_TRIES.take(address, self.user.get_username()):
            raise ValidationError(TOO_MANY_TRIES, code="locked")
        # A wrong old password raises here and stays counted; a right one gives its try back.
        password = super().clean_old_password()
        OLD_PASSWORD_TRIES.give_back(address, self.user.get_username())
        return password


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset request, for officials only (not a bare superuser, not an invited account), with
    our mail (``authorities.mails``) and its link to our own address."""

    email = email_field()

    def __init__(self, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if RESET_REQUESTS.take(client_address(self.request), email):
            raise ValidationError(TOO_MANY_TRIES, code="locked")
        return email

    def save(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        # Django's save() builds the link from the request's host; ours comes from SITE_URL. Django's
        # get_users() leaves out inactive users and those without a usable password (the invited).
        for user in self.get_users(self.cleaned_data["email"]):
            staff = Staff.objects.select_related("user", "authority").filter(user_id=user.pk).first()
            if staff is None:
                continue  # a bare superuser has no place in an authority and no reset here
            path = reverse(
                "staff_people:reset-confirm",
                args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)],
            )
            mails.send_password_reset(staff, mails.site_url(path))


class InviteForm(forms.Form):
    display_name = forms.CharField(
        label=_("Name shown to citizens"), max_length=DISPLAY_NAME_MAX_LENGTH, error_messages=NAME_ERRORS
    )
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[get_user_model().username_validator],
        help_text=_("Used to log in. Letters, digits and @ . + - _ only."),
        error_messages={
            "required": _("Enter a user name."),
            "max_length": _("The user name is too long (at most %(limit_value)d characters)."),
        },
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The invitation is sent to this address."),
        error_messages={
            "required": _("Enter the e-mail address."),
            "invalid": _("Enter a valid e-mail address, for example name@example.org."),
        },
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        initial=Role.OFFICIAL,
        error_messages={"required": _("Choose a role."), "invalid_choice": _("Choose a role.")},
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Role"),
        choices=Role.choices,
        error_messages={"required": _("Choose a role."), "invalid_choice": _("Choose a role.")},
    )


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("1", _("Activate")), ("0", _("Deactivate"))],
        coerce=lambda value: value == "1",
        error_messages={
            "required": _("Choose whether to activate or deactivate the account."),
            "invalid_choice": _("Choose whether to activate or deactivate the account."),
        },
    )
