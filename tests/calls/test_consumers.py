"""Signalling and chat inside a consultation, over the citizen's and the officials' sockets: only joined
participants of the same running consultation reach each other."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time

import pytest
from channels.db import database_sync_to_async

from buergerbuero.audit.models import AuditEntry
from buergerbuero.calls.actions.admission import admit
from buergerbuero.calls.actions.colleagues import answer_invitation, invite_colleague
from buergerbuero.calls.models import Participant
from buergerbuero.core import groups
from tests.conftest import (
    all_group_members,
    citizen_cookie,
    connect,
    drain,
    enter,
    frame_of,
    frame_where,
    frames_until,
    open_,
    staff_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async
OFFER = {"type": "offer", "sdp": "v=0\r\n"}


async def staff_socket(staff):
    communicator, connected, code = await connect("/ws/staff/", await db(staff_cookie)(staff))
    assert connected, code
    await frame_of(communicator, "snapshot")
    return communicator


async def citizen_socket(token: str):
    communicator, connected, code = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert connected, code
    await frame_of(communicator, "snapshot")
    return communicator


@pytest.fixture
def call(world):
    """Office A open with one citizen waiting, and office B open with another."""
    open_(world.official_a, world.office_a)
    open_(world.official_b, world.office_b)
    _, token = enter(world.office_a, "Erika")
    _, token_b = enter(world.office_b, "Bodo")
    return token, token_b


async def everyone_joined(page) -> None:
    """Skip frames up to the participants frame that shows every participant joined (the one from
    the admission itself, with the citizen not joined yet, may come first)."""
    while True:
        frame = await frame_of(page, "call.participants")
        if all(p["joined"] for p in frame["participants"]):
            return


async def start_call(world, token: str):
    """The official admits, both pages get call.start, the citizen joins: both are peers."""
    official = await staff_socket(world.official_a)
    citizen = await citizen_socket(token)
    consultation = await db(admit)(world.official_a, world.office_a)
    official_start = await frame_of(official, "call.start")
    citizen_start = await frame_of(citizen, "call.start")
    await citizen.send_json_to({"type": "call.join"})
    await everyone_joined(official)
    await everyone_joined(citizen)
    return consultation, official, citizen, official_start["me"], citizen_start["me"]


async def test_signal_between_joined_participants(world, call) -> None:
    _consultation, official, citizen, official_id, citizen_id = await start_call(world, call[0])
    await official.send_json_to({"type": "signal", "to": citizen_id, "description": OFFER})
    assert await frame_of(citizen, "signal") == {"type": "signal", "from": official_id, "description": OFFER}
    candidate = {"candidate": "candidate:1 1 udp 1 192.0.2.1 5000 typ host", "sdpMid": "0"}
    await citizen.send_json_to({"type": "signal", "to": official_id, "candidate": candidate})
    assert await frame_of(official, "signal") == {
        "type": "signal",
        "from": citizen_id,
        "candidate": candidate,
    }
    await official.disconnect()
    await citizen.disconnect()


async def test_admitted_citizen_and_official_signal_before_the_join_is_recorded(world, call) -> None:
    """Admission makes the citizen a party: their first offer must not wait for call.join's write."""
    official = await staff_socket(world.official_a)
    citizen = await citizen_socket(call[0])
    await db(admit)(world.official_a, world.office_a)
    official_id = (await frame_of(official, "call.start"))["me"]
    citizen_id = (await frame_of(citizen, "call.start"))["me"]
    await citizen.send_json_to({"type": "signal", "to": official_id, "description": OFFER})
    assert await frame_of(official, "signal") == {"type": "signal", "from": citizen_id, "description": OFFER}
    await official.send_json_to({"type": "signal", "to": citizen_id, "description": OFFER})
    assert await frame_of(citizen, "signal") == {"type": "signal", "from": official_id, "description": OFFER}
    await official.disconnect()
    await citizen.disconnect()


async def test_outsiders_cannot_signal(world, call) -> None:
    _consultation, official, citizen, official_id, citizen_id = await start_call(world, call[0])
    # Not in any consultation.
    outsider = await staff_socket(world.official_a2)
    await outsider.send_json_to({"type": "signal", "to": citizen_id, "description": OFFER})
    assert (await frame_of(outsider, "error"))["code"] == "not_in_call"

    # A participant of another consultation cannot signal into this one.
    other = await staff_socket(world.official_b)
    await db(admit)(world.official_b, world.office_b)
    await frame_of(other, "call.start")
    for to in (citizen_id, official_id):
        await other.send_json_to({"type": "signal", "to": to, "description": OFFER})
        assert (await frame_of(other, "error"))["code"] == "forbidden"
    assert not [f for f in await drain(citizen) if f["type"] in ("signal", "chat")]
    assert not [f for f in await drain(official) if f["type"] in ("signal", "chat")]
    for communicator in (official, citizen, outsider, other):
        await communicator.disconnect()


