import pytest

from buergerbuero.offices.actions import open_office
from buergerbuero.waitingroom.actions import enter_queue
from buergerbuero.calls.actions import admit


@pytest.mark.django_db(transaction=True)
def test_enter_and_admit(world):
    open_office(world.official_a, world.office_a)
    ticket, token = enter_queue(world.office_a, "Erika", "Heizung", "de")
    consultation = admit(world.official_a, world.office_a)
    assert consultation.ticket_id == ticket.pk
