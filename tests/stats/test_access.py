"""stats.access: who sees which figures (administrators the authority, leads their offices and those
offices' officials, officials their offices and themselves), and the filters turned into Scope and
Period. Another tenant's or an unreachable id is a 404; malformed input is an error on the form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404, QueryDict
from django.utils import translation

from buergerbuero.offices.models import Department, OpenPeriod
from buergerbuero.stats import access
from buergerbuero.stats.models import OfficeDay
from buergerbuero.stats.types import Period, RowFigures, Scope
from tests.conftest import enter, open_
from tests.stats.test_pages_charts import make_figures

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 2)  # a Wednesday


def select(staff, query: str = "", today: dt.date = TODAY) -> access.Selection:
    return access.selection_for(staff, QueryDict(query), today=today)


@pytest.fixture
def department(world) -> Department:
    department = Department.objects.create(authority=world.authority, name="Umwelt")
    world.office_a.department = department
    world.office_a.save()
    return department


def names(items) -> set[str]:
    return {str(item) for item in items}


def test_reach_of_each_persona(world, department) -> None:
    admin = access.reach_of(world.admin)
    assert names(admin.offices) == {"Energieberatung", "Gartenkultur"}
    assert names(admin.officials) == {"Anna Amsel", "Alex Adler", "Bernd Bussard", "Ada Admin"}
    assert names(admin.departments) == {"Umwelt"} and admin.whole_authority

    lead = access.reach_of(world.official_a)  # lead of office A
    assert names(lead.offices) == {"Energieberatung"}
    assert names(lead.officials) == {"Anna Amsel", "Alex Adler"}
    assert lead.led_office_ids == {world.office_a.pk} and not lead.whole_authority

    official = access.reach_of(world.official_a2)
    assert names(official.offices) == {"Energieberatung"}
    assert names(official.officials) == {"Alex Adler"}  # never a colleague
    assert official.led_office_ids == frozenset()

    assert names(access.reach_of(world.official_b).offices) == {"Gartenkultur"}
    assert names(access.reach_of(world.official_b).departments) == set()
    other = access.reach_of(world.other_admin)
    assert names(other.offices) == {"Bürgeramt"} and names(other.officials) == {"Otto Other"}


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        ("", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),  # this month by default
        ("period=today", TODAY, TODAY),
        ("period=week", dt.date(2026, 11, 30), dt.date(2026, 12, 6)),  # ISO week 49
        ("period=month", dt.date(2026, 12, 1), dt.date(2026, 12, 31)),
        ("period=year", dt.date(2026, 1, 1), dt.date(2026, 12, 31)),
        ("period=all", TODAY, TODAY),  # no data yet
        ("period=custom&from=2026-03-01&to=2026-03-31", dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
        ("from=2026-03-01&to=2026-03-02", dt.date(2026, 3, 1), dt.date(2026, 3, 2)),  # dates alone
        ("period=week&from=2026-03-01", dt.date(2026, 11, 30), dt.date(2026, 12, 6)),  # dates ignored
    ],
)
def test_periods(world, query, start, end) -> None:
    selection = select(world.admin, query)
    assert selection.is_valid, selection.form.errors
    assert selection.period == Period(start, end)


def test_february_of_a_leap_year_and_a_week_across_the_new_year(world) -> None:
    assert select(world.admin, "period=month", dt.date(2028, 2, 10)).period == Period(
        dt.date(2028, 2, 1), dt.date(2028, 2, 29)
    )
    assert select(world.admin, "period=week", dt.date(2027, 1, 1)).period == Period(
        dt.date(2026, 12, 28), dt.date(2027, 1, 3)
    )


def test_all_starts_with_the_authoritys_first_data(world) -> None:
    open_(world.official_a, world.office_a)
    ticket, _token = enter(world.office_a)
    first = dt.datetime(2025, 6, 2, 22, 30, tzinfo=dt.UTC)  # in Berlin already 3 June
    type(ticket).objects.filter(pk=ticket.pk).update(created_at=first)
    OpenPeriod.objects.create(office=world.office_b, started_at=first + dt.timedelta(days=30))
    assert select(world.admin, "period=all").period == Period(dt.date(2025, 6, 3), TODAY)
    # The other authority's data does not move its start.
    assert select(world.other_admin, "period=all").period == Period(TODAY, TODAY)
    # Stored days count too (their raw rows may be gone), but never more than MAX_DAYS back.
    OfficeDay.objects.create(
        authority=world.authority,
        office=world.office_a,
        day=dt.date(2024, 5, 1),
        final=True,
        computed_at=first,
    )
    assert select(world.admin, "period=all").period == Period(dt.date(2024, 5, 1), TODAY)
    OfficeDay.objects.create(
        authority=world.authority,
        office=world.office_a,
        day=dt.date(2001, 5, 1),
        final=True,
        computed_at=first,
    )
    assert select(world.admin, "period=all").period.days == access.MAX_DAYS


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("period=decade", "period", "Please choose one of the periods"),
        ("period=custom", "from", "first day"),
        ("period=custom&from=2026-01-01", "to", "last day"),
        ("period=custom&from=31.12.2026&to=2026-12-31", "from", "YYYY-MM-DD"),
        ("period=custom&from=2026-02-30&to=2026-03-01", "from", "YYYY-MM-DD"),
        ("period=custom&from=2026-03-02&to=2026-03-01", "to", "must not be before"),
        ("period=custom&from=1999-12-31&to=2026-03-01", "from", "between"),
        ("period=custom&from=2026-01-01&to=2099-01-01", "to", "between"),
        ("period=custom&from=2000-01-01&to=2026-01-01", "to", "at most"),
        ("office=abc", "office", "Please choose an office"),
        ("office=0", "office", "Please choose an office"),
        ("office=99999999999999999999999", "office", "Please choose an office"),
        ("staff=1.5", "staff", "Please choose a staff member"),
        ("department=-3", "department", "Please choose a department"),
    ],
)
def test_bad_input_is_an_error_on_its_field(world, query, field, message) -> None:
    with translation.override("en"):  # the messages are lazy: read them in English too
        with_language = select(world.admin, query)
        errors = with_language.form.errors
        assert not with_language.is_valid and with_language.scope is None
        assert field in errors
        assert message in errors[field][0]
        assert with_language.form.first_error() == with_language.form.errors[field][0]


def test_scopes_of_an_administrator(world, department) -> None:
    assert select(world.admin).scope == Scope(authority_id=world.authority.pk)
    query = f"department={department.pk}&office={world.office_a.pk}&staff={world.official_a2.pk}"
    selection = select(world.admin, query)
    assert selection.scope == Scope(
        world.authority.pk, department.pk, world.office_a.pk, world.official_a2.pk, office_ids=None
    )
    with translation.override("en"):
        assert selection.labels() == [
            ("Authority", "Landratsamt Testkreis"),
            ("Department", "Umwelt"),
            ("Office", "Energieberatung"),
            ("Staff member", "Alex Adler"),
        ]
    assert selection.query() == (
        f"period=month&department={department.pk}&office={world.office_a.pk}&staff={world.official_a2.pk}"
    )


def test_an_office_outside_the_department_is_an_error(world, department) -> None:
    selection = select(world.admin, f"department={department.pk}&office={world.office_b.pk}")
    assert not selection.is_valid and "office" in selection.form.errors


def test_scopes_of_officials_are_limited_to_their_offices(world) -> None:
    a, a2 = world.office_a.pk, world.official_a2.pk
    assert select(world.official_a2).scope == Scope(world.authority.pk, office_ids=frozenset({a}))
    mine = select(world.official_a2, f"staff={a2}")
    assert mine.scope == Scope(world.authority.pk, staff_id=a2, office_ids=frozenset({a}))
    # The lead sees a colleague's figures within the offices they lead.
    lead = select(world.official_a, f"staff={a2}&office={a}")
    assert lead.scope == Scope(world.authority.pk, office_id=a, staff_id=a2, office_ids=frozenset({a}))


@pytest.mark.parametrize(
    ("persona", "query"),
    [
        ("official_a2", "staff={official_a.pk}"),  # a colleague, not a lead
        ("official_a2", "office={office_b.pk}"),  # an office not assigned
        ("official_a", "staff={official_b.pk}"),  # an official of an office not led
        ("official_b", "office={office_a.pk}"),  # the outsider
        ("admin", "office={other_office.pk}"),  # another authority
        ("admin", "staff={other_admin.pk}"),
        ("other_admin", "office={office_a.pk}"),
        ("other_admin", "department={department.pk}"),
        ("official_b", "department={department.pk}"),  # no office of theirs in it
        ("admin", "office=987654"),  # no such office at all
        ("official_a2", "period=decade&office={office_b.pk}"),  # a 404 also when something else is bad
    ],
)
def test_what_is_not_allowed_is_a_404(world, department, persona, query) -> None:
    ids = {
        "official_a": world.official_a,
        "official_b": world.official_b,
        "other_admin": world.other_admin,
        "office_a": world.office_a,
        "office_b": world.office_b,
        "other_office": world.other_office,
        "department": department,
    }
    with pytest.raises(Http404):
        select(getattr(world, persona), query.format(**ids))


def test_only_visible_lines_of_the_breakdown_are_shown(world) -> None:
    a, a2, lead = world.office_a.pk, world.official_a2, world.official_a
    rows = [
        RowFigures(f"office-{a}", "Energieberatung", 1, 1, 1, 1, None),
        RowFigures(f"office-{world.office_b.pk}", "Gartenkultur", 1, 1, 1, 1, None),
        RowFigures(f"staff-{lead.pk}", "Anna Amsel", 1, 1, 1, 1, None),
        RowFigures(f"staff-{a2.pk}", "Alex Adler", 1, 1, 1, 1, None),
        RowFigures("weird", "?", 1, 1, 1, 1, None),
    ]

    def shown(staff, query: str = "") -> list[str]:
        selection = select(staff, query)
        assert selection.scope is not None
        return [
            r.label
            for r in access.visible_figures(make_figures(scope=selection.scope, rows=rows), selection).rows
        ]

    assert shown(world.admin) == ["Energieberatung", "Gartenkultur", "Anna Amsel", "Alex Adler"]
    assert shown(lead, f"office={a}") == ["Energieberatung", "Anna Amsel", "Alex Adler"]
    assert shown(a2, f"office={a}") == ["Energieberatung", "Alex Adler"]  # never a colleague's line
    assert shown(world.official_b) == ["Gartenkultur"]
