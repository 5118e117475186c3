"""The forms of the officials' office pages (offices.staff_views). They parse and check what was typed;
the actions decide and write."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.offices.actions import OFFICE_FIELDS
from buergerbuero.offices.models import Department, Office, Weekday

# Rows per weekday in the hours editor when nothing asks for more; one more than a day already has.
HOURS_ROWS = 3
HOURS_ROWS_MAX = 12


class OfficeForm(forms.ModelForm):
    """An office's details. The short name (``slug``) is asked for only when the office is created."""

    class Meta:
        model = Office
        fields = ["name", "slug", *[name for name in OFFICE_FIELDS if name != "name"]]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "topics": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, authority: Authority, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.authority = authority
        self.creating = self.instance.pk is None
        if not self.creating:
            del self.fields["slug"]
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)
        department.queryset = Department.objects.filter(authority=authority)
        department.empty_label = _("No department")

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"].lower()
        if Office.objects.filter(authority=self.authority, slug__iexact=slug).exists():
            raise forms.ValidationError(
                _("Another office of your authority already uses this short name."), code="slug_taken"
            )
        return slug

    def office_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in OFFICE_FIELDS}


class HoursForm(forms.Form):
    """The weekly opening hours: ``rows`` pairs of times (from, until) per weekday; an empty pair is no
    interval. Field names: ``d<weekday>_<row>_start`` and ``..._end``."""

    rows = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=HOURS_ROWS_MAX)
    valid_from = forms.DateField(
        label=_("Valid from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Today replaces the current opening hours. A later day prepares new hours; until then the "
            "current ones stay in force."
        ),
    )

    def __init__(self, *args: Any, rows: int = HOURS_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            try:
                rows = int(self.data.get("rows", rows))
            except (TypeError, ValueError):
                rows = HOURS_ROWS
        self.row_count = min(max(rows, 1), HOURS_ROWS_MAX)
        self.fields["rows"].initial = self.row_count
        for weekday, day_name in Weekday.choices:
            for row in range(self.row_count):
                number = row + 1
                self.fields[f"d{weekday}_{row}_start"] = forms.TimeField(
                    label=_("%(day)s, interval %(number)s: from") % {"day": day_name, "number": number},
                    required=False,
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                )
                self.fields[f"d{weekday}_{row}_end"] = forms.TimeField(
                    label=_("%(day)s, interval %(number)s: until") % {"day": day_name, "number": number},
                    required=False,
                    widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                )

    @staticmethod
    def initial_for(intervals: list[tuple[int, dt.time, dt.time]]) -> tuple[dict[str, Any], int]:
        """The form's initial values for the current hours, and the rows it needs for them."""
        initial: dict[str, Any] = {}
        per_day: dict[int, int] = {}
        for weekday, start, end in intervals:
            row = per_day.get(weekday, 0)
            per_day[weekday] = row + 1
            initial[f"d{weekday}_{row}_start"] = start
            initial[f"d{weekday}_{row}_end"] = end
        rows = min(max(HOURS_ROWS, max(per_day.values(), default=0) + 1), HOURS_ROWS_MAX)
        initial["rows"] = rows
        return initial, rows

    def days(self) -> list[dict[str, Any]]:
        """The weekdays with their rows of bound fields, for the template."""
        return [
            {
                "weekday": weekday,
                "name": day_name,
                "rows": [
                    (self[f"d{weekday}_{row}_start"], self[f"d{weekday}_{row}_end"])
                    for row in range(self.row_count)
                ],
            }
            for weekday, day_name in Weekday.choices
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for weekday, _day_name in Weekday.choices:
            filled = []
            for row in range(self.row_count):
                start_name, end_name = f"d{weekday}_{row}_start", f"d{weekday}_{row}_end"
                if start_name in self.errors or end_name in self.errors:
                    continue
                start, end = data.get(start_name), data.get(end_name)
                if start is None and end is None:
                    continue
                if start is None:
                    self.add_error(start_name, _("Enter the time the interval starts."))
                elif end is None:
                    self.add_error(end_name, _("Enter the time the interval ends."))
                elif end <= start:
                    self.add_error(end_name, _("The interval must end after it starts."))
                else:
                    filled.append((start, end, end_name))
            filled.sort()
            for (_start1, end1, _name1), (start2, _end2, name2) in itertools.pairwise(filled):
                if start2 < end1:
                    self.add_error(name2, _("This interval overlaps the one before it on the same day."))
        return data

    def intervals(self) -> list[tuple[int, dt.time, dt.time]]:
        data = self.cleaned_data
        found = []
        for weekday, _day_name in Weekday.choices:
            for row in range(self.row_count):
                start, end = data.get(f"d{weekday}_{row}_start"), data.get(f"d{weekday}_{row}_end")
                if start is not None and end is not None:
                    found.append((weekday, start, end))
        return found


class ClosureForm(forms.Form):
    date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end_date = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The last closed day; leave empty to close a single day."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        help_text=_("Shown to citizens, for example “staff outing”."),
    )

    def __init__(self, *args: Any, office: Office, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.office = office

    def clean_date(self) -> dt.date:
        date: dt.date = self.cleaned_data["date"]
        if date < timezone.localdate(timezone=self.office.tz):
            raise forms.ValidationError(_("Choose today or a later day."), code="past")
        return date

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date, end_date = data.get("date"), data.get("end_date")
        if date is not None and end_date is not None and end_date < date:
            self.add_error("end_date", _("The last closed day must not be before the first."))
        return data


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class AssignForm(forms.Form):
    staff = StaffChoiceField(
        label=_("Official to assign"), queryset=Staff.objects.none(), empty_label=_("Choose …")
    )
    is_lead = forms.BooleanField(label=_("Office lead"), required=False)

    def __init__(self, *args: Any, office: Office, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        staff = self.fields["staff"]
        assert isinstance(staff, forms.ModelChoiceField)
        staff.queryset = (
            Staff.objects.filter(authority_id=office.authority_id)
            .exclude(assignments__office=office)
            .order_by("display_name")
        )
        staff.error_messages["invalid_choice"] = _("Choose an official of your authority not yet assigned.")
