"""HTTP helpers that the pages of every app share (the client's address for limits: core.ratelimit)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse

REFERRER_POLICY = "strict-origin"


def private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Pages that carry or are reached by a secret link: never cached, never indexed, and the link never
    in a Referer header.

    ``strict-origin`` rather than ``no-referrer``: both keep the path (and so the token) out of every
    Referer, to other sites and to our own server's logs alike, but under ``no-referrer`` browsers send
    ``Origin: null`` with a same-origin form POST, which Django's CSRF check rejects; the pages' own
    forms (cancel, move, confirm, the language switch) would all fail with 403 in every real browser.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = REFERRER_POLICY
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper
