from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from buergerbuero.audit.models import AuditEntry
from buergerbuero.calls.actions.admission import admit, citizen_joined
from buergerbuero.calls.actions.course import hang_up
from buergerbuero.calls.models import Consultation
from buergerbuero.core import groups
from buergerbuero.core.errors import ActionError
from buergerbuero.offices.selectors import office_state
from buergerbuero.waitingroom.actions import (
    connection_closed,
    connection_opened,
    decline,
    delete_personal_data,
    enter_queue,
    expire_stale,
    get_ticket_by_token,
    leave_queue,
    rate,
)
from buergerbuero.waitingroom.models import Ticket, TicketState, TicketTransition
from buergerbuero.waitingroom.selectors import queue_key
from buergerbuero.waitingroom.tokens import hash_token
from tests.conftest import enter, open_

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(world):
    open_(world.official_a, world.office_a)
    return world.office_a


def path(ticket: Ticket) -> list[tuple[str, str]]:
    return list(TicketTransition.objects.filter(ticket=ticket).values_list("from_state", "to_state"))


def audit(ticket: Ticket) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type="ticket", object_id=ticket.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_enter_queue(world, office, events) -> None:
    seq_before = office.queue_seq
    ticket, token = enter_queue(office, "  Erika Muster ", " Heizung tauschen ", "en")
    assert (ticket.state, ticket.display_name, ticket.concern, ticket.language) == (
        "waiting",
        "Erika Muster",
        "Heizung tauschen",
        "en",
    )
    assert ticket.token_hash == hash_token(token) and token not in ticket.token_hash
    assert get_ticket_by_token(token) == ticket
    assert get_ticket_by_token("wrong") is None and get_ticket_by_token(None) is None
    # Counted as disconnected until its page opens the socket: the grace period applies at once.
    assert ticket.disconnected_at is not None
    assert path(ticket) == [("", "waiting")]
    entry = AuditEntry.objects.get(object_type="ticket", object_id=ticket.pk)
    assert entry.action == "ticket.created"
    assert "Erika" not in str(entry.data) and "Heizung" not in str(entry.data)

    office.refresh_from_db()
    assert office.queue_seq == seq_before + 1
    assert events.of(groups.office_queue(office.pk))[0] == {
        "type": "queue.delta",
        "office": office.pk,
        "seq": office.queue_seq,
        "op": "add",
        "key": queue_key(ticket),
        # The office's state after the change rides along, so waiting pages need no second event.
        "office_state": office_state(office).as_event(),
    }
    listing = next(e for e in events.of(groups.office_staff(office.pk)) if e["type"] == "office.queue")
    assert listing["type"] == "office.queue" and [e["ticket"] for e in listing["entries"]] == [ticket.pk]
    assert events.of(groups.authority(world.authority.pk))[-1]["waiting"] == 1


def test_enter_closed_office(world, events) -> None:
    with pytest.raises(ActionError) as exc:
        enter(world.office_a)
    assert exc.value.code == "office_closed"
    assert not Ticket.objects.exists() and events.sent == []


def test_enter_full_queue(office, events) -> None:
    office.max_queue_length = 2
    office.save()
    enter(office)
    enter(office)
    events.sent.clear()
    with pytest.raises(ActionError) as exc:
        enter(office)
    assert exc.value.code == "queue_full"
    assert Ticket.objects.count() == 2 and events.sent == []


def test_people_in_a_consultation_do_not_count_towards_full(world, office) -> None:
    office.max_queue_length = 1
    office.save()
    first, _ = enter(office)
    admit(world.official_a, office)
    second, _ = enter(office)
    first.refresh_from_db()
    assert first.state == TicketState.INVITED
    assert second.state == TicketState.WAITING
    assert list(Ticket.objects.filter(office=office, state=TicketState.WAITING)) == [second]


@pytest.mark.django_db(transaction=True)
def test_events_leave_only_after_commit(office, events) -> None:
    with transaction.atomic():
        ticket, _ = enter(office)
        assert events.sent == []
    assert "queue.delta" in events.types()

    events.sent.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        leave_queue(ticket)
        raise RuntimeError("rolled back")
    assert events.sent == []
    ticket.refresh_from_db()
    assert ticket.state == TicketState.WAITING


def test_leave_while_waiting(office, events) -> None:
    ticket, _ = enter(office)
    events.sent.clear()
    leave_queue(ticket)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.LEFT
    assert path(ticket) == [("", "waiting"), ("waiting", "left")]
    assert audit(ticket) == ["ticket.created", "ticket.left"]
    assert events.of(groups.office_queue(office.pk))[0]["op"] == "remove"
    assert events.of(groups.ticket(ticket.pk))[0]["reason"] == "left"
    with pytest.raises(ActionError) as exc:
        leave_queue(ticket)
    assert exc.value.code == "not_waiting"


