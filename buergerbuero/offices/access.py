"""Which offices an official reaches and which they lead: the one rule every app asks.

- Reach: an official reaches the offices of their authority they are assigned to; an authority
  administrator reaches every office of their authority.
- Lead: an official leads the offices of their authority where their assignment is marked as lead; an
  authority administrator counts as the lead of every office of their authority.

Invariant: nothing of another authority is ever reached or led, and an office out of reach is a 404,
never a 403, so ids of other tenants reveal nothing.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from buergerbuero.authorities.models import Staff
from buergerbuero.offices.models import Assignment, Office


def offices_of(staff: Staff) -> QuerySet[Office]:
    """The offices an official works in. Authority administrators see every office of their authority."""
    if staff.is_authority_admin:
        return Office.objects.filter(authority_id=staff.authority_id)
    return Office.objects.filter(authority_id=staff.authority_id, assignments__staff=staff)


def led_office_ids(staff: Staff) -> frozenset[int]:
    """The ids of the offices ``staff`` leads (for a list or a filter: one query)."""
    if staff.is_authority_admin:
        return frozenset(offices_of(staff).values_list("pk", flat=True))
    return frozenset(
        Assignment.objects.filter(
            staff=staff, is_lead=True, office__authority_id=staff.authority_id
        ).values_list("office_id", flat=True)
    )


def leads(staff: Staff, office_id: int) -> bool:
    """Whether ``staff`` leads the office ``office_id`` (the rule of ``led_office_ids``, for one office)."""
    if staff.is_authority_admin:
        return offices_of(staff).filter(pk=office_id).exists()
    return Assignment.objects.filter(
        staff=staff, is_lead=True, office_id=office_id, office__authority_id=staff.authority_id
    ).exists()


def get_office_for_staff(staff: Staff, office_id: int) -> Office:
    office = offices_of(staff).select_related("authority").filter(pk=office_id).first()
    if office is None:
        raise Http404(_("No such office."))
    return office


def led_offices(staff: Staff) -> QuerySet[Office]:
    """The offices ``staff`` may administer (details, hours, closures, assignments): every office of the
    authority for an administrator, archived ones included; the offices they lead for a lead."""
    if staff.is_authority_admin:
        return Office.objects.filter(authority_id=staff.authority_id)
    return Office.objects.filter(
        authority_id=staff.authority_id, assignments__staff=staff, assignments__is_lead=True
    )


def get_office_for_lead(staff: Staff, office_id: int) -> Office:
    """An office ``staff`` may administer, or 404 (another authority's, or one they do not lead)."""
    office = led_offices(staff).select_related("authority", "department").filter(pk=office_id).first()
    if office is None:
        raise Http404(_("No such office."))
    return office
