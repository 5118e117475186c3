"""staff:invite (calls.actions.colleagues.invite_colleague)."""

from __future__ import annotations

import pytest

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.models import Participant, ParticipantRole
from buergerbuero.core import groups
from tests.conftest import enter, login, open_
from tests.staff.helpers import actions_of, assert_refused, post_json, url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def consultation(world):
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    return admit(world.official_a, world.office_a)


def test_inviting_a_colleague(client, world, consultation, events) -> None:
    events.sent.clear()
    response = post_json(
        login(client, world.official_a), url("invite", consultation.pk), {"colleague": world.official_b.pk}
    )
    assert response.json() == {"ok": True}
    invited = Participant.objects.get(consultation=consultation, staff=world.official_b)
    assert (invited.role, invited.joined_at) == (ParticipantRole.COLLEAGUE, None)
    assert actions_of(world.authority)[-1] == "consultation.colleague_invited"
    (event,) = events.of(groups.staff(world.official_b.pk))
    assert (event["type"], event["participant"], event["by"]) == (
        "colleague.invited",
        invited.pk,
        "Anna Amsel",
    )


def test_inviting_twice(client, world, consultation) -> None:
    login(client, world.official_a)
    post_json(client, url("invite", consultation.pk), {"colleague": world.official_b.pk})
    assert_refused(
        post_json(client, url("invite", consultation.pk), {"colleague": world.official_b.pk}),
        "already_invited",
    )


@pytest.mark.parametrize("data", [{}, {"colleague": "x"}, {"colleague": "-3"}])
def test_bad_input(client, world, consultation, data) -> None:
    response = post_json(login(client, world.official_a), url("invite", consultation.pk), data)
    assert response.status_code == 400
    assert response.json()["message"]


def test_a_colleague_of_another_authority_is_404(client, world, consultation) -> None:
    response = post_json(
        login(client, world.official_a), url("invite", consultation.pk), {"colleague": world.other_admin.pk}
    )
    assert response.status_code == 404
    assert not Participant.objects.filter(staff=world.other_admin).exists()


def test_the_outsider_gets_404(client, world, consultation) -> None:
    response = post_json(
        login(client, world.official_b), url("invite", consultation.pk), {"colleague": world.admin.pk}
    )
    assert response.status_code == 404


def test_another_authoritys_admin_gets_404(client, world, consultation) -> None:
    response = post_json(
        login(client, world.other_admin), url("invite", consultation.pk), {"colleague": world.other_admin.pk}
    )
    assert response.status_code == 404


def test_wrong_method(client, world, consultation) -> None:
    assert login(client, world.official_a).get(url("invite", consultation.pk)).status_code == 405
