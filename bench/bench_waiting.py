"""How many waiting citizens can one server process keep informed? CLIENTS (default 2000) WebSocket clients,
each holding its own ticket in ONE office (tickets made by the real ``enter_queue`` action in a setup step,
each client with a session cookie holding its token, as a browser has after the office form), connect to
ONE uvicorn worker. Then the official admits the first (HTTP POST, as the workspace does) and we measure,
for every other client, the time from the POST until its new ``position`` frame arrived.

Reports clients, the server's RSS (``rss_mib``, /proc VmRSS with every client connected, after the
fan-out; ``rss_peak_mib`` is VmHWM), and ``fanout_p50_ms``/``fanout_p95_ms``/``fanout_max_ms``.
Goal: 5,000 clients in ≤ 1 GiB, p95 ≤ 250 ms.

Clients offer permessage-deflate as browsers do (DEFLATE=0 to turn it off). The clients share one process
(and, on a small machine, the CPU) with nothing else; their own frame handling is part of the figure, so
it is kept minimal (a substring test per frame). PROFILE=1 runs the server under cProfile and prints the
top functions of the fan-out.

    python bench/bench_waiting.py        CLIENTS=5000 python bench/bench_waiting.py
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _common import REPO, emit, enter_netns, env_int, harness, percentile, summary

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


class Clients:
    def __init__(self, url: str, origin: str, sessions: list[str], deflate: bool) -> None:
        self.url = url
        self.origin = origin
        self.sessions = sessions
        self.deflate = deflate
        self.snapshots = 0
        self.ready = asyncio.Event()
        self.t0: float | None = None
        self.received: list[float | None] = [None] * len(sessions)
        self.admitted: list[bool] = [False] * len(sessions)
        self.done = asyncio.Event()
        self.pending = len(sessions)
        self.errors: list[str] = []
        self.failed = 0
        self.sockets: list[object] = []

    async def connect_one(self, index: int) -> object:
        import websockets

        ws = await websockets.connect(
            self.url,
            additional_headers={"Cookie": f"sessionid={self.sessions[index]}", "Origin": self.origin},
            compression="deflate" if self.deflate else None,
            ping_interval=None,
            open_timeout=300,
            max_queue=None,
        )
        first = json.loads(await ws.recv())
        if first.get("type") != "snapshot":
            raise RuntimeError(f"first frame is not a snapshot: {first}")
        return ws

    async def run_one(self, index: int, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                ws = await self.connect_one(index)
            except Exception as exc:  # noqa: BLE001
                self.errors.append(f"client {index}: {exc!r}")
                self.failed += 1
                if self.snapshots + self.failed == len(self.sessions):
                    self.ready.set()
                return
            self.sockets.append(ws)
            self.snapshots += 1
            if self.snapshots + self.failed == len(self.sessions):
                self.ready.set()
        try:
            async for message in ws:
                if self.t0 is None or self.received[index] is not None:
                    continue
                # Frames are compact JSON whose first key is "type" (core.consumers.send_frame).
                if isinstance(message, str) and message.startswith('{"type":"position"'):
                    self.received[index] = time.perf_counter()
                elif isinstance(message, str) and message.startswith('{"type":"call.start"'):
                    self.admitted[index] = True
                    self.received[index] = time.perf_counter()
                else:
                    continue
                self.pending -= 1
                if self.pending == 0:
                    self.done.set()
        except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
            self.errors.append(f"client {index}: {exc!r}")


def post_admit(base: str, path: str, official_session: str) -> float:
    csrf = "b" * 32
    request = urllib.request.Request(  # noqa: S310 - loopback only
        base + path,
        data=b"",
        method="POST",
        headers={
            "Cookie": f"sessionid={official_session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Origin": base,
            "Referer": base + "/staff/",
            "Accept": "application/json",
        },
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        body = response.read()
        if response.status >= 400:
            raise RuntimeError(f"admit answered {response.status}: {body[:300]!r}")
    return (time.perf_counter() - started) * 1000


async def measure(server: harness.LiveServer, setup: dict[str, object], deflate: bool) -> dict[str, object]:
    sessions: list[str] = setup["citizens"]  # type: ignore[assignment]
    clients = Clients(server.url.replace("http://", "ws://") + "/ws/ticket/", server.url, sessions, deflate)
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    started = time.perf_counter()
    tasks = [asyncio.create_task(clients.run_one(i, gate)) for i in range(len(sessions))]
    try:
        await asyncio.wait_for(clients.ready.wait(), timeout=600)
    except TimeoutError:
        raise SystemExit(f"only {clients.snapshots} of {len(sessions)} clients connected: {clients.errors[:5]}") from None
    connect_s = time.perf_counter() - started
    if clients.failed:
        raise SystemExit(f"{clients.failed} of {len(sessions)} clients could not connect: {clients.errors[:5]}")
    print(f"{len(sessions)} clients connected and got their snapshot in {connect_s:.1f} s", flush=True)
    assert server.proc is not None
    await asyncio.sleep(2)  # let the server settle (connection bookkeeping) before the RSS reading
    before = proc_status(server.proc.pid)

    if not setup["admit_url"]:
        print(f"server RSS with every client connected: {before['VmRSS'] / 1024:.0f} MiB", flush=True)
        raise SystemExit("no staff URL to admit the next citizen (staff/urls.py); cannot measure the fan-out")
    clients.t0 = time.perf_counter()
    post_ms = await asyncio.to_thread(post_admit, server.url, str(setup["admit_url"]), str(setup["official"]))
    try:
        await asyncio.wait_for(clients.done.wait(), timeout=120)
    except TimeoutError:
        print(f"{clients.pending} clients got no new position within 120 s", flush=True)
    after = proc_status(server.proc.pid)
    t0 = clients.t0
    fanout = [(t - t0) * 1000 for t, admitted in zip(clients.received, clients.admitted, strict=True) if t and not admitted]
    admitted_ms = [(t - t0) * 1000 for t, admitted in zip(clients.received, clients.admitted, strict=True) if t and admitted]
    for ws in clients.sockets:
        await ws.close()  # type: ignore[attr-defined]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "connect_s": connect_s,
        "post_ms": post_ms,
        "fanout": fanout,
        "admitted_ms": admitted_ms,
        "missing": clients.pending,
        "errors": clients.errors,
        "before": before,
        "after": after,
    }


def print_profile(path: Path) -> None:
    import pstats

    if not path.exists():
        print("no profile was written", flush=True)
        return
    stats = pstats.Stats(str(path))
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def main() -> None:
    clients = env_int("CLIENTS", 2000, minimum=2)
    deflate = os.environ.get("DEFLATE", "1") != "0"
    profile = os.environ.get("PROFILE", "0") == "1"
    raise_fd_limit(2 * clients)  # the server's and the clients' ends, both in this namespace
    enter_netns()

    seed = harness.SeedSpec(
        offices=[harness.OfficeSpec(OFFICE, "Bürgerservice", [(OFFICIAL, "Anna Amsel")], opened_by=[OFFICIAL])]
    )
    server = harness.LiveServer(
        seed,
        env={
            "BUERGERBUERO_WAITING_GRACE_SECONDS": "3600",
            "BUERGERBUERO_LOG_LEVEL": "WARNING",
        },
        name="bench-waiting",
    )
    result: dict[str, object] | None = None
    try:
        server.prepare()
        out = server.tmp / "setup.json"
        subprocess.run(  # noqa: S603
            [sys.executable, str(REPO / "bench" / "waiting_setup.py"), OFFICE, OFFICIAL, str(clients), str(out)],
            cwd=REPO,
            env=server.env,
            check=True,
        )
        setup = json.loads(out.read_text(encoding="utf-8"))
        launcher = ["-m", "cProfile", "-o", str(server.tmp / "server.prof")] if profile else []
        server.start(["--log-level", "warning"], launcher=launcher)
        result = asyncio.run(measure(server, setup, deflate))
    except BaseException:
        print(f"--- server log ---\n{server.log(60)}", flush=True)
        raise
    finally:
        server.stop()
        if profile:
            print_profile(server.tmp / "server.prof")
        server.cleanup()

    fanout: list[float] = result["fanout"]  # type: ignore[assignment]
    before: dict[str, int] = result["before"]  # type: ignore[assignment]
    after: dict[str, int] = result["after"]  # type: ignore[assignment]
    rss_mib = after["VmRSS"] / 1024
    print(f"admission POST answered in {result['post_ms']:.1f} ms")
    print(f"admitted citizen's call.start after {result['admitted_ms']}")
    print(f"fan-out of the new position to {len(fanout)} waiting clients: {summary(fanout)}")
    if result["missing"]:
        print(f"{result['missing']} clients never got their new position")
    if result["errors"]:
        print(f"client errors ({len(result['errors'])}): {result['errors'][:5]}")  # type: ignore[index]
    print(
        f"server RSS: {before['VmRSS'] / 1024:.0f} MiB connected, {rss_mib:.0f} MiB after the fan-out, "
        f"peak {after['VmHWM'] / 1024:.0f} MiB, {after['Threads']} threads; "
        f"{rss_mib * 1024 / clients:.0f} KiB per client"
    )
    p95 = percentile(fanout, 95)
    per_client_kib = rss_mib * 1024 / clients
    projected = per_client_kib * 5000 / 1024
    verdict = "met" if p95 <= 250 and projected <= 1024 and not result["missing"] else "NOT met"
    print(f"goal (5,000 clients ≤ 1 GiB, p95 ≤ 250 ms): {verdict} at {clients} clients "
          f"(≈{projected:.0f} MiB projected for 5,000)")
    emit(
        {
            "benchmark": "waiting",
            "clients": clients,
            "deflate": deflate,
            "rss_mib": round(rss_mib, 1),
            "rss_peak_mib": round(after["VmHWM"] / 1024, 1),
            "fanout_p50_ms": round(percentile(fanout, 50), 1),
            "fanout_p95_ms": round(p95, 1),
            "fanout_max_ms": round(max(fanout), 1) if fanout else None,
            "missing": result["missing"],
            "connect_s": round(float(result["connect_s"]), 1),  # type: ignore[arg-type]
            "post_ms": round(float(result["post_ms"]), 1),  # type: ignore[arg-type]
        }
    )


if __name__ == "__main__":
    main()
