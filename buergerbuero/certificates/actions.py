"""Every change to certificates goes through these functions.

Invariants a reader must not break:
- ``issue`` is idempotent per ``source_key``: the unique constraint, not a prior SELECT, decides, so two
  concurrent calls for the same key return the same certificate. A certificate, once issued, is not
  changed by a later call (what was printed stays what the verification page says).
- A revocation is final; revoking twice is refused (``already_revoked``), so the first reason stays.
- The audit log never holds the holder's name, birth date or the reason text: it outlives the
  certificates (docs/privacy.md).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Authority
from buergerbuero.certificates import identifiers
from buergerbuero.certificates.models import Certificate
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.models import Office

REASON_MAX_LENGTH = 500
_IDENTIFIER_TRIES = 5


def retention_days() -> int:
    return int(settings.CERTIFICATE_RETENTION_DAYS)


def _clean(value: str, field: str, max_length: int) -> str:
    value = " ".join(value.split())
    if not value:
        raise ActionError("invalid", _("The %(field)s is missing.") % {"field": field})
    if len(value) > max_length:
        raise ActionError(
            "invalid",
            _("The %(field)s is longer than %(limit)d characters.") % {"field": field, "limit": max_length},
        )
    return value


def issue(
    *,
    authority: Authority,
    office: Office,
    holder_name: str,
    birth_date: dt.date,
    title: str,
    legal_basis: str,
    held_on: dt.date,
    source_key: str,
    actor: AbstractBaseUser | None = None,
    now: dt.datetime | None = None,
) -> Certificate:
    """The certificate for ``source_key`` (e.g. ``"training-participant-17"``): made on the first call,
    returned unchanged on every later one."""
    if office.authority_id != authority.pk:
        raise ActionError("invalid", _("The office does not belong to this authority."))
    if not source_key or len(source_key) > 100:
        raise ActionError("invalid", "source_key must be 1-100 characters")
    existing = Certificate.objects.filter(source_key=source_key).first()
    if existing is not None:
        return _same_authority(existing, authority)
    holder_name = _clean(holder_name, _("name"), 200)
    title = _clean(title, _("training"), 300)
    legal_basis = " ".join(legal_basis.split())[:300]
    now = now or timezone.now()
    for _try in range(_IDENTIFIER_TRIES):
        certificate = Certificate(
            authority=authority,
            office=office,
            holder_name=holder_name,
            birth_date=birth_date,
            title=title,
            legal_basis=legal_basis,
            held_on=held_on,
            issued_at=now,
            identifier=identifiers.new(),
            source_key=source_key,
        )
        try:
            with transaction.atomic():
                certificate.save()
                record(
                    authority.pk,
                    "certificate.issued",
                    certificate,
                    actor.pk if actor else None,
                    office=office.pk,
                    source=source_key,
                )
        except IntegrityError:
            existing = Certificate.objects.filter(source_key=source_key).first()
            if existing is not None:  # a concurrent call issued it first
                return _same_authority(existing, authority)
            continue  # the identifier was taken (about 2^-90 per certificate): draw another
        return certificate
    raise RuntimeError("could not find a free certificate identifier")


def _same_authority(certificate: Certificate, authority: Authority) -> Certificate:
    if certificate.authority_id != authority.pk:
        raise ActionError("invalid", "source_key belongs to another authority")
    return certificate


def can_revoke(certificate: Certificate) -> bool:
    return certificate.revoked_at is None


@transaction.atomic
def revoke(
    certificate: Certificate,
    *,
    actor: AbstractBaseUser,
    reason: str,
    now: dt.datetime | None = None,
) -> Certificate:
    """Mark the certificate as revoked: from now on the verification page says so (with no reason)."""
    reason = _clean(reason, _("reason"), REASON_MAX_LENGTH)
    now = now or timezone.now()
    # Conditional UPDATE: of two officials revoking at once, exactly one wins and its reason stays.
    changed = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor, revoke_reason=reason
    )
    if not changed:
        raise ActionError("already_revoked", _("This certificate has already been revoked."))
    certificate.refresh_from_db()
    record(certificate.authority_id, "certificate.revoked", certificate, actor.pk)
    return certificate


@transaction.atomic
def delete_expired(now: dt.datetime | None = None) -> int:
    """Delete every certificate issued more than ``CERTIFICATE_RETENTION_DAYS`` ago (revoked or not).
    Returns how many. Idempotent; safe to run in several processes at once."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days())
    expired = list(Certificate.objects.filter(issued_at__lt=cutoff).only("pk", "authority_id"))
    for certificate in expired:
        record(certificate.authority_id, "certificate.deleted", certificate, None, reason="retention")
    Certificate.objects.filter(pk__in=[c.pk for c in expired]).delete()
    return len(expired)
