"""The officials' certificate pages (/staff/certificates/): a list filtered by office, state and name or
identifier; one certificate's PDF; revoking with a reason (a confirmation page, then a POST).

As elsewhere in the staff area (``appointments.staff_views``): a view parses its input (bad input: 400
with the reason), fetches its certificate through ``access`` (another authority's or another office's:
404), calls at most one action, and answers POST/redirect/GET with a message. A revocation the rule
refuses (already revoked) shows the page again with the reason (409).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from buergerbuero.authorities.access import staff_required
from buergerbuero.authorities.models import Staff
from buergerbuero.certificates import access, actions, pdf, selectors
from buergerbuero.certificates.actions import REASON_MAX_LENGTH
from buergerbuero.certificates.forms import FilterForm, RevokeForm
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.access import offices_of

PAGE_SIZE = 50


def _context(staff: Staff, **extra: Any) -> dict[str, Any]:
    return {"staff": staff, "authority": staff.authority, **extra}


@require_GET
@staff_required
def index(request: HttpRequest, staff: Staff) -> HttpResponse:
    offices = offices_of(staff).order_by("name")
    form = FilterForm(request.GET, offices=offices)
    if not form.is_valid():
        message = next(iter(e for errors in form.errors.values() for e in errors), _("Invalid input."))
        context = _context(staff, message=message, back=request.path)
        return render(request, "certificates/staff/bad_input.html", context, status=400)
    certificates = access.certificates_for_staff(staff)
    data = form.cleaned_data
    if data["office"]:
        certificates = certificates.filter(office=data["office"])
    if data["state"] == "valid":
        certificates = certificates.filter(revoked_at__isnull=True)
    elif data["state"] == "revoked":
        certificates = certificates.filter(revoked_at__isnull=False)
    certificates = selectors.search(certificates, data["q"]).order_by("-issued_at", "-id")
    page = Paginator(certificates, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = _context(
        staff,
        form=form,
        page=page,
        filtered=any(data.values()),
        query=query.urlencode(),
        revocable=access.revocable_offices(staff),
        retention_days=actions.retention_days(),
    )
    return render(request, "certificates/staff/index.html", context)


@require_GET
@staff_required
def download(request: HttpRequest, staff: Staff, certificate_id: int) -> HttpResponse:
    certificate = access.get_certificate_for_staff(staff, certificate_id)
    response = HttpResponse(pdf.render([certificate]), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="bescheinigung-{certificate.identifier}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@staff_required
def revoke(request: HttpRequest, staff: Staff, certificate_id: int) -> HttpResponse:
    certificate = access.get_certificate_for_staff(staff, certificate_id)
    access.check_may_revoke(staff, certificate)
    status = 200
    if request.method == "POST":
        form = RevokeForm(request.POST)
        if form.is_valid():
            try:
                actions.revoke(certificate, actor=staff.user, reason=form.cleaned_data["reason"])
            except ActionError as error:
                # Revoked meanwhile (another official, another tab): the page says so instead of the form.
                certificate.refresh_from_db()
                messages.error(request, error.message)
                status = 409
            else:
                messages.success(
                    request,
                    _("The certificate %(identifier)s of %(name)s is revoked.")
                    % {"identifier": certificate.display_identifier, "name": certificate.holder_name},
                )
                return redirect("staff_certificates:index")
        else:
            status = 400
    else:
        form = RevokeForm()
    context = _context(staff, certificate=certificate, form=form, reason_max_length=REASON_MAX_LENGTH)
    return render(request, "certificates/staff/revoke.html", context, status=status)
