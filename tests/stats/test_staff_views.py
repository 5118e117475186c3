"""The statistics pages (stats.staff_views): the dashboard, the exports and the print view with real figures
from ``stats.figures.compute`` over tickets and consultations made through the real actions; who sees
what; wrong method, no login, outsiders, another authority, bad input."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from buergerbuero.calls.actions.admission import admit, citizen_joined
from buergerbuero.calls.actions.course import hang_up
from buergerbuero.offices.models import Department
from buergerbuero.stats.access import local_today
from buergerbuero.stats.figures import compute
from buergerbuero.stats.types import Period, Scope
from buergerbuero.waitingroom.actions import leave_queue, rate
from tests.conftest import enter, login, open_

pytestmark = pytest.mark.django_db

DASHBOARD, EXPORT, PRINT = "stats:dashboard", "stats:export", "stats:print"
VIEWS = (DASHBOARD, EXPORT, PRINT)


def get(client: Client, name: str, query: str = "", **extra):
    return client.get(reverse(name) + ("?" + query if query else ""), **extra)


def serve(official, office, name: str, stars: int | None = None) -> None:
    """A citizen who waits, is admitted, talks to the official and rates the consultation."""
    ticket, _token = enter(office, name)
    consultation = admit(official, office)
    citizen_joined(ticket)
    hang_up(consultation, official)
    if stars:
        rate(ticket, stars)


@pytest.fixture
def activity(world) -> None:
    """Today: office A served two citizens (one by each official) and lost one; office B served one."""
    open_(world.official_a, world.office_a)
    serve(world.official_a, world.office_a, "Erika Muster", stars=5)
    open_(world.official_a2, world.office_a)  # present as well, serves nobody
    ticket, _token = enter(world.office_a, "Lea Lauf")
    leave_queue(ticket)
    open_(world.official_b, world.office_b)
    serve(world.official_b, world.office_b, "Berta Beet", stars=3)
    # The other authority's figures must never show up in ours.
    open_(world.other_admin, world.other_office)
    serve(world.other_admin, world.other_office, "Olga Other", stars=1)


def today_figures(**scope):
    today = local_today()
    return compute(Scope(**scope), Period(today, today))


def stat(html: str, name: str) -> str:
    match = re.search(rf'id="stat-{name}"><dt>[^<]*</dt><dd>([^<]*)', html)
    assert match, name
    return match.group(1).strip()


def fact(html: str, name: str) -> str:
    match = re.search(rf'id="fact-{name}">([^<]*)', html)
    assert match, name
    return match.group(1).strip()


# --- who gets in -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", VIEWS)
def test_every_page_needs_a_login(name) -> None:
    response = get(Client(), name, "format=csv")
    assert response.status_code == 302 and "/staff/login/" in response["Location"]


@pytest.mark.parametrize("name", VIEWS)
def test_every_page_answers_get_only(world, name) -> None:
    client = login(Client(), world.admin)
    assert client.post(reverse(name)).status_code == 405
    assert client.put(reverse(name)).status_code == 405


@pytest.mark.parametrize("name", VIEWS)
def test_a_user_without_a_place_in_an_authority_is_refused(name) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("root", password="x", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    assert get(client, name, "format=csv").status_code == 403


@pytest.mark.parametrize("name", VIEWS)
@pytest.mark.parametrize(
    ("persona", "query"),
    [
        ("official_b", "office={office_a}"),  # the outsider
        ("official_b", "staff={official_a}"),
        ("official_a2", "staff={official_a}"),  # a colleague's own figures
        ("other_admin", "office={office_a}"),  # another authority
        ("other_admin", "staff={official_a}"),
        ("admin", "office={other_office}"),
    ],
)
def test_what_is_not_allowed_is_a_404(world, activity, name, persona, query) -> None:
    ids = {
        "office_a": world.office_a.pk,
        "official_a": world.official_a.pk,
        "other_office": world.other_office.pk,
    }
    client = login(Client(), getattr(world, persona))
    response = get(client, name, query.format(**ids) + "&format=csv")
    assert response.status_code == 404
    assert "Energieberatung" not in response.content.decode()


# --- the dashboard ---------------------------------------------------------------------------------


def test_the_administrator_sees_the_whole_authority(world, activity) -> None:
    figures = today_figures(authority_id=world.authority.pk)
    assert figures.tickets_created == 3 and figures.participants >= 2
    response = get(login(Client(), world.admin), DASHBOARD, "period=today")
    assert response.status_code == 200
    html = response.content.decode()
    assert stat(html, "participants") == str(figures.participants)
    assert stat(html, "meetings") == str(figures.meetings)
    assert stat(html, "contacts") == str(figures.contact_persons)
    assert stat(html, "open").startswith(str(figures.open_minutes))
    assert fact(html, "created") == "3"
    assert fact(html, "left").startswith(str(figures.tickets_left))
    assert fact(html, "admitted") == str(figures.tickets_admitted)
    # Every office and official of the authority can be chosen, nothing of the other one.
    for name in ("Energieberatung", "Gartenkultur", "Anna Amsel", "Alex Adler", "Bernd Bussard"):
        assert name in html
    assert "Bürgeramt" not in html and "Otto Other" not in html and "Olga" not in html
    # The breakdown by office, the charts with their names and tables, the downloads with the filters.
    table = html[html.index('id="chart-breakdown-table"') :]
    assert "Energieberatung" in table and "Gartenkultur" in table
    for chart in ("chart-over-time", "chart-ratings", "chart-heatmap", "chart-breakdown"):
        assert f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart}"' in html
        assert f'id="{chart}-table"' in html
    assert 'href="/staff/statistics/export/?period=today&amp;format=csv"' in html
    assert 'href="/staff/statistics/export/?period=today&amp;format=xlsx"' in html
    assert 'href="/staff/statistics/print/?period=today"' in html
    # The site's CSP forbids inline styles and scripts.
    assert "style=" not in html and "<script>" not in html


def test_an_office_lead_sees_the_officials_of_the_office(world, activity) -> None:
    client = login(Client(), world.official_a)
    response = get(client, DASHBOARD, f"period=today&office={world.office_a.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    table = html[html.index('id="chart-breakdown-table"') :]
    assert "Anna Amsel" in table
    assert "Gartenkultur" not in html and "Bernd Bussard" not in html
    # A colleague's own figures.
    response = get(client, DASHBOARD, f"period=today&staff={world.official_a2.pk}")
    assert response.status_code == 200
    figures = today_figures(
        authority_id=world.authority.pk,
        staff_id=world.official_a2.pk,
        office_ids=frozenset({world.office_a.pk}),
    )
    assert stat(response.content.decode(), "participants") == str(figures.participants)


def test_an_official_sees_the_office_but_no_colleague(world, activity) -> None:
    client = login(Client(), world.official_a2)
    response = get(client, DASHBOARD, f"period=today&office={world.office_a.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    figures = today_figures(authority_id=world.authority.pk, office_id=world.office_a.pk)
    assert stat(html, "participants") == str(figures.participants)
    assert fact(html, "created") == "2"
    assert "Alex Adler" in html  # themselves
    assert "Anna Amsel" not in html  # neither in the list of officials nor in the breakdown
    assert "Gartenkultur" not in html and "Bernd Bussard" not in html
    mine = get(client, DASHBOARD, f"period=today&staff={world.official_a2.pk}")
    assert mine.status_code == 200


def test_departments_narrow_the_figures(world, activity) -> None:
    department = Department.objects.create(authority=world.authority, name="Umwelt")
    world.office_b.department = department
    world.office_b.save()
    response = get(login(Client(), world.admin), DASHBOARD, f"period=today&department={department.pk}")
    assert response.status_code == 200
    assert fact(response.content.decode(), "created") == "1"
    wrong = get(
        login(Client(), world.admin),
        DASHBOARD,
        f"period=today&department={department.pk}&office={world.office_a.pk}",
    )
    assert wrong.status_code == 400


def test_an_empty_period_says_so(world, activity) -> None:
    response = get(login(Client(), world.admin), DASHBOARD, "period=custom&from=2001-01-01&to=2001-01-31")
    assert response.status_code == 200
    html = response.content.decode()
    assert stat(html, "participants") == "0"
    for chart in ("chart-over-time", "chart-ratings", "chart-heatmap", "chart-breakdown"):
        assert f'id="{chart}-empty"' in html
        assert f'id="{chart}"' not in html  # no empty drawing
    assert "01.01.2001" in html and "31.01.2001" in html


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("period=decade", 'value="custom"'),
        ("period=custom&from=2026-13-01&to=2026-12-31", 'value="2026-13-01"'),
        ("period=custom&from=2026-03-02&to=2026-03-01", 'value="2026-03-02"'),
        ("period=custom&from=<script>&to=x", 'value="&lt;script&gt;"'),
        ("office=abc", 'id="office-error"'),
    ],
)
def test_bad_input_is_a_400_with_the_reason_and_keeps_what_was_typed(world, query, kept) -> None:
    response = get(login(Client(), world.admin), DASHBOARD, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html and 'aria-invalid="true"' in html
    assert kept in html
    assert "<script>&" not in html
    assert 'id="headline-figures"' not in html  # no figures for input that could not be read


def test_the_workspace_links_to_the_statistics(world) -> None:
    response = login(Client(), world.official_a2).get(reverse("staff:dashboard"))
    assert 'id="statistics-link"' in response.content.decode()
    assert reverse(DASHBOARD) in response.content.decode()


# --- exports ---------------------------------------------------------------------------------------


def test_the_csv_has_the_figures(world, activity) -> None:
    figures = today_figures(authority_id=world.authority.pk)
    response = get(login(Client(), world.admin), EXPORT, "period=today&format=csv", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    today = local_today().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="statistik-{today}.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    values = {(row[1], row[3]): row[2] for row in rows if len(row) == 4}
    assert values[("Participants", "number")] == str(figures.participants)
    assert values[("Arrivals in the waiting area", "number")] == "3"
    assert values[("Meetings", "number")] == str(figures.meetings)
    assert values[("Contact persons", "number")] == str(figures.contact_persons)
    labels = [row[0] if row else "" for row in rows]
    assert "Energieberatung" in labels and "Gartenkultur" in labels and "Bürgeramt" not in labels
    assert [today, *(str(v) for v in (figures.participants,))] == rows[labels.index(today)][:2]


def test_the_xlsx_has_the_figures(world, activity) -> None:
    figures = today_figures(authority_id=world.authority.pk, office_id=world.office_a.pk)
    query = f"period=today&office={world.office_a.pk}&format=xlsx"
    response = get(login(Client(), world.official_a), EXPORT, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].endswith('.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Figures", "Breakdown", "Days", "Busiest hours"]
    values = {row[1].value: row[2].value for row in book["Figures"].iter_rows() if len(row) > 2}
    assert values["Participants"] == figures.participants
    assert values["Arrivals in the waiting area"] == 2
    assert values["Left before admission"] == figures.tickets_left
    names = [row[0].value for row in book["Breakdown"].iter_rows(min_row=2)]
    assert "Anna Amsel" in names and "Bernd Bussard" not in names
    assert sum(row[1].value for row in book["Days"].iter_rows(min_row=2)) == figures.participants


def test_a_colleague_line_is_not_in_an_officials_export(world, activity) -> None:
    query = f"period=today&office={world.office_a.pk}&format=csv"
    response = get(login(Client(), world.official_a2), EXPORT, query)
    assert response.status_code == 200
    assert "Anna Amsel" not in response.content.decode("utf-8-sig")


@pytest.mark.parametrize("query", ["format=pdf", "", "format=csv&period=decade"])
def test_an_export_with_bad_input_is_a_400(world, query) -> None:
    response = get(login(Client(), world.admin), EXPORT, query)
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()
    assert "Content-Disposition" not in response


# --- the print view --------------------------------------------------------------------------------


def test_the_print_view_is_plain(world, activity) -> None:
    figures = today_figures(authority_id=world.authority.pk)
    response = get(login(Client(), world.admin), PRINT, "period=today")
    assert response.status_code == 200
    html = response.content.decode()
    assert stat(html, "participants") == str(figures.participants)
    assert 'id="stats-filter"' not in html and "staff-user" not in html and "site-header" not in html
    assert "<details" not in html  # every table is printed
    assert 'id="chart-ratings-table"' in html and "stats/print.css" in html
    assert "Landratsamt Testkreis" in html and "style=" not in html


def test_the_print_view_with_bad_input_is_a_400(world) -> None:
    response = get(login(Client(), world.admin), PRINT, "period=custom&from=2026-03-02&to=2026-03-01")
    assert response.status_code == 400
    assert 'id="error-summary"' in response.content.decode()
