"""The web origins (scheme, host, port) an authority allows to embed its status widget and to read its
status API from a browser (``Authority.embed_origins``, one per line).

An origin is compared with what browsers send in ``Origin`` and what CSP ``frame-ancestors`` matches, so
it is stored normalised: lower case, no default port, no trailing slash. Plain http is accepted only for
loopback hosts, where an authority's web team tests its pages; anything reachable needs https.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LOCAL_HOSTS = {"localhost", "127.0.0.1"}
DEFAULT_PORTS = {"https": 443, "http": 80}
# A DNS name of letters, digits and hyphens, or an IPv4 address; no wildcards (a "*" would let any
# sub-domain, including ones the authority does not control, frame the widget).
_HOST = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def normalise_origin(value: str) -> str:
    """``value`` as a canonical origin, or :class:`ValidationError` with a message a person can act on."""
    text = value.strip()
    example = {"value": text}
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ValidationError(
            _("“%(value)s” has an invalid port. Enter a number from 1 to 65535."), code="port", params=example
        ) from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not parts.netloc or not _HOST.match(host):
        raise ValidationError(
            _("“%(value)s” is not a web address. Enter an origin such as https://www.musterkreis.de."),
            code="invalid",
            params=example,
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("“%(value)s” must not contain a user name or password."), code="userinfo", params=example
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ValidationError(
            _(
                "“%(value)s” may only contain the scheme, the host and a port, no path: "
                "for example https://www.musterkreis.de."
            ),
            code="path",
            params=example,
        )
    if scheme == "http" and host not in LOCAL_HOSTS:
        raise ValidationError(
            _("“%(value)s” must start with https:// (http:// is allowed only for localhost and 127.0.0.1)."),
            code="insecure",
            params=example,
        )
    if port is not None and not 0 < port < 65536:
        raise ValidationError(
            _("“%(value)s” has an invalid port. Enter a number from 1 to 65535."), code="port", params=example
        )
    if port is None or port == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def parse_origins(text: str) -> list[str]:
    """The normalised origins of ``text`` (one per line, blank lines ignored), without duplicates. Errors of
    all lines are collected, each naming its line, so a long list is fixed in one go."""
    origins: list[str] = []
    errors: list[ValidationError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            origin = normalise_origin(line)
        except ValidationError as exc:
            errors.extend(
                ValidationError(
                    _("Line %(line)s: %(error)s"), code=exc.code, params={"line": number, "error": message}
                )
                for message in exc.messages
            )
            continue
        if origin not in origins:
            origins.append(origin)
    if errors:
        raise ValidationError(errors)
    return origins


def validate_origins(text: str) -> None:
    parse_origins(text)
