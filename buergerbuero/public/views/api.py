"""The public status API: read-only JSON about an authority's offices (docs/status-api.md).

Every answer of an endpoint is one JSON document with a strong ETag (a hash of the exact bytes), so a
conditional request is answered 304 whenever the figures have not changed, whichever worker answers.
Building the document costs a handful of queries per office; the built document is kept for
``MEMO_SECONDS`` in the cache, so polling clients (and the 304s they get) cost no query at all. The
figures may therefore be up to ``MEMO_SECONDS`` + ``MAX_AGE`` old: pages that must be live use the
WebSocket (the widget does).

Browsers on the authority's own websites (``Authority.embed_origins``) may read the API (CORS); other
origins get no CORS headers, which is all a browser needs to keep the answer from their scripts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from buergerbuero.authorities.models import Authority
from buergerbuero.public import openapi, pages
from buergerbuero.public.pages import AbsoluteUrl

MAX_AGE = 15
MEMO_SECONDS = 5
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
JSON = "application/json"


@dataclass(frozen=True)
class Document:
    """A built answer: its bytes, their ETag and who may read it from a browser."""

    body: bytes
    etag: str
    origins: tuple[str, ...]


class NotFound(Exception):
    def __init__(self, message: str, origins: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.origins = origins


def _document(payload: dict[str, Any], origins: tuple[str, ...]) -> Document:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return Document(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', origins)


def _authority(slug: str) -> Authority:
    authority = Authority.objects.filter(slug=slug).first()
    if authority is None:
        raise NotFound(_("There is no authority with this short name."))
    return authority


# --- responses -----------------------------------------------------------------------------------


def _cors(request: HttpRequest, response: HttpResponse, origins: tuple[str, ...] | None) -> HttpResponse:
    """``origins`` None: anyone may read (the OpenAPI document); else only the listed origins."""
    patch_vary_headers(response, ["Origin"])
    origin = request.headers.get("Origin", "")
    if origins is None:
        response["Access-Control-Allow-Origin"] = "*"
    elif origin and origin in origins:
        response["Access-Control-Allow-Origin"] = origin
    else:
        return response
    response["Access-Control-Expose-Headers"] = "ETag"
    return response


def error_response(
    request: HttpRequest, status_code: int, code: str, message: str, origins: tuple[str, ...] = ()
) -> HttpResponse:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False)
    response = HttpResponse(body, status=status_code, content_type=JSON)
    response["Cache-Control"] = "no-store"
    if status_code == 405:
        response["Allow"] = ALLOWED_METHODS
    return _cors(request, response, origins)


def _not_modified(request: HttpRequest, etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    # If-None-Match uses the weak comparison (RFC 9110, 13.1.2): W/"x" matches "x".
    return etag in {tag.removeprefix("W/") for tag in parse_etags(header)}


def _answer(request: HttpRequest, document: Document, origins: tuple[str, ...] | None) -> HttpResponse:
    response: HttpResponse
    if _not_modified(request, document.etag):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(document.body, content_type=JSON)
        response["Content-Length"] = str(len(document.body))
        if request.method == "HEAD":
            response.content = b""
    response["ETag"] = document.etag
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return _cors(request, response, origins)


def _preflight(request: HttpRequest, origins: tuple[str, ...]) -> HttpResponse:
    response = HttpResponse(status=204)
    response = _cors(request, response, origins)
    if "Access-Control-Allow-Origin" in response:
        response["Access-Control-Allow-Methods"] = "GET, HEAD"
        # If-None-Match is not a "simple" header: a script that revalidates needs it allowed.
        response["Access-Control-Allow-Headers"] = "If-None-Match"
        response["Access-Control-Max-Age"] = "86400"
    return response


def _endpoint(
    request: HttpRequest, build: Callable[[AbsoluteUrl], Document], authority_slug: str
) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return error_response(request, 405, "method_not_allowed", _("This address can only be read."))
    # Absolute links are part of the body, so scheme and host are part of the key.
    key = "public-api:" + hashlib.sha256(request.build_absolute_uri(request.path).encode()).hexdigest()
    document: Document | None = cache.get(key)
    if document is None:
        try:
            if request.method == "OPTIONS":
                return _preflight(request, tuple(_authority(authority_slug).embed_origin_list))
            document = build(request.build_absolute_uri)
        except NotFound as exc:
            return error_response(request, 404, "not_found", exc.message, exc.origins)
        cache.set(key, document, MEMO_SECONDS)
    if request.method == "OPTIONS":
        return _preflight(request, document.origins)
    return _answer(request, document, document.origins)


# --- endpoints -----------------------------------------------------------------------------------


@csrf_exempt  # nothing here writes; without it a POST would get the CSRF check's HTML 403, not our JSON 405
def offices(request: HttpRequest, authority_slug: str) -> HttpResponse:
    def build(absolute: AbsoluteUrl) -> Document:
        authority = _authority(authority_slug)
        payload = pages.office_list(authority, timezone.now(), absolute)
        return _document(payload, tuple(authority.embed_origin_list))

    return _endpoint(request, build, authority_slug)


@csrf_exempt
def office(request: HttpRequest, authority_slug: str, office_slug: str) -> HttpResponse:
    def build(absolute: AbsoluteUrl) -> Document:
        authority = _authority(authority_slug)
        origins = tuple(authority.embed_origin_list)
        found = pages.offices_of(authority).filter(slug=office_slug).first()
        if found is None:
            raise NotFound(_("This authority has no office with this short name."), origins)
        return _document(pages.office_detail(found, timezone.now(), absolute), origins)

    return _endpoint(request, build, authority_slug)


@lru_cache(maxsize=1)
def _openapi_document() -> Document:
    return _document(openapi.document(), ())


@csrf_exempt
def openapi_json(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        return error_response(request, 405, "method_not_allowed", _("This address can only be read."))
    if request.method == "OPTIONS":
        response = _cors(request, HttpResponse(status=204), None)
        response["Access-Control-Allow-Methods"] = "GET, HEAD"
        response["Access-Control-Allow-Headers"] = "If-None-Match"
        return response
    return _answer(request, _openapi_document(), None)


@csrf_exempt
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    return error_response(request, 404, "not_found", _("There is no such address in the status API."))
