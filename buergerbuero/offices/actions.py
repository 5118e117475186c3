"""Opening and closing offices and officials' availability. The only place that changes presence."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from buergerbuero.audit.actions import record
from buergerbuero.authorities.models import Availability, Staff
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.access import leads
from buergerbuero.offices.events import announce_office_state, announce_staff_me
from buergerbuero.offices.hours import Schedule
from buergerbuero.offices.models import (
    Assignment,
    Closure,
    Department,
    Office,
    OpeningInterval,
    OpenPeriod,
    Presence,
)
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
        if office.is_archived:
            raise ActionError("archived", _("This office is archived and can no longer be opened."))
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


# --- administration: offices, opening hours, closures, assignments ------------------------------------
#
# Who may: an authority administrator everything of their authority; an office's lead the office's
# details, hours, closures and assignments (offices.access.leads counts administrators as leads of every
# office). Views fetch the objects through the access helpers first (another tenant's object is a 404);
# these checks are the rule itself, so a caller that skipped the view is refused as well.

# What an office's form edits; the slug is set once at creation, so the public link stays stable.
OFFICE_FIELDS = ("name", "department", "description", "topics", "languages", "max_queue_length")


def _require_admin(actor: Staff) -> None:
    if not actor.is_authority_admin:
        raise ActionError("not_allowed", _("Only an administrator of your authority may do this."))


def _require_lead(actor: Staff, office: Office) -> None:
    if not leads(actor, office.pk):
        raise ActionError("not_allowed", _("Only the office's lead or an administrator may do this."))


def _check_department(actor: Staff, department: Department | None) -> None:
    if department is not None and department.authority_id != actor.authority_id:
        raise ActionError("other_authority", _("This department belongs to another authority."))


def create_office(actor: Staff, *, slug: str, **fields: object) -> Office:
    """A new office of the actor's authority (administrators only), closed and without hours."""
    _require_admin(actor)
    unknown = set(fields) - set(OFFICE_FIELDS)
    if unknown:
        raise TypeError(f"unknown office fields: {sorted(unknown)}")
    department = fields.get("department")
    _check_department(actor, department if isinstance(department, Department) else None)
    with transaction.atomic():
        if Office.objects.filter(authority_id=actor.authority_id, slug__iexact=slug).exists():
            raise ActionError(
                "slug_taken", _("Another office of your authority already uses this short name.")
            )
        office = Office(authority_id=actor.authority_id, slug=slug, **fields)
        try:
            # Two administrators choosing the same name at once: the constraint office_unique_slug
            # refuses the second (PostgreSQL; SQLite's IMMEDIATE transactions already serialise them).
            with transaction.atomic():
                office.save()
        except IntegrityError as error:
            raise ActionError(
                "slug_taken", _("Another office of your authority already uses this short name.")
            ) from error
        record(office.authority_id, "office.created", office, actor.user_id, slug=slug, name=office.name)
    return office


def update_office(actor: Staff, office: Office, **fields: object) -> list[str]:
    """Change the office's details (administrator or lead). Returns the names of the fields changed."""
    _require_lead(actor, office)
    unknown = set(fields) - set(OFFICE_FIELDS)
    if unknown:
        raise TypeError(f"unknown office fields: {sorted(unknown)}")
    department = fields.get("department")
    _check_department(actor, department if isinstance(department, Department) else None)
    with transaction.atomic():
        office = lock_office(office.pk)
        changed = [name for name, value in fields.items() if getattr(office, name) != value]
        if not changed:
            return []
        for name in changed:
            setattr(office, name, fields[name])
        office.save(update_fields=changed)
        record(office.authority_id, "office.changed", office, actor.user_id, fields=sorted(changed))
        # The waiting limit and the name are part of what the public pages show live.
        announce_office_state(office)
    return sorted(changed)


def archive_office(actor: Staff, office: Office) -> Office:
    """Take the office out of use (administrators only): it leaves the public pages and cannot be
    opened; its history and statistics stay. Refused while officials serve it, so nobody waiting is
    cut off by an administrator's click."""
    _require_admin(actor)
    with transaction.atomic():
        office = lock_office(office.pk)
        if office.is_archived:
            return office
        if open_presences(office).exists():
            raise ActionError(
                "office_open", _("The office is open. It can be archived once every official has closed it.")
            )
        office.archived_at = timezone.now()
        office.save(update_fields=["archived_at"])
        record(office.authority_id, "office.archived", office, actor.user_id)
    return office


