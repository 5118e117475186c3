"""staff:admit (calls.actions.admission.admit with a chosen ticket)."""

from __future__ import annotations

import pytest

from buergerbuero.calls.models import Consultation, Participant
from buergerbuero.waitingroom.models import TicketState
from tests.conftest import enter, login, open_
from tests.staff.helpers import actions_of, assert_refused, post_json, url

pytestmark = pytest.mark.django_db(transaction=True)


def test_admitting_a_chosen_citizen(client, world) -> None:
    open_(world.official_a, world.office_a)
    first, _ = enter(world.office_a, "Erste")
    second, _ = enter(world.office_a, "Zweite")
    response = post_json(login(client, world.official_a), url("admit", second.pk))
    assert response.json() == {"ok": True}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (TicketState.WAITING, TicketState.INVITED)
    assert Consultation.objects.get().ticket == second
    assert "consultation.started" in actions_of(world.authority)


def test_the_admitting_page_holds_the_call(client, world) -> None:
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    response = post_json(login(client, world.official_a), url("admit", ticket.pk), {"page": "tab-of-anna-02"})
    assert response.json() == {"ok": True}
    assert Participant.objects.get(staff=world.official_a).call_page == "tab-of-anna-02"


def test_bad_page_changes_nothing(client, world) -> None:
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    response = post_json(login(client, world.official_a), url("admit", ticket.pk), {"page": "<script>"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING
    assert not Consultation.objects.exists()


def test_no_longer_waiting(client, world) -> None:
    open_(world.official_a, world.office_a)
    open_(world.official_a2, world.office_a)
    ticket, _ = enter(world.office_a)
    login(client, world.official_a2)
    assert post_json(client, url("admit", ticket.pk)).json() == {"ok": True}
    client.logout()
    assert_refused(post_json(login(client, world.official_a), url("admit", ticket.pk)), "not_waiting")


def test_the_outsider_gets_404(client, world) -> None:
    open_(world.official_a, world.office_a)
    open_(world.official_b, world.office_b)
    ticket, _ = enter(world.office_a)
    assert post_json(login(client, world.official_b), url("admit", ticket.pk)).status_code == 404
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING


def test_another_authoritys_admin_gets_404(client, world) -> None:
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    assert post_json(login(client, world.other_admin), url("admit", ticket.pk)).status_code == 404
    assert not Consultation.objects.exists()


def test_unknown_ticket(client, world) -> None:
    assert post_json(login(client, world.official_a), url("admit", 424242)).status_code == 404


def test_wrong_method(client, world) -> None:
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    assert login(client, world.official_a).get(url("admit", ticket.pk)).status_code == 405
