from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from buergerbuero.audit.models import AuditEntry
from buergerbuero.authorities.models import Availability
from buergerbuero.calls.actions import (
    admit,
    answer_invitation,
    citizen_joined,
    citizen_leaves,
    expire_invitations,
    hang_up,
    hold_call,
    hold_citizen_call,
    invite_colleague,
    leave_as_colleague,
    release_call,
    send_back,
    transfer,
)
from buergerbuero.calls.models import Consultation, EndReason, Participant, ParticipantRole
from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.actions import set_availability
from buergerbuero.waitingroom.actions import (
    connection_closed,
    connection_opened,
    expire_stale,
    get_ticket_by_token,
)
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition
from buergerbuero.waitingroom.selectors import position, waiting_tickets
from tests.conftest import enter, make_staff, open_

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(world):
    open_(world.official_a, world.office_a)
    open_(world.official_a2, world.office_a)
    return world.office_a


def code_of(call, *args) -> str:
    with pytest.raises(ActionError) as exc:
        call(*args)
    return exc.value.code


def test_admit_next(world, office, events) -> None:
    first, _ = enter(office, "Erste")
    second, _ = enter(office, "Zweite")
    events.sent.clear()
    consultation = admit(world.official_a, office)
    first.refresh_from_db()
    assert consultation.ticket_id == first.pk and first.state == TicketState.INVITED
    roles = list(consultation.participants.values_list("role", "staff_id", "joined_at"))
    assert [(r, s) for r, s, _ in roles] == [
        (ParticipantRole.OFFICIAL, world.official_a.pk),
        (ParticipantRole.CITIZEN, None),
    ]
    assert roles[0][2] is not None and roles[1][2] is None
    official, citizen = consultation.participants.order_by("id")
    transition = TicketTransition.objects.get(ticket=first, to_state="invited")
    assert (transition.from_state, transition.actor_id) == ("waiting", world.official_a.user_id)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"ticket.invited", "consultation.started"} <= actions
    assert events.of(groups.ticket(first.pk)) == [
        {
            "type": "ticket.state",
            "ticket": first.pk,
            "state": "invited",
            "reason": "admitted",
            "message": "",
            "consultation": consultation.pk,
            # The citizen's call.start (without ICE), so the page's call starts without a query.
            "call": {
                "type": "call.start",
                "consultation": consultation.pk,
                "me": citizen.pk,
                "role": "citizen",
                "office": office.name,
                "participants": [
                    {"id": official.pk, "role": "official", "name": "Anna Amsel", "joined": True},
                    {"id": citizen.pk, "role": "citizen", "name": "Erste", "joined": False},
                ],
            },
        }
    ]
    assert events.of(groups.office_queue(office.pk))[0]["op"] == "remove"
    assert events.of(groups.staff(world.official_a.pk)) == [
        {
            "type": "staff.consultation",
            "consultation": consultation.pk,
            "participant": official.pk,
            # Admitted without a page (no script): the first page of the official to claim it holds it.
            "page": "",
            "call": {
                "type": "call.start",
                "consultation": consultation.pk,
                "me": official.pk,
                "role": "official",
                "office": office.name,
                "participants": [
                    {"id": official.pk, "role": "official", "name": "Anna Amsel", "joined": True},
                    {"id": citizen.pk, "role": "citizen", "name": "Erste", "joined": False},
                ],
            },
        }
    ]
    assert events.of(groups.consultation(consultation.pk))[0]["type"] == "consultation.participants"
    assert position(second) == 1


def test_admit_chosen(world, office) -> None:
    enter(office, "Erste")
    second, _ = enter(office, "Zweite")
    assert admit(world.official_a, office, second.pk).ticket_id == second.pk


def test_admit_chosen_from_another_office(world, office) -> None:
    open_(world.official_b, world.office_b)
    foreign, _ = enter(world.office_b)
    assert code_of(admit, world.official_a, office, foreign.pk) == "not_waiting"
    foreign.refresh_from_db()
    assert foreign.state == TicketState.WAITING


def test_admit_refusals(world, office, events) -> None:
    assert code_of(admit, world.official_a, office) == "queue_empty"
    enter(office)
    enter(office)
    assert code_of(admit, world.official_b, office) == "not_present"
    admit(world.official_a, office)
    assert code_of(admit, world.official_a, office) == "busy"
    set_availability(world.official_a2, Availability.BREAK)
    assert code_of(admit, world.official_a2, office) == "on_break"
    assert Consultation.objects.count() == 1


