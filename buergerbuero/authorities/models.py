import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.origins import parse_origins, validate_origins
from buergerbuero.core.slugs import validate_authority_slug

# The sixteen federal states by the codes of the holidays package (offices.hours passes the code as its
# ``subdiv``), in the order of their German names. The package also lists sub-regions such as Augsburg,
# which we leave out.
GERMAN_STATES = [
    ("BW", _("Baden-Württemberg")),
    ("BY", _("Bavaria")),
    ("BE", _("Berlin")),
    ("BB", _("Brandenburg")),
    ("HB", _("Bremen")),
    ("HH", _("Hamburg")),
    ("HE", _("Hesse")),
    ("MV", _("Mecklenburg-Western Pomerania")),
    ("NI", _("Lower Saxony")),
    ("NW", _("North Rhine-Westphalia")),
    ("RP", _("Rhineland-Palatinate")),
    ("SL", _("Saarland")),
    ("SN", _("Saxony")),
    ("ST", _("Saxony-Anhalt")),
    ("SH", _("Schleswig-Holstein")),
    ("TH", _("Thuringia")),
]
colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


class Authority(models.Model):
    """A tenant. Everything else belongs to exactly one authority; nobody of one authority sees another's."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(
        _("short name in links"),
        max_length=64,
        unique=True,
        validators=[validate_authority_slug],
        help_text=_("Part of the address of the public pages, for example “musterkreis”."),
    )
    logo_url = models.CharField(
        _("logo URL"),
        max_length=500,
        blank=True,
        help_text=_("Address of an image shown next to the name at the top of every public page."),
    )
    colour = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#1d4f91",
        validators=[colour_validator],
        help_text=_("Colour of the public pages, as #RRGGBB."),
    )
    imprint_url = models.URLField(_("imprint"), blank=True)
    privacy_url = models.URLField(_("privacy policy"), blank=True)
    accessibility_url = models.URLField(_("accessibility statement"), blank=True)
    holiday_state = models.CharField(
        _("federal state for public holidays"), max_length=2, choices=GERMAN_STATES, default="BY"
    )
    # Policy per authority lives in the database, not in settings: which of its own websites may frame
    # the status widget and read the status API from a browser (docs/status-api.md).
    embed_origins = models.TextField(
        _("websites that may embed the status widget"),
        blank=True,
        validators=[validate_origins],
        help_text=_(
            "One address per line, only scheme, host and an optional port, for example "
            "https://www.musterkreis.de. Only these websites may show the status widget and read the "
            "status API in a browser. http:// is allowed only for localhost and 127.0.0.1."
        ),
    )

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        # Stored normalised, so the CSP header and the CORS check compare exactly what browsers send.
        # The field validator has run in forms; a value that still fails here is kept as given.
        with contextlib.suppress(ValidationError):
            self.embed_origins = "\n".join(parse_origins(self.embed_origins))
        super().save(*args, **kwargs)

    @property
    def embed_origin_list(self) -> list[str]:
        try:
            return parse_origins(self.embed_origins)
        except ValidationError:
            # A malformed value (written around the validator) allows nothing rather than something.
            return []


class Role(models.TextChoices):
    OFFICIAL = "official", _("Official")
    AUTHORITY_ADMIN = "admin", _("Authority administrator")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BREAK = "break", _("On a break")


class Staff(models.Model):
    """A user's place in one authority. Office leads are marked on the office assignment."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff", verbose_name=_("user")
    )
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="staff", verbose_name=_("authority")
    )
    display_name = models.CharField(_("name shown to citizens"), max_length=100)
    role = models.CharField(
        _("role"),
        max_length=16,
        choices=Role.choices,
        default=Role.OFFICIAL,
        help_text=_("Authority administrators see every office of their authority in the workspace."),
    )
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


class Invitation(models.Model):
    """An official's account that waits to be taken up: the invitee sets their own password through the
    link of the invitation mail. Until then the user has no usable password and cannot sign in.

    Only the SHA-256 of the link's token is stored (``authorities.tokens``), so the database alone opens
    no account; re-sending makes a new token, which ends the old link. Taking the invitation up sets
    ``accepted_at``; an accepted invitation stays as the record of when the account was taken up."""

    staff = models.OneToOneField(
        Staff, on_delete=models.CASCADE, related_name="invitation", verbose_name=_("official")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("invited at"))
    expires_at = models.DateTimeField(_("valid until"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return str(self.staff)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None


class MailText(models.Model):
    """An authority's own subject and body of one kind of mail in one language
    (``authorities.mailtexts``). Without a row the mail keeps the product's text. The texts are checked
    by ``mailtexts.check_subject`` and ``check_body`` before they are stored; they are plain text with
    ``{placeholder}`` names of the kind's registry entry."""

    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="mail_texts", verbose_name=_("authority")
    )
    kind = models.CharField(_("kind of mail"), max_length=50)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("mail text")
        verbose_name_plural = _("mail texts")
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "kind", "language"], name="mail_text_once_per_kind_and_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language})"
