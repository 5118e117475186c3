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
    OFFICIAL_GONE = "official_gone", _("The official's page was gone for too long")
    CITIZEN_GONE = "citizen_gone", _("The citizen's page was gone for too long")
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


# A page's own id, chosen by the page (a random id per page load; docs/architecture.md).
CALL_PAGE_ID_PATTERN = r"[A-Za-z0-9_-]{8,64}"


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
    # the socket of that page that holds it now ("" when it closed). For the citizen only the page is
    # recorded (their newest page always holds the call), so a reload can be told from a reconnect.
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
    # Set when the connection holding an official's call closed and no other took it (calls.actions.holding:
    # release_call, hold_call); once older than CALL_GRACE_SECONDS the background job ends their part
    # (end_gone_participants). Stored, not a worker's timer, so the deadline outlives the worker.
    connection_lost_at = models.DateTimeField(
        _("page gone since"),
        null=True,
        blank=True,
        help_text=_(
            "Set while no page of this official holds the call; their part ends after a grace period."
        ),
    )
    # The web worker serving ``call_connection`` (core.liveness): when it dies without running any
    # disconnect code, the background job sets ``connection_lost_at`` to its last sign of life.
    call_worker = models.UUIDField(
        _("worker serving the call's connection"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The web worker that serves the connection holding the call."),
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