def unarchive_office(actor: Staff, office: Office) -> Office:
    """Bring an archived office back (administrators only), with its hours and assignments as they were."""
    _require_admin(actor)
    with transaction.atomic():
        office = lock_office(office.pk)
        if not office.is_archived:
            return office
        office.archived_at = None
        office.save(update_fields=["archived_at"])
        record(office.authority_id, "office.unarchived", office, actor.user_id)
    return office


WeeklyInterval = tuple[int, dt.time, dt.time]


def check_opening_hours(intervals: Iterable[WeeklyInterval]) -> list[WeeklyInterval]:
    """The intervals sorted by weekday and start, or ActionError: every end after its start, no two
    intervals of one day overlapping (touching, 12:00-12:00, is fine)."""
    ordered = sorted(intervals)
    for weekday, start, end in ordered:
        if weekday not in range(7):
            raise ActionError("bad_weekday", _("Unknown weekday."))
        if end <= start:
            raise ActionError("end_before_start", _("Every interval must end after it starts."))
    for (day1, _start1, end1), (day2, start2, _end2) in itertools.pairwise(ordered):
        if day1 == day2 and start2 < end1:
            raise ActionError("overlap", _("Two intervals of the same day overlap."))
    return ordered


def _today(office: Office) -> dt.date:
    return timezone.localdate(timezone=office.tz)


def set_opening_hours(
    actor: Staff,
    office: Office,
    intervals: Iterable[WeeklyInterval],
    valid_from: dt.date | None = None,
) -> list[OpeningInterval]:
    """Replace a version of the office's weekly opening hours (administrator or lead). ``intervals`` are
    (weekday 0 = Monday, start, end) in the office's local time; a day may have several.

    Without ``valid_from``, or with today, the week in force now is replaced: every version that has
    begun goes, and the new hours are stored undated (since always), so an office with one week keeps
    one undated week. A later ``valid_from`` prepares the week from that day (replacing one prepared
    for the same day); it needs an interval, since a version exists only through its intervals."""
    _require_lead(actor, office)
    ordered = check_opening_hours(intervals)
    with transaction.atomic():
        office = lock_office(office.pk)
        today = _today(office)
        if valid_from is not None and valid_from < today:
            raise ActionError("past", _("Hours can take effect today or on a later day."))
        if valid_from == today:
            valid_from = None
        if valid_from is None:
            version = office.opening_intervals.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        else:
            if not ordered:
                raise ActionError(
                    "empty_week",
                    _(
                        "Hours prepared for a later day need at least one interval. To close the office "
                        "for a while, add closing days."
                    ),
                )
            version = office.opening_intervals.filter(valid_from=valid_from)
        version = version.order_by("valid_from", "weekday", "start")
        before = [(i.valid_from, i.weekday, i.start, i.end) for i in version]
        if before == [(valid_from, *interval) for interval in ordered]:
            return list(version)
        version.delete()
        created = OpeningInterval.objects.bulk_create(
            OpeningInterval(office=office, weekday=weekday, start=start, end=end, valid_from=valid_from)
            for weekday, start, end in ordered
        )
        hours = [f"{weekday} {start:%H:%M}-{end:%H:%M}" for weekday, start, end in ordered]
        when = {"valid_from": valid_from.isoformat()} if valid_from else {}
        record(office.authority_id, "office.hours_changed", office, actor.user_id, hours=hours, **when)
    return created


def remove_prepared_hours(actor: Staff, office: Office, valid_from: dt.date) -> None:
    """Drop the hours prepared from ``valid_from`` (administrator or lead); the week before them stays
    in force. Hours already in force are changed in the editor, not removed."""
    _require_lead(actor, office)
    with transaction.atomic():
        office = lock_office(office.pk)
        if valid_from <= _today(office):
            raise ActionError("in_force", _("These opening hours are already in force."))
        deleted, _rows = office.opening_intervals.filter(valid_from=valid_from).delete()
        if deleted:
            record(
                office.authority_id,
                "office.hours_removed",
                office,
                actor.user_id,
                valid_from=valid_from.isoformat(),
            )