async def test_invited_colleague_cannot_signal_until_accepted(world, call) -> None:
    consultation, official, citizen, _official_id, citizen_id = await start_call(world, call[0])
    colleague = await staff_socket(world.official_a2)
    participant = await db(invite_colleague)(consultation, world.official_a, world.official_a2)
    invited = await frame_of(colleague, "colleague.invited")
    assert invited["participant"] == participant.pk
    await colleague.send_json_to({"type": "signal", "to": citizen_id, "description": OFFER})
    assert (await frame_of(colleague, "error"))["code"] == "not_in_call"

    await db(answer_invitation)(participant, world.official_a2, True)
    start = await frame_of(colleague, "call.start")
    assert start["me"] == participant.pk and start["role"] == "colleague"
    await frame_where(citizen, type="call.participants")
    await colleague.send_json_to({"type": "signal", "to": citizen_id, "description": OFFER})
    assert await frame_of(citizen, "signal") == {
        "type": "signal",
        "from": participant.pk,
        "description": OFFER,
    }

    # The colleague leaves: its page leaves the call, the others stop accepting its signals.
    await colleague.send_json_to({"type": "call.hangup"})
    ended = await frame_of(colleague, "call.ended")
    assert ended["consultation"] == consultation.pk
    await colleague.send_json_to({"type": "signal", "to": citizen_id, "description": OFFER})
    assert (await frame_of(colleague, "error"))["code"] == "not_in_call"
    # The official's page hears that the colleague is gone (earlier participant lists may be queued first).
    while True:
        listed = (await frame_of(official, "call.participants"))["participants"]
        if participant.pk not in {p["id"] for p in listed}:
            break
    for communicator in (official, citizen, colleague):
        await communicator.disconnect()


async def test_bad_signals(world, call) -> None:
    _consultation, official, citizen, official_id, citizen_id = await start_call(world, call[0])
    for frame, code in [
        ({"type": "signal", "to": "x", "description": OFFER}, "invalid"),
        ({"type": "signal", "to": citizen_id}, "invalid"),
        ({"type": "signal", "to": citizen_id, "description": OFFER, "candidate": {}}, "invalid"),
        ({"type": "signal", "to": citizen_id, "description": "text"}, "invalid"),
        ({"type": "signal", "to": official_id, "description": OFFER}, "forbidden"),  # to oneself
    ]:
        await official.send_json_to(frame)
        assert (await frame_of(official, "error"))["code"] == code, frame
    assert not [f for f in await drain(citizen) if f["type"] in ("signal", "chat")]
    await official.disconnect()
    await citizen.disconnect()


async def test_chat_reaches_all_participants(world, call) -> None:
    consultation, official, citizen, _official_id, citizen_id = await start_call(world, call[0])
    await citizen.send_json_to({"type": "chat", "text": "  Hallo, hören Sie mich? "})
    for page in (official, citizen):
        chat = await frame_of(page, "chat")
        assert (chat["from"], chat["name"], chat["text"], chat["consultation"]) == (
            citizen_id,
            "Erika",
            "Hallo, hören Sie mich?",
            consultation.pk,
        )
        assert chat["at"]
    await official.send_json_to({"type": "chat", "text": "x" * 2001})
    assert (await frame_of(official, "error"))["code"] == "too_large"
    await official.send_json_to({"type": "chat", "text": "   "})
    assert (await frame_of(official, "error"))["code"] == "invalid"
    assert not [f for f in await drain(citizen) if f["type"] in ("signal", "chat")]
    await official.disconnect()
    await citizen.disconnect()


async def test_chat_outside_a_call(world, call) -> None:
    page = await citizen_socket(call[0])
    await page.send_json_to({"type": "chat", "text": "Hallo?"})
    assert (await frame_of(page, "error"))["code"] == "not_in_call"
    await page.disconnect()


