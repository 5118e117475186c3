"""staff:open-office (offices.actions.open_office)."""

from __future__ import annotations

import pytest

from buergerbuero.core import groups
from buergerbuero.offices.models import Assignment, Office, OpenPeriod, Presence
from tests.conftest import login
from tests.staff.helpers import actions_of, assert_refused, messages_of, post_json, url

pytestmark = pytest.mark.django_db(transaction=True)


def test_opening(client, world, events) -> None:
    response = post_json(login(client, world.official_a), url("open-office", world.office_a.pk))
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    presence = Presence.objects.get(office=world.office_a, staff=world.official_a)
    assert presence.ended_at is None
    assert OpenPeriod.objects.filter(office=world.office_a, ended_at__isnull=True).exists()
    assert actions_of(world.authority) == ["office.opened", "presence.started"]
    assert "office.state" in events.types(groups.office_staff(world.office_a.pk))


def test_without_script_it_redirects_with_a_message(client, world) -> None:
    response = login(client, world.official_a).post(url("open-office", world.office_a.pk))
    assert response.status_code == 302
    assert response["Location"] == url("dashboard")
    assert any("Energieberatung" in m for m in messages_of(response))
    assert Presence.objects.filter(office=world.office_a).exists()


def test_outside_the_hours_needs_the_confirmation(client, world) -> None:
    office = Office.objects.create(authority=world.authority, slug="nachts", name="Nachtdienst")
    Assignment.objects.create(office=office, staff=world.official_a)
    login(client, world.official_a)
    assert_refused(post_json(client, url("open-office", office.pk)), "outside_hours")
    assert not Presence.objects.filter(office=office).exists()
    response = post_json(client, url("open-office", office.pk), {"outside_hours": "on"})
    assert response.json() == {"ok": True}
    assert Presence.objects.filter(office=office, staff=world.official_a).exists()


def test_an_unassigned_admin_is_refused(client, world) -> None:
    assert_refused(
        post_json(login(client, world.admin), url("open-office", world.office_a.pk)), "not_assigned"
    )
    assert not Presence.objects.exists()


def test_the_outsider_gets_404(client, world) -> None:
    assert (
        post_json(login(client, world.official_b), url("open-office", world.office_a.pk)).status_code == 404
    )
    assert not Presence.objects.exists()


def test_another_authoritys_admin_gets_404(client, world) -> None:
    assert (
        post_json(login(client, world.other_admin), url("open-office", world.office_a.pk)).status_code == 404
    )


def test_unknown_office(client, world) -> None:
    assert post_json(login(client, world.official_a), url("open-office", 99999)).status_code == 404


def test_wrong_method(client, world) -> None:
    assert login(client, world.official_a).get(url("open-office", world.office_a.pk)).status_code == 405


def test_anonymous(client, world) -> None:
    response = client.post(url("open-office", world.office_a.pk))
    assert response.status_code == 302 and response["Location"].startswith(url("login"))
    assert not Presence.objects.exists()
