"""Reading certificates: the answer of the public verification page, and the officials' filtered list."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from buergerbuero.certificates import identifiers
from buergerbuero.certificates.models import Certificate


class Status(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    UNKNOWN = "unknown"  # well-formed, but not issued (forged) or deleted after the retention period
    MALFORMED = "malformed"  # cannot be an identifier: a typo


@dataclass(frozen=True)
class Verification:
    status: Status
    identifier: str  # as typed when malformed, else in its display form
    certificate: Certificate | None = None


def normalised(typed: str) -> str | None:
    return identifiers.normalise(typed)


def verify(identifier: str) -> Verification:
    """What the public page says about an identifier in its stored form (see ``normalised``)."""
    certificate = (
        Certificate.objects.select_related("office", "authority").filter(identifier=identifier).first()
    )
    shown = identifiers.display(identifier)
    if certificate is None:
        return Verification(Status.UNKNOWN, shown)
    return Verification(Status.REVOKED if certificate.is_revoked else Status.VALID, shown, certificate)


def search(certificates: QuerySet[Certificate], text: str) -> QuerySet[Certificate]:
    """Certificates whose holder's name contains ``text``, or whose identifier it is (typed loosely)."""
    text = text.strip()
    if not text:
        return certificates
    condition = Q(holder_name__icontains=text) | Q(title__icontains=text)
    identifier = identifiers.normalise(text)
    if identifier:
        condition |= Q(identifier=identifier)
    return certificates.filter(condition)
