"""The statistics pages of the officials (/staff/statistics/): the dashboard, its exports (CSV, XLSX) and
a print view, all with the same filters in the query string.

Each view parses the filters and learns what the official may see (``stats.access``: bad input a 400
on the page with the reason, another tenant's or an unreachable id a 404), asks ``stats.figures.compute``
for the figures, drops the breakdown lines the official may not see, and renders. No figure is worked
out here; definitions in docs/statistics.md.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from buergerbuero.authorities.access import staff_required
from buergerbuero.authorities.models import Staff
from buergerbuero.stats import access, exports
from buergerbuero.stats.access import Selection
from buergerbuero.stats.figures import compute
from buergerbuero.stats.pages import charts, formatting
from buergerbuero.stats.types import Figures


def _figures(selection: Selection) -> Figures:
    assert selection.scope is not None and selection.period is not None
    return access.visible_figures(compute(selection.scope, selection.period), selection)


def _context(staff: Staff, selection: Selection, figures: Figures | None, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "staff": staff,
        "authority": staff.authority,
        "selection": selection,
        "form": selection.form,
        "reach": selection.reach,
        "periods": access.PERIODS,
        "figures": figures,
        "about": selection.labels(),
        "query": selection.query(),
        **extra,
    }
    if figures is not None:
        context["charts"] = charts.for_dashboard(figures)
        context["texts"] = formatting.texts(figures)
    return context


def _bad_input(
    request: HttpRequest, staff: Staff, selection: Selection, template: str, **extra: Any
) -> HttpResponse:
    context = _context(staff, selection, None, **extra)
    return render(request, template, context, status=400)


@require_GET
@staff_required
def dashboard(request: HttpRequest, staff: Staff) -> HttpResponse:
    selection = access.selection_for(staff, request.GET)
    if not selection.is_valid:
        return _bad_input(request, staff, selection, "stats/dashboard.html")
    return render(request, "stats/dashboard.html", _context(staff, selection, _figures(selection)))


@require_GET
@staff_required
def print_view(request: HttpRequest, staff: Staff) -> HttpResponse:
    selection = access.selection_for(staff, request.GET)
    if not selection.is_valid:
        return _bad_input(request, staff, selection, "stats/print.html")
    context = _context(staff, selection, _figures(selection), generated_at=timezone.now())
    return render(request, "stats/print.html", context)


@require_GET
@staff_required
def export(request: HttpRequest, staff: Staff) -> HttpResponse:
    selection = access.selection_for(staff, request.GET)
    kind = request.GET.get("format", "")
    if kind not in exports.FORMATS:
        message = _("Please choose CSV or Excel (XLSX) as the format of the download.")
        return _bad_input(request, staff, selection, "stats/dashboard.html", extra_error=message)
    if not selection.is_valid:
        return _bad_input(request, staff, selection, "stats/dashboard.html")
    figures = _figures(selection)
    write = exports.to_csv if kind == "csv" else exports.to_xlsx
    response = HttpResponse(
        write(figures, selection.labels(), timezone.now()), content_type=exports.CONTENT_TYPES[kind]
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(figures, kind)}"'
    # Figures of people's work: never kept by a shared cache or the browser.
    response["Cache-Control"] = "no-store"
    return response