def test_admit_someone_no_longer_waiting(world, office) -> None:
    ticket, _ = enter(office)
    admit(world.official_a, office, ticket.pk)
    assert code_of(admit, world.official_a2, office, ticket.pk) == "not_waiting"


def test_citizen_joins(world, office, events) -> None:
    ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    events.sent.clear()
    citizen_joined(ticket)
    citizen_joined(ticket)  # a reload rejoins without a second transition
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.IN_CONSULTATION and consultation.connected_at
    assert consultation.participants.get(role="citizen").joined_at is not None
    assert TicketTransition.objects.filter(ticket=ticket, to_state="in_consultation").count() == 1
    assert [e["reason"] for e in events.of(groups.ticket(ticket.pk))] == ["joined"]


def test_citizen_joins_without_consultation(office) -> None:
    ticket, _ = enter(office)
    assert code_of(citizen_joined, ticket) == "no_consultation"


def test_hang_up_by_official(world, office, events) -> None:
    ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    citizen_joined(ticket)
    events.sent.clear()
    hang_up(consultation, world.official_a)
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.DONE
    assert consultation.end_reason == EndReason.HANGUP_OFFICIAL
    assert not consultation.participants.filter(left_at__isnull=True).exists()
    assert events.of(groups.consultation(consultation.pk))[-1] == {
        "type": "consultation.ended",
        "consultation": consultation.pk,
        "reason": "hangup_official",
    }
    assert events.of(groups.ticket(ticket.pk))[0]["reason"] == "done"
    assert code_of(hang_up, consultation, world.official_a) == "ended"
    # The official is free for the next citizen.
    enter(office)
    admit(world.official_a, office)


def test_hang_up_by_citizen_before_joining(world, office) -> None:
    ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    hang_up(consultation, None)
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert (ticket.state, consultation.end_reason) == (TicketState.LEFT, EndReason.HANGUP_CITIZEN)


def test_hang_up_by_citizen_after_joining(world, office) -> None:
    ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    citizen_joined(ticket)
    hang_up(consultation, None)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DONE


def test_send_back_first_in_line(world, office, events) -> None:
    a, _ = enter(office, "A")
    b, _ = enter(office, "B")
    c, _ = enter(office, "C")
    consultation = admit(world.official_a, office, b.pk)
    citizen_joined(b)
    events.sent.clear()
    send_back(consultation, world.official_a)
    b.refresh_from_db()
    consultation.refresh_from_db()
    assert (b.state, b.priority, b.returned) == (TicketState.WAITING, 1, True)
    assert consultation.end_reason == EndReason.SENT_BACK
    assert [t.pk for t in waiting_tickets(office)] == [b.pk, a.pk, c.pk]
    assert events.of(groups.ticket(b.pk))[0]["reason"] == "returned"
    assert [e["op"] for e in events.of(groups.office_queue(office.pk)) if e["type"] == "queue.delta"] == [
        "add"
    ]
    # A second one sent back queues behind the first, in arrival order.
    consultation = admit(world.official_a, office, c.pk)
    send_back(consultation, world.official_a)
    assert [t.pk for t in waiting_tickets(office)] == [b.pk, c.pk, a.pk]


def test_transfer_keeps_arrival_time_and_moves_the_token(world, office, events) -> None:
    open_(world.official_b, world.office_b)
    ticket, token = enter(office, "Erika", "Heizung")
    consultation = admit(world.official_a, office)
    citizen_joined(ticket)
    later, _ = enter(world.office_b, "Später")
    events.sent.clear()

    new = transfer(consultation, world.official_a, world.office_b, " Bitte Förderung prüfen ")
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.TRANSFERRED and ticket.token_hash is None
    assert consultation.end_reason == EndReason.TRANSFERRED
    assert (new.office_id, new.state, new.enqueued_at) == (
        world.office_b.pk,
        TicketState.WAITING,
        ticket.enqueued_at,
    )
    assert (new.display_name, new.concern, new.transfer_note) == (
        "Erika",
        "Heizung",
        "Bitte Förderung prüfen",
    )
    assert new.transferred_from_id == ticket.pk
    assert get_ticket_by_token(token) == new
    assert [t.pk for t in waiting_tickets(world.office_b)] == [new.pk, later.pk]
    assert events.of(groups.ticket(ticket.pk))[0]["reason"] == "transferred"
    assert [
        e["op"] for e in events.of(groups.office_queue(world.office_b.pk)) if e["type"] == "queue.delta"
    ] == ["add"]
    listing = next(
        e for e in events.of(groups.office_staff(world.office_b.pk)) if e["type"] == "office.queue"
    )["entries"]
    assert listing[0]["transferred_from"] == office.name


