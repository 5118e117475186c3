"""The booking form; its shared fields and the proof of work's check are in core/forms.py."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.forms import ProofOfWorkForm, consent_field, email_field

PHONE = re.compile(r"^\+?[0-9 ()/.\-]{3,40}$")


class BookingForm(ProofOfWorkForm):
    """What a citizen gives to book an appointment. Name and e-mail are needed (the confirmation and the
    link to manage the booking go by e-mail); phone and concern are optional; consent is required; the
    hidden ``pow`` field carries the solved proof of work (core/pow.py)."""

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
