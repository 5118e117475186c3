"""Random and mutated frames against every socket kind (public, ticket, staff, room): whatever a client
sends, the answer is a frame of ours, never an ``internal`` error, and the server logs no traceback.

The frames come from a seeded generator, so a failure names a frame that reproduces it. Each fuzz frame
is followed by a ``ping`` with a counter: frames of one socket are handled in order, so the matching
``pong`` says the fuzz frame was handled, without waiting for a time.
"""

from __future__ import annotations

import json
import logging
import random
from typing import Any

import pytest
from channels.db import database_sync_to_async

from buergerbuero.calls.actions.admission import admit
from tests.conftest import citizen_cookie, connect, enter, frame_of, open_, staff_cookie
from tests.rooms.conftest import make_session, token_cookie

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async

FRAMES_PER_SOCKET = 400

# What each page sends (types and fields). Frames that end the socket or the session on purpose
# (leave, call.hangup, room.end, member.remove, lobby.decline) are left out: the fuzz goes on.
OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
CALL_FRAMES: list[dict[str, Any]] = [
    {"type": "ping", "t": 1},
    {"type": "chat", "text": "Guten Tag"},
    {"type": "signal", "to": 1, "description": OFFER},
    {"type": "signal", "to": 1, "candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"}},
]
CORPUS: dict[str, list[dict[str, Any]]] = {
    "public": [{"type": "ping", "t": 1}],
    "ticket": [*CALL_FRAMES, {"type": "call.join"}],
    "staff": [*CALL_FRAMES, {"type": "call.take_over", "participant": 1}],
    "room": [
        {"type": "ping", "t": 1},
        {"type": "room.start"},
        {"type": "room.lock", "locked": False},
        {"type": "hand.raise"},
        {"type": "hand.lower", "member": 1},
        {"type": "hands.lower_all"},
        {"type": "speak.grant", "member": 1},
        {"type": "speak.revoke", "member": 1},
        {"type": "member.promote", "member": 1},
        {"type": "member.demote", "member": 1},
        {"type": "member.mute", "member": 1},
        {"type": "member.stop_video", "member": 1},
        {"type": "members.mute_all"},
        {"type": "lobby.admit", "member": 1},
        {"type": "me.unmute", "kind": "audio"},
        {"type": "chat.send", "text": "Hallo"},
        {"type": "chat.delete", "message": 1},
        {"type": "presence.start", "seconds": 60},
        {"type": "presence.answer", "check": 1},
        {"type": "stage.set", "stage": {"kind": "grid"}},
        {"type": "media.publish", "sdp": OFFER["sdp"]},
        {"type": "media.unpublish"},
        {"type": "media.subscribe"},
        {"type": "media.answer", "sdp": OFFER["sdp"], "stream": 1},
        {"type": "media.candidate", "target": "publisher", "candidate": {"candidate": "x", "sdpMid": "0"}},
    ],
}

# Text a client may make up: what the issue found (lone surrogates, U+0000), other control and
# format characters, long, empty, and text that looks like markup or SQL.
NASTY_TEXT = [
    "\ud800",
    "a\udfffb",
    "\x00",
    "v=0\x00\r\n",
    "\x1b[2J",
    "\x7f",
    "\u0085",
    "\u202eevil",
    "\ufeff",
    "\U0001f600",
    "",
    " ",
    "x" * 70_000,
    "<script>alert(1)</script>",
    "'; DROP TABLE x; --",
    "1",
    "null",
    "ping",
]
NASTY_NUMBERS: list[Any] = [0, -1, 1, 2, 3, 2**31, 2**63, 10**40, -(10**40), 1.5, 1e308, True, False, None]


def _value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(NASTY_TEXT)
    if roll < 0.7:
        return rng.choice(NASTY_NUMBERS)
    if roll < 0.8:
        return float(rng.choice(["nan", "inf", "-inf"]))
    if depth > 3:
        return None
    if roll < 0.9:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice([*NASTY_TEXT, "type", "sdp", "candidate"]): _value(rng, depth + 1)}


