"""Who among the officials reaches which certificate (one helper per question, as in ``staff.access``).

- Authority administrators: every certificate of their authority; they may revoke.
- Officials: the certificates issued by the offices they are assigned to; office leads may revoke those
  of their office, other officials may list and download them.
- Anything of another authority, or of an office the official does not reach, is a 404, never a 403,
  so ids reveal nothing. Within reach, a revocation the official may not make is a 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from buergerbuero.authorities.models import Staff
from buergerbuero.certificates.models import Certificate
from buergerbuero.offices.access import leads, led_office_ids, offices_of


def certificates_for_staff(staff: Staff) -> QuerySet[Certificate]:
    certificates = Certificate.objects.filter(authority_id=staff.authority_id)
    if not staff.is_authority_admin:
        certificates = certificates.filter(office__in=offices_of(staff))
    return certificates.select_related("office", "authority")


def get_certificate_for_staff(staff: Staff, certificate_id: int) -> Certificate:
    certificate = certificates_for_staff(staff).filter(pk=certificate_id).first()
    if certificate is None:
        raise Http404(_("No such certificate."))
    return certificate


def may_revoke(staff: Staff, certificate: Certificate) -> bool:
    if certificate.authority_id != staff.authority_id:
        return False
    return leads(staff, certificate.office_id)


def revocable_offices(staff: Staff) -> set[int]:
    """The ids of the offices whose certificates ``staff`` may revoke: those they lead."""
    return set(led_office_ids(staff))


def check_may_revoke(staff: Staff, certificate: Certificate) -> None:
    if not may_revoke(staff, certificate):
        raise PermissionDenied(_("Only office leads and administrators may revoke certificates."))
