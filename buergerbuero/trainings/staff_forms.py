"""The officials' training forms: a type (with its check as text), a material upload, a session."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Staff
from buergerbuero.offices.models import Office
from buergerbuero.trainings import checktext, selectors
from buergerbuero.trainings.models import TrainingType


class TypeForm(forms.ModelForm):
    questions = forms.CharField(
        label=_("Comprehension check (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "A question on a line of its own, its answers below it: “- ” before a wrong one, "
            "“* ” before a right one. Leave empty for no check."
        ),
    )

    class Meta:
        model = TrainingType
        fields = [
            "office",
            "title",
            "legal_basis",
            "description",
            "duration_minutes",
            "required_attendance_percent",
            "pass_mark_percent",
        ]

    def __init__(self, *args: Any, offices: QuerySet[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        office_field = self.fields["office"]
        assert isinstance(office_field, forms.ModelChoiceField)
        office_field.queryset = offices
        self.parsed: list[checktext.ParsedQuestion] = []

    def clean_questions(self) -> str:
        text: str = self.cleaned_data["questions"]
        self.parsed, errors = checktext.parse_questions(text)
        if errors:
            raise forms.ValidationError(errors)
        return text


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    file = forms.FileField(
        label=_("File"), help_text=_("PDF, image (PNG, JPEG, WebP) or video (MP4, WebM), at most 200 MB.")
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if selectors.material_kind(upload.name or "") is None:
            raise forms.ValidationError(
                _("Please upload a PDF, an image (PNG, JPEG, WebP) or a video (MP4, WebM).")
            )
        return upload


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("Start"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("In the office's time zone."),
    )
    capacity = forms.IntegerField(
        label=_("Places"), min_value=1, max_value=1000, help_text=_("People, pupils included.")
    )
    presenters = forms.ModelMultipleChoiceField(
        label=_("Presenters"),
        queryset=Staff.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, office: Office, staff: QuerySet[Staff], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.office = office
        presenters = self.fields["presenters"]
        assert isinstance(presenters, forms.ModelMultipleChoiceField)
        presenters.queryset = staff

    def clean_starts_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["starts_at"]
        # The browser sends the office's wall-clock time without a zone.
        naive = timezone.make_naive(value) if timezone.is_aware(value) else value
        return naive.replace(tzinfo=self.office.tz)
