"""How many waiting citizens can one server process keep informed? CLIENTS (default 2000) WebSocket clients,
each holding its own ticket in ONE office (tickets made by the real ``enter_queue`` action in a setup step,
each client with a session cookie holding its token, as a browser has after the office form), connect to
ONE uvicorn worker. Then the official admits the first (HTTP POST, as the workspace does) and we measure,
for every other client, the time from the POST until its new ``position`` frame arrived.

Reports clients, the server's RSS (``rss_mib``, /proc VmRSS with every client connected, after the
fan-out; ``rss_peak_mib`` is VmHWM), and ``fanout_p50_ms``/``fanout_p95_ms``/``fanout_max_ms``.
Goal: 5,000 clients in ≤ 1 GiB, p95 ≤ 250 ms.

Clients offer permessage-deflate as browsers do; the server declines it, as in production (harness.py).
The clients share one process (and, on a small machine, the CPU) with nothing else; their own frame
handling is part of the figure, so it is kept minimal: a hand-written WebSocket client (``Page``) that
timestamps each frame as its bytes arrive. PROFILE=1 runs the server under cProfile and prints the
top functions of the fan-out and a timeline of its events; PROFILE=trace the timeline alone.

    python bench/bench_waiting.py        CLIENTS=5000 python bench/bench_waiting.py
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import resource
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import REPO, admit_request, emit, enter_netns, env_int, harness, percentile, summary

OFFICE = "warteraum"
OFFICIAL = "anna"
CONNECT_CONCURRENCY = 64


def raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed + 1024
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))  # root may raise the hard limit
            except (ValueError, OSError):
                raise SystemExit(f"need {want} open files, the hard limit is {hard}") from None
        else:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def proc_status(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            values[key] = int(rest.split()[0])
    return values


class Page(asyncio.Protocol):
    """One waiting page, as cheap to run as a WebSocket client can be: the upgrade request written by
    hand, then server frames parsed straight from the socket (unmasked, as servers send them), each
    timed the moment its bytes arrive. The clients share this machine's two cores with the server, so
    a heavier client library would add its own per-frame cost to the figure (about 40 µs a frame with
    ``websockets``: the last of 5,000 pages heard of a change 80 ms after the server wrote it)."""

    def __init__(self, clients: Clients, index: int, request: bytes) -> None:
        self.clients = clients
        self.index = index
        self.request = request
        self.buffer = bytearray()
        self.upgraded = False
        self.transport: asyncio.Transport | None = None
        self.snapshot: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end])
            del self.buffer[: end + 4]
            if not head.startswith(b"HTTP/1.1 101"):
                self._fail(f"upgrade refused: {head[:200]!r}")
                return
            if b"permessage-deflate" in head.lower():
                self._fail("the server accepted permessage-deflate (production declines it)")
                return
            self.upgraded = True
        while True:
            text = self._next_text()
            if text is None:
                return
            self.clients.frame(self.index, text)
            if not self.snapshot.done():
                if text.startswith(b'{"type":"snapshot"'):
                    self.snapshot.set_result(None)
                else:
                    self._fail(f"first frame is not a snapshot: {text[:200]!r}")

    def _next_text(self) -> bytes | None:
        """The payload of the next complete frame in the buffer (control frames are skipped)."""
        while True:
            if len(self.buffer) < 2:
                return None
            opcode, length, offset = self.buffer[0] & 0x0F, self.buffer[1] & 0x7F, 2
            if length == 126:
                if len(self.buffer) < 4:
                    return None
                length, offset = int.from_bytes(self.buffer[2:4], "big"), 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return None
                length, offset = int.from_bytes(self.buffer[2:10], "big"), 10
            if len(self.buffer) < offset + length:
                return None
            payload = bytes(self.buffer[offset : offset + length])
            del self.buffer[: offset + length]
            if opcode == 0x1:
                return payload
            if opcode == 0x9:  # uvicorn's keepalive ping: answer, or it closes the connection
                self._send(0xA, payload)
            elif opcode == 0x8:
                self._fail(f"closed by the server: {payload[:2].hex()} {payload[2:100]!r}")
                return None

    def send_text(self, text: str) -> None:
        self._send(0x1, text.encode())

    def _send(self, opcode: int, payload: bytes) -> None:
        """A client frame (masked, as the protocol requires; our frames are short)."""
        assert self.transport is not None and len(payload) < 126
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def _fail(self, reason: str) -> None:
        self.clients.errors.append(f"client {self.index}: {reason}")
        if not self.snapshot.done():
            self.snapshot.set_exception(RuntimeError(reason))

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.snapshot.done():
            self.snapshot.set_exception(RuntimeError(f"connection lost: {exc!r}"))


class Clients:
    def __init__(self, url: str, origin: str, sessions: list[str], deflate: bool) -> None:
        self.host, _, port = url.split("/")[2].partition(":")
        self.port = int(port)
        self.path = "/" + url.split("/", 3)[3]
        self.origin = origin
        self.sessions = sessions
        self.deflate = deflate
        self.snapshots = 0
        self.ready = asyncio.Event()
        self.t0: float | None = None
        self.received: list[float | None] = [None] * len(sessions)
        self.admitted: list[bool] = [False] * len(sessions)
        self.done = asyncio.Event()
        # The first ticket is the head of the queue: it is admitted (or leaves) and gets no position.
        self.pending = len(sessions) - 1
        self.errors: list[str] = []
        self.failed = 0
        self.sockets: dict[int, Page] = {}

    def request(self, index: int) -> bytes:
        lines = [
            f"GET {self.path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
            "Sec-WebSocket-Version: 13",
            f"Origin: {self.origin}",
            f"Cookie: sessionid={self.sessions[index]}",
        ]
        if self.deflate:  # as browsers offer it
            lines.append("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def frame(self, index: int, text: bytes) -> None:
        if self.t0 is None or self.received[index] is not None:
            return
        if index == 0:
            if text.startswith(b'{"type":"call.start"'):
                self.admitted[index] = True
                self.received[index] = time.perf_counter()
            return
        if not text.startswith(b'{"type":"position"'):
            return
        self.received[index] = time.perf_counter()
        self.pending -= 1
        if self.pending == 0:
            self.done.set()

    async def run_one(self, index: int, gate: asyncio.Semaphore) -> None:
        async with gate:
            loop = asyncio.get_running_loop()
            try:
                _, page = await loop.create_connection(
                    lambda: Page(self, index, self.request(index)), self.host, self.port
                )
                await asyncio.wait_for(page.snapshot, timeout=300)
            except Exception as exc:
                self.errors.append(f"client {index}: {exc!r}")
                self.failed += 1
            else:
                self.sockets[index] = page
                self.snapshots += 1
            if self.snapshots + self.failed == len(self.sessions):
                self.ready.set()


def post_admit(base: str, path: str, official_session: str) -> float:
    request = admit_request(base, path, official_session)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        body = response.read()
        if response.status >= 400:
            raise RuntimeError(f"admit answered {response.status}: {body[:300]!r}")
    return (time.perf_counter() - started) * 1000


@dataclass
class Outcome:
    t0: float
    trigger: str
    connect_s: float
    post_ms: float
    fanout: list[float]
    admitted_ms: list[float]
    missing: int
    errors: list[str]
    idle: dict[str, int]
    before: dict[str, int]
    after: dict[str, int]


async def measure(server: harness.LiveServer, setup: dict[str, Any], deflate: bool, profile: bool) -> Outcome:
    sessions: list[str] = setup["citizens"]
    clients = Clients(server.url.replace("http://", "ws://") + "/ws/ticket/", server.url, sessions, deflate)
    assert server.proc is not None
    idle = proc_status(server.proc.pid)
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    started = time.perf_counter()
    tasks = [asyncio.create_task(clients.run_one(i, gate)) for i in range(len(sessions))]
    try:
        await asyncio.wait_for(clients.ready.wait(), timeout=600)
    except TimeoutError:
        raise SystemExit(
            f"only {clients.snapshots} of {len(sessions)} clients connected: {clients.errors[:5]}"
        ) from None
    connect_s = time.perf_counter() - started
    if clients.failed:
        raise SystemExit(
            f"{clients.failed} of {len(sessions)} clients could not connect: {clients.errors[:5]}"
        )
    print(f"{len(sessions)} clients connected and got their snapshot in {connect_s:.1f} s", flush=True)
    assert server.proc is not None
    await asyncio.sleep(2)  # let the server settle (connection bookkeeping) before the RSS reading
    before = proc_status(server.proc.pid)

    if profile:
        os.kill(server.proc.pid, signal.SIGUSR1)
    if setup["admit_url"]:
        trigger = "admit"
        clients.t0 = time.perf_counter()
        post_ms = await asyncio.to_thread(post_admit, server.url, setup["admit_url"], setup["official"])
    else:
        # No staff view to admit through (yet): the head of the queue leaves instead, which sends the same
        # fan-out (queue.delta "remove" and office.state to every waiting page) from the server.
        print("no staff URL to admit the next citizen: the first citizen leaves instead", flush=True)
        trigger = "leave"
        clients.t0 = time.perf_counter()
        clients.sockets[0].send_text('{"type":"leave"}')
        post_ms = float("nan")
    try:
        await asyncio.wait_for(clients.done.wait(), timeout=120)
    except TimeoutError:
        print(f"{clients.pending} clients got no new position within 120 s", flush=True)
    after = proc_status(server.proc.pid)
    if profile:
        os.kill(server.proc.pid, signal.SIGUSR2)
        await asyncio.sleep(1)
    t0 = clients.t0
    fanout = [
        (t - t0) * 1000
        for t, admitted in zip(clients.received, clients.admitted, strict=True)
        if t and not admitted
    ]
    admitted_ms = [
        (t - t0) * 1000
        for t, admitted in zip(clients.received, clients.admitted, strict=True)
        if t and admitted
    ]
    for page in clients.sockets.values():
        if page.transport is not None:
            page.transport.close()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return Outcome(
        t0,
        trigger,
        connect_s,
        post_ms,
        fanout,
        admitted_ms,
        clients.pending,
        clients.errors,
        idle,
        before,
        after,
    )


def print_profile(path: Path, t0: float | None) -> None:
    import pstats

    timeline_path = Path(str(path) + ".timeline.json")
    if t0 is not None and timeline_path.exists():
        timeline = json.loads(timeline_path.read_text(encoding="utf-8"))
        print("server timeline, ms after the trigger left the client:")
        for at in timeline["received"][:3]:
            print(f"  {(at - t0) * 1000:8.1f}  a consumer received a frame")
        for started, ended, name in timeline["spans"]:
            print(f"  {(started - t0) * 1000:8.1f} … {(ended - t0) * 1000:6.1f}  {name}")
        for started, ended, group, members in timeline["group_send"]:
            print(
                f"  {(started - t0) * 1000:8.1f} … {(ended - t0) * 1000:6.1f}  "
                f"group_send to {group} ({members})"
            )
        sent = timeline["sent"]
        if sent:
            print(
                f"  {(sent[0] - t0) * 1000:8.1f} … {(sent[-1] - t0) * 1000:6.1f}  {len(sent)} frames written"
                f" (median {(percentile(sent, 50) - t0) * 1000:.1f})"
            )
    if not path.exists():
        return
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)


def main() -> None:
    clients = env_int("CLIENTS", 2000, minimum=2)
    deflate = os.environ.get("DEFLATE", "1") != "0"
    profile_mode = os.environ.get("PROFILE", "0")
    profile = profile_mode in ("1", "trace")
    raise_fd_limit(2 * clients)  # the server's and the clients' ends, both in this namespace
    enter_netns()

    seed = harness.SeedSpec(
        offices=[
            harness.OfficeSpec(OFFICE, "Bürgerservice", [(OFFICIAL, "Anna Amsel")], opened_by=[OFFICIAL])
        ]
    )
    server = harness.LiveServer(
        seed,
        env={
            "BUERGERBUERO_WAITING_GRACE_SECONDS": "3600",
            "BUERGERBUERO_LOG_LEVEL": "WARNING",
        },
        name="bench-waiting",
    )
    result: Outcome | None = None
    try:
        server.prepare()
        out = server.tmp / "setup.json"
        subprocess.run(
            [
                sys.executable,
                str(REPO / "bench" / "waiting_setup.py"),
                OFFICE,
                OFFICIAL,
                str(clients),
                str(out),
            ],
            cwd=REPO,
            env=server.env,
            check=True,
        )
        setup = json.loads(out.read_text(encoding="utf-8"))
        launcher: list[str] = []
        if profile:
            launcher = [str(REPO / "bench" / "_profiled_uvicorn.py")]
            server.extra_env["BB_BENCH_PROFILE"] = str(server.tmp / "server.prof")
            server.extra_env["BB_BENCH_CPROFILE"] = "1" if profile_mode == "1" else "0"
        server.start(["--log-level", "warning"], launcher=launcher)
        result = asyncio.run(measure(server, setup, deflate, profile))
    except BaseException:
        print(f"--- server log ---\n{server.log(60)}", flush=True)
        raise
    finally:
        server.stop()
        if profile:
            print_profile(server.tmp / "server.prof", result.t0 if result else None)
        server.cleanup()

    assert result is not None
    fanout, before, after = result.fanout, result.before, result.after
    rss_mib = after["VmRSS"] / 1024
    idle_mib = result.idle["VmRSS"] / 1024
    per_client_kib = (rss_mib - idle_mib) * 1024 / clients
    if result.trigger == "admit":
        print(f"admission POST answered in {result.post_ms:.1f} ms")
        print(f"admitted citizen's call.start after {result.admitted_ms} ms")
    print(f"fan-out of the new position to {len(fanout)} waiting clients: {summary(fanout)}")
    if result.missing:
        print(f"{result.missing} clients never got their new position")
    if result.errors:
        print(f"client errors ({len(result.errors)}): {result.errors[:5]}")
    print(
        f"server RSS: {before['VmRSS'] / 1024:.0f} MiB connected, {rss_mib:.0f} MiB after the fan-out, "
        f"peak {after['VmHWM'] / 1024:.0f} MiB, {after['Threads']} threads; "
        f"{idle_mib:.0f} MiB idle, so {per_client_kib:.0f} KiB per client"
    )
    p95 = percentile(fanout, 95)
    projected = idle_mib + per_client_kib * 5000 / 1024
    verdict = "met" if p95 <= 250 and projected <= 1024 and not result.missing else "NOT met"
    print(
        f"goal (5,000 clients ≤ 1 GiB, p95 ≤ 250 ms): {verdict} at {clients} clients "
        f"(≈{projected:.0f} MiB projected for 5,000)"
    )
    emit(
        {
            "benchmark": "waiting",
            "clients": clients,
            "trigger": result.trigger,
            "deflate": deflate,
            "rss_mib": round(rss_mib, 1),
            "rss_peak_mib": round(after["VmHWM"] / 1024, 1),
            "rss_idle_mib": round(idle_mib, 1),
            "kib_per_client": round(per_client_kib, 1),
            "fanout_p50_ms": round(percentile(fanout, 50), 1),
            "fanout_p95_ms": round(p95, 1),
            "fanout_max_ms": round(max(fanout), 1) if fanout else None,
            "missing": result.missing,
            "connect_s": round(result.connect_s, 1),
            "post_ms": None if result.trigger != "admit" else round(result.post_ms, 1),
        }
    )


if __name__ == "__main__":
    main()
