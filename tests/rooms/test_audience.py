"""Who sees whom: in a webinar the audience sees the stage (moderators, presenters,
speakers, whoever may speak), itself and a count; the audience's names only moderators see. In a
conference everyone sees everyone."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from buergerbuero.rooms.actions import members, moderation
from buergerbuero.rooms.models import MemberRole, Room, RoomMode
from tests.conftest import connect, drain, frame_of, staff_cookie
from tests.rooms.conftest import Session, fresh, make_session, token_cookie

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


def make_webinar(world) -> tuple[Session, str]:
    """The session as a webinar (Erika and Max are participants: the audience) with a viewer, Vera."""
    s = make_session(world)
    Room.objects.filter(pk=s.room.pk).update(mode=RoomMode.WEBINAR)
    _vera, token = members.add_member(s.room, display_name="Vera Viewer", role=MemberRole.VIEWER)
    assert token
    s.room.refresh_from_db()
    return s, token


class Recorded:
    """A room socket that keeps every frame it received (frame_of skips frames it is not after)."""

    def __init__(self, communicator) -> None:
        self.communicator = communicator
        self.frames: list[dict] = []

    async def receive_json_from(self, timeout: float = 1) -> dict:
        frame = await self.communicator.receive_json_from(timeout=timeout)
        self.frames.append(frame)
        return frame

    async def receive_nothing(self, timeout: float = 0.1) -> bool:
        return await self.communicator.receive_nothing(timeout=timeout)

    async def send_json_to(self, data: dict) -> None:
        await self.communicator.send_json_to(data)

    async def disconnect(self) -> None:
        await self.communicator.disconnect()


async def open_page(room: Room, cookie: str) -> Recorded:
    communicator, connected, code = await connect(f"/ws/room/{room.pk}/", cookie)
    assert connected, code
    return Recorded(communicator)


async def member_frame(communicator, member_id: int) -> dict:
    """The next ``room.member`` frame about ``member_id``."""
    while True:
        frame = await frame_of(communicator, "room.member")
        if frame["member"]["id"] == member_id:
            return frame


async def test_the_audience_of_a_webinar_sees_the_stage_and_a_count_not_each_other(world) -> None:
    s, vera_token = await db(make_webinar)(world)
    moderator = await open_page(s.room, await db(staff_cookie)(world.official_a))
    await frame_of(moderator, "room.snapshot")
    erika = await open_page(s.room, await db(token_cookie)(s.room.pk, s.erika_token))
    await frame_of(erika, "room.snapshot")
    vera = await open_page(s.room, await db(token_cookie)(s.room.pk, vera_token))
    snap = await frame_of(vera, "room.snapshot")
    vera_id = snap["me"]["id"]
    assert {m["name"] for m in snap["members"]} == {"Anna Amsel", "Vera Viewer"}
    assert snap["audience"] == 1  # Erika is inside; Vera is not counted twice
    assert "Erika Muster" not in json.dumps(snap) and "Max Mustermann" not in json.dumps(snap)

    # Erika joining told Erika's page nothing of Vera but the count; the moderator learns the name.
    joined = await member_frame(erika, vera_id)
    assert joined["member"] == {"id": vera_id, "hidden": True} and joined["audience"] == 1
    assert "Vera Viewer" in json.dumps(await drain(moderator))

    # Chat of the audience reaches the audience without the name; the stage and the writer keep it.
    await erika.send_json_to({"type": "chat.send", "text": "Eine Frage"})
    seen = await frame_of(vera, "room.chat")
    assert seen["message"]["name"] == "" and seen["message"]["text"] == "Eine Frage"
    assert (await frame_of(erika, "room.chat"))["message"]["name"] == "Erika Muster"
    assert (await frame_of(moderator, "room.chat"))["message"]["name"] == "Erika Muster"
    await moderator.send_json_to({"type": "chat.send", "text": "Gern"})
    assert (await frame_of(vera, "room.chat"))["message"]["name"] == "Anna Amsel"

    # A member let speak is on the stage: named to everyone; sent back, they leave the audience's lists.
    before_stage = json.dumps(vera.frames)
    assert "Erika Muster" not in before_stage
    await db(moderation.grant_speak)(await db(fresh)(s.erika), actor=s.moderator)
    granted = await member_frame(vera, s.erika.pk)
    assert granted["member"]["name"] == "Erika Muster" and granted["audience"] == 0
    await db(moderation.revoke_speak)(await db(fresh)(s.erika), actor=s.moderator)
    revoked = await member_frame(vera, s.erika.pk)
    assert revoked["member"] == {"id": s.erika.pk, "hidden": True} and revoked["audience"] == 1

    # A list of everyone (mute everyone) reaches the audience as the stage and itself.
    await moderator.send_json_to({"type": "members.mute_all"})
    listed = await frame_of(vera, "room.members")
    assert {m["name"] for m in listed["members"]} == {"Anna Amsel", "Vera Viewer"}
    assert listed["audience"] == 1
    everyone = await frame_of(moderator, "room.members")
    assert {m["name"] for m in everyone["members"]} >= {"Erika Muster", "Max Mustermann", "Vera Viewer"}
    assert "audience" not in everyone

    # Nothing the audience got named another member of the audience (Erika only while on the stage).
    await drain(vera)  # type: ignore[arg-type]
    assert "Max Mustermann" not in json.dumps(vera.frames)
    assert "Erika Muster" not in json.dumps(vera.frames[vera.frames.index(revoked) :])
    for page in (vera, erika, moderator):
        await page.disconnect()


async def test_in_a_conference_everyone_sees_everyone(world) -> None:
    s = await db(make_session)(world)
    erika = await open_page(s.room, await db(token_cookie)(s.room.pk, s.erika_token))
    snap = await frame_of(erika, "room.snapshot")
    assert {m["name"] for m in snap["members"]} == {"Anna Amsel", "Erika Muster", "Max Mustermann"}
    assert "audience" not in snap
    await erika.disconnect()
