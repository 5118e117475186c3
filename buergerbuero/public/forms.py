from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.forms import check_pow


class EnterForm(forms.Form):
    """What a citizen tells the office before entering the waiting area. Both texts are optional; the
    consent to the privacy notice is not. With ``pow_required`` (the office is under pressure,
    waitingroom.ratelimit) the hidden ``pow`` field must carry a solved proof of work, which the page's
    script always solves in the background."""

    def __init__(self, *args: Any, pow_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pow_required = pow_required

    display_name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    concern = forms.CharField(
        label=_("Your concern in a few words (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree."),
        required=True,
        error_messages={"required": _("Please agree to the privacy notice to enter the waiting area.")},
    )
    pow = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        if self.pow_required:
            check_pow(self)
        return self.cleaned_data


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied were you with the consultation?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose between 1 and 5 stars.")},
    )
