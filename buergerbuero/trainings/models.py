"""Online trainings: a training type (e.g. "Belehrung nach § 43 IfSG") with its materials and an optional
comprehension check, sessions of it held in a live room (``rooms.Room``), and the registrations of
individuals and of school classes.

Invariants a reader must not break:
- A session never has more people registered than its capacity. ``Registration.seats`` is the number of
  people a registration brings (1, or the pupils of a class; the teacher is not counted: they sit with
  the class at its screen). ``actions.register_*`` lock the session row (PostgreSQL) and sum the seats in
  the same transaction; SQLite starts every write transaction exclusively, which serialises them too.
- Materials are files under MEDIA_ROOT without a public URL: only ``views.material`` serves them, to the
  members of the type's rooms and its staff.
- Registration links carry tokens derived from a per-registration salt (``tokens.py``); only their SHA-256
  is stored.
- After the retention period the personal data of registrations and pupils is cleared
  (``actions.delete_personal_data``); the rows and their counts stay.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import PurePath

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.offices.models import Office
from buergerbuero.rooms.models import Member, Room


class TrainingType(models.Model):
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="training_types", verbose_name=_("authority")
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="training_types",
        verbose_name=_("giving office"),
        help_text=_("Its officials hold the sessions and see the registrations."),
    )
    title = models.CharField(
        _("title"), max_length=200, help_text=_("For example “Belehrung nach § 43 IfSG”.")
    )
    legal_basis = models.CharField(
        _("legal basis"), max_length=300, blank=True, help_text=_("Printed on the certificate.")
    )
    description = models.TextField(_("description"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(5), MaxValueValidator(600)]
    )
    required_attendance_percent = models.PositiveSmallIntegerField(
        _("attendance needed (percent)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Share of the scheduled time a participant must be connected to complete the training."),
    )
    pass_mark_percent = models.PositiveSmallIntegerField(
        _("pass mark of the comprehension check (percent)"),
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Only used when the type has questions."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training type")
        verbose_name_plural = _("training types")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    @property
    def has_check(self) -> bool:
        return self.questions.exists()


class Question(models.Model):
    training_type = models.ForeignKey(
        TrainingType, on_delete=models.CASCADE, related_name="questions", verbose_name=_("training type")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=500)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="choices", verbose_name=_("question")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("answer"), max_length=300)
    correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class MaterialKind(models.TextChoices):
    PDF = "pdf", _("PDF document")
    IMAGE = "image", _("Image")
    VIDEO = "video", _("Video")


MATERIAL_TYPES = {
    ".pdf": (MaterialKind.PDF, "application/pdf"),
    ".png": (MaterialKind.IMAGE, "image/png"),
    ".jpg": (MaterialKind.IMAGE, "image/jpeg"),
    ".jpeg": (MaterialKind.IMAGE, "image/jpeg"),
    ".webp": (MaterialKind.IMAGE, "image/webp"),
    ".mp4": (MaterialKind.VIDEO, "video/mp4"),
    ".webm": (MaterialKind.VIDEO, "video/webm"),
}


def material_path(instance: Material, filename: str) -> str:
    # A random name: the original name may hold personal data, and names must not be guessable.
    suffix = PurePath(filename).suffix.lower()
    return f"trainings/materials/{instance.training_type_id}/{secrets.token_hex(16)}{suffix}"


class Material(models.Model):
    training_type = models.ForeignKey(
        TrainingType, on_delete=models.CASCADE, related_name="materials", verbose_name=_("training type")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_path, max_length=300)
    kind = models.CharField(_("kind"), max_length=8, choices=MaterialKind.choices)
    content_type = models.CharField(_("content type"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    training_type = models.ForeignKey(
        TrainingType, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("training type")
    )
    starts_at = models.DateTimeField(_("starts"))
    capacity = models.PositiveIntegerField(
        _("places"),
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("People, pupils included."),
    )
    presenters = models.ManyToManyField(
        Staff, related_name="training_sessions", blank=True, verbose_name=_("presenters")
    )
    room = models.OneToOneField(
        Room, on_delete=models.PROTECT, related_name="training_session", verbose_name=_("live room")
    )
    completion_computed_at = models.DateTimeField(_("completion computed"), null=True, blank=True)
    personal_data_deleted_at = models.DateTimeField(_("personal data deleted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.training_type} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.training_type.duration_minutes)

    @property
    def office(self) -> Office:
        return self.training_type.office


class RegistrationKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    CLASS = "class", _("School class")


class GuardianConsent(models.TextChoices):
    # No participant is a minor on the session's date.
    NOT_NEEDED = "not_needed", _("Not needed")
    # A box ticked for each minor (a class: per pupil; an individual: by the registrant).
    PER_PERSON = "per_person", _("Confirmed for each minor")
    # The teacher declared that the school holds the guardians' consents of all minor pupils.
    TEACHER_DECLARATION = "teacher_declaration", _("Teacher's declaration that consents are on file")


class Registration(models.Model):
    """An individual's registration, or a teacher's for their class (the pupils are ``Pupil`` rows)."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("session")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RegistrationKind.choices)
    # The participant (individual) or the teacher (class).
    name = models.CharField(_("name"), max_length=120)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    email = models.EmailField(_("e-mail address"), max_length=254, blank=True)
    school = models.CharField(_("school"), max_length=200, blank=True)
    class_name = models.CharField(_("class"), max_length=60, blank=True)
    language = models.CharField(_("language"), max_length=8, default="de")
    seats = models.PositiveIntegerField(_("people"), default=1)
    guardian_consent = models.CharField(
        _("guardians' consent"),
        max_length=24,
        choices=GuardianConsent.choices,
        default=GuardianConsent.NOT_NEEDED,
    )
    consented_at = models.DateTimeField(_("privacy consent given"))
    member = models.OneToOneField(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_registration",
        verbose_name=_("place in the live room"),
    )
    token_salt = models.CharField(_("link salt"), max_length=32, editable=False)
    token_hash = models.CharField(_("link hash"), max_length=64, unique=True, editable=False)
    # The individual's comprehension check: the score in percent, when taken.
    check_score_percent = models.PositiveSmallIntegerField(_("check score (percent)"), null=True, blank=True)
    check_taken_at = models.DateTimeField(_("check taken"), null=True, blank=True)
    # Completion of an individual (a class's pupils have their own).
    completed = models.BooleanField(_("completed"), null=True, blank=True)
    completion_reason = models.CharField(_("reason"), max_length=300, blank=True)
    certificate_id = models.PositiveIntegerField(_("certificate"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    @property
    def is_class(self) -> bool:
        return self.kind == RegistrationKind.CLASS


class Pupil(models.Model):
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="pupils", verbose_name=_("class registration")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=120)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    minor = models.BooleanField(_("under 18 on the session's date"), default=False)
    guardian_consent = models.BooleanField(_("guardians' consent confirmed"), default=False)
    # Confirmed by the teacher on the roster page during the session: sits in front of the class screen.
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    # Recorded by the teacher after the session (types with a comprehension check).
    check_passed = models.BooleanField(_("passed the comprehension check"), null=True, blank=True)
    completed = models.BooleanField(_("completed"), null=True, blank=True)
    completion_reason = models.CharField(_("reason"), max_length=300, blank=True)
    certificate_id = models.PositiveIntegerField(_("certificate"), null=True, blank=True)

    class Meta:
        verbose_name = _("pupil")
        verbose_name_plural = _("pupils")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"
