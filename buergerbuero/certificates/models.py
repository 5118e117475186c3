"""A certificate (Bescheinigung) that a person took part in a training, e.g. the instruction under
§ 43 Abs. 1 Nr. 1 IfSG.

A certificate is written once by ``actions.issue`` and never changed afterwards except for its revocation:
what was printed must stay what the verification page confirms. It copies the holder's name and the
training's title and legal basis instead of pointing at the training, so it stays true when the training
is edited or deleted. The whole row is deleted after ``CERTIFICATE_RETENTION_DAYS`` (``actions.
delete_expired``); the verification page then answers "unknown".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Authority
from buergerbuero.certificates import identifiers
from buergerbuero.offices.models import Office

# The public verification page, /bescheinigung/<identifier>/ (German, like the citizens' other pages).
VERIFY_PATH = "bescheinigung/"


class Certificate(models.Model):
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="certificates", verbose_name=_("authority")
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("issuing office")
    )
    holder_name = models.CharField(_("name of the holder"), max_length=200)
    birth_date = models.DateField(_("date of birth"))
    title = models.CharField(_("training"), max_length=300)
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        blank=True,
        help_text=_("For example “§ 43 Abs. 1 Nr. 1 Infektionsschutzgesetz (IfSG)”."),
    )
    held_on = models.DateField(_("date of the training"))
    issued_at = models.DateTimeField(_("issued"), db_index=True)
    identifier = models.CharField(_("identifier"), max_length=identifiers.LENGTH, unique=True, editable=False)
    # What the certificate was issued for, e.g. "training-participant-17": issuing again for the same
    # key returns the same certificate (idempotent), also under concurrency (unique constraint).
    source_key = models.CharField(_("source"), max_length=100, unique=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    revoke_reason = models.CharField(_("reason for the revocation"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["authority", "office", "-issued_at"])]

    def __str__(self) -> str:
        return self.display_identifier

    @property
    def display_identifier(self) -> str:
        return identifiers.display(self.identifier)

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def verification_url(self) -> str:
        """Absolute, from ``settings.SITE_URL``: printed on the certificate and in its QR code. Built
        without ``reverse()``, whose script prefix would be doubled by a SITE_URL with a path (as in
        ``appointments.mails``); ``urls.py`` uses the same ``VERIFY_PATH``."""
        return f"{settings.SITE_URL}/{VERIFY_PATH}{self.display_identifier}/"
