"""A group session held through the SFU (Janus): a training's session or an event.

A ``Room`` is the live part only; what it belongs to (a training session, an event) points at it with a
one-to-one field from its own app. A ``Member`` is one person's (or one screen's, e.g. a school class or
the meeting hall) place in a room, with the role our server enforces. Browsers never learn anything about
Janus: the instance, the Janus room number and its secret stay on the server.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from buergerbuero.authorities.models import Authority
from buergerbuero.offices.models import Office


class RoomKind(models.TextChoices):
    TRAINING = "training", _("Training")
    EVENT = "event", _("Event")


class RoomMode(models.TextChoices):
    # Everyone admitted may publish (up to about 50 interactive participants).
    CONFERENCE = "conference", _("Conference")
    # Speakers publish; the audience watches and asks by chat or raised hand.
    WEBINAR = "webinar", _("Webinar")


class RoomState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    LIVE = "live", _("Live")
    ENDED = "ended", _("Ended")


class Room(models.Model):
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("authority")
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rooms",
        verbose_name=_("office"),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=RoomKind.choices)
    title = models.CharField(_("title"), max_length=200)
    mode = models.CharField(_("mode"), max_length=16, choices=RoomMode.choices, default=RoomMode.CONFERENCE)
    lobby = models.BooleanField(
        _("lobby"), default=False, help_text=_("Participants wait until a moderator lets them in.")
    )
    locked = models.BooleanField(_("locked"), default=False, help_text=_("Nobody new may join."))
    state = models.CharField(
        _("state"), max_length=16, choices=RoomState.choices, default=RoomState.SCHEDULED
    )
    # When the session is planned to start (shown on the join page before it goes live); set by what the
    # room belongs to (a training session, an event).
    starts_at = models.DateTimeField(_("planned start"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # What the presenter shows besides the cameras, the same for everyone, e.g.
    # {"kind": "material", "url": "/…", "page": 3} or {"kind": "screen"}; {} for nothing.
    stage = models.JSONField(_("shown content"), default=dict, blank=True)
    # Where the room's media runs: chosen once (the least loaded configured instance) and kept, so every
    # worker process sends the room's participants to the same Janus.
    janus_instance = models.CharField(_("media server"), max_length=200, blank=True)
    janus_room = models.BigIntegerField(_("media server room"), null=True, blank=True)
    janus_secret = models.CharField(_("media server room secret"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("group session")
        verbose_name_plural = _("group sessions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["janus_instance", "janus_room"],
                condition=Q(janus_room__isnull=False),
                name="one_room_per_janus_room",
            )
        ]

    def __str__(self) -> str:
        return self.title


class MemberRole(models.TextChoices):
    MODERATOR = "moderator", _("Moderator")
    PRESENTER = "presenter", _("Presenter")
    SPEAKER = "speaker", _("Speaker")
    PARTICIPANT = "participant", _("Participant")
    VIEWER = "viewer", _("Viewer")


class RemovalReason(models.TextChoices):
    REMOVED = "removed", _("Removed by a moderator")
    DECLINED = "declined", _("Not let in from the lobby")


class Member(models.Model):
    """One place in a room. Staff members are found by ``user``; everyone else by the secret of their
    personal (or class) join link, of which only the SHA-256 is stored."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members", verbose_name=_("room"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="room_memberships",
        verbose_name=_("user"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, null=True, blank=True, unique=True)
    display_name = models.CharField(_("name"), max_length=120)
    role = models.CharField(
        _("role"), max_length=16, choices=MemberRole.choices, default=MemberRole.PARTICIPANT
    )
    is_hall = models.BooleanField(
        _("meeting hall"),
        default=False,
        help_text=_("The room system of the meeting hall; shown prominently."),
    )
    # Granted by a moderator (a raised hand let in to speak): may publish although the role does not.
    may_speak = models.BooleanField(_("may speak"), default=False)
    hand_raised_at = models.DateTimeField(_("hand raised"), null=True, blank=True)
    admitted_at = models.DateTimeField(_("admitted from the lobby"), null=True, blank=True)
    audio_muted = models.BooleanField(_("muted by a moderator"), default=False)
    video_stopped = models.BooleanField(_("video stopped by a moderator"), default=False)
    # A removed (or declined) member is blocked: their link and their user no longer open the room.
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_reason = models.CharField(
        _("reason of removal"), max_length=16, choices=RemovalReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "user"], condition=Q(user__isnull=False), name="one_member_per_user_and_room"
            )
        ]

    def __str__(self) -> str:
        return self.display_name


class Attendance(models.Model):
    """One connected stretch of a member's page: joined when its socket is admitted, left when it closes.
    Completion of a training is computed from these (and the presence checks)."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="attendances", verbose_name=_("member")
    )
    joined_at = models.DateTimeField(_("joined"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    channel = models.CharField(_("connection"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["joined_at", "id"]

    def __str__(self) -> str:
        return f"{self.member} {self.joined_at:%Y-%m-%d %H:%M}"


class LobbyWait(models.Model):
    """One connection of a member waiting in the lobby to be let in (deleted when it closes, or when a
    moderator admits or declines the member). Not attendance: waiting counts for nothing."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="lobby_waits", verbose_name=_("member")
    )
    channel = models.CharField(_("connection"), max_length=200)
    since = models.DateTimeField(_("waiting since"))

    class Meta:
        verbose_name = _("wait in the lobby")
        verbose_name_plural = _("waits in the lobby")
        ordering = ["since", "id"]

    def __str__(self) -> str:
        return f"{self.member} {self.since:%H:%M:%S}"


class PresenceCheck(models.Model):
    room = models.ForeignKey(
        Room, on_delete=models.CASCADE, related_name="presence_checks", verbose_name=_("room")
    )
    sent_at = models.DateTimeField(_("sent"))
    deadline_at = models.DateTimeField(_("answer by"))

    class Meta:
        verbose_name = _("presence check")
        verbose_name_plural = _("presence checks")
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.room} {self.sent_at:%Y-%m-%d %H:%M:%S}"


class PresenceAnswer(models.Model):
    presence_check = models.ForeignKey(
        PresenceCheck, on_delete=models.CASCADE, related_name="answers", verbose_name=_("presence check")
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="presence_answers", verbose_name=_("member")
    )
    answered_at = models.DateTimeField(_("answered"))

    class Meta:
        verbose_name = _("presence answer")
        verbose_name_plural = _("presence answers")
        constraints = [
            models.UniqueConstraint(fields=["presence_check", "member"], name="one_answer_per_check")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.answered_at:%H:%M:%S}"


class ChatMessage(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="chat", verbose_name=_("room"))
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="chat_messages", verbose_name=_("member")
    )
    text = models.TextField(_("text"))
    sent_at = models.DateTimeField(_("sent"))
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("deleted by"),
    )

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.member}: {self.text[:40]}"
