"""The room socket /ws/room/<id>/: access before any group, no group leak, the snapshot, a frame for every
action, malformed frames, the lobby, removal for good, locked rooms and the end for everyone."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from buergerbuero.core import groups
from buergerbuero.rooms.actions import activity, lifecycle, moderation
from buergerbuero.rooms.models import Attendance, ChatMessage, Member, MemberRole, PresenceAnswer, Room
from tests.conftest import all_group_members, connect, drain, frame_of, staff_cookie
from tests.rooms.conftest import Session, make_session, token_cookie

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def path(room: Room | int) -> str:
    return f"/ws/room/{room if isinstance(room, int) else room.pk}/"


async def open_as(room: Room, cookie: str | None):
    communicator, connected, code = await connect(path(room), cookie)
    assert connected, code
    return communicator


async def participant(s: Session, token: str | None = None):
    return await open_as(s.room, await db(token_cookie)(s.room.pk, token or s.erika_token))


async def moderator(s: Session, world):
    return await open_as(s.room, await db(staff_cookie)(world.official_a))


async def inside(communicator) -> dict:
    return await frame_of(communicator, "room.snapshot")


async def closed_with(communicator, code: int) -> None:
    output = await communicator.receive_output(timeout=3)
    while output["type"] != "websocket.close":
        output = await communicator.receive_output(timeout=3)
    assert output["code"] == code


async def room_groups(s: Session) -> dict[str, set[str]]:
    ids = await db(lambda: list(Member.objects.filter(room=s.room).values_list("pk", flat=True)))()
    return await all_group_members([groups.room(s.room.pk)] + [groups.room_member(i) for i in ids])


# --- access -------------------------------------------------------------------------------------------


async def test_participant_with_a_link_gets_the_snapshot_and_an_attendance(world) -> None:
    s = await db(make_session)(world)
    page = await participant(s)
    snap = await inside(page)
    assert snap["me"]["id"] == s.erika.pk and snap["me"]["moderator"] is False
    assert snap["room"]["title"] == "Belehrung § 43 IfSG"
    assert "lobby" not in snap
    assert await db(Attendance.objects.filter(member=s.erika, left_at__isnull=True).count)() == 1
    found = await room_groups(s)
    assert found[groups.room(s.room.pk)] and found[groups.room_member(s.erika.pk)]
    await page.disconnect()
    assert await db(Attendance.objects.filter(left_at__isnull=True).count)() == 0
    assert await room_groups(s) == {}


@pytest.mark.parametrize(
    "who", ["nobody", "wrong_token", "token_of_other_room", "official_not_member", "other_admin"]
)
async def test_outsiders_are_refused_before_any_group(world, who) -> None:
    s = await db(make_session)(world)
    other = await db(make_session)(world)
    cookie = {
        "nobody": None,
        "wrong_token": await db(token_cookie)(s.room.pk, "not-a-token"),
        # A valid link of another room, filed under this room's id.
        "token_of_other_room": await db(token_cookie)(s.room.pk, other.erika_token),
        "official_not_member": await db(staff_cookie)(world.official_b),
        "other_admin": await db(staff_cookie)(world.other_admin),
    }[who]
    page = await open_as(s.room, cookie)
    refused = await frame_of(page, "room.refused")
    assert refused["reason"] == "forbidden" and refused["message"]
    await closed_with(page, 4403)
    assert await room_groups(s) == {}


async def test_no_such_room(world) -> None:
    page = await open_as(Room(pk=999999), None)
    assert (await frame_of(page, "room.refused"))["reason"] == "forbidden"
    await closed_with(page, 4403)


async def test_authority_admin_enters_as_moderator(world) -> None:
    s = await db(make_session)(world)
    page = await open_as(s.room, await db(staff_cookie)(world.admin))
    snap = await inside(page)
    assert snap["me"]["role"] == MemberRole.MODERATOR and snap["me"]["moderator"] is True
    assert snap["lobby"] == []
    await page.disconnect()


async def test_removed_member_cannot_rejoin(world) -> None:
    s = await db(make_session)(world)
    mod = await moderator(s, world)
    await inside(mod)
    page = await participant(s)
    await inside(page)
    await mod.send_json_to({"type": "member.remove", "member": s.erika.pk})
    removed = await frame_of(page, "room.removed")
    assert removed["reason"] == "removed" and removed["message"]
    await closed_with(page, 4403)
    again = await participant(s)
    assert (await frame_of(again, "room.refused"))["reason"] == "removed"
    await closed_with(again, 4403)
    found = await room_groups(s)
    assert groups.room_member(s.erika.pk) not in found
    await mod.disconnect()


async def test_locked_room_refuses_newcomers_only(world) -> None:
    s = await db(make_session)(world)
    page = await participant(s)
    await inside(page)
    await page.disconnect()
    await db(lifecycle.lock)(s.room, actor=s.moderator)
    newcomer = await participant(s, s.max_token)
    refused = await frame_of(newcomer, "room.refused")
    assert refused["reason"] == "locked"
    await closed_with(newcomer, 4423)
    back = await participant(s)
    await inside(back)
    await back.disconnect()


async def test_ended_room_refused(world) -> None:
    s = await db(make_session)(world)
    await db(lifecycle.end_room)(s.room, actor=s.moderator)
    page = await participant(s)
    assert (await frame_of(page, "room.refused"))["reason"] == "ended"
    await closed_with(page, 4410)


# --- before the start, the lobby ----------------------------------------------------------------------------


async def test_page_waits_for_the_start_and_opens_by_itself(world) -> None:
    s = await db(make_session)(world, live=False)
    page = await participant(s)
    waiting = await frame_of(page, "room.scheduled")
    assert waiting["room"]["state"] == "scheduled"
    found = await room_groups(s)
    assert groups.room(s.room.pk) not in found  # not inside yet
    mod = await moderator(s, world)
    snap = await inside(mod)
    assert snap["room"]["state"] == "scheduled"
    await mod.send_json_to({"type": "room.start"})
    snap = await inside(page)
    assert snap["room"]["state"] == "live"
    assert (await frame_of(mod, "room.state"))["room"]["state"] == "live"
    assert await db(Attendance.objects.filter(left_at__isnull=True).count)() == 2
    await page.disconnect()
    await mod.disconnect()


async def test_lobby_admit(world) -> None:
    s = await db(make_session)(world, lobby=True)
    mod = await moderator(s, world)
    await inside(mod)
    page = await participant(s)
    assert (await frame_of(page, "room.lobby"))["room"]["lobby"] is True
    listed = await frame_of(mod, "room.lobby_list")
    assert [w["id"] for w in listed["waiting"]] == [s.erika.pk]
    found = await room_groups(s)
    # The lobby page is only in its member's group; the room's group holds the moderator alone.
    assert len(found[groups.room(s.room.pk)]) == 1 and found[groups.room_member(s.erika.pk)]
    await page.send_json_to({"type": "chat.send", "text": "Hallo?"})
    assert (await frame_of(page, "error"))["code"] == "not_in_room"
    await mod.send_json_to({"type": "lobby.admit", "member": s.erika.pk})
    await frame_of(page, "room.admitted")
    snap = await inside(page)
    assert snap["me"]["id"] == s.erika.pk
    assert (await frame_of(mod, "room.lobby_list"))["waiting"] == []
    await page.disconnect()
    await mod.disconnect()


async def test_lobby_decline_and_leaving_the_lobby(world) -> None:
    s = await db(make_session)(world, lobby=True)
    mod = await moderator(s, world)
    await inside(mod)
    max_page = await participant(s, s.max_token)
    await frame_of(max_page, "room.lobby")
    await frame_of(mod, "room.lobby_list")
    await max_page.disconnect()
    assert (await frame_of(mod, "room.lobby_list"))["waiting"] == []
    page = await participant(s)
    await frame_of(page, "room.lobby")
    await mod.send_json_to({"type": "lobby.decline", "member": s.erika.pk})
    assert (await frame_of(page, "room.removed"))["reason"] == "declined"
    await closed_with(page, 4403)
    await mod.disconnect()


# --- frames -----------------------------------------------------------------------------------------


async def test_hands_speak_mute_and_chat_reach_everyone(world) -> None:
    s = await db(make_session)(world)
    mod = await moderator(s, world)
    await inside(mod)
    page = await participant(s)
    await inside(page)
    await page.send_json_to({"type": "hand.raise"})
    assert (await frame_of(mod, "room.hands"))["hands"] == [s.erika.pk]
    await mod.send_json_to({"type": "speak.grant", "member": s.erika.pk})
    granted = await frame_of(page, "room.member")
    while not granted["member"]["may_speak"]:
        granted = await frame_of(page, "room.member")
    assert "permissions" not in granted
    await mod.send_json_to({"type": "members.mute_all"})
    muted = await frame_of(page, "room.members")
    assert next(m for m in muted["members"] if m["id"] == s.erika.pk)["audio_muted"] is True
    await page.send_json_to({"type": "chat.send", "text": "Danke!"})
    chat = await frame_of(mod, "room.chat")
    assert chat["message"]["text"] == "Danke!" and chat["message"]["name"] == "Erika Muster"
    await mod.send_json_to({"type": "chat.delete", "message": chat["message"]["id"]})
    assert (await frame_of(page, "room.chat_deleted"))["message"] == chat["message"]["id"]
    await mod.send_json_to({"type": "hands.lower_all"})
    await mod.send_json_to({"type": "member.stop_video", "member": s.erika.pk})
    await mod.send_json_to({"type": "member.promote", "member": s.erika.pk})
    await mod.send_json_to({"type": "member.demote", "member": s.erika.pk})
    await mod.send_json_to({"type": "member.mute", "member": s.erika.pk})
    await mod.send_json_to({"type": "speak.revoke", "member": s.erika.pk})
    await mod.send_json_to({"type": "stage.set", "stage": {"kind": "material", "url": "/x.png"}})
    assert (await frame_of(page, "room.stage"))["stage"]["url"] == "/x.png"
    erika = await db(Member.objects.get)(pk=s.erika.pk)
    assert (erika.role, erika.may_speak, erika.audio_muted, erika.video_stopped) == (
        "participant",
        False,
        True,
        True,
    )
    assert not [f for f in await drain(mod) if f["type"] == "error"]
    await page.disconnect()
    await mod.disconnect()


async def test_a_moderators_mute_holds_until_a_moderator_lifts_it(world) -> None:
    """A participant cannot undo a moderator's mute; a moderator lifts it."""
    s = await db(make_session)(world)
    mod = await moderator(s, world)
    await inside(mod)
    page = await participant(s)
    await inside(page)
    await mod.send_json_to({"type": "member.mute", "member": s.erika.pk})
    await mod.send_json_to({"type": "member.stop_video", "member": s.erika.pk})
    changed = await frame_of(page, "room.member")
    while not changed["member"]["video_stopped"]:
        changed = await frame_of(page, "room.member")
    for kind in ("audio", "video"):
        await page.send_json_to({"type": "me.unmute", "kind": kind})
        assert (await frame_of(page, "error"))["code"] == "unknown_type"
        await page.send_json_to({"type": "member.unmute", "member": s.erika.pk, "kind": kind})
        assert (await frame_of(page, "error"))["code"] == "forbidden"
    erika = await db(Member.objects.get)(pk=s.erika.pk)
    assert erika.audio_muted and erika.video_stopped
    await mod.send_json_to({"type": "member.unmute", "member": s.erika.pk, "kind": "audio"})
    lifted = await frame_of(page, "room.member")
    assert lifted["member"]["audio_muted"] is False and lifted["member"]["video_stopped"] is True
    await mod.send_json_to({"type": "member.unmute", "member": s.erika.pk, "kind": "smell"})
    assert (await frame_of(mod, "error"))["code"] == "invalid"
    erika = await db(Member.objects.get)(pk=s.erika.pk)
    assert not erika.audio_muted and erika.video_stopped
    await page.disconnect()
    await mod.disconnect()


