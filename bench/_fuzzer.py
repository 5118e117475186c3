"""The hostile client of bench/bench_faults.py's ``fuzz`` step, as a process of its own.

    python bench/_fuzzer.py '{"base": "http://127.0.0.1:8000", "frames": 100000, "seed": 10,
                              "targets": [["/ws/ticket/", "<session>"], ["/ws/public/1/", null]]}'

sends ``frames`` random and mutated frames over ``connections`` sockets of each target (a path and the
session cookie to open it with), or as many as it can in ``seconds``. By default it floods from one
address (SOURCE_ADDRESS) and reconnects whenever the server closes a socket; with ``pace`` each socket
sends that many frames a second, from the ``addresses`` in turn, and with ``"oversize": false`` no frame
is over the server's size limit: frames the server reads and answers one by one. It prints one JSON line:
frames
``sent`` (written to a socket), ``answers`` (frames the server sent back: every frame it read gets one),
``connections`` opened, handshakes ``refused``, ``closes`` by close code, and the ``seconds`` it took.

An attacker's CPU is not the server's: on a real installation the frames come from another machine. On
this two-core machine a fuzzer at normal priority takes a core from the server and from the client
whose round trips are timed, so the benchmark starts it at idle priority (SCHED_IDLE): it runs whenever
a core is free, which with a throttled server is almost always, so the server always has frames waiting.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from typing import Any

import websockets
from websockets.asyncio.client import connect

# The attacker's own address (the whole of 127.0.0.0/8 is this host's loopback): the server's limits
# per address (core/sockguard.py) are meant for it, not for the normal pages of 127.0.0.1.
SOURCE_ADDRESS = "127.0.0.66"
# The server's frame size limit (uvicorn --ws-max-size): frames over it close the socket.
MAX_FRAME_BYTES = 65536

FRAME_TYPES = [
    "ping",
    "chat",
    "signal",
    "call.join",
    "call.hangup",
    "admit",
    "presence",
    "subscribe",
    "media.join",
    "media.offer",
    "media.answer",
    "media.candidate",
    "typing",
    "raise_hand",
    "x" * 70,
]


def fuzz_frame(rng: random.Random) -> str | bytes:
    """A random or mutated frame: valid JSON with hostile values, broken JSON, binary, huge, deep."""
    choice = rng.random()
    if choice < 0.35:
        value: Any = rng.choice(
            [
                None,
                True,
                -1,
                0,
                2**63,
                1e308,
                "",
                "x" * rng.randint(1, 3000),
                "\ud800",
                "\x00",
                [],
                {},
                [1] * 50,
            ]
        )
        frame = {"type": rng.choice(FRAME_TYPES), rng.choice(["text", "to", "sdp", "id", "ref", "t"]): value}
        return json.dumps(frame)
    if choice < 0.55:
        text = json.dumps({"type": rng.choice(FRAME_TYPES), "text": "Hallo", "to": 1, "t": 1})
        data = bytearray(text.encode())
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return data.decode("utf-8", "replace")
    if choice < 0.7:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
    if choice < 0.8:
        depth = rng.randint(50, 5000)
        return '{"type":"chat","text":' + "[" * depth + "]" * depth + "}"
    if choice < 0.85:
        return json.dumps({"type": "chat", "text": "y" * rng.randint(60_000, 70_000)})
    return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(0, 100)))


async def fuzz(spec: dict[str, Any]) -> dict[str, Any]:
    """See the module's docstring; ``spec`` is its JSON argument."""
    base = spec["base"]
    frames = int(spec["frames"])
    pace = float(spec.get("pace", 0))
    oversize = bool(spec.get("oversize", True))
    addresses = spec.get("addresses") or [SOURCE_ADDRESS]
    rng = random.Random(int(spec.get("seed", 10)))  # reproducible
    deadline = time.monotonic() + float(spec.get("seconds", 60))
    sent = 0
    counts: dict[str, Any] = {"connections": 0, "refused": 0, "answers": 0, "closes": {}}
    sockets = [
        (path, session) for path, session in spec["targets"] for _ in range(int(spec.get("connections", 8)))
    ]
    per_socket = frames // len(sockets) + 1

    def frame() -> str | bytes:
        while True:
            data = fuzz_frame(rng)
            if oversize or len(data) < MAX_FRAME_BYTES:
                return data

    async def drain(ws: Any) -> None:
        try:
            async for _ in ws:
                counts["answers"] += 1
        except websockets.ConnectionClosed:
            pass

    async def hammer(n: int, path: str, session: str | None) -> None:
        nonlocal sent
        url = base.replace("http://", "ws://") + path
        headers = [("Cookie", f"sessionid={session}")] if session else []
        todo = per_socket
        while todo > 0 and sent < frames and time.monotonic() < deadline:
            try:
                async with connect(
                    url,
                    origin=base,  # type: ignore[arg-type]
                    additional_headers=headers,
                    compression=None,
                    max_size=None,
                    local_addr=(addresses[n % len(addresses)], 0),
                ) as ws:
                    counts["connections"] += 1
                    reader = asyncio.create_task(drain(ws))
                    try:
                        while todo > 0 and sent < frames and time.monotonic() < deadline:
                            await ws.send(frame())
                            sent += 1
                            todo -= 1
                            if pace:
                                await asyncio.sleep(1 / pace)
                            elif todo % 200 == 0:
                                await asyncio.sleep(0)
                    finally:
                        reader.cancel()
                        code = str(ws.close_code)
                        counts["closes"][code] = counts["closes"].get(code, 0) + 1
            except websockets.InvalidHandshake:
                counts["refused"] += 1
                await asyncio.sleep(0.2)
            except (OSError, websockets.ConnectionClosed):
                await asyncio.sleep(0.2)  # closed by the server (e.g. too large): open another

    await asyncio.gather(*(hammer(n, path, session) for n, (path, session) in enumerate(sockets)))
    return {"sent": sent, **counts}


def main() -> None:
    started = time.monotonic()
    result = asyncio.run(fuzz(json.loads(sys.argv[1])))
    print(json.dumps({**result, "seconds": round(time.monotonic() - started, 1)}), flush=True)


if __name__ == "__main__":
    main()
