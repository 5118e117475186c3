"""Who reaches which event: every staff view fetches its event here.

Invariant (as staff.access): an event of another authority, or one the official does not reach, is a
404, never a 403. Within the authority an official reaches the events of the offices they work in
(office leads included) and the events they moderate; authority administrators reach all of them.
Public pages reach only events open for registration (invitation-only events only by their link).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from buergerbuero.authorities.models import Authority, Staff
from buergerbuero.events.models import Event, Registration, RegistrationMode
from buergerbuero.offices.access import offices_of


def events_for_staff(staff: Staff) -> QuerySet[Event]:
    events = Event.objects.filter(authority_id=staff.authority_id)
    if staff.is_authority_admin:
        return events
    return events.filter(Q(office__in=offices_of(staff)) | Q(moderators=staff)).distinct()


def get_event_for_staff(staff: Staff, event_id: int) -> Event:
    event = (
        events_for_staff(staff)
        .select_related("authority", "office", "room", "hall_member")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise Http404(_("No such event."))
    return event


def get_registration_for_staff(staff: Staff, event: Event, registration_id: int) -> Registration:
    registration = event.registrations.select_related("event", "member").filter(pk=registration_id).first()
    if registration is None:
        raise Http404(_("No such registration."))
    return registration


def public_events(authority: Authority) -> QuerySet[Event]:
    return Event.objects.filter(authority=authority, registration=RegistrationMode.OPEN)


def get_public_event(authority_slug: str, event_id: int) -> Event:
    authority = get_object_or_404(Authority, slug=authority_slug)
    event = public_events(authority).select_related("authority", "office", "room").filter(pk=event_id).first()
    if event is None:
        raise Http404(_("No such event."))
    return event
