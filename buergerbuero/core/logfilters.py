"""Log filters of the console handler (settings.LOGGING).

Django logs every 4xx and 5xx response with the request's path (``Method Not Allowed (GET): /termine/
<token>/``, ``Conflict: /termine/bestaetigen/<token>/``). Our paths carry secrets: the tokens of booking,
event, training and room links. No log line may hold a token, a name, a concern or an e-mail address
(docs/privacy.md, "Logs"), so :class:`RedactRequestPaths` writes the URL pattern that matched instead of
the path (``/termine/<str:token>/``), which is what an operator needs to find the view.
"""

from __future__ import annotations

import logging
from typing import Any

from django.urls import Resolver404, resolve

UNKNOWN_PATH = "(a path that matches no URL pattern)"


def route_of(request: Any) -> str:
    """The URL pattern a request matched, e.g. ``/termine/<str:token>/``; never the path itself."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(getattr(request, "path_info", ""))
        except (Resolver404, ValueError, TypeError):
            return UNKNOWN_PATH
    return "/" + match.route if match.route else UNKNOWN_PATH


class RedactRequestPaths(logging.Filter):
    """Replaces the request path in the arguments of a record that carries its request (django.request,
    django.server, django.security.*) with the route. The record itself is changed, so every handler and
    formatter after this filter sees only the route."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is None or not isinstance(record.args, tuple):
            return True
        paths: set[str] = set()
        for attribute in ("path", "path_info"):
            value = getattr(request, attribute, None)
            if isinstance(value, str) and value:
                paths.update({value, value.encode("unicode_escape").decode("ascii")})
        if not paths:
            return True
        route = route_of(request)
        record.args = tuple(route if isinstance(arg, str) and arg in paths else arg for arg in record.args)
        return True
