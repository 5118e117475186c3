"""Short names in links that fixed paths already use.

Public paths start with an authority's short name (``/<authority>/``) and an office's
(``/<authority>/<office>/``); paths such as ``/raum/…`` or ``/<authority>/schulungen/`` are matched
first, so an authority or office of that name could never be reached. These names are refused."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

RESERVED_AUTHORITY_SLUGS = frozenset(
    {
        "admin",
        "staff",
        "dev",
        "i18n",
        "jsi18n",
        "static",
        "media",
        "ws",
        "termine",
        "raum",
        "schulungen",
        "veranstaltungen",
        "bescheinigung",
        "api",
        "widget",
    }
)
RESERVED_OFFICE_SLUGS = frozenset({"schulungen", "veranstaltungen", "theme.css"})


def _refuse(value: str, reserved: frozenset[str]) -> None:
    if value.lower() in reserved:
        raise ValidationError(
            _("“%(value)s” is already used by other addresses of this site. Please choose another name."),
            code="reserved",
            params={"value": value},
        )


def validate_authority_slug(value: str) -> None:
    _refuse(value, RESERVED_AUTHORITY_SLUGS)


def validate_office_slug(value: str) -> None:
    _refuse(value, RESERVED_OFFICE_SLUGS)
