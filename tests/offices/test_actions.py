from __future__ import annotations

import datetime as dt

import pytest

from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities.models import Availability
from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.actions import close_office, open_office, set_availability
from buergerbuero.offices.models import OpeningInterval, OpenPeriod, Presence
from buergerbuero.waitingroom.models import TicketState
from tests.conftest import enter, make_office, open_

pytestmark = pytest.mark.django_db


def actions(authority) -> list[str]:
    return list(
        AuditEntry.objects.filter(authority=authority).order_by("id").values_list("action", flat=True)
    )


def test_open_office_starts_presence_and_open_period(world, events) -> None:
    presence = open_office(world.official_a, world.office_a, outside_hours=True)
    assert presence.ended_at is None and presence.staff == world.official_a
    assert OpenPeriod.objects.filter(office=world.office_a, ended_at__isnull=True).count() == 1
    assert actions(world.authority) == ["office.opened", "presence.started"]
    state = events.of(groups.authority(world.authority.pk))
    assert state[-1]["type"] == "office.state" and state[-1]["state"] == "open_free"
    assert events.of(groups.office_queue(world.office_a.pk))[-1]["type"] == "office.state"
    assert events.of(groups.office_staff(world.office_a.pk))[-1]["type"] == "office.state"


def test_second_official_joins_the_open_period(world) -> None:
    open_(world.official_a, world.office_a)
    open_(world.official_a2, world.office_a)
    assert OpenPeriod.objects.filter(office=world.office_a).count() == 1
    assert Presence.objects.filter(office=world.office_a, ended_at__isnull=True).count() == 2
    assert actions(world.authority).count("office.opened") == 1


def test_open_twice_is_idempotent(world) -> None:
    first = open_office(world.official_a, world.office_a, outside_hours=True)
    assert open_office(world.official_a, world.office_a, outside_hours=True) == first
    assert Presence.objects.filter(office=world.office_a).count() == 1


def test_outsider_cannot_open(world, events) -> None:
    with pytest.raises(ActionError) as exc:
        open_office(world.official_b, world.office_a, outside_hours=True)
    assert exc.value.code == "not_assigned"
    assert not Presence.objects.exists()
    assert events.sent == []


def test_outside_hours_needs_confirmation(world) -> None:
    office = make_office(world.authority, "nachts", "Nachtschalter", world.official_a)
    OpeningInterval.objects.filter(office=office).delete()
    with pytest.raises(ActionError) as exc:
        open_office(world.official_a, office)
    assert exc.value.code == "outside_hours"
    assert not Presence.objects.filter(office=office).exists()
    open_office(world.official_a, office, outside_hours=True)
    assert Presence.objects.filter(office=office, ended_at__isnull=True).exists()


def test_open_within_hours_without_confirmation(world) -> None:
    # office A is open around the clock except 23:59–00:00; only run this outside that minute.
    now = dt.datetime.now(world.office_a.tz)
    if now.time() >= dt.time(23, 58):
        pytest.skip("office A closes for one minute at midnight")
    open_office(world.official_a, world.office_a)
    assert Presence.objects.filter(office=world.office_a, ended_at__isnull=True).exists()


def test_closing_by_last_official_ends_waiting_places(world, events) -> None:
    open_(world.official_a, world.office_a)
    open_(world.official_a2, world.office_a)
    ticket, _ = enter(world.office_a)

    close_office(world.official_a, world.office_a)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING
    assert OpenPeriod.objects.get(office=world.office_a).ended_at is None

    events.sent.clear()
    close_office(world.official_a2, world.office_a)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.EXPIRED
    assert OpenPeriod.objects.get(office=world.office_a).ended_at is not None
    assert "office.closed" in actions(world.authority)
    ticket_events = events.of(groups.ticket(ticket.pk))
    assert ticket_events == [
        {
            "type": "ticket.state",
            "ticket": ticket.pk,
            "state": "expired",
            "reason": "office_closed",
            "message": "",
            "consultation": None,
        }
    ]
    assert events.of(groups.authority(world.authority.pk))[-1]["state"] == "closed"


def test_close_when_not_present(world) -> None:
    with pytest.raises(ActionError) as exc:
        close_office(world.official_a, world.office_a)
    assert exc.value.code == "not_present"


def test_set_availability_announces_to_open_offices(world, events) -> None:
    open_(world.official_a, world.office_a)
    events.sent.clear()
    staff = set_availability(world.official_a, Availability.BREAK)
    assert staff.availability == Availability.BREAK
    assert actions(world.authority)[-1] == "staff.availability"
    state = events.of(groups.authority(world.authority.pk))
    assert [e["state"] for e in state] == ["open_busy"]
    assert events.of(groups.office_queue(world.office_b.pk)) == []


def test_set_availability_unchanged_writes_nothing(world, events) -> None:
    before = AuditEntry.objects.count()
    set_availability(world.official_a, Availability.AVAILABLE)
    assert AuditEntry.objects.count() == before
    assert events.sent == []


def test_set_availability_rejects_unknown(world) -> None:
    with pytest.raises(ActionError) as exc:
        set_availability(world.official_a, "asleep")
    assert exc.value.code == "invalid_availability"
