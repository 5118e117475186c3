"""The public verification pages: /bescheinigung/ (type an identifier) and /bescheinigung/<identifier>/
(the QR code on the certificate leads here).

The answer shows no more than needed to compare with the paper: for a valid certificate the holder's
name, the training, its date and the issuing office; for a revoked one that it is revoked and who
issued it; never the date of birth or a reason. Every answer is ``private`` (not cached, not indexed,
the identifier in no Referer). Lookups are limited per client address (``ratelimit``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from buergerbuero.certificates import identifiers, ratelimit, selectors
from buergerbuero.certificates.forms import VerifyForm
from buergerbuero.certificates.selectors import Status
from buergerbuero.core.http import private
from buergerbuero.core.ratelimit import client_address

STATUS_CODES = {Status.VALID: 200, Status.REVOKED: 200, Status.UNKNOWN: 404, Status.MALFORMED: 404}


@private
@require_safe
def verify_form(request: HttpRequest) -> HttpResponse:
    """The form sends a GET (bookmarkable, no CSRF token needed); a well-formed identifier goes on to
    its page, anything else is shown again with the reason."""
    if "identifier" not in request.GET:
        return render(request, "certificates/verify_form.html", {"form": VerifyForm()})
    form = VerifyForm(request.GET)
    if form.is_valid():
        identifier = identifiers.normalise(form.cleaned_data["identifier"])
        if identifier:
            return redirect("certificates:verify", identifiers.display(identifier))
        form.add_error("identifier", _malformed_message())
    return render(request, "certificates/verify_form.html", {"form": form}, status=400)


def _malformed_message() -> str:
    return _(
        "This is not the identifier of a certificate. Please check it for typing errors: it has 20 "
        "letters and digits, for example K7QM-2XHP-9DWR-T4NB-8FJC."
    )


@private
@require_safe
def verify(request: HttpRequest, identifier: str) -> HttpResponse:
    stored = identifiers.normalise(identifier)
    if stored is None:
        result = selectors.Verification(Status.MALFORMED, identifier[:80])
    elif not ratelimit.take(client_address(request)):
        response = render(request, "certificates/rate_limited.html", status=429)
        response["Retry-After"] = str(ratelimit.window_seconds())
        return response
    else:
        result = selectors.verify(stored)
    certificate = result.certificate
    context = {
        "result": result,
        "certificate": certificate,
        "authority": certificate.authority if certificate else None,
        "form": VerifyForm(initial={"identifier": result.identifier}),
        "malformed_message": _malformed_message(),
    }
    return render(request, "certificates/verify.html", context, status=STATUS_CODES[result.status])
