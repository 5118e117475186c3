from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buergerbuero.appointments import pow

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


class BookingForm(forms.Form):
    """What a citizen gives to book an appointment. Name and e-mail are needed (the confirmation and the
    link to manage the booking go by e-mail); phone and concern are optional; consent is required; the
    hidden ``pow`` field carries the solved proof of work (pow.py)."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        error_messages={"required": _("Please enter your name.")},
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        error_messages={
            "required": _("Please enter your e-mail address."),
            "invalid": _("Please enter a valid e-mail address, for example name@example.org."),
        },
    )
    phone = forms.CharField(label=_("Phone number (optional)"), max_length=40, required=False)
    concern = forms.CharField(
        label=_("Your concern in a few words (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea,
    )
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree."),
        error_messages={"required": _("Please agree to the privacy notice to book the appointment.")},
    )
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

    def clean(self) -> dict[str, Any]:
        super().clean()
        verdict = pow.verify(self.data.get("pow"))
        if not verdict.ok:
            if verdict.reason == "missing" or not self.errors:
                reason = verdict.reason if verdict.reason in POW_ERRORS else "invalid"
                self.add_error("pow", POW_ERRORS[reason])
        elif not self.errors and not pow.consume(verdict):
            # Verified, but another request with the same solution was first.
            self.add_error("pow", POW_ERRORS["replayed"])
        return self.cleaned_data
