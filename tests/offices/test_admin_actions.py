"""The administration actions of offices: creating, changing and archiving offices, the weekly hours,
closing days and assignments. Each is allowed to the right people only and writes its audit entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buergerbuero.appointments.models import AppointmentSettings, BookingWindow
from buergerbuero.audit.models import AuditEntry
from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from buergerbuero.offices import actions
from buergerbuero.offices.models import Assignment, Closure, Department, Office, OpeningInterval
from buergerbuero.staff.selectors import workspace_snapshot
from tests.conftest import open_

pytestmark = pytest.mark.django_db

NINE, NOON, ONE, FIVE = dt.time(9), dt.time(12), dt.time(13), dt.time(17)


def audit(authority) -> list[tuple[str, dict]]:
    return [(e.action, e.data) for e in AuditEntry.objects.filter(authority=authority).order_by("id")]


def refused(code: str, call) -> None:
    with pytest.raises(ActionError) as caught:
        call()
    assert caught.value.code == code


# --- offices --------------------------------------------------------------------------------------------


def test_administrator_creates_an_office_and_it_is_audited(world) -> None:
    department = Department.objects.create(authority=world.authority, name="Bauamt")
    office = actions.create_office(
        world.admin, slug="bauberatung", name="Bauberatung", department=department, max_queue_length=20
    )
    assert office.authority == world.authority and office.department == department
    assert office.max_queue_length == 20 and office.archived_at is None
    assert audit(world.authority) == [("office.created", {"slug": "bauberatung", "name": "Bauberatung"})]
    entry = AuditEntry.objects.get(action="office.created")
    assert entry.actor_id == world.admin.user_id and entry.object_id == office.pk


def test_only_administrators_create_offices_and_slugs_are_unique_per_authority(world) -> None:
    refused("not_allowed", lambda: actions.create_office(world.official_a, slug="neu", name="Neu"))
    refused("slug_taken", lambda: actions.create_office(world.admin, slug="Energie", name="Doppelt"))
    # The other authority's short name is free here: tenants never share a namespace.
    office = actions.create_office(world.admin, slug="buergeramt", name="Bürgeramt")
    assert office.slug == "buergeramt"
    foreign = Department.objects.create(authority=world.other_authority, name="Fremd")
    refused(
        "other_authority", lambda: actions.create_office(world.admin, slug="x", name="X", department=foreign)
    )
    assert Office.objects.filter(authority=world.authority).count() == 3


def test_a_slug_taken_in_a_race_is_refused_by_the_constraint(world, monkeypatch) -> None:
    # The other administrator's office arrives between the check and the INSERT: the check sees nothing.
    monkeypatch.setattr(QuerySet, "exists", lambda self: False)
    refused("slug_taken", lambda: actions.create_office(world.admin, slug="energie", name="Zweite"))
    assert list(Office.objects.filter(slug="energie").values_list("name", flat=True)) == ["Energieberatung"]
    assert not AuditEntry.objects.filter(action="office.created").count()


def test_lead_updates_their_office_and_only_changed_fields_are_audited(world, events) -> None:
    changed = actions.update_office(
        world.official_a, world.office_a, name="Energieberatung Nord", max_queue_length=0, topics="Heizung"
    )
    assert changed == ["name", "topics"]
    world.office_a.refresh_from_db()
    assert world.office_a.name == "Energieberatung Nord" and world.office_a.topics == "Heizung"
    assert audit(world.authority) == [("office.changed", {"fields": ["name", "topics"]})]
    assert events.types(groups.authority(world.authority.pk)) == ["office.state"]
    # Nothing changed: nothing written.
    assert actions.update_office(world.admin, world.office_a, name="Energieberatung Nord") == []
    assert AuditEntry.objects.count() == 1


def test_an_official_who_does_not_lead_cannot_change_the_office(world) -> None:
    refused("not_allowed", lambda: actions.update_office(world.official_a2, world.office_a, name="X"))
    refused("not_allowed", lambda: actions.update_office(world.official_b, world.office_a, name="X"))
    refused("not_allowed", lambda: actions.update_office(world.other_admin, world.office_a, name="X"))
    world.office_a.refresh_from_db()
    assert world.office_a.name == "Energieberatung" and not AuditEntry.objects.exists()


def test_archiving_keeps_the_office_refuses_opening_and_can_be_undone(world) -> None:
    refused("not_allowed", lambda: actions.archive_office(world.official_a, world.office_a))
    office = actions.archive_office(world.admin, world.office_a)
    assert office.archived_at is not None and Office.objects.filter(pk=office.pk).exists()
    refused("archived", lambda: actions.open_office(world.official_a, office, outside_hours=True))
    assert not office.presences.exists()
    office = actions.unarchive_office(world.admin, office)
    assert office.archived_at is None
    actions.open_office(world.official_a, office, outside_hours=True)
    codes = [code for code, _data in audit(world.authority)]
    assert codes[:2] == ["office.archived", "office.unarchived"] and "office.opened" in codes


def test_an_open_office_cannot_be_archived(world) -> None:
    open_(world.official_a, world.office_a)
    refused("office_open", lambda: actions.archive_office(world.admin, world.office_a))
    world.office_a.refresh_from_db()
    assert world.office_a.archived_at is None
    assert not AuditEntry.objects.filter(action="office.archived").exists()


def test_an_archived_office_leaves_the_public_pages(world) -> None:
    actions.archive_office(world.admin, world.office_a)
    citizen = Client()
    overview = citizen.get(reverse("public:overview", args=["testkreis"]))
    assert overview.status_code == 200
    assert "Gartenkultur" in overview.text and "Energieberatung" not in overview.text
    assert citizen.get(reverse("public:office", args=["testkreis", "energie"])).status_code == 404
    api = citizen.get(reverse("public:api-offices", args=["testkreis"])).json()
    assert [o["slug"] for o in api["offices"]] == ["garten"]


def test_an_archived_office_takes_no_bookings(world) -> None:
    AppointmentSettings.objects.create(office=world.office_a, enabled=True)
    BookingWindow.objects.create(office=world.office_a, weekday=0, start=dt.time(9), end=dt.time(12))
    week = reverse("appointments:week", args=["testkreis", "energie"])
    assert Client().get(week).status_code == 200
    actions.archive_office(world.admin, world.office_a)
    assert Client().get(week).status_code == 404


def test_an_archived_office_leaves_the_workspace_and_the_transfer_targets(world) -> None:
    actions.archive_office(world.admin, world.office_b)
    snapshot = workspace_snapshot(world.admin)
    assert [o["id"] for o in snapshot["offices"]] == [world.office_a.pk]
    assert [o["id"] for o in snapshot["transfer_targets"]] == [world.office_a.pk]


# --- opening hours --------------------------------------------------------------------------------------


def test_lead_sets_several_intervals_a_day(world) -> None:
    saved = actions.set_opening_hours(
        world.official_a, world.office_a, [(0, ONE, FIVE), (0, NINE, NOON), (2, NINE, NOON)]
    )
    assert [(i.weekday, i.start, i.end) for i in saved] == [(0, NINE, NOON), (0, ONE, FIVE), (2, NINE, NOON)]
    rows = OpeningInterval.objects.filter(office=world.office_a).order_by("weekday", "start")
    assert [(i.weekday, i.start, i.end) for i in rows] == [(0, NINE, NOON), (0, ONE, FIVE), (2, NINE, NOON)]
    assert audit(world.authority) == [
        ("office.hours_changed", {"hours": ["0 09:00-12:00", "0 13:00-17:00", "2 09:00-12:00"]})
    ]
    # The same hours again change nothing and write nothing.
    actions.set_opening_hours(world.admin, world.office_a, [(2, NINE, NOON), (0, NINE, NOON), (0, ONE, FIVE)])
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("intervals", "code"),
    [
        ([(0, NOON, NINE)], "end_before_start"),
        ([(0, NINE, NINE)], "end_before_start"),
        ([(0, NINE, ONE), (0, NOON, FIVE)], "overlap"),
        ([(7, NINE, NOON)], "bad_weekday"),
    ],
)
def test_bad_hours_are_refused_and_the_old_ones_stay(world, intervals, code) -> None:
    refused(code, lambda: actions.set_opening_hours(world.admin, world.office_a, intervals))
    assert OpeningInterval.objects.filter(office=world.office_a).count() == 7
    assert not AuditEntry.objects.exists()


def test_touching_intervals_are_fine_and_only_leads_set_hours(world) -> None:
    actions.set_opening_hours(world.admin, world.office_b, [(1, NINE, NOON), (1, NOON, FIVE)])
    assert OpeningInterval.objects.filter(office=world.office_b).count() == 2
    refused("not_allowed", lambda: actions.set_opening_hours(world.official_a, world.office_b, []))
    refused("not_allowed", lambda: actions.set_opening_hours(world.official_a2, world.office_a, []))
    assert OpeningInterval.objects.filter(office=world.office_a).count() == 7


# --- closures -------------------------------------------------------------------------------------------


def test_lead_adds_and_removes_a_closing_day(world) -> None:
    day = dt.date(2030, 5, 2)
    closure = actions.add_closure(world.official_a, world.office_a, day, "Betriebsausflug")
    assert (closure.office, closure.authority, closure.reason) == (
        world.office_a,
        world.authority,
        "Betriebsausflug",
    )
    refused("closure_exists", lambda: actions.add_closure(world.admin, world.office_a, day))
    actions.remove_closure(world.official_a, closure)
    assert not Closure.objects.exists()
    office = world.office_a.pk
    assert audit(world.authority) == [
        ("closure.added", {"office": office, "date": "2030-05-02"}),
        ("closure.removed", {"office": office, "date": "2030-05-02"}),
    ]


def test_closures_of_other_offices_and_of_the_authority_are_not_a_leads(world) -> None:
    day = dt.date(2030, 5, 2)
    refused("not_allowed", lambda: actions.add_closure(world.official_b, world.office_a, day))
    mine = actions.add_closure(world.official_a, world.office_a, day)
    refused("not_allowed", lambda: actions.remove_closure(world.official_b, mine))
    everywhere = Closure.objects.create(authority=world.authority, date=day, reason="Feiertag")
    refused("authority_closure", lambda: actions.remove_closure(world.admin, everywhere))
    assert Closure.objects.count() == 2


def test_lead_closes_the_office_for_a_period(world) -> None:
    first, last = dt.date(2030, 7, 29), dt.date(2030, 8, 9)
    closure = actions.add_closure(world.official_a, world.office_a, first, "Betriebsferien", end_date=last)
    assert (closure.date, closure.end_date, closure.last_day) == (first, last, last)
    # No day of it can be closed a second time, nor a period reaching into it.
    refused("closure_exists", lambda: actions.add_closure(world.admin, world.office_a, last))
    refused(
        "closure_exists",
        lambda: actions.add_closure(world.admin, world.office_a, dt.date(2030, 7, 20), end_date=first),
    )
    refused(
        "end_before_start",
        lambda: actions.add_closure(
            world.admin, world.office_a, dt.date(2030, 9, 2), end_date=dt.date(2030, 9, 1)
        ),
    )
    # A period ending on its first day is a single day; the day after the period is free.
    single = actions.add_closure(
        world.admin, world.office_a, dt.date(2030, 8, 10), end_date=dt.date(2030, 8, 10)
    )
    assert single.end_date is None
    actions.remove_closure(world.official_a, closure)
    office = world.office_a.pk
    assert audit(world.authority) == [
        ("closure.added", {"office": office, "date": "2030-07-29", "end_date": "2030-08-09"}),
        ("closure.added", {"office": office, "date": "2030-08-10"}),
        ("closure.removed", {"office": office, "date": "2030-07-29", "end_date": "2030-08-09"}),
    ]


# --- hours valid from a day -----------------------------------------------------------------------------


def _versions(office: Office) -> dict[dt.date | None, list[tuple[int, dt.time, dt.time]]]:
    found: dict[dt.date | None, list[tuple[int, dt.time, dt.time]]] = {}
    for i in OpeningInterval.objects.filter(office=office).order_by("weekday", "start"):
        found.setdefault(i.valid_from, []).append((i.weekday, i.start, i.end))
    return found


def test_lead_prepares_next_months_hours_and_removes_them_again(world) -> None:
    today = timezone.localdate(timezone=world.office_a.tz)
    later = today + dt.timedelta(days=20)
    current = _versions(world.office_a)[None]
    actions.set_opening_hours(world.official_a, world.office_a, [(1, NINE, NOON)], later)
    assert _versions(world.office_a) == {None: current, later: [(1, NINE, NOON)]}
    # Preparing the same day again replaces that week only; the same hours again write nothing.
    actions.set_opening_hours(world.official_a, world.office_a, [(1, ONE, FIVE)], later)
    actions.set_opening_hours(world.official_a, world.office_a, [(1, ONE, FIVE)], later)
    assert _versions(world.office_a) == {None: current, later: [(1, ONE, FIVE)]}
    # Changing the current week (today) keeps the prepared one.
    actions.set_opening_hours(world.admin, world.office_a, [(0, NINE, NOON)], today)
    assert _versions(world.office_a) == {None: [(0, NINE, NOON)], later: [(1, ONE, FIVE)]}
    refused("not_allowed", lambda: actions.remove_prepared_hours(world.official_b, world.office_a, later))
    refused("in_force", lambda: actions.remove_prepared_hours(world.admin, world.office_a, today))
    actions.remove_prepared_hours(world.official_a, world.office_a, later)
    assert _versions(world.office_a) == {None: [(0, NINE, NOON)]}
    assert audit(world.authority) == [
        ("office.hours_changed", {"hours": ["1 09:00-12:00"], "valid_from": later.isoformat()}),
        ("office.hours_changed", {"hours": ["1 13:00-17:00"], "valid_from": later.isoformat()}),
        ("office.hours_changed", {"hours": ["0 09:00-12:00"]}),
        ("office.hours_removed", {"valid_from": later.isoformat()}),
    ]


def test_prepared_hours_need_an_interval_and_a_day_not_past(world) -> None:
    today = timezone.localdate(timezone=world.office_a.tz)
    later = today + dt.timedelta(days=3)
    refused("empty_week", lambda: actions.set_opening_hours(world.admin, world.office_a, [], later))
    yesterday = today - dt.timedelta(days=1)
    refused(
        "past", lambda: actions.set_opening_hours(world.admin, world.office_a, [(0, NINE, NOON)], yesterday)
    )
    refused(
        "not_allowed",
        lambda: actions.set_opening_hours(world.official_a2, world.office_a, [(0, NINE, NOON)], later),
    )
    assert list(_versions(world.office_a)) == [None] and not AuditEntry.objects.exists()


def test_replacing_the_current_week_folds_a_week_that_has_taken_effect(world) -> None:
    today = timezone.localdate(timezone=world.office_a.tz)
    # A week prepared earlier whose day has come, over the undated one it replaced.
    OpeningInterval.objects.create(
        office=world.office_a, weekday=4, start=NINE, end=NOON, valid_from=today - dt.timedelta(days=2)
    )
    actions.set_opening_hours(world.admin, world.office_a, [(3, ONE, FIVE)])
    assert _versions(world.office_a) == {None: [(3, ONE, FIVE)]}


# --- assignments ----------------------------------------------------------------------------------------


def test_lead_assigns_an_official_of_the_authority(world, events) -> None:
    assignment = actions.assign_official(world.official_a, world.office_a, world.official_b)
    assert assignment.staff == world.official_b and not assignment.is_lead
    assert audit(world.authority) == [
        ("assignment.created", {"office": world.office_a.pk, "staff": world.official_b.pk, "is_lead": False})
    ]
    # The official's open workspace pages check their access again (staff.signals).
    assert events.types(groups.staff(world.official_b.pk)) == ["staff.access"]
    refused(
        "already_assigned", lambda: actions.assign_official(world.admin, world.office_a, world.official_b)
    )
    refused(
        "other_authority", lambda: actions.assign_official(world.admin, world.office_a, world.other_admin)
    )
    refused("not_allowed", lambda: actions.assign_official(world.official_b, world.office_a, world.admin))
    assert Assignment.objects.filter(office=world.office_a).count() == 3


def test_the_lead_flag_moves_but_a_lead_never_removes_the_last_lead(world) -> None:
    lead = Assignment.objects.get(office=world.office_a, staff=world.official_a)
    other = Assignment.objects.get(office=world.office_a, staff=world.official_a2)
    refused("last_lead", lambda: actions.set_lead(world.official_a, lead, False))
    refused("last_lead", lambda: actions.unassign_official(world.official_a, lead))
    actions.set_lead(world.official_a, other, True)
    actions.set_lead(world.official_a2, lead, False)
    lead.refresh_from_db()
    other.refresh_from_db()
    assert not lead.is_lead and other.is_lead
    codes = [code for code, _data in audit(world.authority)]
    assert codes == ["assignment.lead_set", "assignment.lead_unset"]
    # Not a lead any more: no say over the office.
    refused("not_allowed", lambda: actions.unassign_official(world.official_a, other))


def test_administrator_may_leave_an_office_without_lead(world) -> None:
    lead = Assignment.objects.get(office=world.office_b, staff=world.official_b)
    actions.unassign_official(world.admin, lead)
    assert not Assignment.objects.filter(office=world.office_b).exists()
    assert audit(world.authority) == [
        ("assignment.removed", {"office": world.office_b.pk, "staff": world.official_b.pk})
    ]
