"""The officials' office pages (/staff/offices/): the list of offices, creating, editing, archiving, the
weekly opening hours, closing days and assignments.

Who sees what: an authority administrator every office of the authority (archived ones too); an office's
lead the offices they lead. Every view fetches its office through ``offices.access.get_office_for_lead``
(another authority's office, or one the official does not lead: 404) and calls at most one action; a
refused action on a page with typed input shows that page again with the reason (409), so nothing typed
is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from buergerbuero.authorities.access import staff_required
from buergerbuero.authorities.models import Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.offices import actions
from buergerbuero.offices.access import get_office_for_lead, leads, led_offices
from buergerbuero.offices.forms import AssignForm, ClosureForm, HoursForm, OfficeForm
from buergerbuero.offices.hours import Schedule
from buergerbuero.offices.models import Assignment, Closure, Office
from buergerbuero.offices.pages import hours_preview, hours_versions, public_path


def _context(staff: Staff, **extra: Any) -> dict[str, Any]:
    return {"staff": staff, "authority": staff.authority, **extra}


def _detail_url(office: Office) -> str:
    return reverse("staff_offices:detail", args=[office.pk])


def _date(text: str) -> dt.date | None:
    try:
        return parse_date(text)
    except ValueError:  # well formed but no day, such as 2027-02-30
        return None


def _require_admin(staff: Staff) -> None:
    if not staff.is_authority_admin:
        raise PermissionDenied(_("Only an administrator of your authority may do this."))


def _act(
    request: HttpRequest, staff: Staff, office: Office, action: Callable[[], object], success: str
) -> HttpResponse:
    try:
        action()
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
        if not leads(staff, office.pk):
            # A lead who took themselves off the office (or their lead flag) no longer reaches its page.
            return redirect("staff:dashboard")
    return redirect(_detail_url(office))


def _submit_on_detail(
    request: HttpRequest,
    staff: Staff,
    office: Office,
    form: Any,
    form_name: str,
    action: Callable[[dict[str, Any]], str],
    anchor: str,
) -> HttpResponse:
    """A form of the office page: 400 with the page and the form's errors when the input is bad, 409 with
    the action's refusal at the form's first field, else the action's success message and the page."""
    if not form.is_valid():
        return _render_detail(request, staff, office, **{form_name: form}, status=400)
    try:
        success = action(form.cleaned_data)
    except ActionError as error:
        form.add_error(next(iter(form.fields)), error.message)
        return _render_detail(request, staff, office, **{form_name: form}, status=409)
    messages.success(request, success)
    return redirect(_detail_url(office) + anchor)


@require_GET
@staff_required
def index(request: HttpRequest, staff: Staff) -> HttpResponse:
    offices = list(led_offices(staff).select_related("department").order_by("name"))
    if not offices and not staff.is_authority_admin:
        raise PermissionDenied(_("You lead no office."))
    return render(
        request,
        "offices/staff/index.html",
        _context(
            staff,
            offices=[o for o in offices if not o.is_archived],
            archived=[o for o in offices if o.is_archived],
        ),
    )


