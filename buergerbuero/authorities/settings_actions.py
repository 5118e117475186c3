"""The only place that changes an authority's own settings: its name, brand colour, the links of its legal
pages, the federal state whose public holidays close its offices, and the websites that may embed its
status widget.

Only an administrator of the authority changes them (``actor``). The audit entry names the fields that
changed, not their values: the values are on the settings page, and a changed name or link is no secret,
but the log stays a list of who did what.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.core import colours
from buergerbuero.core.errors import ActionError

# What the settings page edits, in its order. The slug is not among them: it is part of every public
# address and of the widget snippets on the authority's websites, so only the operator changes it.
SETTINGS_FIELDS = (
    "name",
    "colour",
    "imprint_url",
    "privacy_url",
    "accessibility_url",
    "holiday_state",
    "embed_origins",
)


def check_colour(value: str) -> None:
    """Refuse a colour that white text on it, or it as text on the page, would not reach 4.5:1 with.
    (The public theme would darken such a colour; refusing it shows the authority the colour its pages
    really get.) The ratio is rounded down, so a colour just short never reads as "4.5:1"."""
    try:
        rgb = colours.parse(value)
    except ValueError:
        return  # the field's own validator names the format
    ratio = colours.brand_contrast(rgb)
    if ratio < colours.MIN_CONTRAST:
        raise ValidationError(
            _(
                "Text on this colour would be hard to read. The contrast is %(ratio)s:1; at least "
                "%(minimum)s:1 is needed."
            )
            % {
                "ratio": number_format(math.floor(ratio * 10) / 10, 1),
                "minimum": number_format(colours.MIN_CONTRAST, 1),
            },
            code="contrast",
        )


def update_settings(authority: Authority, *, actor: Staff, **fields: Any) -> Authority:
    """Set ``fields`` (names of ``SETTINGS_FIELDS``) on ``authority``. Values are checked as the model
    checks them, plus the colour's contrast; a refusal raises ``ActionError`` with the reasons. Writes one
    audit entry ``authority.settings_changed`` with the names of the fields that changed, or none if
    nothing did."""
    unknown = sorted(set(fields) - set(SETTINGS_FIELDS))
    if unknown:
        raise TypeError(f"not a setting of the authority: {', '.join(unknown)}")
    if not actor.is_authority_admin:
        raise ActionError("not_admin", _("Only an administrator of your authority may do this."))
    if actor.authority_id != authority.pk:
        raise ActionError("other_authority", _("You may only change the settings of your own authority."))
    with transaction.atomic():
        locked = Authority.objects.select_for_update().get(pk=authority.pk)
        before = {name: getattr(locked, name) for name in SETTINGS_FIELDS}
        for name, value in fields.items():
            setattr(
                locked, name, value.strip() if isinstance(value, str) and name != "embed_origins" else value
            )
        try:
            locked.full_clean()
            if "colour" in fields and locked.colour.lower() != before["colour"].lower():
                check_colour(locked.colour)
        except ValidationError as error:
            raise ActionError("invalid_settings", " ".join(error.messages)) from error
        locked.colour = locked.colour.lower()
        locked.save()  # normalises the embed origins (Authority.save)
        changed = [name for name in SETTINGS_FIELDS if getattr(locked, name) != before[name]]
        if changed:
            record(locked.pk, "authority.settings_changed", locked, actor.user_id, fields=changed)
    return locked
