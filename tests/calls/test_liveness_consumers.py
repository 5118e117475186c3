"""Nobody waits in a call for someone who has gone, over the real sockets: the page that holds a call
closes, and after the grace the background job's action (calls.actions.liveness.end_gone_participants, run
with the clock moved explicitly) ends that participant's part; a page that comes back in time keeps the
call."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.colleagues import answer_invitation, invite_colleague
from buergerbuero.calls.actions.liveness import end_gone_participants
from buergerbuero.calls.models import Consultation, EndReason, Participant, ParticipantRole
from buergerbuero.site.jobs import run_expiry
from buergerbuero.waitingroom.models import Ticket, TicketState
from tests.conftest import citizen_cookie, connect, drain, enter, frame_of, open_, staff_cookie

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async
GRACE = 30


@pytest.fixture(autouse=True)
def _grace(settings) -> None:
    settings.CALL_GRACE_SECONDS = GRACE


async def workspace(staff, page: str):
    communicator, connected, code = await connect(f"/ws/staff/?page={page}", await db(staff_cookie)(staff))
    assert connected, code
    await frame_of(communicator, "snapshot")
    return communicator


async def citizen_page(token: str):
    communicator, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert connected, code
    await frame_of(communicator, "snapshot")
    return communicator


def holding_connection(participant_id: int) -> str:
    return Participant.objects.get(pk=participant_id).call_connection


async def held(participant_id: int) -> None:
    """Wait until the page's socket has written down that it holds the call (it does so beside its frame
    loop, after call.start). A condition, not a clock: it returns as soon as the row says so."""
    for _ in range(500):
        if await db(holding_connection)(participant_id):
            return
        await db(Participant.objects.count)()  # yields to the socket's thread without a timed sleep
    raise AssertionError("the page never held the call")


async def running_call(world):
    """Anna and Alex attend office A; a citizen waits behind another one; Anna lets the second in from
    her workspace page, and the citizen's page joins the call."""
    await db(open_)(world.official_a, world.office_a)
    await db(open_)(world.official_a2, world.office_a)
    first, _ = await db(enter)(world.office_a, "Erste")
    ticket, token = await db(enter)(world.office_a, "Zweite")
    official = await workspace(world.official_a, "tab-of-anna-1")
    citizen = await citizen_page(token)
    consultation = await db(admit)(world.official_a, world.office_a, ticket.pk, page="tab-of-anna-1")
    official_start = await frame_of(official, "call.start")
    await frame_of(citizen, "call.start")
    await citizen.send_json_to({"type": "call.join"})
    await frame_of(citizen, "ticket.state")  # joined
    await held(official_start["me"])
    return consultation, ticket, first, official, citizen, official_start["me"]


def later() -> datetime:
    return timezone.now() + timedelta(seconds=GRACE + 1)


def consultation_state(consultation_id: int) -> tuple[object, str]:
    consultation = Consultation.objects.get(pk=consultation_id)
    return consultation.ended_at, consultation.end_reason


async def test_official_page_closed_citizen_is_first_in_line_again(world) -> None:
    consultation, ticket, _first, official, citizen, _me = await running_call(world)
    await official.disconnect()

    assert await db(end_gone_participants)(later()) == 1

    ended = await frame_of(citizen, "call.ended")
    assert ended == {"type": "call.ended", "consultation": consultation.pk, "reason": "official_gone"}
    state = await frame_of(citizen, "ticket.state")
    assert (state["state"], state["reason"]) == ("waiting", "official_gone")
    snapshot = await frame_of(citizen, "snapshot")
    assert snapshot["position"] == 1 and snapshot["ticket"]["returned"] is True
    assert (await db(Ticket.objects.get)(pk=ticket.pk)).state == TicketState.WAITING
    # The citizen's page is no longer in the call: a signal now is refused.
    await citizen.send_json_to({"type": "chat", "text": "Hallo?"})
    assert (await frame_of(citizen, "error"))["code"] == "not_in_call"
    await citizen.disconnect()


