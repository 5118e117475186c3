from __future__ import annotations

import pytest

from buergerbuero.calls.actions.admission import admit, citizen_joined
from buergerbuero.calls.actions.course import hang_up
from buergerbuero.waitingroom.models import Ticket, TicketState
from tests.conftest import enter, open_
from tests.public.helpers import audit_actions, de, url, with_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def finished_ticket(world) -> tuple[Ticket, str]:
    open_(world.official_a, world.office_a)
    ticket, token = enter(world.office_a)
    consultation = admit(world.official_a, world.office_a)
    citizen_joined(Ticket.objects.get(pk=ticket.pk))
    hang_up(consultation, world.official_a)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DONE
    return ticket, token


def test_thanks_page_offers_a_rating(world, client) -> None:
    _ticket, token = finished_ticket(world)
    with_ticket(client, token)
    response = client.get(url("thanks", world.office_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Thank you for your visit</h1>" in html or "<h1>" in html
    assert response.context["can_rate"] is True
    assert html.count('type="radio" name="rating"') == 5
    assert 'id="hangup-button"' not in html


def test_rating_is_stored(world, client) -> None:
    ticket, token = finished_ticket(world)
    with_ticket(client, token)
    response = client.post(url("thanks", world.office_a), {"rating": "4"})
    assert response.status_code == 302 and response["Location"] == url("thanks", world.office_a)
    ticket.refresh_from_db()
    assert ticket.rating == 4
    assert "ticket.rated" in audit_actions(world.authority)
    assert client.get(url("thanks", world.office_a)).context["can_rate"] is False


def test_rating_twice_shows_the_action_message(world, client) -> None:
    ticket, token = finished_ticket(world)
    with_ticket(client, token)
    client.post(url("thanks", world.office_a), {"rating": "5"})
    response = client.post(url("thanks", world.office_a), {"rating": "1"})
    assert response.status_code == 409
    assert response.context["error"] == de("You have already rated this consultation. Thank you!")
    ticket.refresh_from_db()
    assert ticket.rating == 5


@pytest.mark.parametrize("value", ["0", "6", "abc", ""])
def test_bad_rating_is_refused(world, client, value) -> None:
    ticket, token = finished_ticket(world)
    with_ticket(client, token)
    response = client.post(url("thanks", world.office_a), {"rating": value})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.rating is None


def test_rating_a_ticket_still_waiting_is_refused(world, client) -> None:
    open_(world.official_a, world.office_a)
    ticket, token = enter(world.office_a)
    with_ticket(client, token)
    assert client.get(url("thanks", world.office_a)).context["can_rate"] is False
    response = client.post(url("thanks", world.office_a), {"rating": "3"})
    assert response.status_code == 409
    ticket.refresh_from_db()
    assert ticket.rating is None


def test_rating_without_ticket_is_refused(world, client) -> None:
    response = client.post(url("thanks", world.office_a), {"rating": "3"})
    assert response.status_code == 400
    assert client.get(url("thanks", world.office_a)).status_code == 200


def test_ticket_of_another_office_cannot_be_rated_here(world, client) -> None:
    ticket, token = finished_ticket(world)
    with_ticket(client, token)
    response = client.post(url("thanks", world.office_b), {"rating": "3"})
    assert response.status_code == 400
    assert client.post("/anderswo/energie/danke/", {"rating": "3"}).status_code == 404
    ticket.refresh_from_db()
    assert ticket.rating is None


def test_thanks_wrong_method(world, client) -> None:
    assert client.put(url("thanks", world.office_a)).status_code == 405
