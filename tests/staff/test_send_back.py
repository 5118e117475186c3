"""staff:send-back (calls.actions.course.send_back)."""

from __future__ import annotations

import pytest

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.colleagues import invite_colleague
from buergerbuero.calls.models import EndReason
from buergerbuero.core import groups
from buergerbuero.waitingroom.models import TicketState
from tests.conftest import enter, login, open_
from tests.staff.helpers import actions_of, assert_refused, post_json, url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def consultation(world):
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    return admit(world.official_a, world.office_a)


def test_sending_back(client, world, consultation, events) -> None:
    events.sent.clear()
    response = post_json(login(client, world.official_a), url("send-back", consultation.pk))
    assert response.json() == {"ok": True}
    consultation.refresh_from_db()
    ticket = consultation.ticket
    ticket.refresh_from_db()
    assert (ticket.state, ticket.returned, ticket.priority) == (TicketState.WAITING, True, 1)
    assert (consultation.end_reason, consultation.ended_at is not None) == (EndReason.SENT_BACK, True)
    assert actions_of(world.authority)[-2:] == ["ticket.waiting", "consultation.ended"]
    assert events.of(groups.ticket(ticket.pk))[-1]["reason"] == "returned"


def test_already_ended(client, world, consultation) -> None:
    login(client, world.official_a)
    post_json(client, url("send-back", consultation.pk))
    assert_refused(post_json(client, url("send-back", consultation.pk)), "ended")


def test_a_colleague_of_the_office_who_takes_no_part_gets_404(client, world, consultation) -> None:
    assert post_json(login(client, world.official_a2), url("send-back", consultation.pk)).status_code == 404


def test_the_authority_admin_who_takes_no_part_gets_404(client, world, consultation) -> None:
    assert post_json(login(client, world.admin), url("send-back", consultation.pk)).status_code == 404


def test_an_invited_colleague_who_has_not_joined_gets_404(client, world, consultation) -> None:
    invite_colleague(consultation, world.official_a, world.official_a2)
    assert post_json(login(client, world.official_a2), url("send-back", consultation.pk)).status_code == 404
    consultation.ticket.refresh_from_db()
    assert consultation.ticket.state != TicketState.WAITING


def test_the_outsider_gets_404(client, world, consultation) -> None:
    assert post_json(login(client, world.official_b), url("send-back", consultation.pk)).status_code == 404
    consultation.refresh_from_db()
    assert consultation.ended_at is None


def test_another_authoritys_admin_gets_404(client, world, consultation) -> None:
    assert post_json(login(client, world.other_admin), url("send-back", consultation.pk)).status_code == 404


def test_unknown_consultation(client, world) -> None:
    assert post_json(login(client, world.official_a), url("send-back", 777)).status_code == 404


def test_wrong_method(client, world, consultation) -> None:
    assert login(client, world.official_a).get(url("send-back", consultation.pk)).status_code == 405
