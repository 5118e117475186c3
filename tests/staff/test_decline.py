"""staff:decline (waitingroom.actions.decline)."""

from __future__ import annotations

import pytest

from buergerbuero.core import groups
from buergerbuero.waitingroom.models import TicketState
from tests.conftest import enter, login, open_
from tests.staff.helpers import actions_of, assert_refused, messages_of, post_json, url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def waiting(world):
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    return ticket


def test_declining_with_a_message(client, world, waiting, events) -> None:
    events.sent.clear()
    response = post_json(
        login(client, world.official_a), url("decline", waiting.pk), {"message": "  Bitte Termin buchen. "}
    )
    assert response.json() == {"ok": True}
    waiting.refresh_from_db()
    assert (waiting.state, waiting.decline_message) == (TicketState.DECLINED, "Bitte Termin buchen.")
    assert actions_of(world.authority)[-1] == "ticket.declined"
    (state,) = events.of(groups.ticket(waiting.pk))
    assert (state["reason"], state["message"]) == ("declined", "Bitte Termin buchen.")
    assert "queue.delta" in events.types(groups.office_queue(world.office_a.pk))


def test_declining_without_a_message_and_without_script(client, world, waiting) -> None:
    response = login(client, world.official_a).post(url("decline", waiting.pk))
    assert response.status_code == 302 and response["Location"] == url("dashboard")
    assert messages_of(response)
    waiting.refresh_from_db()
    assert (waiting.state, waiting.decline_message) == (TicketState.DECLINED, "")


def test_too_long_a_message(client, world, waiting) -> None:
    response = post_json(login(client, world.official_a), url("decline", waiting.pk), {"message": "x" * 301})
    assert response.status_code == 400
    assert "300" in response.json()["message"]
    waiting.refresh_from_db()
    assert waiting.state == TicketState.WAITING


def test_no_longer_waiting(client, world, waiting) -> None:
    login(client, world.official_a)
    post_json(client, url("decline", waiting.pk))
    assert_refused(post_json(client, url("decline", waiting.pk)), "not_waiting")


def test_the_outsider_gets_404(client, world, waiting) -> None:
    assert post_json(login(client, world.official_b), url("decline", waiting.pk)).status_code == 404
    waiting.refresh_from_db()
    assert waiting.state == TicketState.WAITING


def test_another_authoritys_admin_gets_404(client, world, waiting) -> None:
    assert post_json(login(client, world.other_admin), url("decline", waiting.pk)).status_code == 404


def test_the_authority_admin_may(client, world, waiting) -> None:
    assert post_json(login(client, world.admin), url("decline", waiting.pk)).json() == {"ok": True}


def test_wrong_method(client, world, waiting) -> None:
    assert login(client, world.official_a).get(url("decline", waiting.pk)).status_code == 405
