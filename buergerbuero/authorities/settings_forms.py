"""The form of the authority's settings page. It checks each field as the model does (one message per
field, every line of the embed origins named) and the colour's contrast; the action checks again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models

from buergerbuero.authorities.models import Authority
from buergerbuero.authorities.settings_actions import SETTINGS_FIELDS, check_colour


def _field(model_field: Any, **kwargs: Any) -> forms.Field | None:
    # An address typed without a scheme ("www.musterkreis.de/impressum") gets https://, not http://.
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = Authority
        fields = list(SETTINGS_FIELDS)
        formfield_callback = _field

    def clean_colour(self) -> str:
        colour: str = self.cleaned_data["colour"].strip()
        # A colour kept as it is stays allowed (set before this check, or in the admin): the theme
        # darkens it, and refusing it would block every other change on the page.
        if colour.lower() != self.instance.colour.lower():
            check_colour(colour)
        return colour
