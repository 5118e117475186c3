"""The audit log page: an administrator reads their authority's entries in words, filters them by person,
office, kind and period (bad values: a 400 with the reason beside what was typed), pages through them
newest first and downloads them as CSV with formulas escaped. Officials get 403, anonymous visitors the
login, another authority's administrator sees only their own entries. No citizen's data is shown."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.conf import settings
from django.urls import reverse

from buergerbuero.audit import staff_views
from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities.models import Staff
from buergerbuero.authorities.settings_actions import update_settings
from buergerbuero.offices.models import Office
from tests.conftest import enter, login, open_

pytestmark = pytest.mark.django_db

LOG = "/staff/audit/"
EXPORT = "/staff/audit/export/"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


@pytest.fixture
def history(world) -> dict[str, AuditEntry]:
    """office A opened by Anna (office.opened, presence.started), a citizen entering it (ticket.created),
    the administrator's settings change, and the other authority's office opened."""
    open_(world.official_a, world.office_a)
    enter(world.office_a, name="Erika Muster", concern="Heizung")
    update_settings(world.authority, actor=world.admin, name="Landratsamt Neukreis")
    open_(world.other_admin, world.other_office)
    entries = {e.action: e for e in AuditEntry.objects.filter(authority=world.authority)}
    assert set(entries) == {
        "office.opened",
        "presence.started",
        "ticket.created",
        "authority.settings_changed",
    }
    return entries


def english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def admin_client(client, world):
    login(client, world.admin)
    english(client)
    return client


def actions_of(response) -> list[str]:
    return [row.action for row in response.context["rows"]]


def test_the_addresses_are_mounted() -> None:
    assert reverse("staff_audit:log") == LOG
    assert reverse("staff_audit:export") == EXPORT


def test_the_administrator_reads_the_log_in_words_newest_first(client, world, history) -> None:
    response = admin_client(client, world).get(LOG)
    assert response.status_code == 200
    assert actions_of(response) == [
        "Settings of the authority changed",
        "Citizen entered the waiting area",
        "Official began attending the office",
        "Office opened",
    ]
    rows = response.context["rows"]
    assert [row.person for row in rows] == ["Ada Admin", "Citizen or automatic", "Anna Amsel", "Anna Amsel"]
    assert [row.office for row in rows] == ["", "Energieberatung", "Energieberatung", "Energieberatung"]
    page = response.content.decode()
    assert page.count("<h1>") == 1 and "4 entries" in page
    table = page.split('<table class="audit-table"', 1)[1]
    # Codes never stand in for words, and no citizen's name or concern is shown.
    assert "office.opened" not in table and "Erika Muster" not in page and "Heizung" not in page
    # The other authority's entries are not there.
    assert "Bürgeramt" not in page
    assert f'href="{EXPORT}"' in page


def test_the_log_reads_in_german_by_default(client, world, history) -> None:
    login(client, world.admin)
    table = client.get(LOG).content.decode().split('<table class="audit-table"', 1)[1]
    assert "Wartemarke" in table  # the object's kind in words, German
    assert "ticket.created" not in table


def test_filter_by_person(client, world, history) -> None:
    client = admin_client(client, world)
    response = client.get(LOG, {"person": world.official_a.pk})
    assert actions_of(response) == ["Official began attending the office", "Office opened"]
    nobody = client.get(LOG, {"person": "none"})
    assert actions_of(nobody) == ["Citizen entered the waiting area"]
    assert f'<option value="{world.official_a.pk}" selected>Anna Amsel</option>' in response.content.decode()


def test_filter_by_office(client, world, history) -> None:
    client = admin_client(client, world)
    response = client.get(LOG, {"office": world.office_a.pk})
    assert actions_of(response) == [
        "Citizen entered the waiting area",
        "Official began attending the office",
        "Office opened",
    ]
    assert actions_of(client.get(LOG, {"office": world.office_b.pk})) == []
    page = client.get(LOG, {"office": world.office_b.pk}).content.decode()
    assert 'id="no-entries"' in page and "0 entries" in page


def test_filter_by_kind(client, world, history) -> None:
    response = admin_client(client, world).get(LOG, {"action": "office.opened"})
    assert actions_of(response) == ["Office opened"]
    assert '<option value="office.opened" selected>Office opened</option>' in response.content.decode()


def test_filter_by_period_in_local_days(client, world, history) -> None:
    # 00:30 on 2 March in Berlin is still 1 March in UTC: the period counts Berlin's days.
    AuditEntry.objects.filter(pk=history["office.opened"].pk).update(
        at=dt.datetime(2026, 3, 2, 0, 30, tzinfo=BERLIN)
    )
    AuditEntry.objects.filter(pk=history["ticket.created"].pk).update(
        at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=BERLIN)
    )
    client = admin_client(client, world)
    on_the_2nd = client.get(LOG, {"start": "2026-03-02", "end": "2026-03-02"})
    assert actions_of(on_the_2nd) == ["Office opened"]
    until_the_1st = client.get(LOG, {"end": "2026-03-01"})
    assert actions_of(until_the_1st) == ["Citizen entered the waiting area"]
    from_the_1st = client.get(LOG, {"start": "2026-03-01"})
    assert len(actions_of(from_the_1st)) == 4


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"person": "abc"}, "person", "Please choose a person from the list."),
        ({"office": "1.5"}, "office", "Please choose an office from the list."),
        ({"action": "nothing.happened"}, "action", "Please choose a kind of change from the list."),
        ({"start": "31.03.2026"}, "start", "Enter a date such as 2026-03-31."),
        ({"end": "2026-02-30"}, "end", "Enter a date such as 2026-03-31."),
        ({"start": "0001-01-01"}, "start", "Enter a date between the years 2000 and 2999."),
        ({"start": "2026-03-02", "end": "2026-03-01"}, "end", "must not be before its start"),
    ],
)
def test_bad_filter_values_are_a_400_with_the_reason(client, world, history, query, field, message) -> None:
    client = admin_client(client, world)
    for url in (LOG, EXPORT):
        response = client.get(url, query)
        assert response.status_code == 400
        page = response.content.decode()
        assert message in page
        assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page
        assert f'href="#id_{field}"' in page  # the summary links the field
        assert response.context["rows"] == []
    # What was typed stays in the date fields.
    for name in ("start", "end"):
        if name in query:
            assert f'name="{name}" id="id_{name}" value="{query[name]}"' in page


def test_another_authoritys_people_and_offices_are_no_choice(client, world, history) -> None:
    client = admin_client(client, world)
    person = client.get(LOG, {"person": world.other_admin.pk})
    office = client.get(LOG, {"office": world.other_office.pk})
    assert person.status_code == office.status_code == 400
    assert "Otto Other" not in person.content.decode() and "Bürgeramt" not in office.content.decode()


def test_pages_newest_first_keep_the_filters(client, world, history, monkeypatch) -> None:
    monkeypatch.setattr(staff_views, "PAGE_SIZE", 2)
    client = admin_client(client, world)
    first = client.get(LOG, {"office": world.office_a.pk})
    assert actions_of(first) == ["Citizen entered the waiting area", "Official began attending the office"]
    page = first.content.decode()
    assert f'href="?office={world.office_a.pk}&amp;page=2"' in page and "Page 1 of 2" in page
    second = client.get(LOG, {"office": world.office_a.pk, "page": "2"})
    assert actions_of(second) == ["Office opened"]
    assert f'href="?office={world.office_a.pk}&amp;page=1"' in second.content.decode()
    # A page that is no number or past the end shows a page, never an error.
    assert client.get(LOG, {"page": "abc"}).status_code == 200
    assert actions_of(client.get(LOG, {"office": world.office_a.pk, "page": "99"})) == ["Office opened"]


def read_csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


def test_csv_export_of_the_filtered_list_escapes_formulas(client, world, history) -> None:
    Staff.objects.filter(pk=world.official_a.pk).update(display_name="=HYPERLINK(1)")
    Office.objects.filter(pk=world.office_a.pk).update(name="@SUM(A1)")
    response = admin_client(client, world).get(EXPORT, {"office": world.office_a.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="protokoll-')
    assert response["Cache-Control"] == "no-store"
    header, *rows = read_csv(response)
    assert header == ["Time", "Person", "What happened", "Code", "Object", "Office"]
    assert [row[1:4] for row in rows] == [
        ["Citizen or automatic", "Citizen entered the waiting area", "ticket.created"],
        ["'=HYPERLINK(1)", "Official began attending the office", "presence.started"],
        ["'=HYPERLINK(1)", "Office opened", "office.opened"],
    ]
    assert {row[5] for row in rows} == {"'@SUM(A1)"}
    assert all("Erika" not in cell and "Heizung" not in cell for row in rows for cell in row)


def test_csv_follows_the_language_of_the_page(client, world, history) -> None:
    login(client, world.admin)
    header, *rows = read_csv(client.get(EXPORT, {"action": "office.opened"}))
    assert header[3] == "Code"  # msgids until the translation is merged; a German column name after
    # German by default: the object's kind is the model's German name (the labels' German is merged by
    # the translators; until then they read as their English msgids).
    assert [row[3] for row in rows] == ["office.opened"]
    assert rows[0][4] == f"Büro {world.office_a.pk}"
    english(client)
    _header, *rows = read_csv(client.get(EXPORT, {"action": "office.opened"}))
    assert rows[0][4] == f"office {world.office_a.pk}"


@pytest.mark.parametrize("who", ["official_a", "official_b"])
def test_officials_who_are_no_administrators_get_403(client, world, history, who) -> None:
    login(client, getattr(world, who))
    assert client.get(LOG).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_another_authoritys_administrator_sees_only_their_own(client, world, history) -> None:
    login(client, world.other_admin)
    english(client)
    response = client.get(LOG)
    assert actions_of(response) == ["Official began attending the office", "Office opened"]
    assert {row.office for row in response.context["rows"]} == {"Bürgeramt"}
    assert "Energieberatung" not in response.content.decode()
    rows = read_csv(client.get(EXPORT))[1:]
    assert [row[3] for row in rows] == ["presence.started", "office.opened"]


def test_anonymous_visitors_are_sent_to_the_login(client, world, history) -> None:
    for url in (LOG, EXPORT):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_only_get(client, world, history) -> None:
    admin_client(client, world)
    assert client.post(LOG).status_code == 405
    assert client.post(EXPORT).status_code == 405
    assert AuditEntry.objects.filter(authority=world.authority).count() == 4


def test_the_dashboard_links_the_log_for_administrators_only(client, world) -> None:
    login(client, world.admin)
    assert f'href="{LOG}" id="audit-log-link"' in client.get(reverse("staff:dashboard")).content.decode()
    client.logout()
    login(client, world.official_a)
    assert "audit-log-link" not in client.get(reverse("staff:dashboard")).content.decode()
