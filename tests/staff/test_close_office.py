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
    response = post_json(login(client, world.official_a), close_a(world))
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
