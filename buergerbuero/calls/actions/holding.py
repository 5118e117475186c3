"""Which page of a participant holds the call (docs/architecture.md, "One page holds the call"), and
what becomes of it when that page's socket or web worker goes away."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Staff
from buergerbuero.calls.events import (
    announce_moved,
)
from buergerbuero.calls.models import Participant, ParticipantRole
from buergerbuero.core.errors import ActionError

# held: this connection holds the call, nobody needed to hear of it. reconnected: a new socket of the
# page that held it; the old one was told to let go. taken: this page holds it instead of another one;
# the others were told. elsewhere: another page holds it on an open socket; unheld: another page held
# it and its socket has closed (in both, nothing changed).
HoldOutcome = Literal["held", "reconnected", "taken", "elsewhere", "unheld"]


def hold_call(
    participant_id: int,
    actor: Staff,
    page: str,
    connection: str,
    *,
    previous: str = "",
    take_over: bool = False,
    worker: UUID | None = None,
) -> HoldOutcome:
    """Let the socket ``connection`` of the official's workspace page ``page`` hold the call of their
    participant: exactly one connection does (docs/architecture.md, "One page holds the call").

    Without ``take_over`` the page gets the call only if it holds it already (its socket reconnected),
    if ``previous`` (the page this browser tab showed before a reload) held it, or if no page ever did
    (an admission from a form sent without script). A change of connection is announced with
    ``consultation.moved``: the old connection lets go, and when the page changed, the other
    participants build new peer connections to this one. ``worker`` is the web worker serving the socket
    (core.liveness): should it die, the call counts as left by that page since its last sign of life."""
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("consultation__office")
            .filter(pk=participant_id)
            .first()
        )
        if participant is None or participant.staff_id != actor.pk or participant.joined_at is None:
            raise ActionError("not_participant", _("You are not taking part in this consultation."))
        if participant.left_at is not None or participant.consultation.ended_at is not None:
            raise ActionError("ended", _("This consultation has already ended."))
        before_page, before_connection = participant.call_page, participant.call_connection
        if (before_page, before_connection) == (page, connection):
            return "held"
        if not take_over and before_page not in ("", page, previous):
            return "elsewhere" if before_connection else "unheld"
        participant.call_page = page
        participant.call_connection = connection
        participant.call_worker = worker
        participant.connection_lost_at = None  # back in time: the call goes on
        participant.save(update_fields=["call_page", "call_connection", "call_worker", "connection_lost_at"])
        page_changed = before_page not in ("", page)
        if not page_changed and before_connection in ("", connection):
            return "held"
        if page_changed:
            record(
                actor.authority_id,
                "consultation.call_moved",
                participant.consultation,
                actor.user_id,
                participant=participant.pk,
                taken_over=take_over,
            )
        announce_moved(participant, reset=page_changed)
    return "taken" if page_changed else "reconnected"


def hold_citizen_call(participant_id: int, page: str) -> bool:
    """Record which page load of the citizen runs their call (``page``: the page's own id). The citizen's
    newest page always holds it (the ticket's other pages step back, ``ticket.superseded``); when that page
    is not the one recorded before, the page was reloaded or opened again: its media comes from new peer
    connections, so the other participants' pages are told to drop theirs to it and connect afresh
    (``consultation.moved`` with ``reset``) instead of renegotiating with a page that is gone. Returns
    whether that was announced. The first page recorded (at admission) announces nothing."""
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("consultation__office")
            .filter(pk=participant_id, role=ParticipantRole.CITIZEN)
            .first()
        )
        if participant is None or participant.left_at is not None:
            return False
        if participant.consultation.ended_at is not None:
            return False
        before = participant.call_page
        if before == page:
            return False
        participant.call_page = page
        participant.save(update_fields=["call_page"])
        if not before:
            return False
        record(
            participant.consultation.office.authority_id,
            "consultation.call_moved",
            participant.consultation,
            None,
            participant=participant.pk,
            taken_over=False,
        )
        announce_moved(participant, reset=True)
    return True


def release_call(participant_id: int, connection: str, now: datetime | None = None) -> None:
    """The socket that held a call closed. The page stays recorded: the same tab gets the call back when
    it reconnects or reloads; another page of the official may take it over. No event: whoever holds it
    next announces that. If nobody does within CALL_GRACE_SECONDS, end_gone_participants ends their
    part of the call."""
    if connection:
        Participant.objects.filter(pk=participant_id, call_connection=connection).update(
            call_connection="", call_worker=None, connection_lost_at=now or timezone.now()
        )


def calls_of_worker_gone(worker: UUID, seen_at: datetime) -> int:
    """The web worker ``worker`` died (core.liveness.end_dead_workers, which holds the lock on its row):
    every call whose holding connection it served is let go as if that socket had closed at
    ``seen_at``, its last sign of life (release_call), so CALL_GRACE_SECONDS runs from there. A page
    that has meanwhile held the call on another worker names that one and is left alone. Returns how
    many. (A citizen's page in a call is a ticket's page: waitingroom.actions.pages_of_worker_gone.)"""
    return (
        Participant.objects.filter(call_worker=worker, left_at__isnull=True)
        .filter(consultation__ended_at__isnull=True)
        .exclude(call_connection="")
        .update(call_connection="", call_worker=None, connection_lost_at=seen_at)
    )


def call_reclaimed(participant_id: int, page: str, connection: str, worker: UUID) -> bool:
    """A socket that still holds a call, on a worker that was taken for dead (core.liveness), holds it
    again, unless another connection has taken it or its part has ended meanwhile. No event: the
    other participants never lost this connection. Returns whether it did."""
    return bool(
        Participant.objects.filter(
            pk=participant_id,
            call_page=page,
            call_connection="",
            connection_lost_at__isnull=False,
            left_at__isnull=True,
            consultation__ended_at__isnull=True,
        ).update(call_connection=connection, call_worker=worker, connection_lost_at=None)
    )
