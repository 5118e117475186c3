"""Opening and closing offices and officials' availability. The only place that changes presence."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Availability, Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.events import announce_office_state, announce_staff_me
from buergerbuero.offices.hours import Schedule
from buergerbuero.offices.models import Office, OpenPeriod, Presence
from buergerbuero.offices.selectors import open_presences

# What the last official's close means to the apps above offices, which offices does not import: each
# entry (set in that app's ``ready()``; the waiting room ends the places of the people still waiting)
# runs in close_office's transaction, under the office lock, with the office and the acting user's id
# (None for the background job).
on_close: dict[str, Callable[[Office, Staff | None], None]] = {}


def lock_office(office_id: int) -> Office:
    """Lock the office's row for the rest of the transaction, with its authority. Every change of the
    office's presences, queue or consultations takes this lock first: on PostgreSQL that serialises
    them per office (SQLite's IMMEDIATE transactions already serialise all writers)."""
    return Office.objects.select_for_update().select_related("authority").get(pk=office_id)


def open_office(actor: Staff, office: Office, outside_hours: bool = False) -> Presence:
    """The official starts serving the office. Outside the opening hours only when said deliberately."""
    with transaction.atomic():
        office = lock_office(office.pk)
        if not office.assignments.filter(staff=actor).exists():
            raise ActionError("not_assigned", _("You are not assigned to this office."))
        now = timezone.now()
        if not outside_hours and not Schedule.for_office(office, now.date()).is_within_hours(now):
            raise ActionError(
                "outside_hours",
                _("The office is outside its opening hours. Confirm that you want to open it anyway."),
            )
        presence = open_presences(office).filter(staff=actor).first()
        if presence is not None:
            return presence
        presence = Presence.objects.create(office=office, staff=actor, started_at=now, seen_at=now)
        if not OpenPeriod.objects.filter(office=office, ended_at__isnull=True).exists():
            period = OpenPeriod.objects.create(office=office, started_at=now)
            record(office.authority_id, "office.opened", office, actor.user_id, period=period.pk)
        record(office.authority_id, "presence.started", presence, actor.user_id, office=office.pk)
        announce_office_state(office)
        announce_staff_me(actor)
    return presence


def close_office(staff: Staff, office: Office, *, absent_since: datetime | None = None) -> bool:
    """The official stops serving the office. When the last one leaves the office closes, and the people
    still waiting are told so (their places end).

    ``absent_since`` is for the background job (end_absent_presences): the official has gone without
    closing, so the presence ends only if no workspace page of theirs has been seen since then (one
    may have come back meanwhile; then nothing changes and the result is False). Its audit entries
    carry the reason ``absent`` and no actor."""
    with transaction.atomic():
        office = lock_office(office.pk)
        presences = open_presences(office).filter(staff=staff)
        if absent_since is not None:
            # Locked: a heartbeat of a page that came back waits for this decision and then finds the
            # presence ended (its UPDATE matches open presences only).
            presence = presences.select_for_update().filter(seen_at__lt=absent_since).first()
            if presence is None:
                return False
        else:
            presence = presences.first()
            if presence is None:
                raise ActionError("not_present", _("You have not opened this office."))
        now = timezone.now()
        actor = staff if absent_since is None else None
        actor_id = actor.user_id if actor else None
        why = {} if absent_since is None else {"reason": "absent", "staff": staff.pk}
        presence.ended_at = now
        presence.save(update_fields=["ended_at"])
        record(office.authority_id, "presence.ended", presence, actor_id, office=office.pk, **why)
        if not open_presences(office).exists():
            OpenPeriod.objects.filter(office=office, ended_at__isnull=True).update(ended_at=now)
            record(office.authority_id, "office.closed", office, actor_id, **why)
            for consequence in on_close.values():
                consequence(office, actor)
        announce_office_state(office)
        announce_staff_me(staff)
    return True


def note_workspace_alive(staff_id: int) -> int:
    """A workspace page of the official is connected (or has just closed): the offices they serve, and
    are still assigned to, count them as present for PRESENCE_GRACE_SECONDS from now. Returns the
    presences refreshed. No audit entry: this is a heartbeat, not a decision."""
    with transaction.atomic():
        return Presence.objects.filter(
            staff_id=staff_id, ended_at__isnull=True, office__assignments__staff_id=staff_id
        ).update(seen_at=timezone.now())


def end_absent_presences(now: datetime | None = None) -> int:
    """End every presence whose official has had no live workspace page for PRESENCE_GRACE_SECONDS,
    through close_office (the last one closes the office and tells the people waiting). Safe to run in
    several processes at once. Returns how many presences ended."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.PRESENCE_GRACE_SECONDS)
    ended = 0
    absent = Presence.objects.filter(ended_at__isnull=True, seen_at__lt=cutoff).select_related(
        "staff", "office"
    )
    for presence in list(absent):
        if close_office(presence.staff, presence.office, absent_since=cutoff):
            ended += 1
    return ended


def set_availability(actor: Staff, availability: str) -> Staff:
    if availability not in Availability.values:
        raise ActionError("invalid_availability", _("Unknown availability."))
    with transaction.atomic():
        actor = Staff.objects.select_for_update().get(pk=actor.pk)
        if actor.availability == availability:
            return actor
        actor.availability = availability
        actor.save(update_fields=["availability"])
        record(actor.authority_id, "staff.availability", actor, actor.user_id, availability=availability)
        for office in Office.objects.filter(presences__staff=actor, presences__ended_at__isnull=True):
            announce_office_state(office)
        announce_staff_me(actor)
    return actor
