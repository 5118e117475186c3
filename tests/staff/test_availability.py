"""staff:availability (offices.actions.set_availability)."""

from __future__ import annotations

import pytest

from buergerbuero.authorities.models import Staff
from buergerbuero.core import groups
from tests.conftest import login, open_
from tests.staff.helpers import actions_of, messages_of, post_json, url

pytestmark = pytest.mark.django_db(transaction=True)


def test_taking_a_break(client, world, events) -> None:
    open_(world.official_a, world.office_a)
    events.sent.clear()
    response = post_json(login(client, world.official_a), url("availability"), {"availability": "break"})
    assert response.json() == {"ok": True}
    assert Staff.objects.get(pk=world.official_a.pk).availability == "break"
    assert actions_of(world.authority)[-1] == "staff.availability"
    assert "office.state" in events.types(groups.office_staff(world.office_a.pk))


def test_without_script(client, world) -> None:
    response = login(client, world.official_a).post(url("availability"), {"availability": "break"})
    assert response.status_code == 302 and response["Location"] == url("dashboard")
    assert messages_of(response)


@pytest.mark.parametrize("data", [{}, {"availability": "asleep"}])
def test_bad_input(client, world, data) -> None:
    response = post_json(login(client, world.official_a), url("availability"), data)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["message"]
    assert Staff.objects.get(pk=world.official_a.pk).availability == "available"
    assert actions_of(world.authority) == []


def test_bad_input_without_script_shows_a_page(client, world) -> None:
    response = login(client, world.official_a).post(url("availability"), {"availability": "asleep"})
    assert response.status_code == 400
    assert "error-summary" in response.content.decode()


def test_only_the_own_availability_changes(client, world) -> None:
    # There is no id to give: an official (or admin) can change nobody's availability but their own.
    post_json(login(client, world.other_admin), url("availability"), {"availability": "break"})
    assert set(Staff.objects.filter(availability="break").values_list("pk", flat=True)) == {
        world.other_admin.pk
    }


def test_wrong_method(client, world) -> None:
    assert login(client, world.official_a).get(url("availability")).status_code == 405