async def test_the_background_job_ends_the_call(world) -> None:
    """run_expiry (the job every web process runs every few seconds) is what ends it in production."""
    consultation, _ticket, _first, official, citizen, me = await running_call(world)
    await official.disconnect()
    # Moved into the past instead of waiting: the page has been gone for longer than the grace.
    gone_at = timezone.now() - timedelta(seconds=GRACE + 1)
    await db(Participant.objects.filter(pk=me).update)(connection_lost_at=gone_at)

    assert await db(run_expiry)() == 1

    assert (await frame_of(citizen, "call.ended"))["reason"] == "official_gone"
    assert (await db(consultation_state)(consultation.pk))[1] == EndReason.OFFICIAL_GONE
    await citizen.disconnect()


async def test_official_page_back_within_the_grace_resumes(world) -> None:
    consultation, _ticket, _first, official, citizen, me = await running_call(world)
    await official.disconnect()

    # The same page's socket reconnects (network back, lid opened): the call is its own again.
    back = await workspace(world.official_a, "tab-of-anna-1")
    assert (await frame_of(back, "call.start"))["me"] == me
    await held(me)
    assert await db(end_gone_participants)(later()) == 0

    assert await db(consultation_state)(consultation.pk) == (None, "")
    await back.send_json_to({"type": "chat", "text": "Da bin ich wieder."})
    assert (await frame_of(citizen, "chat"))["text"] == "Da bin ich wieder."
    assert not [f for f in await drain(citizen) if f["type"] in ("call.ended", "ticket.state")]
    await back.disconnect()
    await citizen.disconnect()


async def test_citizen_page_closed_official_is_told(world) -> None:
    consultation, ticket, _first, official, citizen, _me = await running_call(world)
    await citizen.disconnect()

    assert await db(end_gone_participants)(later()) == 1

    ended = await frame_of(official, "call.ended")
    assert ended == {"type": "call.ended", "consultation": consultation.pk, "reason": "citizen_gone"}
    assert (await db(Ticket.objects.get)(pk=ticket.pk)).state == TicketState.DONE
    state = await frame_of(official, "office.state")
    assert state["officials_free"] == 2
    await official.disconnect()


async def test_citizen_page_back_within_the_grace_resumes(world) -> None:
    consultation, ticket, _first, official, citizen, _me = await running_call(world)
    await citizen.disconnect()
    citizen = await citizen_page(await db(_new_token)(ticket.pk))
    assert (await frame_of(citizen, "call.start"))["consultation"] == consultation.pk

    assert await db(end_gone_participants)(later()) == 0

    assert await db(consultation_state)(consultation.pk) == (None, "")
    await official.disconnect()
    await citizen.disconnect()


def _new_token(ticket_id: int) -> str:
    from buergerbuero.waitingroom.actions import new_ticket_token

    return new_ticket_token(Ticket.objects.get(pk=ticket_id))


async def test_colleague_page_closed_others_are_told(world) -> None:
    consultation, _ticket, _first, official, citizen, _me = await running_call(world)
    invitation = await db(invite_colleague)(consultation, world.official_a, world.official_a2)
    colleague_page = await workspace(world.official_a2, "tab-of-alex-1")
    await db(answer_invitation)(invitation, world.official_a2, True, "tab-of-alex-1")
    assert (await frame_of(colleague_page, "call.start"))["me"] == invitation.pk
    await held(invitation.pk)
    await colleague_page.disconnect()

    assert await db(end_gone_participants)(later()) == 1

    for page in (official, citizen):
        while True:
            frame = await frame_of(page, "call.participants")
            if invitation.pk not in {p["id"] for p in frame["participants"]}:
                break
        assert {p["role"] for p in frame["participants"]} == {
            ParticipantRole.OFFICIAL,
            ParticipantRole.CITIZEN,
        }
    assert await db(consultation_state)(consultation.pk) == (None, "")
    assert not [f for f in await drain(official) if f["type"] == "call.ended"]
    await official.disconnect()
    await citizen.disconnect()