def _render_form(
    request: HttpRequest, staff: Staff, form: OfficeForm, office: Office | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "offices/staff/form.html",
        _context(staff, form=form, office=office, public_url=public_path(office) if office else ""),
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def create(request: HttpRequest, staff: Staff) -> HttpResponse:
    _require_admin(staff)
    if request.method != "POST":
        return _render_form(request, staff, OfficeForm(authority=staff.authority), None)
    form = OfficeForm(request.POST, authority=staff.authority)
    if not form.is_valid():
        return _render_form(request, staff, form, None, status=400)
    try:
        office = actions.create_office(staff, slug=form.cleaned_data["slug"], **form.office_fields())
    except ActionError as error:
        form.add_error("slug" if error.code == "slug_taken" else None, error.message)
        return _render_form(request, staff, form, None, status=409)
    messages.success(request, _("The office has been created. Next, set its opening hours."))
    return redirect(_detail_url(office))


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def edit(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    office = get_office_for_lead(staff, office_id)
    # The form works on a copy of its own: a ModelForm writes what was typed into its instance, and the
    # page's heading and links must keep the saved name.
    editable = get_office_for_lead(staff, office_id)
    if request.method != "POST":
        return _render_form(request, staff, OfficeForm(instance=editable, authority=staff.authority), office)
    form = OfficeForm(request.POST, instance=editable, authority=staff.authority)
    if not form.is_valid():
        return _render_form(request, staff, form, office, status=400)
    try:
        actions.update_office(staff, office, **form.office_fields())
    except ActionError as error:
        form.add_error(None, error.message)
        return _render_form(request, staff, form, office, status=409)
    messages.success(request, _("The office has been saved."))
    return redirect(_detail_url(office))


def _render_detail(
    request: HttpRequest,
    staff: Staff,
    office: Office,
    *,
    closure_form: ClosureForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate(timezone=office.tz)
    assignments = list(office.assignments.select_related("staff").order_by("-is_lead", "staff__display_name"))
    context = _context(
        staff,
        office=office,
        public_url=request.build_absolute_uri(public_path(office)),
        hours_versions=hours_versions(Schedule.for_office(office, around=today), today),
        closures=list(office.closures.overlapping(today, dt.date.max).order_by("date")),
        authority_closures=list(
            Closure.objects.filter(authority=staff.authority, office__isnull=True)
            .overlapping(today, dt.date.max)
            .order_by("date")
        ),
        assignments=assignments,
        lead_count=sum(1 for a in assignments if a.is_lead),
        closure_form=closure_form or ClosureForm(office=office),
        assign_form=assign_form or AssignForm(office=office),
    )
    return render(request, "offices/staff/detail.html", context, status=status)


@require_GET
@staff_required
def detail(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    return _render_detail(request, staff, get_office_for_lead(staff, office_id))


@require_POST
@staff_required
def archive(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    _require_admin(staff)
    office = get_office_for_lead(staff, office_id)
    return _act(
        request,
        staff,
        office,
        lambda: actions.archive_office(staff, office),
        _("The office has been archived. It no longer appears on the public pages."),
    )


@require_POST
@staff_required
def unarchive(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    _require_admin(staff)
    office = get_office_for_lead(staff, office_id)
    return _act(
        request,
        staff,
        office,
        lambda: actions.unarchive_office(staff, office),
        _("The office is back in use and appears on the public pages again."),
    )


def _render_hours(
    request: HttpRequest, staff: Staff, office: Office, form: HoursForm, status: int = 200
) -> HttpResponse:
    today = timezone.localdate(timezone=office.tz)
    return render(
        request,
        "offices/staff/hours.html",
        _context(staff, office=office, form=form, preview=hours_preview(office, today)),
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def hours(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    office = get_office_for_lead(staff, office_id)
    if request.method != "POST":
        today = timezone.localdate(timezone=office.tz)
        # ?valid_from=<a prepared week's first day> edits that week; otherwise the week in force today.
        prepared = _date(request.GET.get("valid_from", ""))
        schedule = Schedule.for_office(office, around=today)
        if prepared is not None and prepared > today and any(s == prepared for s, _w in schedule.versions):
            week, valid_from = schedule.weekly_on(prepared), prepared
        else:
            week, valid_from = schedule.weekly_on(today), today
        current = [(day, i.start, i.end) for day, intervals in sorted(week.items()) for i in intervals]
        initial, rows = HoursForm.initial_for(current)
        initial["valid_from"] = valid_from
        return _render_hours(request, staff, office, HoursForm(initial=initial, rows=rows))
    form = HoursForm(request.POST)
    if "add_row" in request.POST:
        # More rows per day, keeping what was typed (unchecked yet: nothing was saved).
        rows = form.row_count + 1
        typed = {**request.POST.dict(), "rows": rows}
        return _render_hours(request, staff, office, HoursForm(initial=typed, rows=rows))
    if not form.is_valid():
        return _render_hours(request, staff, office, form, status=400)
    try:
        actions.set_opening_hours(staff, office, form.intervals(), form.cleaned_data["valid_from"])
    except ActionError as error:
        form.add_error("valid_from" if error.code == "past" else None, error.message)
        return _render_hours(request, staff, office, form, status=409)
    messages.success(request, _("The opening hours have been saved."))
    return redirect(reverse("staff_offices:hours", args=[office.pk]))


@require_POST
@staff_required
def remove_prepared_hours(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    office = get_office_for_lead(staff, office_id)
    valid_from = _date(request.POST.get("valid_from", ""))
    if valid_from is None:
        return HttpResponseBadRequest(_("Say from which day the hours to remove apply."))
    return _act(
        request,
        staff,
        office,
        lambda: actions.remove_prepared_hours(staff, office, valid_from),
        _("The prepared opening hours have been removed."),
    )


@require_POST
@staff_required
def add_closure(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    office = get_office_for_lead(staff, office_id)

    def add(data: dict[str, Any]) -> str:
        actions.add_closure(staff, office, data["date"], data["reason"], end_date=data["end_date"])
        return _("The closing day has been added.")

    form = ClosureForm(request.POST, office=office)
    return _submit_on_detail(request, staff, office, form, "closure_form", add, "#closures-heading")


@require_POST
@staff_required
def remove_closure(request: HttpRequest, staff: Staff, office_id: int, closure_id: int) -> HttpResponse:
    office = get_office_for_lead(staff, office_id)
    closure = get_object_or_404(office.closures.select_related("office"), pk=closure_id)
    return _act(
        request,
        staff,
        office,
        lambda: actions.remove_closure(staff, closure),
        _("The closing day has been removed."),
    )


@require_POST
@staff_required
def assign(request: HttpRequest, staff: Staff, office_id: int) -> HttpResponse:
    office = get_office_for_lead(staff, office_id)

    def add(data: dict[str, Any]) -> str:
        actions.assign_official(staff, office, data["staff"], is_lead=data["is_lead"])
        return _("%(name)s is now assigned to the office.") % {"name": data["staff"].display_name}

    form = AssignForm(request.POST, office=office)
    return _submit_on_detail(request, staff, office, form, "assign_form", add, "#assignments-heading")


def _assignment(office: Office, assignment_id: int) -> Assignment:
    return get_object_or_404(office.assignments.select_related("staff", "office"), pk=assignment_id)


@require_POST
@staff_required
def unassign(request: HttpRequest, staff: Staff, office_id: int, assignment_id: int) -> HttpResponse:
    office = get_office_for_lead(staff, office_id)
    assignment = _assignment(office, assignment_id)
    return _act(
        request,
        staff,
        office,
        lambda: actions.unassign_official(staff, assignment),
        _("%(name)s is no longer assigned to the office.") % {"name": assignment.staff.display_name},
    )


@require_POST
@staff_required
def set_lead(request: HttpRequest, staff: Staff, office_id: int, assignment_id: int) -> HttpResponse:
    office = get_office_for_lead(staff, office_id)
    assignment = _assignment(office, assignment_id)
    choice = request.POST.get("is_lead")
    if choice not in {"0", "1"}:
        return HttpResponseBadRequest(_("Say whether the official should lead the office."))
    is_lead = choice == "1"
    success = _("%(name)s now leads the office.") if is_lead else _("%(name)s no longer leads the office.")
    return _act(
        request,
        staff,
        office,
        lambda: actions.set_lead(staff, assignment, is_lead),
        success % {"name": assignment.staff.display_name},
    )