def add_closure(
    actor: Staff, office: Office, date: dt.date, reason: str = "", end_date: dt.date | None = None
) -> Closure:
    """Close the office on one day, or from ``date`` until ``end_date`` (both included), administrator
    or lead. Periods of one office do not overlap, so each day has one reason to show."""
    _require_lead(actor, office)
    if end_date == date:
        end_date = None
    if end_date is not None and end_date < date:
        raise ActionError("end_before_start", _("The last closed day must not be before the first."))
    with transaction.atomic():
        office = lock_office(office.pk)
        if office.closures.overlapping(date, end_date or date).exists():
            raise ActionError(
                "closure_exists",
                _("The office is already closed on this day.")
                if end_date is None
                else _("The office is already closed on a day of this period."),
            )
        closure = Closure.objects.create(
            authority_id=office.authority_id, office=office, date=date, end_date=end_date, reason=reason
        )
        until = {"end_date": end_date.isoformat()} if end_date else {}
        record(
            office.authority_id,
            "closure.added",
            closure,
            actor.user_id,
            office=office.pk,
            date=date.isoformat(),
            **until,
        )
    return closure


def remove_closure(actor: Staff, closure: Closure) -> None:
    """Open the office again on the days it was closed (administrator or lead). Only an office's own
    closures; the authority-wide ones are not an office's to remove."""
    if closure.office_id is None:
        raise ActionError("authority_closure", _("This closure applies to every office of the authority."))
    office = closure.office
    assert office is not None
    _require_lead(actor, office)
    with transaction.atomic():
        lock_office(office.pk)
        deleted, _rows = Closure.objects.filter(pk=closure.pk).delete()
        if deleted:
            until = {"end_date": closure.end_date.isoformat()} if closure.end_date else {}
            record(
                office.authority_id,
                "closure.removed",
                closure,
                actor.user_id,
                office=office.pk,
                date=closure.date.isoformat(),
                **until,
            )


def _other_leads(assignment: Assignment) -> bool:
    return (
        Assignment.objects.filter(office_id=assignment.office_id, is_lead=True)
        .exclude(pk=assignment.pk)
        .exists()
    )


def _keep_a_lead(actor: Staff, assignment: Assignment) -> None:
    # A lead must not leave their office without one (administrators may: they lead every office anyway).
    if assignment.is_lead and not actor.is_authority_admin and not _other_leads(assignment):
        raise ActionError(
            "last_lead", _("The office needs a lead. Make someone else lead before removing the last one.")
        )


def assign_official(actor: Staff, office: Office, staff: Staff, *, is_lead: bool = False) -> Assignment:
    """Assign an official of the same authority to the office (administrator or lead). Their open
    workspace pages learn of it through staff.signals."""
    _require_lead(actor, office)
    if staff.authority_id != office.authority_id:
        raise ActionError("other_authority", _("This official belongs to another authority."))
    with transaction.atomic():
        office = lock_office(office.pk)
        if office.assignments.filter(staff=staff).exists():
            raise ActionError("already_assigned", _("This official is already assigned to the office."))
        assignment = Assignment.objects.create(office=office, staff=staff, is_lead=is_lead)
        record(
            office.authority_id,
            "assignment.created",
            assignment,
            actor.user_id,
            office=office.pk,
            staff=staff.pk,
            is_lead=is_lead,
        )
    return assignment


def unassign_official(actor: Staff, assignment: Assignment) -> None:
    """Take an official off the office (administrator or lead; never the last lead by a lead). A
    presence of theirs there is no longer refreshed (note_workspace_alive counts assigned offices only)
    and ends after PRESENCE_GRACE_SECONDS through end_absent_presences."""
    _require_lead(actor, assignment.office)
    with transaction.atomic():
        lock_office(assignment.office_id)
        assignment = Assignment.objects.select_related("office").get(pk=assignment.pk)
        _keep_a_lead(actor, assignment)
        office = assignment.office
        record(
            office.authority_id,
            "assignment.removed",
            assignment,
            actor.user_id,
            office=office.pk,
            staff=assignment.staff_id,
        )
        assignment.delete()


def set_lead(actor: Staff, assignment: Assignment, is_lead: bool) -> Assignment:
    """Make an assigned official the office's lead, or no longer (administrator or lead; a lead cannot
    take the flag from the office's last lead)."""
    _require_lead(actor, assignment.office)
    with transaction.atomic():
        lock_office(assignment.office_id)
        assignment = Assignment.objects.select_related("office").get(pk=assignment.pk)
        if assignment.is_lead == is_lead:
            return assignment
        if not is_lead:
            _keep_a_lead(actor, assignment)
        assignment.is_lead = is_lead
        assignment.save(update_fields=["is_lead"])
        record(
            assignment.office.authority_id,
            "assignment.lead_set" if is_lead else "assignment.lead_unset",
            assignment,
            actor.user_id,
            office=assignment.office_id,
            staff=assignment.staff_id,
        )
    return assignment
