"""staff:transfer (calls.actions.course.transfer)."""

from __future__ import annotations

import pytest

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.models import EndReason
from buergerbuero.waitingroom.models import Ticket, TicketState
from tests.conftest import enter, login, open_
from tests.staff.helpers import actions_of, assert_refused, post_json, url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def consultation(world):
    open_(world.official_a, world.office_a)
    open_(world.official_b, world.office_b)
    enter(world.office_a)
    return admit(world.official_a, world.office_a)


def test_transferring(client, world, consultation) -> None:
    response = post_json(
        login(client, world.official_a),
        url("transfer", consultation.pk),
        {"office": world.office_b.pk, "note": "Frage zum Garten"},
    )
    assert response.json() == {"ok": True}
    old = Ticket.objects.get(pk=consultation.ticket_id)
    new = Ticket.objects.get(office=world.office_b)
    assert old.state == TicketState.TRANSFERRED
    assert (new.state, new.transferred_from, new.transfer_note) == (
        TicketState.WAITING,
        old,
        "Frage zum Garten",
    )
    assert new.enqueued_at == old.enqueued_at
    consultation.refresh_from_db()
    assert consultation.end_reason == EndReason.TRANSFERRED
    assert "ticket.transferred" in actions_of(world.authority)


def test_the_target_is_closed(client, world, consultation) -> None:
    from buergerbuero.offices.actions import close_office

    close_office(world.official_b, world.office_b)
    response = post_json(
        login(client, world.official_a), url("transfer", consultation.pk), {"office": world.office_b.pk}
    )
    assert_refused(response, "target_closed")


@pytest.mark.parametrize(
    "data",
    [{}, {"office": "abc"}, {"office": "0"}, {"office": "1", "note": "x" * 301}],
    ids=["missing", "not-a-number", "zero", "note-too-long"],
)
def test_bad_input(client, world, consultation, data) -> None:
    if data.get("note"):
        data["office"] = str(world.office_b.pk)
    response = post_json(login(client, world.official_a), url("transfer", consultation.pk), data)
    assert response.status_code == 400
    assert response.json()["message"]
    assert Ticket.objects.get(pk=consultation.ticket_id).state == TicketState.INVITED


def test_a_target_of_another_authority_is_404(client, world, consultation) -> None:
    response = post_json(
        login(client, world.official_a), url("transfer", consultation.pk), {"office": world.other_office.pk}
    )
    assert response.status_code == 404
    assert not Ticket.objects.filter(office=world.other_office).exists()


def test_a_colleague_of_the_office_who_takes_no_part_gets_404(client, world, consultation) -> None:
    response = post_json(
        login(client, world.official_a2), url("transfer", consultation.pk), {"office": world.office_b.pk}
    )
    assert response.status_code == 404
    assert not Ticket.objects.filter(office=world.office_b).exists()


def test_the_outsider_gets_404(client, world, consultation) -> None:
    response = post_json(
        login(client, world.official_b), url("transfer", consultation.pk), {"office": world.office_b.pk}
    )
    assert response.status_code == 404


def test_another_authoritys_admin_gets_404(client, world, consultation) -> None:
    response = post_json(
        login(client, world.other_admin), url("transfer", consultation.pk), {"office": world.other_office.pk}
    )
    assert response.status_code == 404


def test_wrong_method(client, world, consultation) -> None:
    assert login(client, world.official_a).get(url("transfer", consultation.pk)).status_code == 405
