"""Who sees which statistics, and the dashboard's filters turned into a ``Scope`` and a ``Period``.

- Authority administrators: the whole authority, every department, office and official.
- Office leads: every office they are assigned to, and the officials of the offices they lead (those
  officials' figures within the offices the lead leads).
- Other officials: the offices they are assigned to, and their own figures; never another official's.

As in ``staff.access``: an id of another authority's object, or of one the official does not reach, is a
404, never a 403, so ids reveal nothing. A malformed value (an unknown period, a date that is none, an id
that is no number) is a 400 with the reason, shown beside what was typed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django import forms
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from buergerbuero.authorities.models import Staff
from buergerbuero.offices.access import led_office_ids, offices_of
from buergerbuero.offices.models import Department, Office
from buergerbuero.stats.periods import EARLIEST, MAX_DAYS, named_period
from buergerbuero.stats.types import Figures, Period, Scope

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PERIODS = [
    ("today", gettext_lazy("Today")),
    ("week", gettext_lazy("This week")),
    ("month", gettext_lazy("This month")),
    ("year", gettext_lazy("This year")),
    ("all", gettext_lazy("Since the start")),
    ("custom", gettext_lazy("Custom period")),
]
DEFAULT_PERIOD = "month"
# Ids are 64-bit; a larger number would overflow the database driver (a 500) instead of finding nothing.
MAX_ID = 2**63 - 1


# --- reach: what one official may see ------------------------------------------------------------


@dataclass(frozen=True)
class Reach:
    staff: Staff
    whole_authority: bool
    offices: tuple[Office, ...]
    led_office_ids: frozenset[int]
    departments: tuple[Department, ...]
    officials: tuple[Staff, ...]

    @property
    def office_ids(self) -> frozenset[int]:
        return frozenset(o.pk for o in self.offices)

    @property
    def official_ids(self) -> frozenset[int]:
        return frozenset(s.pk for s in self.officials)


def reach_of(staff: Staff) -> Reach:
    offices = offices_of(staff).select_related("department")
    officials = Staff.objects.filter(authority_id=staff.authority_id)
    led = led_office_ids(staff)
    if staff.is_authority_admin:
        departments = Department.objects.filter(authority_id=staff.authority_id)
    else:
        departments = Department.objects.filter(offices__in=offices)
        officials = officials.filter(pk=staff.pk) | officials.filter(assignments__office_id__in=led)
    return Reach(
        staff=staff,
        whole_authority=staff.is_authority_admin,
        offices=tuple(offices.distinct().order_by("name", "pk")),
        led_office_ids=led,
        departments=tuple(departments.distinct().order_by("name", "pk")),
        officials=tuple(officials.distinct().order_by("display_name", "pk")),
    )


# --- the filter form -----------------------------------------------------------------------------


def _id_field(label: StrOrPromise, invalid: StrOrPromise) -> forms.IntegerField:
    """An optional id from a choice list of the filter form."""
    return forms.IntegerField(
        label=label, required=False, min_value=1, max_value=MAX_ID, error_messages={"invalid": invalid}
    )


class FilterForm(forms.Form):
    """The query string of the dashboard and its exports. Ids are plain numbers here; whether the
    official may see them is decided by ``selection_for`` (a 404), not by the form (a 400)."""

    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=PERIODS,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Please choose one of the periods in the list.")},
    )
    department = _id_field(
        gettext_lazy("Department"), gettext_lazy("Please choose a department from the list.")
    )
    office = _id_field(gettext_lazy("Office"), gettext_lazy("Please choose an office from the list."))
    staff = _id_field(
        gettext_lazy("Staff member"), gettext_lazy("Please choose a staff member from the list.")
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        # "from" is a Python keyword, so these two cannot be declared as class attributes.
        for name, label in (("from", gettext_lazy("From")), ("to", gettext_lazy("Until"))):
            self.fields[name] = forms.DateField(
                label=label,
                required=False,
                input_formats=["%Y-%m-%d"],
                error_messages={
                    "invalid": gettext_lazy("Please enter a date as YYYY-MM-DD, for example 2025-03-31.")
                },
            )
        for field in ("department", "office", "staff"):
            self.fields[field].error_messages["min_value"] = self.fields[field].error_messages["invalid"]
            self.fields[field].error_messages["max_value"] = self.fields[field].error_messages["invalid"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("from"), data.get("to")
        if not data.get("period"):
            # Dates alone (a form sent without script, a bookmark) mean a custom period.
            typed = self.data.get("from") or self.data.get("to")
            data["period"] = "custom" if typed else DEFAULT_PERIOD
        if data["period"] != "custom" or self.has_error("from") or self.has_error("to"):
            return data
        if start is None:
            self.add_error("from", _("Please enter the first day of the period."))
        if end is None:
            self.add_error("to", _("Please enter the last day of the period."))
        if start is None or end is None:
            return data
        latest = self.today + dt.timedelta(days=366)
        if start < EARLIEST or end > latest:
            self.add_error(
                "from" if start < EARLIEST else "to",
                _("Please choose days between %(first)s and %(last)s.")
                % {"first": EARLIEST.isoformat(), "last": latest.isoformat()},
            )
        elif end < start:
            self.add_error("to", _("The last day must not be before the first day."))
        elif (end - start).days + 1 > MAX_DAYS:
            self.add_error("to", _("A period may have at most %(days)d days.") % {"days": MAX_DAYS})
        return data

    def first_error(self) -> str:
        return str(next(iter(e for errors in self.errors.values() for e in errors), _("Invalid input.")))


# --- the selection: what the page shows ----------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The parsed filters. ``scope`` and ``period`` are None when the input was bad (``form`` says why)."""

    form: FilterForm
    reach: Reach
    kind: str
    scope: Scope | None
    period: Period | None
    department: Department | None = None
    office: Office | None = None
    official: Staff | None = None

    @property
    def is_valid(self) -> bool:
        return self.scope is not None and self.period is not None

    def query(self) -> str:
        """The filters as a query string, for the export and print links (only what was valid)."""
        if self.period is None:
            return ""
        params = {"period": self.kind}
        if self.kind == "custom":
            params.update({"from": self.period.start.isoformat(), "to": self.period.end.isoformat()})
        for name, item in (
            ("department", self.department),
            ("office", self.office),
            ("staff", self.official),
        ):
            if item is not None:
                params[name] = str(item.pk)
        return urlencode(params)

    def labels(self) -> list[tuple[str, str]]:
        """What the figures are of, for headings, exports and the print view."""
        rows = [(_("Authority"), self.reach.staff.authority.name)]
        if self.department:
            rows.append((_("Department"), self.department.name))
        if self.office:
            rows.append((_("Office"), self.office.name))
        if self.official:
            rows.append((_("Staff member"), self.official.display_name))
        if not self.department and not self.office and not self.official and not self.reach.whole_authority:
            rows.append((_("Offices"), ", ".join(o.name for o in self.reach.offices) or "–"))
        return rows


