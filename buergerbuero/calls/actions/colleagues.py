"""Colleagues in a consultation: an official invites a colleague, who accepts, declines or leaves."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.calls.actions.admission import active_participation
from buergerbuero.calls.actions.course import hang_up, locked_active
from buergerbuero.calls.events import (
    announce_colleague_invited,
    announce_participants,
    announce_staff_consultation,
    announce_staff_consultation_over,
)
from buergerbuero.calls.models import Consultation, Participant, ParticipantRole
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.events import announce_office_state

MAX_PARTICIPANTS = 4  # a peer-to-peer mesh stays usable up to four people


def invite_colleague(consultation: Consultation, actor: Staff, colleague: Staff) -> Participant:
    with transaction.atomic():
        consultation, _ticket = locked_active(consultation)
        if colleague.authority_id != actor.authority_id or colleague.pk == actor.pk:
            raise ActionError("invalid_colleague", _("Choose a colleague of your authority."))
        if not consultation.participants.filter(staff=actor, left_at__isnull=True).exists():
            raise ActionError("not_participant", _("You are not taking part in this consultation."))
        active = consultation.participants.filter(left_at__isnull=True)
        if active.count() >= MAX_PARTICIPANTS:
            raise ActionError("full", _("A consultation can have at most four participants."))
        if active.filter(staff=colleague).exists():
            raise ActionError("already_invited", _("This colleague is already invited."))
        participant = Participant.objects.create(
            consultation=consultation,
            role=ParticipantRole.COLLEAGUE,
            staff=colleague,
            invited_at=timezone.now(),
        )
        record(
            actor.authority_id,
            "consultation.colleague_invited",
            consultation,
            actor.user_id,
            colleague=colleague.pk,
        )
        announce_colleague_invited(colleague.pk, consultation, participant.pk, actor.display_name)
        announce_participants(consultation)
    return participant


def answer_invitation(participant: Participant, actor: Staff, accept: bool, page: str = "") -> Participant:
    """Accept (the call is then held by the workspace page ``page``) or decline an invitation."""
    with transaction.atomic():
        participant = Participant.objects.select_related("consultation__office").get(pk=participant.pk)
        if participant.staff_id != actor.pk or participant.joined_at or participant.left_at:
            raise ActionError("invalid_invitation", _("This invitation is no longer open."))
        consultation, _ticket = locked_active(participant.consultation)
        now = timezone.now()
        if accept:
            if active_participation(actor) is not None:
                raise ActionError("busy", _("You are already in a consultation."))
            participant.joined_at = now
            participant.call_page = page
            participant.connection_lost_at = now  # until a socket of the page holds it (see admit)
            try:
                with transaction.atomic():
                    participant.save(update_fields=["joined_at", "call_page", "connection_lost_at"])
            except IntegrityError:
                raise ActionError("busy", _("You are already in a consultation.")) from None
            announce_staff_consultation(actor.pk, participant)
        else:
            participant.left_at = now
            participant.save(update_fields=["left_at"])
        record(
            actor.authority_id,
            "consultation.colleague_" + ("joined" if accept else "declined"),
            consultation,
            actor.user_id,
        )
        announce_participants(consultation)
        announce_office_state(consultation.office)
    return participant


def leave_as_colleague(consultation: Consultation, actor: Staff) -> None:
    with transaction.atomic():
        consultation, _ticket = locked_active(consultation)
        participant = consultation.participants.filter(
            staff=actor, role=ParticipantRole.COLLEAGUE, left_at__isnull=True
        ).first()
        if participant is None:
            raise ActionError("not_participant", _("You are not taking part in this consultation."))
        participant.left_at = timezone.now()
        participant.save(update_fields=["left_at"])
        record(actor.authority_id, "consultation.colleague_left", consultation, actor.user_id)
        announce_participants(consultation)
        announce_staff_consultation_over(actor.pk)
        announce_office_state(consultation.office)


def hang_up_as(participant: Participant, actor: Staff) -> None:
    """An official's hang-up button: the consultation's official ends it for everyone; an invited
    colleague only leaves it."""
    if participant.role == ParticipantRole.COLLEAGUE:
        leave_as_colleague(participant.consultation, actor)
    else:
        hang_up(participant.consultation, actor)