def mutated(rng: random.Random, corpus: list[dict[str, Any]], types: list[str]) -> str:
    frame = dict(rng.choice(corpus))
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        keys = list(frame)
        if roll < 0.45 and keys:
            frame[rng.choice(keys)] = _value(rng)
        elif roll < 0.6 and len(keys) > 1:
            del frame[rng.choice([k for k in keys if k != "type"] or keys)]
        elif roll < 0.75:
            frame[rng.choice([*NASTY_TEXT, "member", "to", "text", "stream"])] = _value(rng)
        elif roll < 0.85:
            frame["type"] = rng.choice(types + NASTY_TEXT)
        # else: the frame as it is (valid frames must keep working in between)
    text = json.dumps(frame)  # ensure_ascii: a lone surrogate travels as \ud800, as a browser sends it
    roll = rng.random()
    if roll < 0.05:
        text = text[: rng.randint(0, len(text))] or " "  # an empty text frame cannot be sent
    elif roll < 0.1:
        cut = rng.randint(0, len(text))
        text = text[:cut] + rng.choice(["[" * 1400, "{", '"', "\\", "\\ud800", "\x00"]) + text[cut:]
    return text


async def _pong(page, n: int, frame_text: str) -> list[dict]:
    """The frames answering ``frame_text`` (up to the pong of ping ``n``). The socket must stay open."""
    seen = []
    while True:
        output = await page.receive_output(timeout=10)
        assert output["type"] == "websocket.send", f"closed {output} after {frame_text[:300]!r}"
        frame = json.loads(output["text"])
        if frame == {"type": "pong", "t": n}:
            return seen
        seen.append(frame)


def systematic(corpus: list[dict[str, Any]]) -> list[str]:
    """Every frame of the corpus with each of its text fields (nested ones too) replaced by each of the
    strings the issue found to break something."""
    found = []

    def variants(value: Any) -> list[Any]:
        if isinstance(value, str):
            return [bad + value for bad in ("\ud800", "\x00", "\x1b")]
        if isinstance(value, dict):
            return [{**value, k: v} for k in value for v in variants(value[k])]
        return []

    for frame in corpus:
        for key, value in frame.items():
            if key != "type":
                found.extend(json.dumps({**frame, key: v}) for v in variants(value))
    return found


async def fuzz(page, kind: str, seed: int) -> int:
    rng = random.Random(seed)
    types = sorted({f["type"] for frames in CORPUS.values() for f in frames})
    frames = systematic(CORPUS[kind]) + [mutated(rng, CORPUS[kind], types) for _ in range(FRAMES_PER_SOCKET)]
    answered = 0
    for n, text in enumerate(frames):
        await page.send_to(text_data=text)
        await page.send_json_to({"type": "ping", "t": -n - 1})
        for frame in await _pong(page, -n - 1, text):
            answered += 1
            assert not (frame["type"] == "error" and frame["code"] == "internal"), (kind, text[:300], frame)
    return answered


@pytest.fixture
def fuzz_settings(settings) -> None:
    # The fuzz sends far more than a page does: the rate limit is not what is tested here.
    settings.WS_RATE_PER_SECOND = 100_000
    settings.WS_RATE_BURST = 100_000


def _in_call(world):
    open_(world.official_a, world.office_a)
    _, token = enter(world.office_a, "Erika Muster")
    return token


async def test_no_frame_breaks_any_socket(world, fuzz_settings, caplog) -> None:
    caplog.set_level(logging.WARNING)
    token = await db(_in_call)(world)
    pages: dict[str, Any] = {}
    pages["public"], connected, _ = await connect("/ws/public/testkreis/")
    assert connected
    await frame_of(pages["public"], "snapshot")
    pages["staff"], connected, _ = await connect("/ws/staff/", await db(staff_cookie)(world.official_a))
    assert connected
    await frame_of(pages["staff"], "snapshot")
    pages["ticket"], connected, _ = await connect("/ws/ticket/", await db(citizen_cookie)(token))
    assert connected
    await frame_of(pages["ticket"], "snapshot")
    await db(admit)(world.official_a, world.office_a)
    await frame_of(pages["staff"], "call.start")
    await frame_of(pages["ticket"], "call.start")

    s = await db(make_session)(world)
    for name, cookie in [
        ("room", await db(staff_cookie)(world.official_a)),
        ("room-participant", await db(token_cookie)(s.room.pk, s.erika_token)),
    ]:
        pages[name], connected, _ = await connect(f"/ws/room/{s.room.pk}/", cookie)
        assert connected
        await frame_of(pages[name], "room.snapshot")

    answered = 0
    for seed, (name, page) in enumerate(pages.items()):
        answered += await fuzz(page, name.split("-")[0], seed)
    for page in pages.values():
        await page.disconnect()

    assert answered > FRAMES_PER_SOCKET  # the frames were answered, not swallowed
    problems = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not problems, [(r.name, r.getMessage()) for r in problems]
    # Refused frames are logged once per connection, without the frame.
    refused = [r for r in caplog.records if r.getMessage().startswith("refused a malformed frame")]
    assert len(refused) <= len(pages)
