"""Opening and closing offices and officials' availability. The only place that changes presence."""

from __future__ import annotations

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


def open_office(staff: Staff, office: Office, outside_hours: bool = False) -> Presence:
    """The official starts serving the office. Outside the opening hours only when said deliberately."""
    with transaction.atomic():
        office = Office.objects.select_for_update().select_related("authority").get(pk=office.pk)
        if not office.assignments.filter(staff=staff).exists():
            raise ActionError("not_assigned", _("You are not assigned to this office."))
        now = timezone.now()
        if not outside_hours and not Schedule.for_office(office, now.date()).is_within_hours(now):
            raise ActionError(
                "outside_hours",
                _("The office is outside its opening hours. Confirm that you want to open it anyway."),
            )
        presence = open_presences(office).filter(staff=staff).first()
        if presence is not None:
            return presence
        presence = Presence.objects.create(office=office, staff=staff, started_at=now)
        if not OpenPeriod.objects.filter(office=office, ended_at__isnull=True).exists():
            period = OpenPeriod.objects.create(office=office, started_at=now)
            record(office.authority_id, "office.opened", office, staff.user_id, period=period.pk)
        record(office.authority_id, "presence.started", presence, staff.user_id, office=office.pk)
        announce_office_state(office)
        announce_staff_me(staff)
    return presence


def close_office(staff: Staff, office: Office) -> None:
    """The official stops serving the office. When the last one leaves the office closes, and the people
    still waiting are told so (their places end)."""
    from buergerbuero.waitingroom.actions import end_waiting_on_close

    with transaction.atomic():
        office = Office.objects.select_for_update().select_related("authority").get(pk=office.pk)
        presence = open_presences(office).filter(staff=staff).first()
        if presence is None:
            raise ActionError("not_present", _("You have not opened this office."))
        now = timezone.now()
        presence.ended_at = now
        presence.save(update_fields=["ended_at"])
        record(office.authority_id, "presence.ended", presence, staff.user_id, office=office.pk)
        if not open_presences(office).exists():
            OpenPeriod.objects.filter(office=office, ended_at__isnull=True).update(ended_at=now)
            record(office.authority_id, "office.closed", office, staff.user_id)
            end_waiting_on_close(office, staff.user_id)
        announce_office_state(office)
        announce_staff_me(staff)


def set_availability(staff: Staff, availability: str) -> Staff:
    if availability not in Availability.values:
        raise ActionError("invalid_availability", _("Unknown availability."))
    with transaction.atomic():
        staff = Staff.objects.select_for_update().get(pk=staff.pk)
        if staff.availability == availability:
            return staff
        staff.availability = availability
        staff.save(update_fields=["availability"])
        record(staff.authority_id, "staff.availability", staff, staff.user_id, availability=availability)
        for office in Office.objects.filter(presences__staff=staff, presences__ended_at__isnull=True):
            announce_office_state(office)
        announce_staff_me(staff)
    return staff
