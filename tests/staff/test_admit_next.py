"""staff:admit-next (calls.actions.admission.admit without a chosen ticket)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext

from buergerbuero.calls.models import Consultation, Participant
from buergerbuero.core import groups
from buergerbuero.waitingroom.models import TicketState
from tests.conftest import enter, login, open_
from tests.staff.helpers import actions_of, assert_refused, messages_of, post_json, url

pytestmark = pytest.mark.django_db(transaction=True)


def test_admitting_the_first_in_line(client, world, events) -> None:
    open_(world.official_a, world.office_a)
    first, _ = enter(world.office_a, "Erste")
    second, _ = enter(world.office_a, "Zweite")
    events.sent.clear()
    response = post_json(login(client, world.official_a), url("admit-next", world.office_a.pk))
    assert response.json() == {"ok": True}
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == (TicketState.INVITED, TicketState.WAITING)
    consultation = Consultation.objects.get()
    assert consultation.ticket == first
    assert Participant.objects.filter(
        consultation=consultation, staff=world.official_a, joined_at__isnull=False
    ).exists()
    assert actions_of(world.authority)[-2:] == ["ticket.invited", "consultation.started"]
    assert events.of(groups.ticket(first.pk))[-1]["reason"] == "admitted"
    assert "staff.consultation" in events.types(groups.staff(world.official_a.pk))


def test_the_admitting_page_holds_the_call(client, world, events) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a, "Erste")
    events.sent.clear()
    response = post_json(
        login(client, world.official_a), url("admit-next", world.office_a.pk), {"page": "tab-of-anna-01"}
    )
    assert response.json() == {"ok": True}
    official = Participant.objects.get(staff=world.official_a)
    assert (official.call_page, official.call_connection) == ("tab-of-anna-01", "")
    (event,) = events.of(groups.staff(world.official_a.pk))
    assert (event["participant"], event["page"]) == (official.pk, "tab-of-anna-01")


@pytest.mark.parametrize("page", ["short", "x" * 65, "tab of anna", "tab/../anna"])
def test_bad_page_changes_nothing(client, world, events, page) -> None:
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    events.sent.clear()
    response = post_json(
        login(client, world.official_a), url("admit-next", world.office_a.pk), {"page": page}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and response.json()["message"]
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING
    assert not Consultation.objects.exists()
    assert events.sent == []


def test_without_script(client, world) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    response = login(client, world.official_a).post(url("admit-next", world.office_a.pk))
    assert response.status_code == 302 and response["Location"] == url("dashboard")
    assert messages_of(response)
    assert Consultation.objects.count() == 1


def test_nobody_waiting(client, world) -> None:
    open_(world.official_a, world.office_a)
    assert_refused(
        post_json(login(client, world.official_a), url("admit-next", world.office_a.pk)), "queue_empty"
    )


def test_refused_without_script_shows_the_message(client, world) -> None:
    enter_office_closed = login(client, world.official_a).post(url("admit-next", world.office_a.pk))
    assert enter_office_closed.status_code == 302
    with translation.override("de"):  # the page's language without Accept-Language
        expected = gettext("Open this office before you let someone in.")
    assert messages_of(enter_office_closed) == [expected]


def test_the_outsider_gets_404(client, world) -> None:
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    assert post_json(login(client, world.official_b), url("admit-next", world.office_a.pk)).status_code == 404
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING


def test_another_authoritys_admin_gets_404(client, world) -> None:
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    assert (
        post_json(login(client, world.other_admin), url("admit-next", world.office_a.pk)).status_code == 404
    )
    assert not Consultation.objects.exists()


def test_wrong_method(client, world) -> None:
    assert login(client, world.official_a).get(url("admit-next", world.office_a.pk)).status_code == 405
