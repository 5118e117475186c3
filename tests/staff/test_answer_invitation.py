"""staff:answer-invitation (calls.actions.colleagues.answer_invitation)."""

from __future__ import annotations

import pytest

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.colleagues import invite_colleague
from buergerbuero.core import groups
from tests.conftest import enter, login, open_
from tests.staff.helpers import actions_of, assert_refused, post_json, url

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def invitation(world):
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    consultation = admit(world.official_a, world.office_a)
    return invite_colleague(consultation, world.official_a, world.official_b)


def test_accepting(client, world, invitation, events) -> None:
    events.sent.clear()
    response = post_json(
        login(client, world.official_b),
        url("answer-invitation", invitation.pk),
        {"accept": "1", "page": "tab-of-bernd-1"},
    )
    assert response.json() == {"ok": True}
    invitation.refresh_from_db()
    assert invitation.joined_at is not None and invitation.left_at is None
    # The page that accepted holds the call (staff.consumers).
    assert invitation.call_page == "tab-of-bernd-1"
    assert actions_of(world.authority)[-1] == "consultation.colleague_joined"
    assert events.of(groups.staff(world.official_b.pk))[-1] == {
        "type": "staff.consultation",
        "consultation": invitation.consultation_id,
        "participant": invitation.pk,
        "page": "tab-of-bernd-1",
    }


def test_declining(client, world, invitation) -> None:
    response = post_json(
        login(client, world.official_b), url("answer-invitation", invitation.pk), {"accept": "0"}
    )
    assert response.json() == {"ok": True}
    invitation.refresh_from_db()
    assert invitation.joined_at is None and invitation.left_at is not None
    assert actions_of(world.authority)[-1] == "consultation.colleague_declined"


def test_answering_twice(client, world, invitation) -> None:
    login(client, world.official_b)
    post_json(client, url("answer-invitation", invitation.pk), {"accept": "0"})
    assert_refused(
        post_json(client, url("answer-invitation", invitation.pk), {"accept": "1"}), "invalid_invitation"
    )


@pytest.mark.parametrize(
    "data", [{}, {"accept": "yes"}, {"accept": "1", "page": "kurz"}, {"accept": "1", "page": "tab id!"}]
)
def test_bad_input(client, world, invitation, data) -> None:
    response = post_json(login(client, world.official_b), url("answer-invitation", invitation.pk), data)
    assert response.status_code == 400
    invitation.refresh_from_db()
    assert invitation.joined_at is None and invitation.left_at is None


def test_someone_elses_invitation_is_404(client, world, invitation) -> None:
    # official_a2 works in the same office but was not invited.
    response = post_json(
        login(client, world.official_a2), url("answer-invitation", invitation.pk), {"accept": "1"}
    )
    assert response.status_code == 404


def test_another_authoritys_admin_gets_404(client, world, invitation) -> None:
    response = post_json(
        login(client, world.other_admin), url("answer-invitation", invitation.pk), {"accept": "1"}
    )
    assert response.status_code == 404


def test_wrong_method(client, world, invitation) -> None:
    assert login(client, world.official_b).get(url("answer-invitation", invitation.pk)).status_code == 405
