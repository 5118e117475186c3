import holidays
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# The sixteen federal states (the package also lists sub-regions such as Augsburg, which we leave out).
GERMAN_STATES = [
    (code, code) for code in sorted(holidays.country_holidays("DE").subdivisions) if len(code) == 2
]
colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


class Authority(models.Model):
    """A tenant. Everything else belongs to exactly one authority; nobody of one authority sees another's."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name in links"), max_length=64, unique=True)
    logo_url = models.CharField(_("logo URL"), max_length=500, blank=True)
    colour = models.CharField(
        _("brand colour"), max_length=7, default="#1d4f91", validators=[colour_validator]
    )
    imprint_url = models.URLField(_("imprint"), blank=True)
    privacy_url = models.URLField(_("privacy policy"), blank=True)
    accessibility_url = models.URLField(_("accessibility statement"), blank=True)
    holiday_state = models.CharField(
        _("federal state for public holidays"), max_length=2, choices=GERMAN_STATES, default="BY"
    )

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OFFICIAL = "official", _("Official")
    AUTHORITY_ADMIN = "admin", _("Authority administrator")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BREAK = "break", _("On a break")


class Staff(models.Model):
    """A user's place in one authority. Office leads are marked on the office assignment."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="staff")
    display_name = models.CharField(_("name shown to citizens"), max_length=100)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.OFFICIAL)
    availability = models.CharField(
        _("availability"), max_length=16, choices=Availability.choices, default=Availability.AVAILABLE
    )

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_authority_admin(self) -> bool:
        return self.role == Role.AUTHORITY_ADMIN
