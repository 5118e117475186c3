"""Every object a staff view touches is fetched here, through one helper per kind.

Invariant: an object of another authority is a 404, never a 403, so ids of other tenants reveal nothing.
Within the authority, officials reach the offices of ``offices.access.offices_of`` (an office itself is
fetched with ``offices.access.get_office_for_staff``); the official of a user is
``authorities.access.get_staff_for_user``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from types import SimpleNamespace
from typing import cast

from django.conf import settings
from django.contrib.auth import get_user
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from buergerbuero.authorities.models import Staff
from buergerbuero.calls.models import Consultation, Participant
from buergerbuero.offices.access import offices_of
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.models import Ticket


@dataclass(frozen=True)
class WorkspaceAccess:
    """What a workspace socket may see: the official, the offices whose queues (with names and concerns)
    it receives, and which of them the official is assigned to."""

    staff: Staff = field(compare=False)
    staff_id: int
    role: str
    offices: frozenset[int]
    assigned: frozenset[int]


def workspace_access(session_key: str | None, user_id: int) -> WorkspaceAccess | None:
    """Whether the session a workspace socket was opened with still belongs to ``user_id``, an active
    user with a place in an authority, and what that place lets it see; None when it may not use the
    workspace at all (signed out, session ended or flushed, password changed, deactivated, no ``Staff``).
    Read afresh from the session store and the database every time: a live socket calls this whenever
    something it depends on changed (staff.signals)."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # The same checks as every HTTP request makes (backend, active user, session hash).
    user = get_user(cast(HttpRequest, SimpleNamespace(session=session)))
    if not user.is_authenticated or user.pk != user_id:
        return None
    staff = Staff.objects.select_related("authority", "user").filter(user_id=user.pk).first()
    if staff is None:
        return None
    offices = frozenset(offices_of(staff).values_list("pk", flat=True))
    assigned = frozenset(Office.objects.filter(assignments__staff=staff).values_list("pk", flat=True))
    return WorkspaceAccess(staff, staff.pk, staff.role, offices, assigned & offices)


def session_expires_at(session_key: str | None) -> datetime | None:
    """When the session a workspace socket was opened with runs out, for session stores that keep it
    in the database (the default); None for others and for a session that is gone."""
    get_model = getattr(import_module(settings.SESSION_ENGINE).SessionStore, "get_model_class", None)
    if get_model is None or not session_key:
        return None
    expiry: datetime | None = (
        get_model().objects.filter(session_key=session_key).values_list("expire_date", flat=True).first()
    )
    return expiry


def _offices(staff: Staff) -> QuerySet[Office]:
    return offices_of(staff).select_related("authority")


def get_ticket_for_staff(staff: Staff, ticket_id: int) -> Ticket:
    ticket = (
        Ticket.objects.select_related("office__authority")
        .filter(pk=ticket_id, office__in=_offices(staff))
        .first()
    )
    if ticket is None:
        raise Http404(_("No such person in your waiting areas."))
    return ticket


def get_consultation_for_staff(staff: Staff, consultation_id: int) -> Consultation:
    """A consultation the official currently takes part in: joined and not left. An invited colleague
    who has not accepted yet, an office lead or an authority administrator watching from outside cannot
    send the citizen back or transfer them (``send_back``/``transfer`` rely on this check).

    Ending a consultation marks everyone as left; its joined participants still reach it, so a second
    click (or a race with the citizen hanging up) gets the action's "ended" answer rather than a 404."""
    consultation = (
        Consultation.objects.select_related("office__authority", "ticket")
        # One filter() call, so all participant conditions hold for the same participant row.
        .filter(
            Q(participants__left_at__isnull=True) | Q(ended_at__isnull=False),
            pk=consultation_id,
            office__authority_id=staff.authority_id,
            participants__staff=staff,
            participants__joined_at__isnull=False,
        )
        .first()
    )
    if consultation is None:
        raise Http404(_("No such consultation."))
    return consultation


def get_colleague_for_staff(staff: Staff, colleague_id: int) -> Staff:
    colleague = Staff.objects.filter(pk=colleague_id, authority_id=staff.authority_id).first()
    if colleague is None:
        raise Http404(_("No such colleague."))
    return colleague


def get_transfer_target_for_staff(staff: Staff, office_id: int) -> Office:
    """Any office of the official's authority may receive a citizen, assigned or not."""
    office = (
        Office.objects.select_related("authority")
        .filter(pk=office_id, authority_id=staff.authority_id)
        .first()
    )
    if office is None:
        raise Http404(_("No such office."))
    return office


def get_invitation_for_staff(staff: Staff, participant_id: int) -> Participant:
    """An invitation addressed to this official (answered or not: the action says whether it is open)."""
    participant = (
        Participant.objects.select_related("consultation__office")
        .filter(pk=participant_id, staff=staff, consultation__office__authority_id=staff.authority_id)
        .first()
    )
    if participant is None:
        raise Http404(_("No such invitation."))
    return participant
