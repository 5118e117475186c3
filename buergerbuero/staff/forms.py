"""Input of the workspace's POST endpoints. Ids of objects come from the URL or from these forms and
are then fetched through ``staff.access`` (another authority's object is a 404)."""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from buergerbuero.authorities.models import Availability
from buergerbuero.core.ratelimit import client_address
from buergerbuero.staff import ratelimit

TEXT_MAX_LENGTH = 300  # Ticket.decline_message and Ticket.transfer_note


class LockoutMixin:
    """The login lockout (staff.ratelimit) on an authentication form: the staff login and the admin
    login share it, so one policy and one set of counters guard both doors."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]
    user_cache: Any

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        address = client_address(self.request) if self.request else ""
        wait = ratelimit.begin_attempt(username, address)
        if wait:
            minutes = max(1, math.ceil(wait / 60))
            raise ValidationError(
                ngettext(
                    "Too many failed login attempts. Please wait %(minutes)d minute and try again.",
                    "Too many failed login attempts. Please wait %(minutes)d minutes and try again.",
                    minutes,
                )
                % {"minutes": minutes},
                code="locked",
            )
        try:
            cleaned = super().clean()  # type: ignore[misc]
        except ValidationError:
            ratelimit.register_failure(username, address)
            raise
        if self.user_cache is None:
            # A field was empty, so no password was checked: this was no attempt at all.
            ratelimit.cancel_attempt(username, address)
        else:
            ratelimit.register_success(username, address)
        return cleaned


class StaffAuthenticationForm(LockoutMixin, AuthenticationForm):
    """Django's login form with the lockout."""


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    """The admin site's login form with the same lockout (installed in buergerbuero/site/urls.py)."""


class OpenOfficeForm(forms.Form):
    outside_hours = forms.BooleanField(label=_("Open outside the opening hours"), required=False)


class CloseOfficeForm(forms.Form):
    # How many waiting people the official agreed to send away (waitingroom.actions.check_close_office);
    # missing: none.
    confirm_waiting = forms.IntegerField(min_value=0, max_value=1_000_000, required=False)


class AvailabilityForm(forms.Form):
    availability = forms.ChoiceField(
        label=_("Your availability"),
        choices=Availability.choices,
        error_messages={
            "invalid_choice": _("Choose “available” or “on a break”."),
            "required": _("Choose your availability."),
        },
    )


class DeclineForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the citizen"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        error_messages={"max_length": _("The message is too long (at most %(limit_value)d characters).")},
    )


class TransferForm(forms.Form):
    office = forms.IntegerField(
        label=_("Office"),
        min_value=1,
        error_messages={
            "required": _("Choose an office."),
            "invalid": _("Choose an office."),
            "min_value": _("Choose an office."),
        },
    )
    note = forms.CharField(
        label=_("Note for the colleagues"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        error_messages={"max_length": _("The note is too long (at most %(limit_value)d characters).")},
    )


class InviteForm(forms.Form):
    colleague = forms.IntegerField(
        label=_("Colleague"),
        min_value=1,
        error_messages={
            "required": _("Choose a colleague."),
            "invalid": _("Choose a colleague."),
            "min_value": _("Choose a colleague."),
        },
    )


# The id a workspace page gives itself (staff.consumers): letters, digits, "-" and "_".
PAGE_ID_PATTERN = r"[A-Za-z0-9_-]{8,64}"


class CallPageForm(forms.Form):
    """Sent with an admission or an accepted invitation by the page that will hold the call (see
    calls.actions.holding.hold_call). Without script it is empty: then the first page to claim the call holds
    it."""

    page = forms.RegexField(
        regex=rf"\A{PAGE_ID_PATTERN}\Z",
        required=False,
        error_messages={"invalid": _("This page identifies itself wrongly. Please reload it.")},
    )


class AnswerInvitationForm(CallPageForm):
    accept = forms.TypedChoiceField(
        choices=[("1", _("Accept")), ("0", _("Decline"))],
        coerce=lambda value: value == "1",
        error_messages={
            "required": _("Accept or decline the invitation."),
            "invalid_choice": _("Accept or decline the invitation."),
        },
    )
