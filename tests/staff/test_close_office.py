"""staff:close-office (offices.actions.close_office)."""

from __future__ import annotations

import pytest

from buergerbuero.core import groups
from buergerbuero.offices.models import OpenPeriod, Presence
from buergerbuero.waitingroom.models import TicketState
from tests.conftest import enter, login, open_
from tests.staff.helpers import actions_of, assert_refused, post_json, url

pytestmark = pytest.mark.django_db(transaction=True)


def close_a(world) -> str:
    return url("close-office", world.office_a.pk)


def test_closing_as_the_last_official_ends_the_waiting(client, world, events) -> None:
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    events.sent.clear()
    response = post_json(login(client, world.official_a), close_a(world), {"confirm_waiting": "1"})
    assert response.json() == {"ok": True}
    assert not Presence.objects.filter(ended_at__isnull=True).exists()
    assert not OpenPeriod.objects.filter(ended_at__isnull=True).exists()
    ticket.refresh_from_db()
    assert ticket.state == TicketState.EXPIRED
    assert actions_of(world.authority)[-3:] == ["presence.ended", "office.closed", "ticket.expired"]
    assert events.of(groups.ticket(ticket.pk))[-1]["reason"] == "office_closed"


def test_closing_while_a_colleague_stays(client, world) -> None:
    open_(world.official_a, world.office_a)
    open_(world.official_a2, world.office_a)
    assert post_json(login(client, world.official_a), close_a(world)).json() == {"ok": True}
    assert list(Presence.objects.filter(ended_at__isnull=True).values_list("staff", flat=True)) == [
        world.official_a2.pk
    ]
    assert "office.closed" not in actions_of(world.authority)


def test_not_present(client, world) -> None:
    assert_refused(post_json(login(client, world.official_a), close_a(world)), "not_present")


def test_the_outsider_gets_404(client, world) -> None:
    open_(world.official_a, world.office_a)
    assert post_json(login(client, world.official_b), close_a(world)).status_code == 404
    assert Presence.objects.filter(ended_at__isnull=True).count() == 1


def test_another_authoritys_admin_gets_404(client, world) -> None:
    assert post_json(login(client, world.other_admin), close_a(world)).status_code == 404


def test_wrong_method(client, world) -> None:
    assert login(client, world.official_a).get(close_a(world)).status_code == 405


def test_closing_with_people_waiting_asks_for_confirmation(client, world, events) -> None:
    """Nothing changes until the official confirms the number of people who lose their place."""
    open_(world.official_a, world.office_a)
    tickets = [enter(world.office_a, name)[0] for name in ("Erika", "Max")]
    events.sent.clear()
    before = actions_of(world.authority)
    response = post_json(login(client, world.official_a), close_a(world))
    assert_refused(response, "confirm_close")
    assert response.json()["waiting"] == 2
    assert "2" in response.json()["message"]
    assert Presence.objects.filter(ended_at__isnull=True).count() == 1
    assert all(t.state == TicketState.WAITING for t in type(tickets[0]).objects.all())
    assert actions_of(world.authority) == before
    assert events.sent == []

    # The official confirmed one person, but two are waiting now: asked again, with the new number.
    response = post_json(client, close_a(world), {"confirm_waiting": "1"})
    assert_refused(response, "confirm_close")
    assert response.json()["waiting"] == 2

    assert post_json(client, close_a(world), {"confirm_waiting": "2"}).json() == {"ok": True}
    assert not Presence.objects.filter(ended_at__isnull=True).exists()
    assert {t.state for t in type(tickets[0]).objects.all()} == {TicketState.EXPIRED}


def test_closing_without_script_shows_the_confirmation_page(client, world) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a, "Erika")
    login(client, world.official_a)
    response = client.post(close_a(world))
    assert response.status_code == 409
    page = response.content.decode()
    assert 'name="confirm_waiting" value="1"' in page
    assert 'id="confirm-close-button"' in page
    assert Presence.objects.filter(ended_at__isnull=True).count() == 1

    response = client.post(close_a(world), {"confirm_waiting": "1"})
    assert response.status_code == 302
    assert not Presence.objects.filter(ended_at__isnull=True).exists()


def test_no_confirmation_while_a_colleague_stays(client, world) -> None:
    open_(world.official_a, world.office_a)
    open_(world.official_a2, world.office_a)
    ticket, _ = enter(world.office_a)
    assert post_json(login(client, world.official_a), close_a(world)).json() == {"ok": True}
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING


@pytest.mark.parametrize("value", ["-1", "zwei", "1.5", "99999999999"])
def test_bad_confirmation(client, world, value) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    response = post_json(login(client, world.official_a), close_a(world), {"confirm_waiting": value})
    assert_refused(response, "invalid", status=400)
    assert Presence.objects.filter(ended_at__isnull=True).count() == 1
