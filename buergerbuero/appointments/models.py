"""Bookable virtual appointments: an office's weekly booking windows, its slot rules, single blocked
slots, and bookings.

A booking holds a *seat* of its slot (0 to capacity - 1). A partial unique constraint on
(office, start, seat) over the bookings that are held or confirmed is what guarantees that a slot never
has more bookings than seats, on PostgreSQL and on SQLite alike, however many requests race for it
(docs/architecture.md, "Appointments").
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Staff
from buergerbuero.offices.models import Office, WeeklyTime
from buergerbuero.waitingroom.models import Ticket


def parse_reminders(value: str) -> list[int]:
    """``"1440,60"`` → ``[1440, 60]`` (minutes before the start); raises ValueError on anything else."""
    if not value.strip():
        return []
    minutes = sorted({int(part) for part in value.split(",")}, reverse=True)
    if any(m < 5 or m > 14 * 24 * 60 for m in minutes):
        raise ValueError("out of range")
    return minutes


def validate_reminders(value: str) -> None:
    try:
        parse_reminders(value)
    except ValueError:
        raise ValidationError(
            _("Enter minutes before the appointment, separated by commas (each 5 to 20160), e.g. 1440,60.")
        ) from None


class AppointmentSettings(models.Model):
    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="appointment_settings", verbose_name=_("office")
    )
    enabled = models.BooleanField(_("appointments can be booked"), default=False)
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=20, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer between slots (minutes)"), default=0, validators=[MaxValueValidator(120)]
    )
    capacity = models.PositiveSmallIntegerField(
        _("bookings per slot"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("How many officials hold appointments at the same time."),
    )
    horizon_days = models.PositiveSmallIntegerField(
        _("bookable days ahead"), default=60, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    lead_minutes = models.PositiveIntegerField(
        _("minimum lead time (minutes)"),
        default=120,
        validators=[MaxValueValidator(30 * 24 * 60)],
        help_text=_("How long before its start a slot can still be booked."),
    )
    double_opt_in = models.BooleanField(
        _("confirm by e-mail"),
        default=False,
        help_text=_("The slot is held for 15 minutes until the citizen confirms the link in the e-mail."),
    )
    max_open_per_email = models.PositiveSmallIntegerField(
        _("open bookings per e-mail address"), default=2, validators=[MinValueValidator(1)]
    )
    reminder_minutes = models.CharField(
        _("reminders (minutes before)"),
        max_length=100,
        default="1440,60",
        blank=True,
        validators=[validate_reminders],
        help_text=_("Comma-separated, e.g. 1440,60 for 24 hours and 1 hour before."),
    )

    class Meta:
        verbose_name = _("appointment settings")
        verbose_name_plural = _("appointment settings")

    def __str__(self) -> str:
        return str(self.office)

    @property
    def reminders(self) -> list[int]:
        return parse_reminders(self.reminder_minutes)


class BookingWindow(WeeklyTime):
    """A weekly recurring time in which slots are offered (local time of the office)."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="booking_windows", verbose_name=_("office")
    )

    class Meta(WeeklyTime.Meta):
        verbose_name = _("booking window")
        verbose_name_plural = _("booking windows")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=models.F("end")), name="booking_window_start_before_end"
            )
        ]

    def clean(self) -> None:
        if self.start and self.end and self.start >= self.end:
            raise ValidationError(_("The window must end after it starts."))


class BlockedSlot(models.Model):
    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="blocked_slots", verbose_name=_("office")
    )
    start = models.DateTimeField(_("start"))
    blocked_by = models.ForeignKey(
        Staff,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("blocked by"),
    )

    class Meta:
        verbose_name = _("blocked slot")
        verbose_name_plural = _("blocked slots")
        constraints = [models.UniqueConstraint(fields=["office", "start"], name="one_block_per_slot")]

    def __str__(self) -> str:
        return f"{self.office} {self.start:%Y-%m-%d %H:%M}"


class BookingState(models.TextChoices):
    HELD = "held", _("waiting for confirmation")
    CONFIRMED = "confirmed", _("confirmed")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("not confirmed in time")
    ATTENDED = "attended", _("attended")
    NO_SHOW = "no_show", _("did not come")


# The states in which a booking holds its seat.
HOLDING = (BookingState.HELD, BookingState.CONFIRMED)


class CancelledBy(models.TextChoices):
    CITIZEN = "citizen", _("citizen")
    OFFICE = "office", _("office")


class Booking(models.Model):
    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("office")
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    seat = models.PositiveSmallIntegerField(_("seat"), default=0, help_text=_("Which of the slot's places."))
    state = models.CharField(
        _("state"), max_length=16, choices=BookingState.choices, default=BookingState.CONFIRMED
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    concern = models.TextField(_("concern"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=8, default="de")
    # The links in the mails carry tokens derived from this salt and the installation's SECRET_KEY
    # (appointments/tokens.py); only their SHA-256 is stored, so the database alone opens no booking.
    token_salt = models.CharField(_("token salt"), max_length=32)
    manage_token_hash = models.CharField(_("management token (SHA-256)"), max_length=64, unique=True)
    confirm_token_hash = models.CharField(_("confirmation token (SHA-256)"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("booked at"))
    hold_expires_at = models.DateTimeField(_("held until"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ended_at = models.DateTimeField(
        _("ended at"), null=True, blank=True, help_text=_("When it was cancelled, expired or marked.")
    )
    cancelled_by = models.CharField(_("cancelled by"), max_length=8, choices=CancelledBy.choices, blank=True)
    cancel_message = models.TextField(_("message to the citizen"), max_length=500, blank=True)
    booked_by = models.ForeignKey(
        Staff,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("booked by"),
        help_text=_("The official who booked on behalf of a caller."),
    )
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
        verbose_name=_("ticket"),
        help_text=_("The place in the waiting area the citizen took for this appointment."),
    )
    personal_data_deleted = models.BooleanField(_("personal data deleted"), default=False)

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["start", "seat"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "start", "seat"],
                condition=Q(state__in=HOLDING),
                name="one_booking_per_seat",
            )
        ]
        indexes = [models.Index(fields=["office", "start"]), models.Index(fields=["email", "state"])]

    def __str__(self) -> str:
        return f"{self.office} {self.start:%Y-%m-%d %H:%M}"

    @property
    def holds_seat(self) -> bool:
        return self.state in HOLDING

    @property
    def duration(self) -> dt.timedelta:
        return self.end - self.start


class ReminderSent(models.Model):
    """A reminder that went out: at most one per booking and offset, across restarts and processes."""

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("booking")
    )
    minutes_before = models.PositiveIntegerField(_("minutes before"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["booking", "minutes_before"], name="one_reminder_per_offset")
        ]

    def __str__(self) -> str:
        return f"{self.booking} -{self.minutes_before} min"
