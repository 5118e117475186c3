from __future__ import annotations

import pytest

from buergerbuero.audit.models import AuditEntry
from buergerbuero.core import groups
from buergerbuero.waitingroom.models import Ticket, TicketState
from buergerbuero.waitingroom.tokens import SESSION_KEY, hash_token
from tests.conftest import enter, open_
from tests.public.helpers import de, url, with_ticket

pytestmark = pytest.mark.django_db(transaction=True)

VALID = {"display_name": "Erika Muster", "concern": "Heizung tauschen", "consent": "on"}


@pytest.mark.parametrize("name", ["enter", "office"])
def test_entering_creates_a_ticket_and_goes_to_the_waiting_page(world, client, events, name) -> None:
    open_(world.official_a, world.office_a)
    events.sent.clear()
    response = client.post(url(name, world.office_a), VALID)
    assert response.status_code == 302
    assert response["Location"] == url("waiting", world.office_a)
    ticket = Ticket.objects.get()
    assert (ticket.office, ticket.state, ticket.display_name, ticket.concern, ticket.language) == (
        world.office_a,
        TicketState.WAITING,
        "Erika Muster",
        "Heizung tauschen",
        "de",
    )
    # Only the token's hash is kept, on the ticket and in the session alike: no secret in the store.
    assert client.session[SESSION_KEY] == ticket.token_hash
    assert len(ticket.token_hash) == 64
    assert AuditEntry.objects.filter(action="ticket.created", object_id=ticket.pk).exists()
    assert "queue.delta" in events.types(groups.office_queue(world.office_a.pk))
    assert "office.state" in events.types(groups.authority(world.authority.pk))


def test_name_and_concern_are_optional_and_language_follows_the_page(world, client) -> None:
    open_(world.official_a, world.office_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.post(url("enter", world.office_a), {"consent": "on"})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.display_name, ticket.concern, ticket.language) == ("", "", "en")


def test_without_consent_nothing_is_stored(world, client) -> None:
    open_(world.official_a, world.office_a)
    response = client.post(url("enter", world.office_a), {"display_name": "Erika"})
    assert response.status_code == 400
    assert response.context["form"].errors["consent"]
    assert 'aria-invalid="true"' in response.content.decode()
    assert 'value="Erika"' in response.content.decode()
    assert not Ticket.objects.exists()
    assert SESSION_KEY not in client.session


def test_too_long_input_is_refused(world, client) -> None:
    open_(world.official_a, world.office_a)
    response = client.post(
        url("enter", world.office_a), {**VALID, "display_name": "x" * 81, "concern": "y" * 301}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"display_name", "concern"}
    assert not Ticket.objects.exists()


def test_closed_office_shows_the_action_message(world, client) -> None:
    response = client.post(url("enter", world.office_a), VALID)
    assert response.status_code == 409
    assert response.context["error"] == de("This office is closed at the moment.")
    assert not Ticket.objects.exists()


def test_full_queue_shows_the_action_message(world, client) -> None:
    open_(world.official_a, world.office_a)
    world.office_a.max_queue_length = 1
    world.office_a.save()
    enter(world.office_a)
    response = client.post(url("enter", world.office_a), VALID)
    assert response.status_code == 409
    assert response.context["error"] == de("The waiting area of this office is full. Please try again later.")
    assert Ticket.objects.count() == 1


def test_an_active_ticket_leads_back_to_its_waiting_page(world, client) -> None:
    open_(world.official_a, world.office_a)
    open_(world.official_b, world.office_b)
    ticket, token = enter(world.office_a)
    with_ticket(client, token)
    response = client.post(url("enter", world.office_b), VALID)
    assert response.status_code == 302 and response["Location"] == url("waiting", world.office_a)
    assert list(Ticket.objects.all()) == [ticket]


def test_an_ended_ticket_does_not_block_entering_again(world, client) -> None:
    from buergerbuero.waitingroom.actions import leave_queue

    open_(world.official_a, world.office_a)
    ticket, token = enter(world.office_a)
    leave_queue(ticket)
    with_ticket(client, token)
    response = client.post(url("enter", world.office_a), VALID)
    assert response["Location"] == url("waiting", world.office_a)
    assert Ticket.objects.filter(state=TicketState.WAITING).count() == 1
    assert client.session[SESSION_KEY] == Ticket.objects.get(state=TicketState.WAITING).token_hash
    assert client.session[SESSION_KEY] != hash_token(token)


def test_enter_get_goes_to_the_office_page(world, client) -> None:
    response = client.get(url("enter", world.office_a))
    assert response.status_code == 302 and response["Location"].startswith(url("office", world.office_a))


def test_enter_wrong_method(world, client) -> None:
    assert client.delete(url("enter", world.office_a)).status_code == 405


def test_enter_office_of_another_authority_is_404(world, client) -> None:
    open_(world.other_admin, world.other_office)
    assert client.post("/testkreis/buergeramt/eintreten/", VALID).status_code == 404
    assert client.post("/anderswo/energie/eintreten/", VALID).status_code == 404
    assert not Ticket.objects.exists()


def test_form_without_csrf_token_is_refused_with_a_page_of_ours(world) -> None:
    from django.test import Client

    open_(world.official_a, world.office_a)
    client = Client(enforce_csrf_checks=True)
    response = client.post(url("enter", world.office_a), VALID)
    assert response.status_code == 403
    html = response.content.decode()
    assert '<main id="main"' in html and de("Please try again") in html
    assert not Ticket.objects.exists()
