"""The officials' office pages: who sees what (authority administrator: every office; a lead: the offices
they lead; an official who leads none: 403; another office's lead and another authority: 404; anonymous:
the login), creating, editing and archiving an office, the hours editor and its preview, closing days and
assignments, with their validation and what they write."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from buergerbuero.audit.models import AuditEntry
from buergerbuero.offices.models import Assignment, Closure, Office, OpeningInterval
from tests.conftest import login, open_

pytestmark = pytest.mark.django_db


def url(name: str, *args: int) -> str:
    return reverse(f"staff_offices:{name}", args=args)


def office_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Bauberatung",
        "slug": "bauberatung",
        "department": "",
        "description": "Rund ums Bauen",
        "topics": "Bauantrag\nAbstandsflächen",
        "languages": "Deutsch, Englisch",
        "max_queue_length": "25",
    }
    data.update(overrides)
    return data


def hours_data(rows: int = 3, **times: str) -> dict[str, str]:
    data = {"rows": str(rows)}
    for weekday in range(7):
        for row in range(rows):
            data[f"d{weekday}_{row}_start"] = ""
            data[f"d{weekday}_{row}_end"] = ""
    data.update(times)
    return data


def codes() -> list[str]:
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


# --- who sees what -------------------------------------------------------------------------------------


def test_administrator_sees_every_office_archived_ones_apart(client, world) -> None:
    Office.objects.filter(pk=world.office_b.pk).update(archived_at=timezone.now())
    response = login(client, world.admin).get(url("index"))
    assert response.status_code == 200
    page = response.text
    assert 'id="create-office"' in page and "Energieberatung" in page and "Bürgeramt" not in page
    offices, archived = page.split('id="archived-offices"')
    assert "Energieberatung" in offices and "Gartenkultur" not in offices and "Gartenkultur" in archived


def test_lead_sees_only_their_offices_and_cannot_create(client, world) -> None:
    login(client, world.official_a)
    page = client.get(url("index")).text
    assert "Energieberatung" in page and "Gartenkultur" not in page and 'id="create-office"' not in page
    assert client.get(url("create")).status_code == 403
    assert client.post(url("create"), office_data()).status_code == 403
    assert not Office.objects.filter(slug="bauberatung").exists()


def test_an_official_who_leads_nothing_has_no_office_pages(client, world) -> None:
    login(client, world.official_a2)
    assert client.get(url("index")).status_code == 403
    assert client.get(url("detail", world.office_a.pk)).status_code == 404
    assert client.post(url("hours", world.office_a.pk), hours_data()).status_code == 404
    assert OpeningInterval.objects.filter(office=world.office_a).count() == 7
    dashboard = client.get(reverse("staff:dashboard")).text
    assert 'id="offices-admin-link"' not in dashboard


def test_the_workspace_links_the_office_pages_for_leads_and_administrators(client, world) -> None:
    assert 'id="offices-admin-link"' in login(client, world.official_a).get(reverse("staff:dashboard")).text
    assert 'id="offices-admin-link"' in login(Client(), world.admin).get(reverse("staff:dashboard")).text


@pytest.mark.parametrize("name", ["detail", "edit", "hours"])
def test_other_offices_and_other_authorities_are_404(client, world, name) -> None:
    assert login(client, world.official_b).get(url(name, world.office_a.pk)).status_code == 404
    assert login(Client(), world.other_admin).get(url(name, world.office_a.pk)).status_code == 404
    assert login(Client(), world.admin).get(url(name, world.other_office.pk)).status_code == 404


def test_anonymous_is_sent_to_the_login(client, world) -> None:
    response = client.get(url("detail", world.office_a.pk))
    assert response.status_code == 302 and "login" in response["Location"]
    response = client.post(url("archive", world.office_a.pk))
    assert response.status_code == 302 and "login" in response["Location"]
    world.office_a.refresh_from_db()
    assert world.office_a.archived_at is None


# --- creating and editing ------------------------------------------------------------------------------


def test_administrator_creates_an_office(client, world) -> None:
    response = login(client, world.admin).post(url("create"), office_data())
    office = Office.objects.get(authority=world.authority, slug="bauberatung")
    assert response.status_code == 302 and response["Location"] == url("detail", office.pk)
    assert office.topic_list == ["Bauantrag", "Abstandsflächen"] and office.max_queue_length == 25
    assert codes() == ["office.created"]
    page = client.get(response["Location"]).text
    assert "http://testserver/testkreis/bauberatung/" in page


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"slug": "energie"}, "slug", "verwendet diesen Kurznamen bereits"),
        ({"slug": "theme.css"}, "slug", ""),
        ({"slug": "schulungen"}, "slug", ""),
        ({"slug": "mit leerzeichen"}, "slug", ""),
        ({"name": ""}, "name", ""),
        ({"max_queue_length": "-1"}, "max_queue_length", ""),
    ],
)
def test_bad_office_input_keeps_what_was_typed(client, world, overrides, field, message) -> None:
    data = office_data(**overrides)
    response = login(client, world.admin).post(url("create"), data)
    assert response.status_code == 400
    page = response.text
    assert 'id="error-summary"' in page and f'id="id_{field}-error"' in page
    assert f'href="#id_{field}"' in page and 'aria-invalid="true"' in page
    assert message in page
    assert "Rund ums Bauen" in page  # nothing typed is lost
    assert Office.objects.filter(authority=world.authority).count() == 2 and codes() == []


def test_lead_edits_their_office_but_not_its_short_name(client, world) -> None:
    login(client, world.official_a)
    page = client.get(url("edit", world.office_a.pk)).text
    assert 'name="slug"' not in page and "/testkreis/energie/" in page
    data = office_data(name="Energieberatung Süd", slug="anders")
    response = client.post(url("edit", world.office_a.pk), data)
    assert response.status_code == 302
    world.office_a.refresh_from_db()
    assert world.office_a.name == "Energieberatung Süd" and world.office_a.slug == "energie"
    assert codes() == ["office.changed"]


def test_editing_with_an_error_keeps_the_saved_name_in_the_heading(client, world) -> None:
    login(client, world.official_a)
    response = client.post(url("edit", world.office_a.pk), office_data(name="Neu", max_queue_length="x"))
    assert response.status_code == 400
    heading = response.text.split("<h1>")[1].split("</h1>")[0]
    assert "Energieberatung" in heading and "Neu" not in heading
    assert 'value="Neu"' in response.text
    world.office_a.refresh_from_db()
    assert world.office_a.name == "Energieberatung" and codes() == []


def test_wrong_methods(client, world) -> None:
    login(client, world.admin)
    assert client.get(url("archive", world.office_a.pk)).status_code == 405
    assert client.get(url("assign", world.office_a.pk)).status_code == 405
    assert client.post(url("index")).status_code == 405
    assert client.post(url("detail", world.office_a.pk)).status_code == 405


# --- archiving -----------------------------------------------------------------------------------------


def test_administrator_archives_and_brings_back_an_office(client, world) -> None:
    login(client, world.admin)
    response = client.post(url("archive", world.office_a.pk), follow=True)
    world.office_a.refresh_from_db()
    assert world.office_a.archived_at is not None
    assert 'id="office-archived"' in response.text and 'id="unarchive-office"' in response.text
    client.post(url("unarchive", world.office_a.pk))
    world.office_a.refresh_from_db()
    assert world.office_a.archived_at is None
    assert codes() == ["office.archived", "office.unarchived"]


def test_an_open_office_is_not_archived_and_the_page_says_why(client, world) -> None:
    open_(world.official_a, world.office_a)
    response = login(client, world.admin).post(url("archive", world.office_a.pk), follow=True)
    assert "message--error" in response.text
    world.office_a.refresh_from_db()
    assert world.office_a.archived_at is None and "office.archived" not in codes()


def test_a_lead_cannot_archive(client, world) -> None:
    assert login(client, world.official_a).post(url("archive", world.office_a.pk)).status_code == 403
    world.office_a.refresh_from_db()
    assert world.office_a.archived_at is None and codes() == []


# --- opening hours -------------------------------------------------------------------------------------


def test_the_hours_editor_shows_the_current_hours_and_four_weeks(client, world) -> None:
    page = login(client, world.official_a).get(url("hours", world.office_a.pk)).text
    assert 'name="d0_0_start"' in page and 'value="00:00"' in page and 'value="23:59"' in page
    assert 'name="d0_2_end"' in page and 'name="d0_3_end"' not in page
    assert page.count("<tr data-date=") + page.count('<tr class="is-closed" data-date=') == 28


def test_lead_saves_two_intervals_on_a_day(client, world) -> None:
    data = hours_data(d0_0_start="09:00", d0_0_end="12:00", d0_1_start="13:00", d0_1_end="16:30")
    response = login(client, world.official_a).post(url("hours", world.office_a.pk), data)
    assert response.status_code == 302
    rows = OpeningInterval.objects.filter(office=world.office_a).order_by("start")
    assert [(i.weekday, f"{i.start:%H:%M}", f"{i.end:%H:%M}") for i in rows] == [
        (0, "09:00", "12:00"),
        (0, "13:00", "16:30"),
    ]
    assert codes() == ["office.hours_changed"]
    page = client.get(response["Location"]).text
    assert "09:00–12:00, 13:00–16:30" in page


@pytest.mark.parametrize(
    ("times", "field"),
    [
        ({"d1_0_start": "12:00", "d1_0_end": "09:00"}, "d1_0_end"),
        (
            {"d1_0_start": "09:00", "d1_0_end": "12:00", "d1_1_start": "11:00", "d1_1_end": "14:00"},
            "d1_1_end",
        ),
        ({"d1_0_start": "09:00"}, "d1_0_end"),
        ({"d1_0_end": "09:00"}, "d1_0_start"),
        ({"d1_0_start": "25:00", "d1_0_end": "26:00"}, "d1_0_start"),
    ],
)
def test_bad_hours_show_the_error_at_the_field_and_keep_the_input(client, world, times, field) -> None:
    response = login(client, world.official_a).post(url("hours", world.office_a.pk), hours_data(**times))
    assert response.status_code == 400
    page = response.text
    assert f'id="id_{field}-error"' in page and f'href="#id_{field}"' in page
    for value in times.values():
        assert f'value="{value}"' in page
    assert OpeningInterval.objects.filter(office=world.office_a).count() == 7 and codes() == []


def test_more_rows_keep_what_was_typed_and_save_nothing(client, world) -> None:
    data = hours_data(d2_0_start="08:00", d2_0_end="10:00", add_row="1")
    page = login(client, world.official_a).post(url("hours", world.office_a.pk), data).text
    assert 'name="d2_3_start"' in page and 'value="08:00"' in page and 'value="4"' in page
    assert OpeningInterval.objects.filter(office=world.office_a).count() == 7 and codes() == []


def test_lead_prepares_hours_for_a_later_day_and_removes_them(client, world) -> None:
    login(client, world.official_a)
    today = timezone.localdate()
    later = today + dt.timedelta(days=10)
    editor = client.get(url("hours", world.office_a.pk)).text
    assert f'name="valid_from" id="id_valid_from" value="{today.isoformat()}"' in editor
    data = hours_data(d1_0_start="10:00", d1_0_end="14:00", valid_from=later.isoformat())
    assert client.post(url("hours", world.office_a.pk), data).status_code == 302
    prepared = OpeningInterval.objects.get(office=world.office_a, valid_from=later)
    assert (prepared.weekday, f"{prepared.start:%H:%M}") == (1, "10:00")
    assert OpeningInterval.objects.filter(office=world.office_a, valid_from__isnull=True).count() == 7
    # The office page lists the week in force and the prepared one; the preview switches on its day.
    page = client.get(url("detail", world.office_a.pk)).text
    assert 'id="weekly-hours"' in page and f'data-valid-from="{later.isoformat()}"' in page
    assert "10:00–14:00" in page
    preview = client.get(url("hours", world.office_a.pk)).text
    # From that day on only Tuesdays open: the first other day is closed in the preview.
    closed = later if later.weekday() != 1 else later + dt.timedelta(days=1)
    assert f'<tr class="is-closed" data-date="{closed.isoformat()}">' in preview
    # The editor opens the prepared week on request.
    editor = client.get(url("hours", world.office_a.pk) + f"?valid_from={later.isoformat()}").text
    assert f'value="{later.isoformat()}"' in editor and 'value="10:00"' in editor
    response = client.post(url("remove-hours", world.office_a.pk), {"valid_from": later.isoformat()})
    assert response.status_code == 302
    assert not OpeningInterval.objects.filter(valid_from__isnull=False).exists()
    assert codes() == ["office.hours_changed", "office.hours_removed"]


def test_prepared_hours_refused_and_removal_guarded(client, world) -> None:
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    login(client, world.official_a)
    data = hours_data(d1_0_start="10:00", d1_0_end="14:00", valid_from=yesterday)
    response = client.post(url("hours", world.office_a.pk), data)
    assert response.status_code == 409 and 'id="id_valid_from-error"' in response.text
    later = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    response = client.post(url("hours", world.office_a.pk), hours_data(valid_from=later))
    assert response.status_code == 409 and "mindestens eine Zeitspanne" in response.text
    response = client.post(url("hours", world.office_a.pk), hours_data(valid_from="bald"))
    assert response.status_code == 400 and 'id="id_valid_from-error"' in response.text
    assert (
        client.post(url("remove-hours", world.office_a.pk), {"valid_from": "2027-02-30"}).status_code == 400
    )
    assert client.get(url("remove-hours", world.office_a.pk)).status_code == 405
    outsider = login(Client(), world.official_b).post(
        url("remove-hours", world.office_a.pk), {"valid_from": later}
    )
    assert outsider.status_code == 404
    assert OpeningInterval.objects.filter(office=world.office_a).count() == 7 and codes() == []


# --- closures ------------------------------------------------------------------------------------------


def test_lead_adds_a_closing_day_and_the_preview_shows_it(client, world) -> None:
    login(client, world.official_a)
    day = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(
        url("add-closure", world.office_a.pk), {"date": day.isoformat(), "reason": "Umzug"}
    )
    assert response.status_code == 302
    closure = Closure.objects.get(office=world.office_a)
    assert closure.date == day and closure.reason == "Umzug"
    preview = client.get(url("hours", world.office_a.pk)).text
    assert f'<tr class="is-closed" data-date="{day.isoformat()}">' in preview and "Umzug" in preview
    response = client.post(url("remove-closure", world.office_a.pk, closure.pk))
    assert response.status_code == 302 and not Closure.objects.exists()
    assert codes() == ["closure.added", "closure.removed"]


@pytest.mark.parametrize("date", ["", "2001-01-01", "morgen"])
def test_bad_closing_days_are_refused_with_the_reason_kept(client, world, date) -> None:
    response = login(client, world.official_a).post(
        url("add-closure", world.office_a.pk), {"date": date, "reason": "Inventur"}
    )
    assert response.status_code == 400
    assert 'id="id_date-error"' in response.text and 'value="Inventur"' in response.text
    assert not Closure.objects.exists() and codes() == []


def test_a_second_closure_on_the_same_day_is_a_409(client, world) -> None:
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    login(client, world.official_a)
    client.post(url("add-closure", world.office_a.pk), {"date": day, "reason": ""})
    response = client.post(url("add-closure", world.office_a.pk), {"date": day, "reason": "Doppelt"})
    assert response.status_code == 409 and 'id="id_date-error"' in response.text
    assert Closure.objects.count() == 1


def test_lead_closes_the_office_for_a_period_shown_on_both_pages(client, world) -> None:
    login(client, world.official_a)
    first = timezone.localdate() + dt.timedelta(days=2)
    last = first + dt.timedelta(days=4)
    data = {"date": first.isoformat(), "end_date": last.isoformat(), "reason": "Betriebsferien"}
    assert client.post(url("add-closure", world.office_a.pk), data).status_code == 302
    closure = Closure.objects.get(office=world.office_a)
    assert (closure.date, closure.end_date) == (first, last)
    preview = client.get(url("hours", world.office_a.pk)).text
    for n in range(5):
        day = (first + dt.timedelta(days=n)).isoformat()
        assert f'<tr class="is-closed" data-date="{day}">' in preview
    page = client.get(url("detail", world.office_a.pk)).text
    assert " bis " in page and "Betriebsferien" in page
    # A single day inside the period is refused.
    response = client.post(url("add-closure", world.office_a.pk), {"date": last.isoformat(), "reason": ""})
    assert response.status_code == 409 and Closure.objects.count() == 1
    assert codes() == ["closure.added"]


def test_a_period_ending_before_it_starts_is_refused(client, world) -> None:
    first = timezone.localdate() + dt.timedelta(days=5)
    data = {"date": first.isoformat(), "end_date": (first - dt.timedelta(days=1)).isoformat(), "reason": "X"}
    response = login(client, world.official_a).post(url("add-closure", world.office_a.pk), data)
    assert response.status_code == 400 and 'id="id_end_date-error"' in response.text
    assert not Closure.objects.exists() and codes() == []


def test_another_offices_closure_is_a_404(client, world) -> None:
    theirs = Closure.objects.create(
        authority=world.authority, office=world.office_b, date=dt.date(2030, 1, 2)
    )
    response = login(client, world.official_a).post(url("remove-closure", world.office_a.pk, theirs.pk))
    assert response.status_code == 404 and Closure.objects.filter(pk=theirs.pk).exists()


# --- assignments ---------------------------------------------------------------------------------------


def test_lead_assigns_and_removes_an_official(client, world) -> None:
    login(client, world.official_a)
    page = client.get(url("detail", world.office_a.pk)).text
    assert "Bernd Bussard" in page and "Otto Other" not in page  # only the own authority's officials
    response = client.post(url("assign", world.office_a.pk), {"staff": world.official_b.pk, "is_lead": "1"})
    assert response.status_code == 302
    assignment = Assignment.objects.get(office=world.office_a, staff=world.official_b)
    assert assignment.is_lead
    client.post(url("unassign", world.office_a.pk, assignment.pk))
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert codes() == ["assignment.created", "assignment.removed"]


def test_assigning_someone_of_another_authority_or_nobody_is_refused(client, world) -> None:
    login(client, world.admin)
    for choice in (world.other_admin.pk, world.official_a.pk, ""):
        response = client.post(url("assign", world.office_a.pk), {"staff": choice})
        assert response.status_code == 400 and 'id="id_staff-error"' in response.text
    assert Assignment.objects.filter(office=world.office_a).count() == 2 and codes() == []


def test_lead_flag_and_the_last_lead(client, world) -> None:
    login(client, world.official_a)
    mine = Assignment.objects.get(office=world.office_a, staff=world.official_a)
    colleague = Assignment.objects.get(office=world.office_a, staff=world.official_a2)
    response = client.post(url("set-lead", world.office_a.pk, mine.pk), {"is_lead": "0"}, follow=True)
    assert "message--error" in response.text
    mine.refresh_from_db()
    assert mine.is_lead
    assert client.post(url("set-lead", world.office_a.pk, colleague.pk), {"is_lead": "x"}).status_code == 400
    client.post(url("set-lead", world.office_a.pk, colleague.pk), {"is_lead": "1"})
    colleague.refresh_from_db()
    assert colleague.is_lead and codes() == ["assignment.lead_set"]


def test_another_offices_assignment_is_a_404(client, world) -> None:
    theirs = Assignment.objects.get(office=world.office_b, staff=world.official_b)
    login(client, world.official_a)
    assert client.post(url("unassign", world.office_a.pk, theirs.pk)).status_code == 404
    assert client.post(url("unassign", world.office_b.pk, theirs.pk)).status_code == 404
    assert Assignment.objects.filter(pk=theirs.pk).exists() and codes() == []


def test_a_lead_who_hands_over_and_leaves_goes_back_to_the_workspace(client, world) -> None:
    login(client, world.official_a)
    mine = Assignment.objects.get(office=world.office_a, staff=world.official_a)
    colleague = Assignment.objects.get(office=world.office_a, staff=world.official_a2)
    client.post(url("set-lead", world.office_a.pk, colleague.pk), {"is_lead": "1"})
    response = client.post(url("unassign", world.office_a.pk, mine.pk))
    assert response.status_code == 302 and response["Location"] == reverse("staff:dashboard")
    assert not Assignment.objects.filter(pk=mine.pk).exists()
    assert codes() == ["assignment.lead_set", "assignment.removed"]
    assert client.get(url("detail", world.office_a.pk)).status_code == 404
