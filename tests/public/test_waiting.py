from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.course import hang_up
from buergerbuero.core import groups
from buergerbuero.waitingroom.actions import decline
from buergerbuero.waitingroom.models import Ticket, TicketState
from buergerbuero.waitingroom.tokens import SESSION_KEY
from tests.conftest import enter, open_
from tests.public.helpers import audit_actions, de, url, with_ticket

pytestmark = pytest.mark.django_db(transaction=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_waiting_page_shows_position_and_wait(world, client) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a, "Erste")
    _ticket, token = enter(world.office_a, "Zweite")
    with_ticket(client, token)
    response = client.get(url("waiting", world.office_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<span id="position">2</span>' in html
    for needle in (
        'id="queue-status"',
        'role="status"',
        'id="expected-wait"',
        'id="leave-button"',
        'id="remote-videos"',
        'id="local-video"',
        'id="chat-form"',
        'id="chat-input"',
        'id="chat-log"',
        'id="hangup-button"',
        'id="mute-button"',
        'id="camera-button"',
        'id="screen-button"',
        'id="device-select-camera"',
        de("The connection is encrypted and direct between you and the office."),
    ):
        assert needle in html, needle
    config = json.loads(html.split('id="waiting-config" type="application/json">')[1].split("</script>")[0])
    assert config["ws"] == "/ws/ticket/" and config["position"] == 2
    assert config["urls"]["thanks"] == "/testkreis/__office__/danke/"
    assert config["urls"]["waiting"] == "/testkreis/__office__/warten/"
    # Upcoming openings, in order, so the page can name the next one whenever the office closes.
    starts = [dt.datetime.fromisoformat(o["at"]) for o in config["next_openings"]]
    assert len(starts) == 8 and starts == sorted(starts) and starts[0] > timezone.now()
    assert all(o["text"] for o in config["next_openings"])
    assert "style=" not in html


def test_an_older_session_with_the_raw_token_still_works_and_keeps_only_the_hash(world, client) -> None:
    open_(world.official_a, world.office_a)
    ticket, token = enter(world.office_a)
    with_ticket(client, token, legacy=True)  # as versions that kept the secret wrote it
    assert client.get(url("waiting", world.office_a)).status_code == 200
    assert client.session[SESSION_KEY] == ticket.token_hash != token
    assert token not in str(dict(client.session.items()))
    assert client.get(url("waiting", world.office_a)).status_code == 200  # and on with the hash


def test_a_malformed_session_value_is_no_ticket(world, client) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    for value in (["x"], 42, "", "a" * 500):
        session = client.session
        session[SESSION_KEY] = value
        session.save()
        response = client.get(url("waiting", world.office_a))
        assert response.status_code == 302 and response["Location"] == url("office", world.office_a)


def test_without_ticket_goes_to_the_office_page(world, client) -> None:
    response = client.get(url("waiting", world.office_a))
    assert response.status_code == 302 and response["Location"] == url("office", world.office_a)
    assert messages_of(response)


def test_ticket_of_another_office_leads_to_its_own_waiting_page(world, client) -> None:
    open_(world.official_b, world.office_b)
    _ticket, token = enter(world.office_b)
    with_ticket(client, token)
    response = client.get(url("waiting", world.office_a))
    assert response.status_code == 302 and response["Location"] == url("waiting", world.office_b)


def test_declined_ticket_explains_on_the_office_page(world, client) -> None:
    open_(world.official_a, world.office_a)
    ticket, token = enter(world.office_a)
    decline(world.official_a, ticket, "Bitte kommen Sie morgen.")
    with_ticket(client, token)
    response = client.get(url("waiting", world.office_a))
    assert response["Location"] == url("office", world.office_a)
    assert any("Bitte kommen Sie morgen." in m for m in messages_of(response))


def test_done_ticket_goes_to_thanks(world, client) -> None:
    open_(world.official_a, world.office_a)
    ticket, token = enter(world.office_a)
    consultation = admit(world.official_a, world.office_a)
    hang_up(consultation, world.official_a)
    with_ticket(client, token)
    # Admitted but never joined: the ticket ended as "left"; a joined one ends "done".
    ticket.refresh_from_db()
    expected = (
        url("thanks", world.office_a) if ticket.state == TicketState.DONE else url("office", world.office_a)
    )
    assert client.get(url("waiting", world.office_a))["Location"] == expected


def test_waiting_page_of_another_authority_is_404(world, client) -> None:
    assert client.get("/anderswo/energie/warten/").status_code == 404
    assert client.get("/testkreis/buergeramt/warten/").status_code == 404


def test_waiting_wrong_method(world, client) -> None:
    assert client.post(url("waiting", world.office_a)).status_code == 405


# --- leaving --------------------------------------------------------------------------------------


def test_leave_ends_the_ticket(world, client, events) -> None:
    open_(world.official_a, world.office_a)
    ticket, token = enter(world.office_a)
    with_ticket(client, token)
    events.sent.clear()
    response = client.post(url("leave", world.office_a))
    assert response.status_code == 302 and response["Location"] == url("office", world.office_a)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.LEFT
    assert SESSION_KEY not in client.session
    assert "ticket.left" in audit_actions(world.authority)
    assert events.of(groups.ticket(ticket.pk))[-1]["reason"] == "left"
    assert "queue.delta" in events.types(groups.office_queue(world.office_a.pk))


def test_leave_twice_shows_the_action_message(world, client) -> None:
    open_(world.official_a, world.office_a)
    _ticket, token = enter(world.office_a)
    with_ticket(client, token)
    client.post(url("leave", world.office_a))
    with_ticket(client, token)
    response = client.post(url("leave", world.office_a))
    assert response.status_code == 302
    assert messages_of(response)[-1] == de("You are no longer in the waiting area.")


def test_leave_without_ticket_changes_nothing(world, client) -> None:
    open_(world.official_a, world.office_a)
    ticket, _token = enter(world.office_a)
    response = client.post(url("leave", world.office_a))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING


def test_leave_from_another_office_url_changes_nothing(world, client) -> None:
    open_(world.official_a, world.office_a)
    ticket, token = enter(world.office_a)
    with_ticket(client, token)
    client.post(url("leave", world.office_b))
    assert client.post("/anderswo/buergeramt/verlassen/").status_code == 302
    assert client.post("/anderswo/energie/verlassen/").status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).state == TicketState.WAITING


def test_leave_wrong_method(world, client) -> None:
    assert client.get(url("leave", world.office_a)).status_code == 405


def test_waiting_page_offers_booking_with_the_closing_notice_where_the_office_has_appointments(
    world, client
) -> None:
    from buergerbuero.appointments.models import AppointmentSettings

    def config_of(response) -> dict:
        html = response.content.decode()
        return json.loads(html.split('id="waiting-config" type="application/json">')[1].split("</script>")[0])

    open_(world.official_a, world.office_a)
    _ticket, token = enter(world.office_a)
    with_ticket(client, token)
    response = client.get(url("waiting", world.office_a))
    assert config_of(response)["urls"]["book"] == ""
    assert 'id="ended-book" hidden' in response.content.decode()
    AppointmentSettings.objects.create(office=world.office_a, enabled=True)
    response = client.get(url("waiting", world.office_a))
    assert config_of(response)["urls"]["book"] == "/testkreis/energie/termin/"
