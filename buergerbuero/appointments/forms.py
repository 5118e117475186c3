"""The booking form, and what the public forms of appointments, events and trainings share: the e-mail
and consent fields, and the check of the proof of work (pow.py) in the hidden ``pow`` field."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buergerbuero.appointments import pow

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PHONE = re.compile(r"^\+?[0-9 ()/.\-]{3,40}$")

POW_ERRORS = {
    "missing": _(
        "The automatic security check has not run. It needs JavaScript: please switch JavaScript on, "
        "or wait until the check is finished, and send the form again."
    ),
    "expired": _("The security check had expired. It has been renewed: please send the form again."),
    "replayed": _("The security check was already used. It has been renewed: please send the form again."),
    "invalid": _("The security check failed. It has been renewed: please send the form again."),
}


def email_field() -> forms.EmailField:
    return forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        error_messages={
            "required": _("Please enter your e-mail address."),
            "invalid": _("Please enter a valid e-mail address, for example name@example.org."),
        },
    )


def consent_field(required_message: StrOrPromise) -> forms.BooleanField:
    """The consent to the privacy notice; ``required_message`` says what it is needed for."""
    return forms.BooleanField(
        label=_("I have read the privacy notice and agree."),
        error_messages={"required": required_message},
    )


def check_pow(form: forms.Form) -> None:
    """Add the proof of work's error to ``form``, or use the solution up (once). A solution is used up
    only when the form has no other error, so that correcting a typo does not cost a new one."""
    verdict = pow.verify(form.data.get("pow"))
    if not verdict.ok:
        if verdict.reason == "missing" or not form.errors:
            reason = verdict.reason if verdict.reason in POW_ERRORS else "invalid"
            form.add_error("pow", POW_ERRORS[reason])
    elif not form.errors and not pow.consume(verdict):
        # Verified, but another request with the same solution was first.
        form.add_error("pow", POW_ERRORS["replayed"])


class ProofOfWorkForm(forms.Form):
    """A form whose clean() ends with ``check_pow``. The form declares its own hidden ``pow`` field (as its
    last field: the error summary follows the order of the fields)."""

    def clean(self) -> dict[str, Any]:
        super().clean()
        check_pow(self)
        return self.cleaned_data


def error_list(form: forms.Form) -> list[tuple[str, str]]:
    """(anchor, message) for a public page's error summary; each links to its field (the proof of work's
    error to its box)."""
    errors = [("", str(message)) for message in form.non_field_errors()]
    for name in form.fields:
        anchor = "pow-check" if name == "pow" else f"id_{name}"
        errors.extend((anchor, str(message)) for message in form.errors.get(name, []))
    return errors


class BookingForm(ProofOfWorkForm):
    """What a citizen gives to book an appointment. Name and e-mail are needed (the confirmation and the
    link to manage the booking go by e-mail); phone and concern are optional; consent is required; the
    hidden ``pow`` field carries the solved proof of work (pow.py)."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        error_messages={"required": _("Please enter your name.")},
    )
    email = email_field()
    phone = forms.CharField(label=_("Phone number (optional)"), max_length=40, required=False)
    concern = forms.CharField(
        label=_("Your concern in a few words (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea,
    )
    consent = consent_field(_("Please agree to the privacy notice to book the appointment."))
    pow = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "phone", "concern"):
            self.fields[name].error_messages["max_length"] = _(
                "Please shorten this to at most %(limit_value)d characters (it has %(show_value)d)."
            )

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(
                _("Please enter a phone number with digits only, for example 0851 123456 or +49 851 123456.")
            )
        return phone
