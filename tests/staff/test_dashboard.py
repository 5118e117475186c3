"""staff:dashboard: the page drawn from the snapshot, with its config for the socket."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import enter, login, make_office, open_
from tests.staff.helpers import url

pytestmark = pytest.mark.django_db(transaction=True)


def config_of(response) -> dict:
    match = re.search(
        r'<script id="workspace-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match
    return json.loads(match.group(1))


def office_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'data-office-id="(\d+)"', response.content.decode())]


def test_the_official_sees_their_offices_and_queue(client, world) -> None:
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a, "Erika Muster", "Heizung")
    response = login(client, world.official_a).get(url("dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert office_ids(response) == [world.office_a.pk]
    assert f'data-ticket-id="{ticket.pk}"' in html
    assert "Erika Muster" in html and "Heizung" in html
    for marker in (
        'id="availability-select"',
        'id="call-panel"',
        'id="remote-videos"',
        'id="local-video"',
        'id="chat-form"',
        'id="hangup-button"',
        'id="send-back-button"',
        'id="transfer-form"',
        'id="invite-form"',
        'id="mute-button"',
        'id="camera-button"',
        'id="screen-button"',
        "admit-next-button",
        "close-button",
        "admit-button",
        "decline-button",
    ):
        assert marker in html, marker
    config = config_of(response)
    assert config["ws"] == "/ws/staff/"
    assert config["urls"]["open"] == url("open-office", 0)
    assert config["csrf"]


def test_no_inline_script_or_style(client, world) -> None:
    html = login(client, world.official_a).get(url("dashboard")).content.decode()
    for tag in re.findall(r"<script[^>]*>", html):
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert "style=" not in html and "<style" not in html
    assert re.search(r'<script type="module" src="[^"]*staff/workspace.js"', html)


def test_assigned_offices_come_first_for_admins(client, world) -> None:
    own = make_office(world.authority, "zulassung", "Zulassung", world.admin)
    response = login(client, world.admin).get(url("dashboard"))
    # Assigned first, then the other offices of the authority by name; never another authority's.
    assert office_ids(response) == [own.pk, world.office_a.pk, world.office_b.pk]
    assert world.other_office.pk not in office_ids(response)


def test_the_outsider_does_not_see_office_a(client, world) -> None:
    response = login(client, world.official_b).get(url("dashboard"))
    assert office_ids(response) == [world.office_b.pk]


def test_another_authoritys_admin_sees_only_their_own(client, world) -> None:
    response = login(client, world.other_admin).get(url("dashboard"))
    assert office_ids(response) == [world.other_office.pk]
    assert "Energieberatung" not in response.content.decode()


def test_wrong_method(client, world) -> None:
    assert login(client, world.official_a).post(url("dashboard")).status_code == 405


def test_the_workspace_links_every_further_task(client, world) -> None:
    login(client, world.official_a)
    html = client.get(url("dashboard")).content.decode()
    for path in (
        "/staff/appointments/",
        "/staff/trainings/",
        "/staff/events/",
        "/staff/rooms/",
        "/staff/certificates/",
    ):
        assert f'href="{path}"' in html
