from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Scripts and styles come only from our own origin; media from the camera is a blob/mediastream.
# Frame embedding is decided per view: the status widget sends its own policy with the authority's
# allowed origins (public.widget); every other page is unembeddable, by `frame-ancestors 'none'` here and
# by X-Frame-Options: DENY (XFrameOptionsMiddleware) for browsers that predate CSP level 2.
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
