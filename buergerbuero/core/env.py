"""Strict readers for ``BUERGERBUERO_*`` settings from the environment.

Every helper rejects a malformed value with an ``ImproperlyConfigured`` that names the variable, so an
operator sees at start-up what is wrong instead of a surprise at run time. A secret may be given in a file
named by ``<NAME>_FILE`` (for container secrets and systemd credentials).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PREFIX = "BUERGERBUERO_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    full = PREFIX + name
    file_var = full + "_FILE"
    if file_var in env:
        path = Path(env[file_var])
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{file_var}: cannot read {path}: {exc.strerror}") from exc
    return env.get(full)


def env_str(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool = False, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{PREFIX}{name}: expected one of 1/0, true/false, yes/no, on/off, got {value!r}"
    )


def env_int(
    name: str,
    default: int,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{PREFIX}{name}: expected a whole number, got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{PREFIX}{name}: must be at least {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{PREFIX}{name}: must be at most {maximum}, got {number}")
    return number


def env_list(
    name: str, default: list[str] | None = None, environ: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url_list(name: str, schemes: tuple[str, ...], environ: Mapping[str, str] | None = None) -> list[str]:
    """A comma-separated list of URLs whose scheme must be one of ``schemes`` (e.g. ``turn:``)."""
    urls = env_list(name, environ=environ)
    for url in urls:
        if not url.startswith(tuple(f"{scheme}:" for scheme in schemes)):
            allowed = ", ".join(f"{scheme}:" for scheme in schemes)
            raise ImproperlyConfigured(f"{PREFIX}{name}: {url!r} must start with one of {allowed}")
    return urls