async def test_presence_check_prompt_and_answer(world) -> None:
    s = await db(make_session)(world)
    mod = await moderator(s, world)
    await inside(mod)
    page = await participant(s)
    await inside(page)
    other = await participant(s, s.max_token)
    await inside(other)
    await mod.send_json_to({"type": "presence.start", "seconds": 30})
    prompt = await frame_of(page, "room.presence_check")
    assert prompt["seconds"] == 30 and prompt["answered"] is False
    await page.send_json_to({"type": "presence.answer", "check": prompt["check"]})
    assert (await frame_of(page, "room.presence_answer"))["member"] == s.erika.pk
    assert (await frame_of(mod, "room.presence_answer"))["member"] == s.erika.pk
    # Another participant does not learn who answered.
    assert not [f for f in await drain(other) if f["type"] == "room.presence_answer"]
    assert await db(PresenceAnswer.objects.count)() == 1
    for page_ in (page, other, mod):
        await page_.disconnect()


async def test_participants_cannot_moderate(world) -> None:
    s = await db(make_session)(world)
    page = await participant(s)
    await inside(page)
    for frame in (
        {"type": "member.remove", "member": s.max.pk},
        {"type": "members.mute_all"},
        {"type": "room.end"},
        {"type": "room.lock", "locked": True},
        {"type": "presence.start", "seconds": 30},
        {"type": "stage.set", "stage": {}},
    ):
        await page.send_json_to(frame)
        assert (await frame_of(page, "error"))["code"] == "forbidden", frame
    max_ = await db(Member.objects.get)(pk=s.max.pk)
    assert max_.removed_at is None and not max_.audio_muted
    await page.disconnect()