def test_transfer_of_a_citizen_whose_page_is_gone_still_expires(world, office, settings) -> None:
    settings.WAITING_GRACE_SECONDS = 60
    open_(world.official_b, world.office_b)
    ticket, _ = enter(office)
    connection_opened(ticket, "p")
    consultation = admit(world.official_a, office)
    citizen_joined(ticket)
    connection_closed(ticket, "p")
    new = transfer(consultation, world.official_a, world.office_b, "")
    assert expire_stale(now=timezone.now() + timedelta(seconds=61)) == 1
    new.refresh_from_db()
    assert new.state == TicketState.EXPIRED


def test_transfer_refusals(world, office) -> None:
    enter(office)
    consultation = admit(world.official_a, office)
    assert code_of(transfer, consultation, world.official_a, world.office_b, "") == "target_closed"
    assert code_of(transfer, consultation, world.official_a, office, "") == "invalid_target"
    assert code_of(transfer, consultation, world.official_a, world.other_office, "") == "invalid_target"
    consultation.refresh_from_db()
    assert consultation.ended_at is None


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


# --- which page holds the call (hold_call, release_call) ---------------------------------------------


def official_of(consultation) -> Participant:
    return consultation.participants.get(role=ParticipantRole.OFFICIAL)


def moved_events(events, consultation) -> list[dict]:
    return [e for e in events.of(groups.consultation(consultation.pk)) if e["type"] == "consultation.moved"]


def test_the_admitting_page_holds_the_call(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office, page="page-one-1")
    official = official_of(consultation)
    events.sent.clear()
    # Its socket writes down its connection; nobody needs to hear of that.
    assert hold_call(official.pk, world.official_a, "page-one-1", "conn-1") == "held"
    official.refresh_from_db()
    assert (official.call_page, official.call_connection) == ("page-one-1", "conn-1")
    assert events.sent == []
    # Another page of the same official does not get it by itself, and changes nothing.
    assert hold_call(official.pk, world.official_a, "page-two-1", "conn-2") == "elsewhere"
    official.refresh_from_db()
    assert (official.call_page, official.call_connection) == ("page-one-1", "conn-1")
    assert events.sent == []


def test_taking_over_is_announced_and_audited(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office, page="page-one-1")
    official = official_of(consultation)
    hold_call(official.pk, world.official_a, "page-one-1", "conn-1")
    events.sent.clear()
    assert hold_call(official.pk, world.official_a, "page-two-1", "conn-2", take_over=True) == "taken"
    official.refresh_from_db()
    assert (official.call_page, official.call_connection) == ("page-two-1", "conn-2")
    assert events.sent == [
        (
            groups.consultation(consultation.pk),
            {
                "type": "consultation.moved",
                "consultation": consultation.pk,
                "participant": official.pk,
                "page": "page-two-1",
                "connection": "conn-2",
                "reset": True,
            },
        )
    ]
    entry = AuditEntry.objects.filter(action="consultation.call_moved").get()
    assert (entry.actor_id, entry.object_id, entry.data) == (
        world.official_a.user_id,
        consultation.pk,
        {"participant": official.pk, "taken_over": True},
    )


def test_reload_and_reconnect(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office, page="page-one-1")
    official = official_of(consultation)
    hold_call(official.pk, world.official_a, "page-one-1", "conn-1")
    events.sent.clear()
    # A new socket of the same page: the old one lets go, the peer connections stay.
    assert hold_call(official.pk, world.official_a, "page-one-1", "conn-2") == "reconnected"
    assert [e["reset"] for e in moved_events(events, consultation)] == [False]
    # The tab reloaded: the new page names the old one and gets the call back without asking.
    events.sent.clear()
    assert hold_call(official.pk, world.official_a, "page-one-2", "conn-3", previous="page-one-1") == "taken"
    assert [e["reset"] for e in moved_events(events, consultation)] == [True]
    assert AuditEntry.objects.filter(action="consultation.call_moved").count() == 1


def test_a_closed_page_lets_go(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office, page="page-one-1")
    official = official_of(consultation)
    hold_call(official.pk, world.official_a, "page-one-1", "conn-1")
    release_call(official.pk, "conn-other")  # not the holding socket: nothing happens
    official.refresh_from_db()
    assert official.call_connection == "conn-1"
    release_call(official.pk, "conn-1")
    official.refresh_from_db()
    assert (official.call_page, official.call_connection) == ("page-one-1", "")
    events.sent.clear()
    assert hold_call(official.pk, world.official_a, "page-two-1", "conn-2") == "unheld"
    assert events.sent == []
    # The same tab comes back: its call, no new peer connections needed.
    assert hold_call(official.pk, world.official_a, "page-one-1", "conn-3") == "held"


