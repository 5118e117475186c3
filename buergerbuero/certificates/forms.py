from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from buergerbuero.certificates.actions import REASON_MAX_LENGTH
from buergerbuero.offices.models import Office

IDENTIFIER_MAX_LENGTH = 80


class VerifyForm(forms.Form):
    identifier = forms.CharField(
        label=_("Identifier of the certificate"), max_length=IDENTIFIER_MAX_LENGTH, strip=True
    )


class FilterForm(forms.Form):
    """The officials' list: by office, by state, by a name or an identifier. Every field optional."""

    STATES = [("", _("All")), ("valid", _("Valid")), ("revoked", _("Revoked"))]

    office = forms.ModelChoiceField(queryset=Office.objects.none(), required=False, label=_("Office"))
    state = forms.ChoiceField(choices=STATES, required=False, label=_("State"))
    q = forms.CharField(required=False, max_length=200, label=_("Name, training or identifier"))

    def __init__(self, *args, offices=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        field = self.fields["office"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = offices if offices is not None else Office.objects.none()
        field.empty_label = _("All offices")


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the revocation"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea,
        error_messages={"required": _("Please give a reason.")},
    )