@pytest.mark.parametrize(
    "frame,code",
    [
        ("not json", "malformed"),
        ('["a list"]', "malformed"),
        ('{"type": "no.such"}', "unknown_type"),
        ('{"type": "member.mute"}', "invalid"),
        ('{"type": "member.mute", "member": "x"}', "invalid"),
        ('{"type": "member.mute", "member": 999999}', "no_member"),
        ('{"type": "chat.send"}', "invalid"),
        ('{"type": "chat.send", "text": "   "}', "invalid"),
        ('{"type": "chat.delete", "message": 999999}', "no_message"),
        ('{"type": "presence.answer", "check": 999999}', "no_check"),
        ('{"type": "presence.start", "seconds": 1}', "invalid"),
        ('{"type": "room.lock", "locked": "yes"}', "invalid"),
        ('{"type": "stage.set"}', "invalid"),
        ('{"type": "stage.set", "stage": {"kind": "material", "url": "javascript:x"}}', "invalid"),
        ('{"type": "member.unmute", "member": 999999, "kind": "audio"}', "no_member"),
    ],
)
async def test_malformed_frames_change_nothing(world, frame: str, code: str) -> None:
    s = await db(make_session)(world)
    mod = await moderator(s, world)
    await inside(mod)
    await mod.send_to(text_data=frame)
    error = await frame_of(mod, "error")
    assert error["code"] == code and error["message"]
    await mod.send_json_to({"type": "ping", "t": 1})
    assert (await frame_of(mod, "pong"))["t"] == 1  # still open
    assert await db(ChatMessage.objects.count)() == 0
    await mod.disconnect()


