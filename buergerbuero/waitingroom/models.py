from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buergerbuero.offices.models import Office


class TicketState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    INVITED = "invited", _("Invited")
    IN_CONSULTATION = "in_consultation", _("In consultation")
    DONE = "done", _("Done")
    LEFT = "left", _("Left")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    TRANSFERRED = "transferred", _("Transferred")


ACTIVE_STATES = (TicketState.WAITING, TicketState.INVITED, TicketState.IN_CONSULTATION)
FINAL_STATES = (
    TicketState.DONE,
    TicketState.LEFT,
    TicketState.DECLINED,
    TicketState.EXPIRED,
    TicketState.TRANSFERRED,
)


class Ticket(models.Model):
    """A citizen's place in an office's waiting area.

    Queue order is ``(-priority, enqueued_at, id)``: returned citizens get priority 1 and so go first in
    line, in the order they originally arrived. The token proving that a browser owns this ticket is kept
    in that browser's session; only its SHA-256 is stored here.
    """

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="tickets", verbose_name=_("office")
    )
    state = models.CharField(
        _("state"), max_length=20, choices=TicketState.choices, default=TicketState.WAITING
    )
    display_name = models.CharField(_("name"), max_length=80, blank=True)
    concern = models.CharField(_("concern"), max_length=300, blank=True)
    language = models.CharField(
        _("language"), max_length=8, default="de", help_text=_("Language of the citizen's pages.")
    )
    token_hash = models.CharField(
        _("token hash"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("SHA-256 of the secret that proves a browser owns this ticket."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        default=0,
        help_text=_("Higher goes first; citizens sent back and citizens with an appointment get 1."),
    )
    appointment_at = models.DateTimeField(
        _("appointment"),
        null=True,
        blank=True,
        help_text=_("The start of the booked appointment this citizen came for, if any."),
    )
    enqueued_at = models.DateTimeField(
        _("in line since"),
        help_text=_("Orders the waiting line after the priority. Kept when a citizen is transferred."),
    )
    created_at = models.DateTimeField(_("created at"))
    state_changed_at = models.DateTimeField(_("state changed at"))
    # Set while the citizen has no open connection; the ticket expires once this is older than the grace.
    disconnected_at = models.DateTimeField(
        _("page closed at"),
        null=True,
        blank=True,
        help_text=_("Set while the citizen's page is closed. The ticket expires after a grace period."),
    )
    # The one page connection that currently holds the ticket; a newer page (reload, second tab) takes
    # over and the older one is told so. Only the holder's disconnect starts the grace period.
    connection_id = models.CharField(
        _("page connection"),
        max_length=32,
        blank=True,
        help_text=_("The citizen's page that currently holds the ticket (a reload takes it over)."),
    )
    # The web worker serving that connection (core.liveness): when the worker dies without running any
    # disconnect code, the background job counts the page as closed since the worker's last sign of life.
    connected_worker = models.UUIDField(
        _("worker serving the page"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("The web worker that serves the connection holding the ticket."),
    )
    returned = models.BooleanField(
        _("sent back"), default=False, help_text=_("Sent back to the waiting area after a consultation.")
    )
    transferred_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transferred_to",
        verbose_name=_("transferred from"),
        help_text=_("The ticket in the office the citizen was transferred from."),
    )
    transfer_note = models.CharField(
        _("note"), max_length=300, blank=True, help_text=_("From the official who transferred the citizen.")
    )
    decline_message = models.CharField(
        _("message"), max_length=300, blank=True, help_text=_("Shown to the citizen when declined.")
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, help_text=_("The citizen's rating, 1 to 5 stars.")
    )
    personal_data_deleted = models.BooleanField(
        _("personal data deleted"),
        default=False,
        help_text=_("Name, concern, note and message were deleted after the retention period."),
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [models.Index(fields=["office", "state", "priority", "enqueued_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__range=(1, 5)), name="rating_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.office_id} {self.state}"

    @property
    def queue_key(self) -> tuple[int, float, int]:
        return (-self.priority, self.enqueued_at.timestamp(), self.pk)

    @property
    def public_label(self) -> str:
        return self.display_name or f"#{self.pk}"


class TicketTransition(models.Model):
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("ticket")
    )
    from_state = models.CharField(
        _("previous state"),
        max_length=20,
        choices=TicketState.choices,
        help_text=_("Empty when the ticket was created."),
    )
    to_state = models.CharField(_("new state"), max_length=20, choices=TicketState.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("changed by"),
        help_text=_("Empty when a citizen or the system made the change."),
    )

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.from_state}→{self.to_state}"
