from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.core.slugs import validate_office_slug

TIME_ZONES = [("Europe/Berlin", _("Berlin (German time)"))]


class Department(models.Model):
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="departments", verbose_name=_("authority")
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["authority", "name"], name="department_unique_name")]

    def __str__(self) -> str:
        return self.name


class Office(models.Model):
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="offices", verbose_name=_("authority")
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offices",
        verbose_name=_("department"),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("short name in links"),
        max_length=64,
        validators=[validate_office_slug],
        help_text=_("Part of the address of the office's public page, unique within the authority."),
    )
    description = models.TextField(_("description"), blank=True)
    topics = models.TextField(_("topics"), blank=True, help_text=_("One topic per line."))
    languages = models.CharField(
        _("languages spoken"), max_length=200, default="Deutsch", help_text=_("Separated by commas.")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONES, default="Europe/Berlin")
    max_queue_length = models.PositiveIntegerField(
        _("maximum number of people waiting"), default=50, help_text=_("0 means no limit.")
    )
    officials = models.ManyToManyField(
        Staff, through="Assignment", related_name="offices", verbose_name=_("officials")
    )
    # Incremented in the same transaction as every change to this office's queue; waiting clients use it
    # to order queue deltas and to detect a gap (docs/architecture.md, "Queue positions").
    queue_seq = models.BigIntegerField(
        _("queue change counter"),
        default=0,
        editable=False,
        help_text=_("Counts the changes to the waiting line; set by the application only."),
    )
    # An office with history is never deleted: archiving hides it from the public pages and refuses its
    # opening, while its tickets, audit entries and statistics stay (offices.actions.archive_office).
    archived_at = models.DateTimeField(
        _("archived at"),
        null=True,
        blank=True,
        help_text=_("Set by the application when the office is archived; empty while it is in use."),
    )

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["authority", "slug"], name="office_unique_slug")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def topic_list(self) -> list[str]:
        return [line.strip() for line in self.topics.splitlines() if line.strip()]

    @property
    def language_list(self) -> list[str]:
        return [item.strip() for item in self.languages.split(",") if item.strip()]


class Assignment(models.Model):
    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("office")
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("official")
    )
    is_lead = models.BooleanField(_("office lead"), default=False)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["office", "staff"], name="assignment_unique")]

    def __str__(self) -> str:
        return f"{self.staff} → {self.office}"


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeeklyTime(models.Model):
    """A time of day on one weekday, every week, in the office's local time (opening hours, booking
    windows)."""

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        abstract = True
        ordering = ["weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class OpeningInterval(WeeklyTime):
    """One interval of the weekly opening hours, in the office's local time. A day may have several.

    The intervals of one ``valid_from`` form a version of the week; the hours in force on a day are the
    version with the latest ``valid_from`` on or before it (``None``: since always). A version exists only
    through its intervals, so a prepared week always has at least one (offices.actions.set_opening_hours).
    """

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="opening_intervals", verbose_name=_("office")
    )
    valid_from = models.DateField(
        _("valid from"),
        null=True,
        blank=True,
        help_text=_(
            "Empty: in force since always. Otherwise these hours replace the earlier ones from this day."
        ),
    )

    class Meta(WeeklyTime.Meta):
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="interval_end_after_start")
        ]


class ClosureQuerySet(models.QuerySet["Closure"]):
    def overlapping(self, first: dt.date, last: dt.date) -> ClosureQuerySet:
        """The closures covering at least one day of ``first``..``last`` (both included)."""
        return self.filter(date__lte=last).filter(
            Q(end_date__gte=first) | Q(end_date__isnull=True, date__gte=first)
        )


class Closure(models.Model):
    """A day or a period (``date``..``end_date``, both included; no ``end_date``: the one day) an office,
    or, without office, every office of the authority, stays closed."""

    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="closures", verbose_name=_("authority")
    )
    office = models.ForeignKey(
        Office,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="closures",
        verbose_name=_("office"),
        help_text=_("Leave empty to close every office of the authority on this day."),
    )
    date = models.DateField(_("date"))
    end_date = models.DateField(
        _("until"), null=True, blank=True, help_text=_("Last closed day; leave empty for a single day.")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = ClosureQuerySet.as_manager()

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")),
                name="closure_end_not_before_start",
            )
        ]

    def __str__(self) -> str:
        days = f"{self.date:%Y-%m-%d}–{self.end_date:%Y-%m-%d}" if self.end_date else f"{self.date:%Y-%m-%d}"
        return f"{days} {self.reason}"

    @property
    def last_day(self) -> dt.date:
        return self.end_date or self.date


class OpenPeriod(models.Model):
    """A period during which the office was open (at least one official present). Statistics sum these."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="open_periods", verbose_name=_("office")
    )
    started_at = models.DateTimeField(_("opened at"))
    ended_at = models.DateTimeField(
        _("closed at"), null=True, blank=True, help_text=_("Empty while the office is open.")
    )

    class Meta:
        verbose_name = _("open period")
        verbose_name_plural = _("open periods")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["office"], condition=Q(ended_at__isnull=True), name="one_open_period_per_office"
            )
        ]

    def __str__(self) -> str:
        return f"{self.office_id}: {self.started_at:%Y-%m-%d %H:%M}–{self.ended_at or ''}"


class Presence(models.Model):
    """An official serving an office from ``started_at`` until ``ended_at``. While any presence of an
    office is open, the office is open. The official's availability (available, on a break) is kept on
    ``Staff``; being in a consultation is derived from the official's active consultation."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="presences", verbose_name=_("office")
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, related_name="presences", verbose_name=_("official")
    )
    started_at = models.DateTimeField(_("present from"))
    ended_at = models.DateTimeField(
        _("present until"), null=True, blank=True, help_text=_("Empty while the official is present.")
    )
    # Refreshed by every live workspace connection of the official (and set when the last one closes).
    # A presence not refreshed for PRESENCE_GRACE_SECONDS ends by itself (offices.actions
    # .end_absent_presences): a database time, so a worker that dies without running disconnect
    # cannot keep an office open.
    seen_at = models.DateTimeField(
        _("workspace last seen"),
        default=timezone.now,
        help_text=_("Last sign of a live workspace page of the official; set by the application only."),
    )

    class Meta:
        verbose_name = _("presence")
        verbose_name_plural = _("presences")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "staff"], condition=Q(ended_at__isnull=True), name="one_presence_per_office"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} in {self.office_id} from {self.started_at:%Y-%m-%d %H:%M}"
