"""The citizen's socket /ws/ticket/: snapshot, positions from queue deltas, resync on a gap, one page per
ticket, and the end of the place."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.course import send_back
from buergerbuero.core import groups
from buergerbuero.offices.models import Office
from buergerbuero.waitingroom.actions import decline, leave_queue
from buergerbuero.waitingroom.models import Ticket, TicketState
from tests.conftest import all_group_members, citizen_cookie, connect, enter, frame_of, frame_where, open_

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


@pytest.fixture
def office(world):
    open_(world.official_a, world.office_a)
    return world.office_a


def waiting(office: Office, n: int) -> list[tuple[Ticket, str]]:
    return [enter(office, f"Person {i}") for i in range(n)]


async def citizen(token: str):
    communicator, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert connected, code
    return communicator


async def test_snapshot(world, office) -> None:
    (_first, _), (second, token) = await db(waiting)(office, 2)
    communicator = await citizen(token)
    snapshot = await communicator.receive_json_from()
    assert snapshot["type"] == "snapshot"
    assert snapshot["ticket"] == {
        "id": second.pk,
        "state": "waiting",
        "name": "Person 1",
        "returned": False,
        "transferred": False,
    }
    assert snapshot["office"] == {"id": office.pk, "name": office.name, "slug": office.slug}
    assert snapshot["position"] == 2
    # One free official takes the first at once; the second waits one round of the default 10 minutes.
    assert snapshot["expected_wait_seconds"] == 600
    state = snapshot["office_state"]
    assert (state["state"], state["waiting"], state["officials_free"]) == ("open_free", 2, 1)
    await communicator.disconnect()


async def test_an_older_session_holding_the_raw_token_still_connects(office) -> None:
    ((ticket, token),) = await db(waiting)(office, 1)
    communicator, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)(token, legacy=True))
    assert connected, code
    snapshot = await frame_of(communicator, "snapshot")
    assert snapshot["ticket"]["id"] == ticket.pk
    await communicator.disconnect()


async def test_connecting_holds_the_place(office) -> None:
    ((ticket, token),) = await db(waiting)(office, 1)
    communicator = await citizen(token)
    await frame_of(communicator, "snapshot")
    refreshed = await db(Ticket.objects.get)(pk=ticket.pk)
    assert refreshed.disconnected_at is None and refreshed.connection_id
    await communicator.disconnect()
    refreshed = await db(Ticket.objects.get)(pk=ticket.pk)
    assert refreshed.disconnected_at is not None  # the grace period starts


async def test_position_moves_when_someone_ahead_is_admitted(world, office) -> None:
    tickets = await db(waiting)(office, 3)
    communicator = await citizen(tickets[2][1])
    assert (await frame_of(communicator, "snapshot"))["position"] == 3
    await db(admit)(world.official_a, office)
    position = await frame_of(communicator, "position")
    # The only official is now busy: one round of a median consultation (600 s) per person ahead.
    assert position == {"type": "position", "position": 2, "expected_wait_seconds": 1200}
    await communicator.disconnect()


async def test_position_moves_when_someone_ahead_leaves_and_not_for_someone_behind(office) -> None:
    (a, _), (_b, token), (c, _) = await db(waiting)(office, 3)
    communicator = await citizen(token)
    assert (await frame_of(communicator, "snapshot"))["position"] == 2
    await db(leave_queue)(c)
    # Behind us: neither position nor expected wait change, so the page gets no frame at all.
    assert await communicator.receive_nothing(timeout=0.3)
    await db(leave_queue)(a)
    assert (await frame_of(communicator, "position"))["position"] == 1
    await communicator.disconnect()


async def test_position_moves_back_when_someone_is_sent_back(world, office) -> None:
    (_a, _), (_b, token) = await db(waiting)(office, 2)
    communicator = await citizen(token)
    assert (await frame_of(communicator, "snapshot"))["position"] == 2
    consultation = await db(admit)(world.official_a, office)
    assert (await frame_where(communicator, type="position"))["position"] == 1
    await db(send_back)(consultation, world.official_a)
    # The one sent back is first in line again (priority 1): this page is second once more.
    assert (await frame_where(communicator, type="position"))["position"] == 2
    await communicator.disconnect()


async def test_seq_gap_makes_the_page_reread_its_position(office) -> None:
    (a, _), (_b, token) = await db(waiting)(office, 2)
    communicator = await citizen(token)
    snapshot = await frame_of(communicator, "snapshot")
    assert snapshot["position"] == 2
    seq = await db(lambda: Office.objects.get(pk=office.pk).queue_seq)()

    # Someone ahead leaves and two queue changes happen whose deltas this page never hears of.
    def silently() -> None:
        Ticket.objects.filter(pk=a.pk).update(state=TicketState.LEFT)
        Office.objects.filter(pk=office.pk).update(queue_seq=seq + 2)

    await db(silently)()
    layer = get_channel_layer()
    event = {
        "type": "queue.delta",
        "office": office.pk,
        "seq": seq + 3,
        "op": "add",
        "key": [0, 2**62, 10**9],
    }
    await layer.group_send(groups.office_queue(office.pk), {"type": "event", "event": event})
    # The delta itself is behind us, so without the gap check the page would say nothing.
    assert await communicator.receive_json_from(timeout=3) == {
        "type": "position",
        "position": 1,
        "expected_wait_seconds": 0,
    }

    # An old delta (seq not above ours) changes nothing.
    stale = {**event, "seq": seq, "key": [-5, 0, 1], "op": "remove"}
    await layer.group_send(groups.office_queue(office.pk), {"type": "event", "event": stale})
    assert await communicator.receive_nothing(timeout=0.1)
    await communicator.disconnect()


async def test_second_page_supersedes_the_first(office) -> None:
    ((ticket, token),) = await db(waiting)(office, 1)
    cookie = await db(citizen_cookie)(token)
    first, connected, _ = await connect("/ws/ticket/", cookie)
    assert connected
    await frame_of(first, "snapshot")
    second, connected, _ = await connect("/ws/ticket/", cookie)
    assert connected
    assert (await frame_of(second, "snapshot"))["position"] == 1

    assert await first.receive_json_from(timeout=3) == {"type": "superseded"}
    assert await first.receive_output(timeout=3) == {"type": "websocket.close", "code": 4409}
    await first.disconnect()
    refreshed = await db(Ticket.objects.get)(pk=ticket.pk)
    assert refreshed.disconnected_at is None  # the old page's close does not start the grace period

    await second.disconnect()
    refreshed = await db(Ticket.objects.get)(pk=ticket.pk)
    assert refreshed.disconnected_at is not None
    assert await all_group_members([groups.ticket(ticket.pk), groups.office_queue(office.pk)]) == {}


async def test_without_ticket_is_closed_4404(world) -> None:
    _, connected, code = await connect("/ws/ticket/")
    assert (connected, code) == (False, 4404)
    _communicator, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)("not-a-token"))
    assert (connected, code) == (False, 4404)


async def test_ended_ticket_is_closed_4404(world, office) -> None:
    ((ticket, token),) = await db(waiting)(office, 1)
    await db(leave_queue)(ticket)
    _communicator, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert (connected, code) == (False, 4404)


async def test_foreign_origin_is_refused(office) -> None:
    ((ticket, token),) = await db(waiting)(office, 1)
    _communicator, connected, _ = await connect(
        "/ws/ticket/", await db(citizen_cookie)(token), origin="https://evil.example"
    )
    assert not connected
    refreshed = await db(Ticket.objects.get)(pk=ticket.pk)
    assert refreshed.connection_id == ""


async def test_leave_frame(office) -> None:
    ((_ticket, token),) = await db(waiting)(office, 1)
    communicator = await citizen(token)
    await frame_of(communicator, "snapshot")
    await communicator.send_json_to({"type": "leave"})
    event = await frame_of(communicator, "ticket.state")
    assert (event["state"], event["reason"]) == ("left", "left")
    await communicator.send_json_to({"type": "leave"})
    error = await frame_of(communicator, "error")
    assert error["code"] == "not_waiting"
    await communicator.disconnect()


async def test_declined_with_message(world, office) -> None:
    ((ticket, token),) = await db(waiting)(office, 1)
    communicator = await citizen(token)
    await frame_of(communicator, "snapshot")
    await db(decline)(world.official_a, ticket, "Bitte morgen wieder.")
    event = await frame_of(communicator, "ticket.state")
    assert (event["state"], event["reason"], event["message"]) == (
        "declined",
        "declined",
        "Bitte morgen wieder.",
    )
    await communicator.disconnect()


async def test_admission_starts_the_call_and_office_close_is_announced(world, office) -> None:
    (_ticket, token), (_other, other_token) = await db(waiting)(office, 2)
    communicator = await citizen(token)
    await frame_of(communicator, "snapshot")
    other_page = await citizen(other_token)
    await frame_of(other_page, "snapshot")

    consultation = await db(admit)(world.official_a, office)
    event = await frame_of(communicator, "ticket.state")
    assert (event["state"], event["reason"], event["consultation"]) == (
        "invited",
        "admitted",
        consultation.pk,
    )
    start = await frame_of(communicator, "call.start")
    assert (start["consultation"], start["role"]) == (consultation.pk, "citizen")

    from buergerbuero.offices.actions import close_office

    await db(close_office)(world.official_a, office)
    event = await frame_of(other_page, "ticket.state")
    assert (event["state"], event["reason"]) == ("expired", "office_closed")
    await communicator.disconnect()
    await other_page.disconnect()


async def test_transferred_page_follows_the_token(world, office) -> None:
    from buergerbuero.calls.actions.course import transfer

    open_b = db(open_)
    await open_b(world.official_b, world.office_b)
    ((ticket, token),) = await db(waiting)(office, 1)
    communicator = await citizen(token)
    await frame_of(communicator, "snapshot")
    consultation = await db(admit)(world.official_a, office)
    await frame_of(communicator, "call.start")
    new = await db(transfer)(consultation, world.official_a, world.office_b, "Förderung")
    event = await frame_of(communicator, "ticket.state")
    assert (event["state"], event["reason"]) == ("transferred", "transferred")
    snapshot = await frame_of(communicator, "snapshot")
    assert snapshot["ticket"]["id"] == new.pk and snapshot["ticket"]["transferred"] is True
    assert snapshot["office"]["id"] == world.office_b.pk and snapshot["position"] == 1
    await communicator.disconnect()
    assert (
        await all_group_members(
            [
                groups.ticket(ticket.pk),
                groups.ticket(new.pk),
                groups.office_queue(office.pk),
                groups.office_queue(world.office_b.pk),
                groups.consultation(consultation.pk),
            ]
        )
        == {}
    )