def local_today(now: dt.datetime | None = None) -> dt.date:
    """Today in the offices' time zone (all offices share the site's, see offices.models.TIME_ZONES)."""
    return timezone.localdate(now)


def selection_for(staff: Staff, query: QueryDict, today: dt.date | None = None) -> Selection:
    today = today or local_today()
    reach = reach_of(staff)
    form = FilterForm(query, today=today)
    valid = form.is_valid()
    data = form.cleaned_data
    # Ids are checked even when another field is bad: another tenant's id is a 404 in every case.
    department = _pick(reach.departments, data.get("department"), _("No such department."))
    office = _pick(reach.offices, data.get("office"), _("No such office."))
    official = _pick(reach.officials, data.get("staff"), _("No such official."))
    # A lead sees a colleague's figures only within the offices they lead.
    colleague = official is not None and official != staff and not reach.whole_authority
    if colleague and office is not None and office.pk not in reach.led_office_ids:
        raise Http404(_("No such office."))
    if valid and department is not None and office is not None and office.department_id != department.pk:
        form.add_error("office", _("This office does not belong to the chosen department."))
        valid = False
    kind = data.get("period") or DEFAULT_PERIOD
    if not valid:
        return Selection(form, reach, kind, None, None, department, office, official)
    period = period_of(kind, today, staff, data.get("from"), data.get("to"))
    scope = Scope(
        authority_id=staff.authority_id,
        department_id=department.pk if department else None,
        office_id=office.pk if office else None,
        staff_id=official.pk if official else None,
        office_ids=_office_ids(reach, official),
    )
    return Selection(form, reach, kind, scope, period, department, office, official)


def _pick(items: tuple[Any, ...], pk: int | None, message: str) -> Any:
    if pk is None:
        return None
    for item in items:
        if item.pk == pk:
            return item
    raise Http404(message)


def _office_ids(reach: Reach, official: Staff | None) -> frozenset[int] | None:
    if reach.whole_authority:
        return None
    if official is not None and official != reach.staff:
        return reach.led_office_ids
    return reach.office_ids


def period_of(
    kind: str, today: dt.date, staff: Staff, start: dt.date | None = None, end: dt.date | None = None
) -> Period:
    """The named periods are those of ``stats_report`` (``periods.named_period``: whole calendar weeks,
    months and years, even while some of their days are still to come); ``custom`` is from/to."""
    if kind == "custom":
        if start is None or end is None:
            raise ValueError("a custom period needs its first and last day")
        return Period(start, end)
    return named_period(kind, today, staff.authority_id)


def visible_figures(figures: Figures, selection: Selection) -> Figures:
    """The breakdown without the lines the official may not see: another official's line, unless the
    reader is an administrator or leads the office the breakdown is of."""
    reach = selection.reach
    scope_office = figures.scope.office_id
    may_see_colleagues = reach.whole_authority or (
        scope_office is not None and scope_office in reach.led_office_ids
    )

    def visible(key: str) -> bool:
        kind, _sep, number = key.partition("-")
        if not number.isdigit():
            return False
        pk = int(number)
        if kind == "office":
            return reach.whole_authority or pk in reach.office_ids
        if kind == "staff":
            return pk == reach.staff.pk or (may_see_colleagues and pk in reach.official_ids)
        return False

    return replace(figures, rows=[row for row in figures.rows if visible(row.key)])
