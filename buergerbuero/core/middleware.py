from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from buergerbuero.core.errors import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)

# Seconds a client (or the reverse proxy) should wait before trying again.
RETRY_AFTER_SECONDS = 10

# Scripts and styles come only from our own origin; media from the camera is a blob/mediastream.
# Frame embedding is decided per view: the status widget sends its own policy with the authority's
# allowed origins (public.views.widget); every other page is unembeddable, by `frame-ancestors 'none'`
# here and by X-Frame-Options: DENY (XFrameOptionsMiddleware) for browsers that predate CSP level 2.
BASE_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
]
CONTENT_SECURITY_POLICY = "; ".join([*BASE_POLICY, "frame-ancestors 'none'"])


def policy_with_frame_ancestors(origins: list[str]) -> str:
    """The site's policy, but embeddable by our own pages and ``origins`` (already validated origins)."""
    return "; ".join([*BASE_POLICY, " ".join(["frame-ancestors 'self'", *origins])])


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), geolocation=()"
        )
        return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with a page that says so (and
    ``Retry-After``) instead of a server error with a traceback. Nothing has been changed: a state
    change runs in one transaction, which the error rolled back. Django gives up a broken connection
    at the end of the request, so the next request connects afresh and the site recovers by itself.

    The page is rendered without the database (no session, no user, no authority)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        # One line, no traceback: an outage makes many of these. The view's name, not the path: paths
        # may hold a personal link's token.
        match = request.resolver_match
        view = match.view_name if match is not None else "?"
        logger.warning("database unavailable for %s %s: %s", request.method, view, exception)
        response = database_unavailable_response()
        # Django would log every such 503 again at ERROR (django.utils.log.log_response); the warning
        # above says more.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response


def database_unavailable_response() -> HttpResponse:
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
