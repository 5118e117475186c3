"""The OpenAPI 3.1 document of the public status API, served at ``/api/v1/openapi.json``.

Built here rather than generated from the views so that it is the contract: tests/public/test_api.py
validates real answers of every endpoint against the schemas reached through ``paths``, and every schema
forbids unknown properties, so a field added to ``public.pages`` without being described here fails.
"""

from __future__ import annotations

from typing import Any

VERSION = "1.0.0"


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


URL = {"type": "string", "format": "uri"}
TIME = {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "description": "Local time, HH:MM."}

SCHEMAS: dict[str, Any] = {
    "Authority": _object(
        {
            "slug": {"type": "string", "description": "Short name in links."},
            "name": {"type": "string"},
            "url": {**URL, "description": "The public overview of the authority's offices."},
        }
    ),
    "Interval": _object(
        {
            "weekday": {
                "type": "string",
                "enum": ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
            },
            "start": TIME,
            "end": TIME,
        },
        "Regular opening hours on one weekday, in the office's time zone; a day may have several.",
    ),
    "Closure": _object(
        {
            "date": {"type": "string", "format": "date"},
            "reason": {
                "type": "string",
                "description": "A public holiday's name or the closure's reason; may be empty.",
            },
        },
        "A day within the next 60 days on which the office stays closed although its weekly hours say open.",
    ),
    "OpeningHours": _object(
        {
            "time_zone": {"type": "string", "description": "IANA time zone, e.g. Europe/Berlin."},
            "weekly": {"type": "array", "items": _ref("Interval")},
            "closures": {"type": "array", "items": _ref("Closure")},
            "next_opening": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "Start of the next opening interval after now (not the current one), "
                "with the office's UTC offset; null when none within 60 days.",
            },
        }
    ),
    "Live": _object(
        {
            "state": {
                "type": "string",
                "enum": ["closed", "open_free", "open_busy"],
                "description": "closed: no official present; open_free: an official is free now; "
                "open_busy: open, every present official is busy.",
            },
            "waiting": {"type": "integer", "minimum": 0, "description": "People in the waiting area."},
            "expected_wait_seconds": {
                "type": "integer",
                "minimum": 0,
                "description": "Expected wait of someone entering now; 0 when closed or served at once.",
            },
        },
        "The live state, the same figures the public overview shows.",
    ),
    "Appointments": _object(
        {
            "offered": {"type": "boolean"},
            "url": {
                **URL,
                "type": ["string", "null"],
                "description": "The booking page; null when not offered.",
            },
        }
    ),
    "Office": _object(
        {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "department": {"type": ["string", "null"]},
            "description": {"type": "string"},
            "urls": _object(
                {
                    "page": {**URL, "description": "The office's public page."},
                    "waiting_area": {**URL, "description": "Where a citizen enters the waiting area."},
                }
            ),
            "opening_hours": _ref("OpeningHours"),
            "live": _ref("Live"),
            "appointments": _ref("Appointments"),
        }
    ),
    "OfficeList": _object(
        {"authority": _ref("Authority"), "offices": {"type": "array", "items": _ref("Office")}}
    ),
    "OfficeDetail": _object({"authority": _ref("Authority"), "office": _ref("Office")}),
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "string", "enum": ["not_found", "method_not_allowed"]},
                    "message": {"type": "string", "description": "For people, in the request's language."},
                }
            )
        }
    ),
}

_HEADERS = {
    "ETag": {"description": "Strong validator of the body.", "schema": {"type": "string"}},
    "Cache-Control": {"description": "public, max-age=15", "schema": {"type": "string"}},
    "Access-Control-Allow-Origin": {
        "description": "The request's Origin, when it is one of the authority's allowed origins.",
        "schema": {"type": "string"},
    },
}


def _json(schema: str, description: str, headers: bool = True) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema)}},
    }
    if headers:
        response["headers"] = _HEADERS
    return response


_ERRORS = {
    "404": {"$ref": "#/components/responses/NotFound"},
    "405": {"$ref": "#/components/responses/MethodNotAllowed"},
}
_CONDITIONAL = [
    {
        "name": "If-None-Match",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "An ETag of an earlier answer; answered 304 while it is still current.",
    }
]
_NOT_MODIFIED = {"description": "Not modified (the If-None-Match ETag is current).", "headers": _HEADERS}
_PREFLIGHT = {
    "summary": "CORS preflight",
    "responses": {"204": {"description": "CORS headers for an allowed Origin, none for others."}},
}


def _slug(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
        "description": description,
    }


def document() -> dict[str, Any]:
    authority = _slug("authority", "The authority's short name, e.g. musterkreis.")
    office = _slug("office", "The office's short name within the authority.")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "buergerbuero status API",
            "version": VERSION,
            "description": "Read-only opening hours and live state of an authority's virtual offices. "
            "No personal data. See docs/status-api.md.",
        },
        "paths": {
            "/api/v1/{authority}/offices/": {
                "parameters": [authority],
                "get": {
                    "operationId": "listOffices",
                    "summary": "All offices of an authority, by name",
                    "parameters": _CONDITIONAL,
                    "responses": {
                        "200": _json("OfficeList", "The offices."),
                        "304": _NOT_MODIFIED,
                        **_ERRORS,
                    },
                },
                "options": _PREFLIGHT,
            },
            "/api/v1/{authority}/offices/{office}/": {
                "parameters": [authority, office],
                "get": {
                    "operationId": "getOffice",
                    "summary": "One office",
                    "parameters": _CONDITIONAL,
                    "responses": {
                        "200": _json("OfficeDetail", "The office."),
                        "304": _NOT_MODIFIED,
                        **_ERRORS,
                    },
                },
                "options": _PREFLIGHT,
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        "304": _NOT_MODIFIED,
                    },
                }
            },
        },
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                "NotFound": _json("Error", "No such authority, office or address.", headers=False),
                "MethodNotAllowed": _json("Error", "Only GET, HEAD and OPTIONS are answered.", headers=False),
            },
        },
    }
