"""Input of the event pages: the public registration form and the officials' event form.

The forms parse and check what a person typed, each error with a message that says what to do; the
rules of what makes an event (``actions.rules.check_fields``) are the actions' answer, which the staff
view turns into a form error, so nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Staff
from buergerbuero.core.forms import ProofOfWorkForm, consent_field, email_field
from buergerbuero.events.actions import rules
from buergerbuero.events.models import Event, RegistrationMode
from buergerbuero.offices.access import offices_of
from buergerbuero.offices.models import Office
from buergerbuero.rooms.models import RoomMode

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class RegistrationForm(ProofOfWorkForm):
    """Name and e-mail (the confirmation and the personal links go by e-mail), consent, and the solved
    proof of work (core/pow.py) in the hidden ``pow`` field."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=100,
        error_messages={
            "required": _("Please enter your name."),
            "max_length": _("Please shorten your name to at most %(limit_value)d characters."),
        },
        help_text=_("Shown to the other participants and the moderators."),
    )
    email = email_field()
    consent = consent_field(_("Please agree to the privacy notice to register."))
    pow = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Please enter your name."))
        return name


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Staff) -> str:  # type: ignore[override]
        return obj.display_name


class EventForm(forms.Form):
    """Create or edit an event. Offices: those the official works in (an administrator may leave it
    empty); moderators and speakers: officials of the same authority only (others are not offered, and
    an id of another authority is an invalid choice)."""

    title = forms.CharField(
        label=_("Title"), max_length=200, error_messages={"required": _("Please enter a title.")}
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea, max_length=5000
    )
    office: forms.ModelChoiceField[Office] = forms.ModelChoiceField(
        label=_("Office"),
        queryset=Office.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Please choose one of your offices.")},
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        input_formats=DATETIME_FORMATS,
        error_messages={
            "required": _("Please enter when the event starts."),
            "invalid": _("Enter the start as date and time, for example 2026-03-31 14:00."),
        },
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        input_formats=DATETIME_FORMATS,
        error_messages={
            "required": _("Please enter when the event ends."),
            "invalid": _("Enter the end as date and time, for example 2026-03-31 16:00."),
        },
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=RoomMode.choices, initial=RoomMode.CONFERENCE)
    lobby = forms.BooleanField(
        label=_("Participants wait in a lobby until a moderator lets them in"), required=False
    )
    registration = forms.ChoiceField(
        label=_("Registration"), choices=RegistrationMode.choices, initial=RegistrationMode.OPEN
    )
    capacity = forms.IntegerField(
        label=_("Capacity (places)"),
        min_value=1,
        max_value=rules.WEBINAR_MAX,
        initial=20,
        error_messages={
            "required": _("Please enter how many people can take part."),
            "invalid": _("Please enter a whole number."),
            "min_value": _("The capacity must be at least 1."),
            "max_value": _("The capacity can be at most %(limit_value)s."),
        },
    )
    moderators = StaffChoiceField(
        label=_("Moderators"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Moderators must be officials of your authority.")},
    )
    speakers = StaffChoiceField(
        label=_("Speakers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Speakers must be officials of your authority.")},
    )

    def __init__(self, *args: Any, staff: Staff, event: Event | None = None, **kwargs: Any) -> None:
        if event is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(event)
        super().__init__(*args, **kwargs)
        self.staff, self.event = staff, event
        # An office the official no longer works in may stay the event's office.
        keep = Q(pk=event.office_id) if event is not None and event.office_id else Q(pk__in=[])
        office_field = self.fields["office"]
        assert isinstance(office_field, forms.ModelChoiceField)
        office_field.queryset = Office.objects.filter(
            Q(pk__in=offices_of(staff)) | keep, authority_id=staff.authority_id
        ).order_by("name")
        self.fields["office"].required = not staff.is_authority_admin
        self.fields["office"].error_messages["required"] = _("Please choose the office that holds the event.")
        colleagues = Staff.objects.filter(authority_id=staff.authority_id).order_by("display_name")
        for name in ("moderators", "speakers"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = colleagues

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", _("The event must end after it starts."))
        changed_start = self.event is None or (starts_at and starts_at != self.event.starts_at)
        if starts_at and changed_start and starts_at < timezone.now() - dt.timedelta(minutes=1):
            self.add_error("starts_at", _("The start must not be in the past."))
        mode, capacity = data.get("mode"), data.get("capacity")
        if mode and capacity and capacity > rules.capacity_limit(mode):
            self.add_error(
                "capacity",
                _("A conference can have at most %(limit)d participants; for more, choose a webinar.")
                % {"limit": rules.capacity_limit(mode)},
            )
        return data


def initial_of(event: Event) -> dict[str, Any]:
    local = lambda moment: timezone.localtime(moment, event.tz).strftime("%Y-%m-%dT%H:%M")  # noqa: E731
    return {
        "title": event.title,
        "description": event.description,
        "office": event.office_id,
        "starts_at": local(event.starts_at),
        "ends_at": local(event.ends_at),
        "mode": event.mode,
        "lobby": event.lobby,
        "registration": event.registration,
        "capacity": event.capacity,
        "moderators": list(event.moderators.values_list("pk", flat=True)),
        "speakers": list(event.speakers.values_list("pk", flat=True)),
    }


class CancelEventForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the registrants (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea,
        error_messages={"max_length": _("Please shorten the message to at most %(limit_value)d characters.")},
    )
