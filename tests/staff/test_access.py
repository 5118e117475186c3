"""staff.access: the one way staff views reach objects. Another authority's object is always a 404."""

from __future__ import annotations

import pytest
from django.http import Http404

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.colleagues import answer_invitation, invite_colleague, leave_as_colleague
from buergerbuero.calls.actions.course import hang_up
from buergerbuero.staff import access
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db


def test_ticket_for_staff(world) -> None:
    open_(world.official_a, world.office_a)
    ticket, _ = enter(world.office_a)
    assert access.get_ticket_for_staff(world.official_a2, ticket.pk) == ticket
    assert access.get_ticket_for_staff(world.admin, ticket.pk) == ticket
    for staff in (world.official_b, world.other_admin):
        with pytest.raises(Http404):
            access.get_ticket_for_staff(staff, ticket.pk)


def test_consultation_for_staff(world) -> None:
    open_(world.official_a2, world.office_a)
    enter(world.office_a)
    consultation = admit(world.official_a2, world.office_a)
    assert access.get_consultation_for_staff(world.official_a2, consultation.pk) == consultation
    # Only current participants: not the office lead, not the authority admin, not outsiders.
    for staff in (world.official_a, world.admin, world.official_b, world.other_admin):
        with pytest.raises(Http404):
            access.get_consultation_for_staff(staff, consultation.pk)
    participant = invite_colleague(consultation, world.official_a2, world.official_b)
    with pytest.raises(Http404):  # invited, not yet joined
        access.get_consultation_for_staff(world.official_b, consultation.pk)
    answer_invitation(participant, world.official_b, True)
    assert access.get_consultation_for_staff(world.official_b, consultation.pk) == consultation
    leave_as_colleague(consultation, world.official_b)
    with pytest.raises(Http404):  # left a consultation that goes on
        access.get_consultation_for_staff(world.official_b, consultation.pk)
    hang_up(consultation, world.official_a2)
    # Ended: its participants still reach it, so the actions can answer "ended".
    assert access.get_consultation_for_staff(world.official_a2, consultation.pk) == consultation
    with pytest.raises(Http404):
        access.get_consultation_for_staff(world.official_a, consultation.pk)


def test_colleague_target_and_invitation(world) -> None:
    assert access.get_colleague_for_staff(world.official_a, world.official_b.pk) == world.official_b
    assert access.get_transfer_target_for_staff(world.official_a, world.office_b.pk) == world.office_b
    with pytest.raises(Http404):
        access.get_colleague_for_staff(world.official_a, world.other_admin.pk)
    with pytest.raises(Http404):
        access.get_transfer_target_for_staff(world.official_a, world.other_office.pk)
    open_(world.official_a, world.office_a)
    enter(world.office_a)
    participant = invite_colleague(
        admit(world.official_a, world.office_a), world.official_a, world.official_b
    )
    assert access.get_invitation_for_staff(world.official_b, participant.pk) == participant
    with pytest.raises(Http404):
        access.get_invitation_for_staff(world.official_a2, participant.pk)