def test_decline(world, office, events) -> None:
    ticket, _ = enter(office)
    events.sent.clear()
    decline(world.official_a, ticket, "  Bitte buchen Sie einen Termin. ")
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DECLINED
    assert ticket.decline_message == "Bitte buchen Sie einen Termin."
    transition = TicketTransition.objects.get(ticket=ticket, to_state="declined")
    assert transition.actor_id == world.official_a.user_id
    event = events.of(groups.ticket(ticket.pk))[0]
    assert (event["reason"], event["message"]) == ("declined", "Bitte buchen Sie einen Termin.")
    assert "Termin" not in str(AuditEntry.objects.filter(action="ticket.declined").get().data)
    with pytest.raises(ActionError):
        decline(world.official_a, ticket, "again")


def test_connection_opened_and_closed(office, events) -> None:
    ticket, _ = enter(office)
    connection_opened(ticket, "page1")
    ticket.refresh_from_db()
    assert (ticket.disconnected_at, ticket.connection_id) == (None, "page1")
    assert events.of(groups.ticket(ticket.pk))[-1] == {
        "type": "ticket.superseded",
        "ticket": ticket.pk,
        "connection": "page1",
    }

    connection_opened(ticket, "page2")  # a reload: the new page holds the ticket
    connection_closed(ticket, "page1")  # the old page's close must not start the grace period
    ticket.refresh_from_db()
    assert ticket.disconnected_at is None

    connection_closed(ticket, "page2")
    ticket.refresh_from_db()
    assert ticket.disconnected_at is not None


def test_expiry_after_grace(office, settings, events) -> None:
    settings.WAITING_GRACE_SECONDS = 60
    gone, _ = enter(office, "Gone")
    here, _ = enter(office, "Here")
    connection_opened(here, "p")
    t0 = Ticket.objects.get(pk=gone.pk).disconnected_at

    assert expire_stale(now=t0 + timedelta(seconds=59)) == 0
    events.sent.clear()
    assert expire_stale(now=t0 + timedelta(seconds=61)) == 1
    gone.refresh_from_db()
    here.refresh_from_db()
    assert (gone.state, here.state) == (TicketState.EXPIRED, TicketState.WAITING)
    assert gone.state_changed_at == t0 + timedelta(seconds=61)
    assert audit(gone)[-1] == "ticket.expired"
    assert events.of(groups.ticket(gone.pk))[0]["reason"] == "expired"
    assert events.of(groups.office_queue(office.pk))[0]["op"] == "remove"
    assert expire_stale(now=t0 + timedelta(seconds=120)) == 0  # idempotent


def test_reconnect_within_grace_keeps_the_place(office, settings) -> None:
    settings.WAITING_GRACE_SECONDS = 60
    ticket, _ = enter(office)
    connection_opened(ticket, "p")
    connection_closed(ticket, "p")
    connection_opened(ticket, "q")
    assert expire_stale(now=timezone.now() + timedelta(hours=1)) == 0


def test_citizen_gone_during_consultation_is_left_to_the_call(world, office, settings) -> None:
    """A citizen gone from a running call is ended by the call's own grace (CALL_GRACE_SECONDS,
    calls.actions.liveness.end_gone_participants; tests/calls/test_liveness_actions.py), not the waiting
    one."""
    settings.WAITING_GRACE_SECONDS = 60
    ticket, _ = enter(office)
    connection_opened(ticket, "p")
    consultation = admit(world.official_a, office)
    citizen_joined(ticket)
    connection_closed(ticket, "p")
    gone_at = Ticket.objects.get(pk=ticket.pk).disconnected_at
    assert expire_stale(now=gone_at + timedelta(seconds=61)) == 0
    ticket.refresh_from_db()
    consultation.refresh_from_db()
    assert ticket.state == TicketState.IN_CONSULTATION and consultation.ended_at is None


def test_retention_keeps_counts(world, office) -> None:
    old, _ = enter(office, "Alt", "Alte Sache")
    new, _ = enter(office, "Neu", "Neue Sache")
    decline(world.official_a, old, "Nein")
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))
    transitions = TicketTransition.objects.count()
    audit_entries = AuditEntry.objects.count()

    assert delete_personal_data(timezone.now() - timedelta(days=30)) == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.display_name, old.concern, old.decline_message, old.personal_data_deleted) == (
        "",
        "",
        "",
        True,
    )
    assert old.state == TicketState.DECLINED and old.public_label == f"#{old.pk}"
    assert (new.display_name, new.personal_data_deleted) == ("Neu", False)
    assert Ticket.objects.count() == 2
    assert TicketTransition.objects.count() == transitions
    assert AuditEntry.objects.count() == audit_entries
    assert delete_personal_data(timezone.now() - timedelta(days=30)) == 0


def test_rating(world, office) -> None:
    ticket, _ = enter(office)
    with pytest.raises(ActionError) as exc:
        rate(ticket, 5)
    assert exc.value.code == "not_done"
    consultation = admit(world.official_a, office)
    citizen_joined(ticket)
    hang_up(consultation, world.official_a)
    with pytest.raises(ActionError) as exc:
        rate(ticket, 6)
    assert exc.value.code == "invalid_rating"
    assert rate(ticket, 4).rating == 4
    with pytest.raises(ActionError) as exc:
        rate(ticket, 5)
    assert exc.value.code == "already_rated"
    assert Consultation.objects.get().connected_at is not None