async def test_too_long_chat(world, settings) -> None:
    s = await db(make_session)(world)
    page = await participant(s)
    await inside(page)
    await page.send_json_to({"type": "chat.send", "text": "x" * (settings.CHAT_MAX_LENGTH + 1)})
    assert (await frame_of(page, "error"))["code"] == "too_large"
    await page.disconnect()


async def test_member_of_another_room_cannot_be_targeted(world) -> None:
    s = await db(make_session)(world)
    other = await db(make_session)(world)
    mod = await moderator(s, world)
    await inside(mod)
    await mod.send_json_to({"type": "member.remove", "member": other.erika.pk})
    assert (await frame_of(mod, "error"))["code"] == "no_member"
    assert (await db(Member.objects.get)(pk=other.erika.pk)).removed_at is None
    await mod.disconnect()


async def test_end_closes_every_page(world) -> None:
    s = await db(make_session)(world)
    mod = await moderator(s, world)
    await inside(mod)
    page = await participant(s)
    await inside(page)
    await mod.send_json_to({"type": "room.end"})
    assert (await frame_of(page, "room.ended"))["room"]["state"] == "ended"
    await closed_with(page, 4410)
    await frame_of(mod, "room.ended")
    await closed_with(mod, 4410)
    assert await db(Attendance.objects.filter(left_at__isnull=True).count)() == 0
    assert await room_groups(s) == {}


async def test_events_of_another_room_do_not_arrive(world) -> None:
    s = await db(make_session)(world)
    other = await db(make_session)(world)
    page = await participant(s)
    await inside(page)
    await db(activity.send_chat)(other.erika, "Anderswo")
    await db(moderation.raise_hand)(other.max)
    assert not [f for f in await drain(page) if f["type"] in ("room.chat", "room.hands")]
    await page.disconnect()
