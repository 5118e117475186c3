"""Events: a conference or webinar of an authority, held in a live room (rooms.Room), with registration
open to everyone up to a capacity or by a secret invitation link.

Invariants a reader must not break:
- An event has exactly one room (``Event.room``), made with it by ``events.actions.lifecycle.create_event``;
  the room's title, mode and lobby follow the event's while it is scheduled.
- A registration that is not cancelled holds one place; ``actions.registrations.register`` counts them under
  a lock of the event row, so there are never more than ``capacity`` (tests/events/test_concurrency.py).
- Links are secrets derived with SECRET_KEY from a random salt (``tokens.py``); the database keeps only
  their SHA-256, or (join links, which the room makes) the link sealed under a key the database does not
  hold. So the database alone opens no registration, invitation or room.
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.offices.models import Office
from buergerbuero.rooms.models import Member, Room, RoomMode


class RegistrationMode(models.TextChoices):
    OPEN = "open", _("Open to everyone, up to the capacity")
    INVITATION = "invitation", _("By invitation link only")


class Event(models.Model):
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="events", verbose_name=_("authority")
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("office"),
        help_text=_("The office that holds the event. Without one, only authority administrators see it."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    mode = models.CharField(_("mode"), max_length=16, choices=RoomMode.choices, default=RoomMode.CONFERENCE)
    lobby = models.BooleanField(
        _("lobby"), default=False, help_text=_("Participants wait until a moderator lets them in.")
    )
    registration = models.CharField(
        _("registration"), max_length=16, choices=RegistrationMode.choices, default=RegistrationMode.OPEN
    )
    capacity = models.PositiveIntegerField(_("capacity"), default=20)
    moderators = models.ManyToManyField(
        Staff, related_name="moderated_events", blank=True, verbose_name=_("moderators")
    )
    speakers = models.ManyToManyField(
        Staff, related_name="spoken_events", blank=True, verbose_name=_("speakers")
    )
    room = models.OneToOneField(Room, on_delete=models.PROTECT, related_name="event", verbose_name=_("room"))
    # The invitation link: derived from this salt (tokens.invitation_token); a new salt ends the old link.
    invitation_salt = models.CharField(_("invitation salt"), max_length=32, editable=False)
    invitation_token_hash = models.CharField(
        _("invitation token hash"), max_length=64, unique=True, editable=False
    )
    # The meeting hall's room system: its member and its join link, sealed (tokens.seal).
    hall_member = models.OneToOneField(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meeting hall"),
    )
    hall_link_sealed = models.CharField(_("sealed hall link"), max_length=200, blank=True, editable=False)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_message = models.TextField(_("message about the cancellation"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="event_capacity_at_least_one"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """Times of the event are shown in its office's time zone (the installation's without one)."""
        return self.office.tz if self.office else zoneinfo.ZoneInfo(settings.TIME_ZONE)


class CancelledBy(models.TextChoices):
    REGISTRANT = "registrant", _("the registrant")
    OFFICE = "office", _("the office")


class Registration(models.Model):
    """One person's place at an event. Name and e-mail are cleared by the retention job after the event
    (``actions.retention.delete_personal_data``); the row stays so that counts stay."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event")
    )
    member = models.OneToOneField(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="event_registration",
        verbose_name=_("room member"),
    )
    name = models.CharField(_("name"), max_length=100)
    email = models.EmailField(_("e-mail address"), max_length=254)
    language = models.CharField(_("language"), max_length=8, default="de")
    consent_at = models.DateTimeField(_("consent given"))
    # The registrant's link (manage/cancel): derived from the salt; only its hash is stored.
    token_salt = models.CharField(_("token salt"), max_length=32, editable=False)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    join_link_sealed = models.CharField(_("sealed join link"), max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.CharField(_("cancelled by"), max_length=16, choices=CancelledBy.choices, blank=True)
    personal_data_deleted_at = models.DateTimeField(_("personal data deleted"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["event", "cancelled_at"], name="registration_event_active")]

    def __str__(self) -> str:
        return self.name or str(_("(deleted)"))

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None
