"""Whether an official sees the link to the office pages (offices.staff_views) in the workspace."""

from __future__ import annotations

from django import template

from buergerbuero.authorities.models import Staff
from buergerbuero.offices.access import led_offices

register = template.Library()


@register.simple_tag
def administers_offices(staff: Staff) -> bool:
    """An authority administrator, or the lead of at least one office: the people the office pages serve."""
    return staff.is_authority_admin or led_offices(staff).exists()