def test_a_call_admitted_without_a_page_goes_to_the_first_page(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office)
    official = official_of(consultation)
    events.sent.clear()
    assert hold_call(official.pk, world.official_a, "page-one-1", "conn-1") == "held"
    assert hold_call(official.pk, world.official_a, "page-two-1", "conn-2") == "elsewhere"
    assert events.sent == []


def test_nobody_else_holds_an_officials_call(world, office, events) -> None:
    enter(office)
    consultation = admit(world.official_a, office, page="page-one-1")
    official = official_of(consultation)
    citizen = consultation.participants.get(role=ParticipantRole.CITIZEN)
    invited = invite_colleague(consultation, world.official_a, world.official_b)
    events.sent.clear()
    for staff, participant in [
        (world.official_a2, official),  # a colleague of the same office
        (world.other_admin, official),  # another authority
        (world.official_a, citizen),  # the citizen's participant
        (world.official_b, invited),  # invited, not yet joined
    ]:
        for take_over in (False, True):
            with pytest.raises(ActionError) as exc:
                hold_call(participant.pk, staff, "page-x-0001", "conn-x", take_over=take_over)
            assert exc.value.code == "not_participant"
    assert code_of(hold_call, 424242, world.official_a, "page-x-0001", "conn-x") == "not_participant"
    official.refresh_from_db()
    assert official.call_page == "page-one-1"
    assert events.sent == []
    hang_up(consultation, world.official_a)
    assert code_of(hold_call, official.pk, world.official_a, "page-one-1", "conn-1") == "ended"


def test_hold_citizen_call_tells_a_reload_from_a_reconnect(world, office, events) -> None:
    """The first page recorded and the same page again announce nothing; another page load of the
    citizen (a reload) has the others connect afresh; after the call nothing changes."""
    enter(office)
    consultation = admit(world.official_a, office)
    citizen = consultation.participants.get(role=ParticipantRole.CITIZEN)
    events.sent.clear()
    assert hold_citizen_call(citizen.pk, "page-one-1") is False
    assert hold_citizen_call(citizen.pk, "page-one-1") is False
    assert events.of(groups.consultation(consultation.pk)) == []
    assert hold_citizen_call(citizen.pk, "page-two-2") is True
    assert events.of(groups.consultation(consultation.pk)) == [
        {
            "type": "consultation.moved",
            "consultation": consultation.pk,
            "participant": citizen.pk,
            "page": "page-two-2",
            "connection": "",
            "reset": True,
        }
    ]
    entry = AuditEntry.objects.filter(action="consultation.call_moved").get()
    assert entry.actor_id is None and entry.data == {"participant": citizen.pk, "taken_over": False}
    # Only the citizen's participant; an official's page is hold_call's business.
    official = consultation.participants.get(role=ParticipantRole.OFFICIAL)
    assert hold_citizen_call(official.pk, "page-three") is False
    hang_up(consultation, world.official_a)
    events.sent.clear()
    assert hold_citizen_call(citizen.pk, "page-four-4") is False
    assert events.of(groups.consultation(consultation.pk)) == []
    citizen.refresh_from_db()
    assert citizen.call_page == "page-two-2"


def test_leave_after_admission_ends_the_consultation(world, office, events) -> None:
    ticket, _ = enter(office)
    consultation = admit(world.official_a, office)
    events.sent.clear()
    citizen_leaves(ticket)
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.LEFT
    assert consultation.end_reason == EndReason.HANGUP_CITIZEN and consultation.ended_at
    assert events.of(groups.staff(world.official_a.pk)) == [
        {"type": "staff.consultation", "consultation": None}
    ]
    assert "queue.delta" not in events.types()


def test_invite_timeout(world, office, settings, events) -> None:
    settings.INVITE_TIMEOUT_SECONDS = 90
    ticket, _ = enter(office)
    connection_opened(ticket, "p")
    consultation = admit(world.official_a, office)
    invited_at = Ticket.objects.get(pk=ticket.pk).state_changed_at
    assert expire_invitations(now=invited_at + timedelta(seconds=89)) == 0
    events.sent.clear()
    assert expire_invitations(now=invited_at + timedelta(seconds=91)) == 1
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.EXPIRED
    assert consultation.end_reason == EndReason.NO_SHOW
    assert events.of(groups.consultation(consultation.pk))[-1]["type"] == "consultation.ended"
    assert events.of(groups.staff(world.official_a.pk)) == [
        {"type": "staff.consultation", "consultation": None}
    ]
    # The official is free again.
    enter(office)
    admit(world.official_a, office)
