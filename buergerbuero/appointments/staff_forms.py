"""Input of the officials' appointment pages (appointments.staff_views).

A slot travels as its key (``Slot.key``, the start in UTC); these forms only parse it. Whether the time
can be booked, moved to or blocked is the actions' (and for blocking the office's slots') answer.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from buergerbuero.appointments.models import Booking
from buergerbuero.appointments.slots import parse_key

MESSAGE_MAX_LENGTH = Booking._meta.get_field("cancel_message").max_length or 500
CONCERN_MAX_LENGTH = Booking._meta.get_field("concern").max_length or 500
NAME_MAX_LENGTH = Booking._meta.get_field("name").max_length or 100
PHONE_MAX_LENGTH = Booking._meta.get_field("phone").max_length or 40
EMAIL_MAX_LENGTH = Booking._meta.get_field("email").max_length or 254

PHONE_PATTERN = re.compile(r"^\+?[0-9 ()/\-.]{3,}$")


class SlotField(forms.Field):
    """A slot key such as ``20261201T0930Z`` → an aware datetime (UTC)."""

    default_error_messages = {
        "required": _("Choose a time."),
        "invalid": _("This time is not valid. Please choose one from the list."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Time"))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        start = parse_key(str(value).strip()) if len(str(value)) <= 20 else None
        if start is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return start


class DateForm(forms.Form):
    """``?date=YYYY-MM-DD`` of the day and week lists; without one, today."""

    date = forms.DateField(
        label=_("Date"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": _("Enter the date as year-month-day, for example 2026-03-31.")},
    )

    def clean_date(self) -> dt.date | None:
        date = self.cleaned_data["date"]
        if date is not None and not 2000 <= date.year <= 2100:
            raise ValidationError(_("Enter a date between the years 2000 and 2100."), code="range")
        return date


class SlotForm(forms.Form):
    """A single slot (to block or free; actions.block_slot checks that it is one of the office's)."""

    slot = SlotField()


class BookForm(forms.Form):
    """Booking on behalf of a caller. The e-mail address is optional: without one no mail is sent, so a
    phone number is needed then for the office to reach the person."""

    slot = SlotField()
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "required": _("Enter the name of the person."),
            "max_length": _("The name is too long (at most %(limit_value)d characters)."),
        },
    )
    email = forms.EmailField(
        label=_("E-mail address (optional)"),
        max_length=EMAIL_MAX_LENGTH,
        required=False,
        error_messages={
            "invalid": _("Enter a valid e-mail address, for example name@example.org."),
            "max_length": _("The e-mail address is too long (at most %(limit_value)d characters)."),
        },
    )
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=PHONE_MAX_LENGTH,
        required=False,
        error_messages={
            "max_length": _("The phone number is too long (at most %(limit_value)d characters)."),
        },
    )
    concern = forms.CharField(
        label=_("Concern"),
        max_length=CONCERN_MAX_LENGTH,
        required=False,
        widget=forms.Textarea,
        error_messages={"max_length": _("The concern is too long (at most %(limit_value)d characters).")},
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mails"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the listed languages.")},
    )

    def clean_language(self) -> str:
        return self.cleaned_data["language"] or settings.LANGUAGE_CODE

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone and not PHONE_PATTERN.match(phone):
            raise ValidationError(
                _("Enter the phone number with digits only (spaces, +, -, / and brackets are allowed)."),
                code="invalid",
            )
        return phone

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        reachable = cleaned.get("email") or cleaned.get("phone")
        if not reachable and not self.has_error("email") and not self.has_error("phone"):
            self.add_error(
                "phone",
                ValidationError(
                    _("Enter an e-mail address or a phone number, so that the office can reach the person."),
                    code="unreachable",
                ),
            )
        return cleaned


class CancelForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the citizen"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea,
        error_messages={
            "required": _("Write a message to the citizen: why the appointment is cancelled and what to do."),
            "max_length": _("The message is too long (at most %(limit_value)d characters)."),
        },
    )


class MoveForm(forms.Form):
    slot = SlotField()