async def test_hang_up_by_official_ends_the_call_for_everyone(world, call) -> None:
    consultation, official, citizen, official_id, citizen_id = await start_call(world, call[0])
    await official.send_json_to({"type": "call.hangup"})
    assert (await frames_until(official, "call.ended"))[-1] == {
        "type": "call.ended",
        "consultation": consultation.pk,
        "reason": "hangup_official",
    }
    seen = await frames_until(citizen, "call.ended")
    assert seen[-1]["reason"] == "hangup_official"
    assert [(f["state"], f["reason"]) for f in seen if f["type"] == "ticket.state"] == [("done", "done")]
    await official.send_json_to({"type": "signal", "to": citizen_id, "description": OFFER})
    assert (await frame_of(official, "error"))["code"] == "not_in_call"
    await official.disconnect()
    await citizen.disconnect()
    assert (
        await all_group_members(
            [
                groups.consultation(consultation.pk),
                groups.participant(official_id),
                groups.participant(citizen_id),
            ]
        )
        == {}
    )


async def test_hang_up_by_citizen(world, call) -> None:
    _consultation, official, citizen, _official_id, _citizen_id = await start_call(world, call[0])
    await citizen.send_json_to({"type": "call.hangup"})
    for page in (official, citizen):
        assert (await frame_of(page, "call.ended"))["reason"] == "hangup_citizen"
    await official.disconnect()
    await citizen.disconnect()


async def test_reconnecting_page_gets_call_start_again(world, call) -> None:
    consultation, official, citizen, official_id, citizen_id = await start_call(world, call[0])
    await citizen.disconnect()
    again, connected, _ = await connect("/ws/ticket/", await db(citizen_cookie)(call[0]))
    assert connected
    snapshot = await frame_of(again, "snapshot")
    assert snapshot["ticket"]["state"] == "in_consultation"
    start = await frame_of(again, "call.start")
    assert start["me"] == citizen_id
    await official.send_json_to({"type": "signal", "to": citizen_id, "description": OFFER})
    assert (await frame_of(again, "signal"))["from"] == official_id
    await official.disconnect()
    await again.disconnect()
    members = await all_group_members([groups.consultation(consultation.pk), groups.participant(citizen_id)])
    assert members == {}
    assert await db(Participant.objects.filter(consultation=consultation, left_at__isnull=True).count)() == 2


async def test_citizen_offer_right_after_joining_is_delivered(world, call) -> None:
    """The page sends its first offer straight after call.join; the participants event that says the
    citizen joined may reach the consumer only after that offer (browser tests showed it)."""
    official = await staff_socket(world.official_a)
    citizen = await citizen_socket(call[0])
    await db(admit)(world.official_a, world.office_a)
    official_id = (await frame_of(official, "call.start"))["me"]
    citizen_id = (await frame_of(citizen, "call.start"))["me"]
    await citizen.send_json_to({"type": "call.join"})
    await citizen.send_json_to({"type": "signal", "to": official_id, "description": OFFER})
    assert await frame_of(official, "signal") == {"type": "signal", "from": citizen_id, "description": OFFER}
    frames = await drain(citizen)
    assert not [f for f in frames if f["type"] == "error"], frames
    await official.disconnect()
    await citizen.disconnect()


async def citizen_page(token: str, page: str):
    communicator, connected, code = await connect(f"/ws/ticket/?page={page}", await db(citizen_cookie)(token))
    assert connected, code
    await frame_of(communicator, "snapshot")
    return communicator


async def page_recorded(participant_id: int, page: str) -> None:
    """Wait until the citizen's page, recorded beside the frame loop, is written (bounded)."""
    for _ in range(300):
        if await db(Participant.objects.filter(pk=participant_id, call_page=page).exists)():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"page {page} of participant {participant_id} was not recorded")


