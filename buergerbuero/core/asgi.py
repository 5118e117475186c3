"""The ASGI middleware of every socket: the origin check, the read-only session and the guarded user
lookup. The application itself and its routes are composed in ``site.asgi``."""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any
from urllib.parse import urlsplit

from channels.auth import AuthMiddleware
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http.request import split_domain_port, validate_host

from buergerbuero.core.consumers import TRY_AGAIN_LATER
from buergerbuero.core.errors import DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)


DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(scheme: str, netloc: str) -> str | None:
    """``scheme://host[:port]`` in lower case without a default port, as browsers send ``Origin``; None
    when ``netloc`` is not a plain ``host[:port]``."""
    if netloc.endswith(":"):  # "host:" has no port, and "https:" no host
        return None
    try:
        parts = urlsplit(f"{scheme}://{netloc}")
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    if not host or parts.username is not None or parts.password is not None or parts.path or "?" in netloc:
        return None
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def normalise_origin(value: str) -> str | None:
    """An origin (``https://host[:port]``) normalised, or None when ``value`` is not one. A bare host
    (how WEBSOCKET_ALLOWED_ORIGINS was once written) means that host over https on its default port."""
    text = value.strip().rstrip("/")
    scheme, sep, netloc = text.partition("://")
    if not sep:
        scheme, netloc = "https", text
    scheme = scheme.lower()
    if scheme not in DEFAULT_PORTS or "/" in netloc:
        return None
    return _origin(scheme, netloc)


def allowed_origins() -> set[str]:
    """The origins every socket accepts whatever host it was asked for: the site's own (SITE_URL) and
    WEBSOCKET_ALLOWED_ORIGINS."""
    site = urlsplit(settings.SITE_URL)  # checked in settings: http(s)://host[:port][/path]
    origins = {_origin(site.scheme.lower(), site.netloc)}
    for entry in settings.WEBSOCKET_ALLOWED_ORIGINS:
        origin = normalise_origin(entry)
        if origin is None:
            raise ImproperlyConfigured(
                f"BUERGERBUERO_WEBSOCKET_ALLOWED_ORIGINS: expected origins such as "
                f"https://www.musterkreis.de[:port], got {entry!r}"
            )
        origins.add(origin)
    return {o for o in origins if o is not None}


def request_origin(scope: dict[str, Any]) -> str | None:
    """The origin the socket itself was opened at (the scheme and ``Host`` of the handshake), when that
    host is one of ALLOWED_HOSTS: a page of this site opens its socket on its own origin."""
    host = next((v.decode("latin1") for k, v in scope.get("headers", []) if k == b"host"), None)
    if not host:
        return None
    domain, _port = split_domain_port(host)
    allowed = list(settings.ALLOWED_HOSTS)
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    if not domain or not validate_host(domain, allowed):
        return None
    return _origin("https" if scope.get("scheme") == "wss" else "http", host)


class SiteOriginValidator:
    """Opens a socket only for pages of this site: ``Origin`` must be exactly (scheme, host and port) the
    origin the socket was requested at, SITE_URL's, or one of WEBSOCKET_ALLOWED_ORIGINS. A page of another
    site, even one on the same host with another scheme or port, cannot use the visitor's cookies."""

    def __init__(self, application: Any) -> None:
        self.application = application
        allowed_origins()  # a malformed WEBSOCKET_ALLOWED_ORIGINS stops the start with a clear message

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        origin = None
        for name, value in scope.get("headers", []):
            if name == b"origin":
                origin = normalise_origin(value.decode("latin1")) if b"://" in value else None
        if origin is not None and (origin in allowed_origins() or origin == request_origin(scope)):
            return await self.application(scope, receive, send)
        return await WebsocketDenier()(scope, receive, send)


class SessionMiddleware:
    """The Django session of a WebSocket, read-only: ``scope["session"]``, loaded on first use (which
    AuthMiddleware's user lookup does in a worker thread, so consumers read it without a query).

    Channels' own SessionMiddleware wraps ``send`` to save a modified session before HTTP responses; on a
    WebSocket it still inspects the session on every outgoing frame, which was half of the server's time
    when an event goes out to thousands of waiting pages (bench/bench_waiting.py). Our consumers never
    write the session, so the frames go straight to the server.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if "cookies" not in scope:
            raise ValueError("SessionMiddleware needs CookieMiddleware outside it")
        key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
        return await self.inner(dict(scope, session=self.store(key)), receive, send)


class GuardedAuthMiddleware(AuthMiddleware):
    """Channels' AuthMiddleware, but a socket whose user cannot be looked up because the database is
    unreachable is closed with "try again later" (the page reconnects with backoff) instead of ending
    in a traceback. Consumers handle the same later on (core.consumers.BaseConsumer.dispatch)."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        self.populate_scope(scope)
        try:
            await self.resolve_scope(scope)
        except DATABASE_UNAVAILABLE as exc:
            logger.warning("database unavailable on %s (user lookup): %s", scope.get("path"), exc)
            if (await receive()).get("type") == "websocket.connect":
                await send({"type": "websocket.accept"})
                await send({"type": "websocket.close", "code": TRY_AGAIN_LATER})
            return None
        return await self.inner(scope, receive, send)
