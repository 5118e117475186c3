from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from buergerbuero.audit.labels import action_label, object_label


class AuditEntry(models.Model):
    """One state change, written by the action that made it. Action codes are namespaced
    (``office.opened``, ``ticket.admitted``...). ``data`` never holds a citizen's name or concern:
    the audit log outlives the retention period of personal data."""

    authority = models.ForeignKey(
        "authorities.Authority", on_delete=models.CASCADE, related_name="+", verbose_name=_("authority")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    action = models.CharField(
        _("action"), max_length=64, help_text=_("What happened, for example “office.opened”.")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
        help_text=_("Empty when a citizen or the system made the change."),
    )
    object_type = models.CharField(
        _("object type"), max_length=32, help_text=_("Kind of the changed object, for example “ticket”.")
    )
    object_id = models.BigIntegerField(_("object ID"))
    data = models.JSONField(
        _("details"),
        default=dict,
        blank=True,
        help_text=_("Further facts about the change. Never a citizen's name or concern."),
    )

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action_label()}: {self.object_label()} {self.object_id}"

    def action_label(self) -> str:
        return action_label(self.action)

    def object_label(self) -> str:
        return object_label(self.object_type)
