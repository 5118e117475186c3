"""The audit log page's filters (a GET form, so a filtered list can be bookmarked) and the entries they
select: by person, office, kind of action and period, always within one authority, newest first.

Choices are the authority's own people and offices: an id of another authority's person or office is not
among them and reads as an invalid choice, so ids reveal nothing. Dates are days in the server's time
zone, both ends included.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from buergerbuero.audit.labels import ACTION_LABELS
from buergerbuero.audit.models import AuditEntry
from buergerbuero.audit.sources import sources
from buergerbuero.authorities.models import Staff

# The person filter's value for entries without a person: a citizen's or a background job's change.
NOBODY = "none"
# Days a period may start and end on: a far-off day would overflow the conversion to UTC (a 500).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2999, 12, 31)


class FilterForm(forms.Form):
    person = forms.ChoiceField(
        label=gettext_lazy("Person"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Please choose a person from the list.")},
    )
    office = forms.TypedChoiceField(
        label=gettext_lazy("Office"),
        required=False,
        coerce=int,
        empty_value=None,
        error_messages={"invalid_choice": gettext_lazy("Please choose an office from the list.")},
    )
    action = forms.ChoiceField(
        label=gettext_lazy("Kind of change"),
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Please choose a kind of change from the list.")},
    )
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-03-31.")},
    )
    end = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Enter a date such as 2026-03-31.")},
    )

    def __init__(self, data: Any, *, authority_id: int) -> None:
        super().__init__(data)
        self.people = list(Staff.objects.filter(authority_id=authority_id).order_by("display_name", "pk"))
        self.offices = sources.office_names(authority_id)
        person = self.fields["person"]
        office = self.fields["office"]
        action = self.fields["action"]
        assert isinstance(person, forms.ChoiceField) and isinstance(office, forms.ChoiceField)
        assert isinstance(action, forms.ChoiceField)
        person.choices = [
            ("", _("Everyone")),
            (NOBODY, _("Citizens and automatic changes")),
            *((str(person.pk), person.display_name) for person in self.people),
        ]
        office.choices = [("", _("All offices")), *self.offices]
        labelled = sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda c: c[1])
        action.choices = [("", _("All kinds")), *labelled]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("start", "end"):
            day = cleaned.get(name)
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, _("Enter a date between the years 2000 and 2999."))
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            self.add_error("end", _("The end of the period must not be before its start."))
        return cleaned

    def entries(self, authority_id: int) -> QuerySet[AuditEntry]:
        """The authority's entries that the (valid) filters select, newest first."""
        entries = AuditEntry.objects.filter(authority_id=authority_id)
        data = self.cleaned_data
        if data.get("person") == NOBODY:
            entries = entries.filter(actor__isnull=True)
        elif data.get("person"):
            person = next(p for p in self.people if str(p.pk) == data["person"])
            entries = entries.filter(actor_id=person.user_id)
        if data.get("office") is not None:
            office = data["office"]
            entries = entries.filter(Q(object_type="office", object_id=office) | Q(data__office=office))
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        zone = timezone.get_current_timezone()
        if data.get("start"):
            entries = entries.filter(at__gte=dt.datetime.combine(data["start"], dt.time.min, zone))
        if data.get("end"):
            day_after = data["end"] + dt.timedelta(days=1)
            entries = entries.filter(at__lt=dt.datetime.combine(day_after, dt.time.min, zone))
        return entries.order_by("-at", "-id")

    def office_name(self, office_id: int) -> str:
        return dict(self.offices).get(office_id) or pgettext("audit log", "Office %(id)s") % {"id": office_id}
