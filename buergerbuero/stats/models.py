"""Daily rollups: what the statistics need of one local day, as counts only.

A row holds no name, concern, address or anything else about a person, only numbers, so it may be kept
for as long as the authority wants its figures, long after the retention job has cleared or deleted the
raw rows it was made from (docs/statistics.md, "Retention"). Only ``stats.actions`` writes these rows.

Invariants a reader must not break:
- One ``OfficeDay`` per (office, day), and one per (authority, day) for what belongs to no office (events
  without an office); one ``StaffDay`` per (office, official, day). The unique constraints are what makes
  two processes rolling up the same day at once end with one set of rows (``actions.rollup_day``).
- ``final`` rows are never recomputed by the job: their day has ended and nothing of it can change any
  more (``actions.is_final``). Figures read final rows and compute every other day from the raw rows.
- Waiting times and consultation lengths are histograms: lists of counts per bucket of durations, the
  buckets of ``histograms.BOUNDS`` in order, so percentiles over any period are sums of rows.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.offices.models import Office


def _hours() -> list[int]:
    return [0] * 24


class DayCounts(models.Model):
    """What an office's day and an official's day have in common."""

    day = models.DateField(_("day"), help_text=_("Calendar day in the office's time zone."))
    final = models.BooleanField(
        _("final"), default=False, help_text=_("The day is over and its figures no longer change.")
    )
    computed_at = models.DateTimeField(_("computed at"))
    participants = models.PositiveIntegerField(_("participants"), default=0)
    meetings = models.PositiveIntegerField(_("meetings"), default=0)
    tickets_admitted = models.PositiveIntegerField(_("admitted"), default=0)
    tickets_declined = models.PositiveIntegerField(_("declined"), default=0)
    tickets_transferred = models.PositiveIntegerField(_("transferred"), default=0)
    wait_histogram = models.JSONField(_("waiting times"), default=list)
    consultation_histogram = models.JSONField(_("consultation lengths"), default=list)
    rating_1 = models.PositiveIntegerField(_("1 star"), default=0)
    rating_2 = models.PositiveIntegerField(_("2 stars"), default=0)
    rating_3 = models.PositiveIntegerField(_("3 stars"), default=0)
    rating_4 = models.PositiveIntegerField(_("4 stars"), default=0)
    rating_5 = models.PositiveIntegerField(_("5 stars"), default=0)
    hourly = models.JSONField(_("per hour"), default=_hours)

    class Meta:
        abstract = True


class OfficeDay(DayCounts):
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="+", verbose_name=_("authority")
    )
    office = models.ForeignKey(
        Office,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("office"),
        help_text=_("Empty for what belongs to the authority only (events without an office)."),
    )
    open_seconds = models.PositiveIntegerField(_("seconds open"), default=0)
    contact_persons = models.PositiveIntegerField(_("officials present"), default=0)
    tickets_created = models.PositiveIntegerField(_("tickets"), default=0)
    tickets_received = models.PositiveIntegerField(_("received by transfer"), default=0)
    tickets_left = models.PositiveIntegerField(_("left before admission"), default=0)
    appointments_booked = models.PositiveIntegerField(_("appointments booked"), default=0)
    appointments_cancelled = models.PositiveIntegerField(_("appointments cancelled"), default=0)
    appointments_no_show = models.PositiveIntegerField(_("appointments missed"), default=0)
    trainings_held = models.PositiveIntegerField(_("trainings held"), default=0)
    training_participants = models.PositiveIntegerField(_("training participants"), default=0)
    events_held = models.PositiveIntegerField(_("events held"), default=0)
    event_participants = models.PositiveIntegerField(_("event participants"), default=0)
    certificates_issued = models.PositiveIntegerField(_("certificates issued"), default=0)
    # The largest ids of the raw rows counted on this day. Raw tables have no index on their times, but
    # their ids grow with them: later days are read from above these ids (rollup.Floors).
    last_ticket_id = models.BigIntegerField(_("last ticket"), default=0)
    last_transition_id = models.BigIntegerField(_("last state change"), default=0)
    last_consultation_id = models.BigIntegerField(_("last consultation"), default=0)

    class Meta:
        verbose_name = _("office day")
        verbose_name_plural = _("office days")
        ordering = ["day", "office_id"]
        constraints = [
            models.UniqueConstraint(fields=["office", "day"], name="stats_one_row_per_office_day"),
            models.UniqueConstraint(
                fields=["authority", "day"],
                condition=Q(office__isnull=True),
                name="stats_one_authority_row_per_day",
            ),
        ]
        indexes = [models.Index(fields=["authority", "day"], name="stats_officeday_authority_day")]

    def __str__(self) -> str:
        return f"{self.office_id or '-'} {self.day:%Y-%m-%d}"


class StaffDay(DayCounts):
    """One official's day in one office. ``tickets_admitted`` and ``tickets_declined`` are what they did
    (the actor of the state change); meetings are the consultations they joined."""

    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="+", verbose_name=_("authority")
    )
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+", verbose_name=_("office"))
    # No foreign key constraint: an official's figures outlive their account, and the count of contact
    # persons of past days must not drop when one is deleted.
    staff = models.ForeignKey(
        Staff,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        verbose_name=_("official"),
    )
    present = models.BooleanField(_("present"), default=False)
    presence_seconds = models.PositiveIntegerField(_("seconds present"), default=0)

    class Meta:
        verbose_name = _("official's day")
        verbose_name_plural = _("officials' days")
        ordering = ["day", "office_id", "staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["office", "staff", "day"], name="stats_one_row_per_staff_day")
        ]
        indexes = [
            models.Index(fields=["authority", "day"], name="stats_staffday_authority_day"),
            models.Index(fields=["staff", "day"], name="stats_staffday_staff_day"),
        ]

    def __str__(self) -> str:
        return f"{self.office_id} {self.staff_id} {self.day:%Y-%m-%d}"
