from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Staff
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.models import Ticket


class EndReason(models.TextChoices):
    HANGUP_OFFICIAL = "hangup_official", _("Ended by the official")
    HANGUP_CITIZEN = "hangup_citizen", _("Ended by the citizen")
    SENT_BACK = "sent_back", _("Citizen sent back to the waiting area")
    TRANSFERRED = "transferred", _("Citizen transferred")
    NO_SHOW = "no_show", _("Citizen did not join")
    CONNECTION_LOST = "connection_lost", _("Connection lost")
    OFFICE_CLOSED = "office_closed", _("Office closed")


class Consultation(models.Model):
    """A 1:1 video consultation (plus invited colleagues) between officials and one citizen's ticket."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="consultations", verbose_name=_("office")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="consultations", verbose_name=_("ticket")
    )
    started_at = models.DateTimeField(_("started at"))
    # When the citizen's browser joined: the consultation "connected" (statistics count it as a meeting).
    connected_at = models.DateTimeField(
        _("connected at"),
        null=True,
        blank=True,
        help_text=_("When the citizen joined. Only connected consultations count in the statistics."),
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.CharField(_("how it ended"), max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(ended_at__isnull=True),
                name="one_active_consultation_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.office_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class ParticipantRole(models.TextChoices):
    OFFICIAL = "official", _("Official")
    COLLEAGUE = "colleague", _("Colleague")
    CITIZEN = "citizen", _("Citizen")


class Participant(models.Model):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="participants", verbose_name=_("consultation")
    )
    role = models.CharField(_("role"), max_length=16, choices=ParticipantRole.choices)
    staff = models.ForeignKey(
        Staff,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("official"),
        help_text=_("Empty for the citizen."),
    )
    # For colleagues: invited but not yet joined.
    invited_at = models.DateTimeField(
        _("invited at"), null=True, blank=True, help_text=_("Only for colleagues invited to join.")
    )
    joined_at = models.DateTimeField(_("joined at"), null=True, blank=True)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    # Which page of an official holds the call's media (docs/architecture.md, "One page holds the call"):
    # the page load that let the citizen in or accepted the invitation, or that took the call over; and
    # the socket of that page that holds it now ("" when it closed). Empty for the citizen.
    call_page = models.CharField(
        _("page holding the call"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("The workspace page (browser tab) that runs the call for this official."),
    )
    call_connection = models.CharField(
        _("connection holding the call"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("The open connection of that page; empty when it was closed."),
    )

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["id"]
        constraints = [
            # An official takes part in at most one running consultation: this is what makes "free" real.
            models.UniqueConstraint(
                fields=["staff"],
                condition=Q(left_at__isnull=True, joined_at__isnull=False, staff__isnull=False),
                name="one_active_participation_per_staff",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} #{self.pk} in {self.consultation_id}"
