"""calls.actions.colleagues: inviting a colleague, who accepts, declines or leaves."""

from __future__ import annotations

import pytest

from buergerbuero.audit.models import AuditEntry
from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.colleagues import answer_invitation, invite_colleague, leave_as_colleague
from buergerbuero.calls.actions.course import hang_up
from buergerbuero.calls.models import Participant
from buergerbuero.core import groups
from tests.calls.conftest import code_of
from tests.conftest import enter, make_staff

pytestmark = pytest.mark.django_db


def test_colleague_invite_accept_leave(world, office, events) -> None:
    _ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    events.sent.clear()
    invited = invite_colleague(consultation, world.official_a, world.official_b)
    assert (invited.role, invited.joined_at, invited.invited_at is not None) == ("colleague", None, True)
    assert events.of(groups.staff(world.official_b.pk)) == [
        {
            "type": "colleague.invited",
            "consultation": consultation.pk,
            "participant": invited.pk,
            "office": office.name,
            "by": world.official_a.display_name,
        }
    ]
    participants = events.of(groups.consultation(consultation.pk))[-1]["participants"]
    assert {(p["role"], p["joined"]) for p in participants} == {
        ("official", True),
        ("citizen", False),
        ("colleague", False),
    }
    assert code_of(invite_colleague, consultation, world.official_a, world.official_b) == "already_invited"

    events.sent.clear()
    answer_invitation(invited, world.official_b, accept=True, page="page-of-bernd")
    invited.refresh_from_db()
    assert invited.joined_at is not None
    assert invited.call_page == "page-of-bernd"
    assert events.of(groups.staff(world.official_b.pk)) == [
        {
            "type": "staff.consultation",
            "consultation": consultation.pk,
            "participant": invited.pk,
            "page": "page-of-bernd",
        }
    ]
    assert code_of(answer_invitation, invited, world.official_b, True) == "invalid_invitation"

    events.sent.clear()
    leave_as_colleague(consultation, world.official_b)
    invited.refresh_from_db()
    assert invited.left_at is not None
    assert events.of(groups.staff(world.official_b.pk)) == [
        {"type": "staff.consultation", "consultation": None}
    ]
    consultation.refresh_from_db()
    assert consultation.ended_at is None
    assert code_of(leave_as_colleague, consultation, world.official_b) == "not_participant"
    assert {
        "consultation.colleague_invited",
        "consultation.colleague_joined",
        "consultation.colleague_left",
    } <= set(AuditEntry.objects.values_list("action", flat=True))


def test_colleague_declines(world, office) -> None:
    enter(office)
    consultation = admit(world.official_a, office)
    invited = invite_colleague(consultation, world.official_a, world.official_b)
    answer_invitation(invited, world.official_b, accept=False)
    invited.refresh_from_db()
    assert invited.left_at is not None and invited.joined_at is None
    # Declined, the colleague can be invited again.
    invite_colleague(consultation, world.official_a, world.official_b)


def test_only_the_invited_colleague_answers(world, office) -> None:
    enter(office)
    consultation = admit(world.official_a, office)
    invited = invite_colleague(consultation, world.official_a, world.official_b)
    assert code_of(answer_invitation, invited, world.admin, True) == "invalid_invitation"


def test_busy_colleague_cannot_accept(world, office) -> None:
    enter(office)
    enter(office)
    consultation = admit(world.official_a, office)
    admit(world.official_a2, office)
    invited = invite_colleague(consultation, world.official_a, world.official_a2)
    assert code_of(answer_invitation, invited, world.official_a2, True) == "busy"


def test_invite_refusals(world, office) -> None:
    enter(office)
    consultation = admit(world.official_a, office)
    assert code_of(invite_colleague, consultation, world.official_a, world.other_admin) == "invalid_colleague"
    assert code_of(invite_colleague, consultation, world.official_a, world.official_a) == "invalid_colleague"
    assert code_of(invite_colleague, consultation, world.official_b, world.admin) == "not_participant"


def test_at_most_four_participants(world, office) -> None:
    enter(office)
    consultation = admit(world.official_a, office)
    invite_colleague(consultation, world.official_a, world.official_b)
    invite_colleague(consultation, world.official_a, world.admin)
    extra = make_staff(world.authority, "erik", "Erik Elster")
    assert code_of(invite_colleague, consultation, world.official_a, extra) == "full"
    assert Participant.objects.filter(consultation=consultation).count() == 4


def test_official_hang_up_ends_colleagues_too(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office)
    invited = invite_colleague(consultation, world.official_a, world.official_b)
    answer_invitation(invited, world.official_b, accept=True)
    events.sent.clear()
    hang_up(consultation, world.official_a)
    invited.refresh_from_db()
    assert invited.left_at is not None
    assert events.of(groups.staff(world.official_b.pk)) == [
        {"type": "staff.consultation", "consultation": None}
    ]
