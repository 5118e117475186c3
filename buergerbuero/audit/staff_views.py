"""The audit log of an authority for its administrators (/staff/audit/): who changed what and when, in
words (``audit.labels``), filtered by person, office, kind of change and period, newest first, in pages;
and the same filtered list as CSV.

Entries hold no citizen's name or concern (``AuditEntry``), and the page shows none of an entry's
``data``: a row is its time, the official who acted (or "citizen or automatic"), the change in words, the
kind and number of the object and its office.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from buergerbuero.audit.filters import FilterForm
from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities.access import admin_required
from buergerbuero.authorities.models import Staff
from buergerbuero.core.spreadsheet import safe_text

PAGE_SIZE = 50


@dataclass(frozen=True)
class Row:
    at: str
    person: str
    action: str
    object: str
    office: str


class _Names:
    """People and offices by id, read once per request (one query each, not one per row)."""

    def __init__(self, form: FilterForm) -> None:
        self.form = form
        self.people = {person.user_id: person.display_name for person in form.people}

    def person(self, entry: AuditEntry) -> str:
        if entry.actor_id is None:
            return _("Citizen or automatic")
        # An account without a place in this authority, e.g. the operator's in the Django admin.
        return self.people.get(entry.actor_id) or _("Other account")

    def office(self, entry: AuditEntry) -> str:
        if entry.object_type == "office":
            return self.form.office_name(entry.object_id)
        office = entry.data.get("office") if isinstance(entry.data, dict) else None
        # bool is an int too: ``by_office=True`` style flags are no office.
        if isinstance(office, int) and not isinstance(office, bool):
            return self.form.office_name(office)
        return ""

    def row(self, entry: AuditEntry) -> Row:
        return Row(
            at=timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
            person=self.person(entry),
            action=entry.action_label(),
            object=f"{entry.object_label()} {entry.object_id}",
            office=self.office(entry),
        )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _bad_filters(request: HttpRequest, staff: Staff, form: FilterForm) -> HttpResponse:
    context = {"staff": staff, "authority": staff.authority, "form": form, "page": None, "rows": []}
    return render(request, "audit/staff/log.html", context, status=400)


@require_GET
@admin_required
def log(request: HttpRequest, staff: Staff) -> HttpResponse:
    form = FilterForm(request.GET, authority_id=staff.authority_id)
    if not form.is_valid():
        return _bad_filters(request, staff, form)
    page = Paginator(form.entries(staff.authority_id), PAGE_SIZE).get_page(request.GET.get("page"))
    names = _Names(form)
    context = {
        "staff": staff,
        "authority": staff.authority,
        "form": form,
        "page": page,
        "rows": [names.row(entry) for entry in page.object_list],
        "query": _query_without_page(request),
    }
    return render(request, "audit/staff/log.html", context)


@require_GET
@admin_required
def export(request: HttpRequest, staff: Staff) -> HttpResponse:
    form = FilterForm(request.GET, authority_id=staff.authority_id)
    if not form.is_valid():
        return _bad_filters(request, staff, form)
    # Written in one piece: under ASGI Django reads a streamed body with a synchronous iterator into
    # memory all the same, and a period's filter keeps the list to what an administrator asks for.
    entries = form.entries(staff.authority_id).iterator(chunk_size=2000)
    response = HttpResponse(_csv(entries, _Names(form)), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="protokoll-{stamp}.csv"'
    # Who did what in the authority: never kept by a shared cache or the browser.
    response["Cache-Control"] = "no-store"
    return response


def _csv(entries: Iterable[AuditEntry], names: _Names) -> bytes:
    """CSV for German Excel as the statistics export writes it: UTF-8 with a byte order mark, ``;``
    between fields. Names are text people typed: escaped against formulas (``core.spreadsheet``)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("Time"), _("Person"), _("What happened"), _("Code"), _("Object"), _("Office")])
    for entry in entries:
        row = names.row(entry)
        writer.writerow(
            [
                row.at,
                safe_text(row.person),
                safe_text(row.action),
                entry.action,
                safe_text(row.object),
                safe_text(row.office),
            ]
        )
    # The byte order mark tells Excel that the file is UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