async def test_citizen_reload_has_the_official_connect_afresh(world, call) -> None:
    """A reloaded citizen's page has new peer connections: the official's page hears of it (call.moved)
    before the new page's first offer, instead of renegotiating on its connection to the page that went."""
    official = await staff_socket(world.official_a)
    citizen = await citizen_page(call[0], "first-page-1")
    consultation = await db(admit)(world.official_a, world.office_a)
    official_id = (await frame_of(official, "call.start"))["me"]
    citizen_id = (await frame_of(citizen, "call.start"))["me"]
    await citizen.send_json_to({"type": "call.join"})
    await everyone_joined(official)
    await page_recorded(citizen_id, "first-page-1")

    # A reconnect of the same page: its peer connections carry on, so the official's page is told nothing.
    await citizen.disconnect()
    citizen = await citizen_page(call[0], "first-page-1")
    await frame_of(citizen, "call.start")
    await citizen.send_json_to({"type": "signal", "to": official_id, "description": OFFER})
    frames = await frames_until(official, "signal")
    assert not [f for f in frames if f["type"] == "call.moved"], frames

    # A reload (a new page id): call.moved first, then the new page's offer.
    reloaded = await citizen_page(call[0], "second-page-2")
    assert (await frame_of(citizen, "superseded"))["type"] == "superseded"
    assert (await frame_of(reloaded, "call.start"))["me"] == citizen_id
    await reloaded.send_json_to({"type": "call.join"})
    await reloaded.send_json_to({"type": "signal", "to": official_id, "description": OFFER})
    frames = await frames_until(official, "signal")
    moved = [f for f in frames if f["type"] == "call.moved"]
    assert moved == [{"type": "call.moved", "consultation": consultation.pk, "participant": citizen_id}]
    assert frames.index(moved[0]) < len(frames) - 1
    assert frames[-1] == {"type": "signal", "from": citizen_id, "description": OFFER}
    participant = await db(Participant.objects.get)(pk=citizen_id)
    assert participant.call_page == "second-page-2"
    assert (
        await db(
            AuditEntry.objects.filter(action="consultation.call_moved", data__participant=citizen_id).count
        )()
        == 1
    )
    await official.disconnect()
    await reloaded.disconnect()


async def test_citizen_page_with_a_malformed_id(world, call) -> None:
    """A malformed page id is answered with an error frame; the page works on, and its reconnects and
    reloads are then not told apart (nothing is announced)."""
    official = await staff_socket(world.official_a)
    communicator, connected, _ = await connect("/ws/ticket/?page=bad%20id", await db(citizen_cookie)(call[0]))
    assert connected
    frames = await frames_until(communicator, "snapshot")
    assert [f["code"] for f in frames if f["type"] == "error"] == ["invalid"]
    await db(admit)(world.official_a, world.office_a)
    citizen_id = (await frame_of(communicator, "call.start"))["me"]
    await frame_of(official, "call.start")
    await communicator.disconnect()
    again = await citizen_page(call[0], "proper-page-1")
    await frame_of(again, "call.start")
    assert not [f for f in await drain(official) if f["type"] == "call.moved"]
    assert (await db(Participant.objects.get)(pk=citizen_id)).call_page == "proper-page-1"
    await official.disconnect()
    await again.disconnect()


async def test_page_gets_fresh_turn_credentials_while_the_call_runs(
    world, call, settings, monkeypatch
) -> None:
    """Short-lived TURN credentials are renewed by the connection that holds the call (call.ice), before
    they expire, and no longer once the call is over."""
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.TURN_SECRET = "s3cr3t-shared-with-coturn"
    settings.TURN_CREDENTIAL_TTL_SECONDS = 600
    # Renew every 0.3 s instead of a minute before expiry, so the test is quick; the credentials stay valid
    # for ten minutes, so no check below depends on how fast a loaded machine delivers the frames.
    monkeypatch.setattr("buergerbuero.calls.consumers.renewal_delay", lambda: 0.3)
    official = await staff_socket(world.official_a)
    citizen = await citizen_socket(call[0])
    consultation = await db(admit)(world.official_a, world.office_a)
    starts = [await frame_of(page, "call.start") for page in (official, citizen)]
    for page, start in zip((official, citizen), starts, strict=True):
        first = start["ice"]["iceServers"][0]
        for _ in range(2):
            renewal = await frame_of(page, "call.ice", timeout=10)
            assert renewal["consultation"] == consultation.pk
            relay = renewal["ice"]["iceServers"][0]
            assert relay["urls"] == settings.TURN_URLS
            assert relay["username"].endswith(f":bb{start['me']}")
            # Valid now and later than the ones before (the page never holds only expired ones).
            assert int(relay["username"].split(":")[0]) > time.time()
            assert int(relay["username"].split(":")[0]) >= int(first["username"].split(":")[0])
            assert (
                relay["credential"]
                == base64.b64encode(
                    hmac.new(settings.TURN_SECRET.encode(), relay["username"].encode(), hashlib.sha1).digest()
                ).decode()
            )
            first = relay
    await official.send_json_to({"type": "call.hangup"})
    for page in (official, citizen):
        await frame_of(page, "call.ended")
    # Renewals stop with the call: none within three renewal periods.
    for page in (official, citizen):
        assert not [f for f in await drain(page) if f["type"] == "call.ice"]
    assert await official.receive_nothing(timeout=3)
    await official.disconnect()
    await citizen.disconnect()
