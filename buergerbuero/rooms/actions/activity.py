"""What goes on in a live room besides the media: the chat, presence checks and the stage (what the
presenter shows besides the cameras).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.core.errors import ActionError
from buergerbuero.rooms import events
from buergerbuero.rooms.actions import guards
from buergerbuero.rooms.models import ChatMessage, Member, PresenceAnswer, PresenceCheck, Room

PRESENCE_CHECK_MIN_SECONDS = 10
PRESENCE_CHECK_MAX_SECONDS = 600
STAGE_TITLE_MAX_LENGTH = 200
STAGE_URL_MAX_LENGTH = 1000


@transaction.atomic
def send_chat(member: Member, text: str) -> ChatMessage:
    text = (text or "").strip()
    if not text:
        raise ActionError("empty", _("Please write a message."))
    if len(text) > settings.CHAT_MAX_LENGTH:
        raise ActionError(
            "too_long",
            _("Your message is too long (at most %(max)d characters).") % {"max": settings.CHAT_MAX_LENGTH},
        )
    member = guards.inside(member)
    message = ChatMessage.objects.create(room=member.room, member=member, text=text, sent_at=timezone.now())
    # The text is in the chat itself; the audit log keeps only that a message was sent.
    guards.audit(member.room, "room.chat_sent", message, member)
    events.announce_chat(message)
    return message


@transaction.atomic
def delete_chat(message: ChatMessage, *, actor: Member) -> ChatMessage:
    room = guards.lock_room(message.room_id)
    actor = guards.moderator(actor, room)
    message = ChatMessage.objects.select_for_update().get(pk=message.pk)
    if message.deleted_at is None:
        message.deleted_at = timezone.now()
        message.deleted_by = actor
        message.save(update_fields=["deleted_at", "deleted_by"])
        guards.audit(room, "room.chat_deleted", message, actor)
        events.announce_chat_deleted(message)
    return message


# --- presence checks ----------------------------------------------------------------------------------------


@transaction.atomic
def start_presence_check(room: Room, seconds: int, *, actor: Member) -> PresenceCheck:
    """Asks everyone inside to confirm within ``seconds`` that they are there (recorded per member)."""
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int)
        or not (PRESENCE_CHECK_MIN_SECONDS <= seconds <= PRESENCE_CHECK_MAX_SECONDS)
    ):
        raise ActionError(
            "invalid",
            _("A presence check lasts between %(min)d and %(max)d seconds.")
            % {"min": PRESENCE_CHECK_MIN_SECONDS, "max": PRESENCE_CHECK_MAX_SECONDS},
        )
    room = guards.lock_room(room)
    guards.moderator(actor, room)
    guards.live(room)
    now = timezone.now()
    if room.presence_checks.filter(deadline_at__gte=now).exists():
        raise ActionError("check_running", _("A presence check is running already."))
    deadline = now + dt.timedelta(seconds=seconds)
    check = PresenceCheck.objects.create(room=room, sent_at=now, deadline_at=deadline)
    guards.audit(room, "room.presence_check", check, actor, seconds=seconds)
    events.announce_presence_check(check)
    return check


@transaction.atomic
def answer_presence_check(check: PresenceCheck, member: Member) -> PresenceAnswer:
    """The member confirms they are there. After the deadline the answer is refused; a second answer
    keeps the first."""
    if check.room_id != member.room_id:
        raise ActionError("no_check", _("There is no such presence check."))
    member = guards.inside(member)
    now = timezone.now()
    if now > check.deadline_at:
        raise ActionError("too_late", _("The time to answer this presence check is over."))
    answer, created = PresenceAnswer.objects.get_or_create(
        presence_check=check, member=member, defaults={"answered_at": now}
    )
    if created:
        guards.audit(member.room, "room.presence_answered", answer, member, check=check.pk)
        events.announce_presence_answer(check, member)
    return answer


# --- the stage ----------------------------------------------------------------------------------------------


def clean_stage(stage: Any) -> dict[str, Any]:
    """What may be shown: nothing (``{}``), the presenter's screen (``{"kind": "screen", "member": id}``) or
    material (``{"kind": "material", "url", "title"?, "page"?}``, the URL on this site or https)."""
    if not isinstance(stage, dict):
        raise ActionError("invalid", _("The shown content must be an object."))
    if not stage:
        return {}
    kind = stage.get("kind")
    if kind == "screen":
        return {"kind": "screen"}
    if kind != "material":
        raise ActionError("invalid", _("Unknown kind of shown content."))
    url = stage.get("url")
    if not isinstance(url, str) or not url or len(url) > STAGE_URL_MAX_LENGTH:
        raise ActionError("invalid", _("Material needs the address of what to show."))
    parts = urlsplit(url)
    on_site = not parts.scheme and not parts.netloc and url.startswith("/") and not url.startswith("//")
    if not on_site and parts.scheme != "https":
        raise ActionError("invalid", _("Material must be on this site or at an https address."))
    cleaned: dict[str, Any] = {"kind": "material", "url": url}
    title = stage.get("title", "")
    if not isinstance(title, str) or len(title) > STAGE_TITLE_MAX_LENGTH:
        raise ActionError("invalid", _("The title of the material is too long."))
    if title:
        cleaned["title"] = title
    page = stage.get("page")
    if page is not None:
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise ActionError("invalid", _("The page must be a positive whole number."))
        cleaned["page"] = page
    return cleaned


@transaction.atomic
def set_stage(room: Room, stage: Any, actor: Member) -> Room:
    """What the presenter shows besides the cameras, the same for everyone."""
    cleaned = clean_stage(stage)
    room = guards.lock_room(room)
    actor = guards.moderator(actor, room)
    guards.not_ended(room)
    if cleaned.get("kind") == "screen":
        cleaned["member"] = actor.pk
    if room.stage != cleaned:
        room.stage = cleaned
        room.save(update_fields=["stage"])
        guards.audit(room, "room.stage_set", room, actor, kind=cleaned.get("kind", ""))
        events.announce_stage(room)
    return room
