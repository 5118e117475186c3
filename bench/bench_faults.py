"""Faults survived, with figures: the product on PostgreSQL + Redis with two web workers (in a network
namespace of its own, tests/e2e/harness.py), CITIZENS (default 200) waiting pages in two offices, and then,
one after the other:

``kill_one``   kill -9 of one web worker (gunicorn forks a new one);
``kill_all``   kill -9 of every web worker at once;
``redis``      Redis stopped for DOWN_SECONDS (default 5) and started again (everything in it is gone);
``postgres``   PostgreSQL stopped (fast shutdown, as a restart does) for DOWN_SECONDS, then started again;
``fuzz``       a flood from one address (bench/_fuzzer.py, a process at idle priority: an attacker's
               CPU is not the server's): FUZZ_FRAMES (default 100,000) random and mutated frames, or
               as many as FUZZ_SECONDS (default 60) allow, over eight sockets each of the citizen's, the
               official's and the public socket (of an office nobody counted waits in), reconnecting
               whenever the server closes one, while a normal page's ping round trips are timed for
               30 s before and for as long as the flood lasts;
``fuzz_paced`` FUZZ_FRAMES hostile frames the server reads and answers one by one: 40 sockets of each
               kind from 40 addresses, each below the frame rate and size limits.

After every fault each waiting page must show its position again: ``lost`` counts pages that never got
it back (or were told their ticket is gone), ``duplicated`` two pages of one office with the same
position, ``reordered`` neighbours in the queue whose positions are out of order; the database is asked
too (waiting tickets per office). ``recover_p95_ms``/``recover_max_ms``: from the kill until a page that
lost its socket had its next snapshot (pages reconnect as socket.js does: 0.5-1 s, doubling to 3 s,
later to 30 s).
``redis_recover_ms``: from Redis answering again until every page of the office had the position an
admission made after it. ``pg_statuses``: the status codes of requests made while PostgreSQL was down
(503 expected, never 500), ``pg_recover_ms``: from PostgreSQL answering again until the office page
answers 200. ``server_errors``: tracebacks in the server log; ``fuzz_frames`` (written to the sockets),
``fuzz_answered`` (frames the server read and answered; the rest were held back by the frame rate limit
and lost with a socket the server closed), ``fuzz_refused_handshakes`` (core/sockguard.py),
``fuzz_paced_frames``/``fuzz_paced_answered``, ``fuzz_crashed_workers``,
``ping_p95_before_ms``/``ping_p95_fuzz_ms``.

The media, in real Chromium (bench/_faults_media.py), each scenario switched off by its variable set to 0:

``CALLS``      two consultations (two officials, two citizens, peer to peer) run across ``kill_one`` and
               ``kill_all``; every page samples its decoded video frames every 250 ms.
               ``call_media_max_gap_ms``: the longest stall on any page while in its call,
               ``call_media_gaps``: stalls longer than 1 s (the media is peer to peer: it should never
               stop); ``call_ended_after_s``: pages whose call the server ended meanwhile (seconds after
               the calls' start).
``NET``        a third consultation whose citizen's Chromium runs in a network namespace of its own behind a
               veth pair; every packet on it is dropped for NET_DOWN_SECONDS (default 5), then restored.
               ``net_media_back_ms``: from the restore until both pages decode new frames (goal ≤ 10,000).
``JANUS``      a group session (a presenter, two viewers) on Janus; Janus is killed (SIGKILL) and started
               again after JANUS_DOWN_SECONDS (default 2). ``janus_media_back_ms``: from Janus answering
               again until every viewer decodes new frames (goal ≤ 20,000).

The last line is one JSON object (docs/operations.md, "Faults"). STEPS (e.g. ``STEPS=kill_one,fuzz``)
runs only the steps named.

    python bench/bench_faults.py        CITIZENS=50 FUZZ_FRAMES=10000 JANUS=0 python bench/bench_faults.py
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import websockets
from _common import REPO, admit_request, emit, enter_netns, env_int, harness, percentile, summary
from _faults_media import CALL_OFFICES, NET_OFFICE, Media
from websockets.asyncio.client import connect

OFFICES = [
    ("amt-a", "Bürgerservice A", "anna", "Anna Amsel"),
    ("amt-b", "Bürgerservice B", "bernd", "Bernd Bussard"),
]
# Where the fuzzing happens: an office of its own with its own official, so that hostile frames that
# happen to be valid requests (an admission by the official's socket) change nothing that is counted.
FUZZ_OFFICE = ("amt-z", "Prüfstelle", "zora", "Zora Zeisig")
FINAL_CODES = (4403, 4404, 4409)
# How long round trips are timed before the fuzz (and during it: as long as it lasts). The server has
# periodic work of its own (the 5-second job, heartbeats): a window of seconds would see it by chance.
PING_BEFORE_S = 30
# Between pings: below the frame rate limit of a socket (settings.WS_RATE_PER_SECOND, 20 a second).
PING_EVERY_S = 0.06
# The paced fuzz: sockets of each kind (each from an address of its own) and frames a second per socket.
PACED_SOCKETS = 40
PACED_RATE = 15
SETTLE_SECONDS = 120


def server_errors(text: str) -> int:
    return text.count("Traceback (most recent call last)")


# --- waiting pages -----------------------------------------------------------------------------------


@dataclass
class Citizen:
    office: str
    rank: int  # 1-based place in its office's queue at the start
    session: str
    position: int | None = None
    port: int = 0  # the local port of the current socket
    snapshots: list[float] = field(default_factory=list)
    closes: list[tuple[float, int | None]] = field(default_factory=list)
    final: bool = False

    def snapshot_after(self, t: float) -> float | None:
        return next((s for s in self.snapshots if s > t), None)

    def closed_after(self, t: float) -> bool:
        return any(when > t for when, _code in self.closes)

    async def run(self, base: str, stop: asyncio.Event) -> None:
        """One waiting page: its socket, reconnected as socket.js does, until ``stop``."""
        url = base.replace("http://", "ws://") + "/ws/ticket/"
        attempt = 0
        while not stop.is_set():
            code: int | None = None
            try:
                async with connect(
                    url,
                    origin=base,  # type: ignore[arg-type]
                    additional_headers=[("Cookie", f"sessionid={self.session}")],
                    compression=None,
                    open_timeout=10,
                    ping_interval=None,
                ) as ws:
                    attempt = 0
                    self.port = ws.transport.get_extra_info("sockname")[1]
                    try:
                        async for raw in ws:
                            self.frame(json.loads(raw))
                    except websockets.ConnectionClosed:
                        pass
                    code = ws.close_code
            except (OSError, TimeoutError, websockets.InvalidHandshake, websockets.ConnectionClosed):
                code = None
            self.closes.append((time.monotonic(), code))
            if code in FINAL_CODES:
                self.final = True
                return
            # socket.js's retryCeiling: 1 s doubling to 3 s for twenty tries, then doubling on to 30 s.
            ceiling = min(3.0, 2.0**attempt) if attempt < 20 else min(30.0, 3.0 * 2.0 ** (attempt - 19))
            attempt += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), ceiling / 2 + random.random() * ceiling / 2)

    def frame(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "snapshot":
            self.position = int(frame["position"])
            self.snapshots.append(time.monotonic())
        elif kind == "position" or (kind == "office.state" and "position" in frame):
            self.position = int(frame["position"])


def integrity(citizens: list[Citizen], admitted: dict[str, int]) -> dict[str, int]:
    """Lost, duplicated and reordered pages; the first ``admitted[office]`` of an office were let in."""
    lost = duplicated = reordered = 0
    for slug, *_ in OFFICES:
        waiting = sorted(
            (c for c in citizens if c.office == slug and c.rank > admitted.get(slug, 0)), key=lambda c: c.rank
        )
        lost += sum(1 for c in waiting if c.final or not c.position)
        positions = [c.position for c in waiting if not c.final and c.position]
        duplicated += len(positions) - len(set(positions))
        reordered += sum(1 for a, b in itertools.pairwise(positions) if a >= b)
        expected = list(range(1, len(waiting) + 1))
        if positions != expected and not (lost or duplicated or reordered):
            reordered += 1  # a gap: every page has a place, but not the right one
        wrong = [
            (c.rank, c.position, c.final)
            for c, want in zip(waiting, expected, strict=True)
            if c.position != want
        ]
        if wrong:
            print(f"  {slug}: pages (rank, position, final) not at their place: {wrong[:10]}", flush=True)
    return {"lost": lost, "duplicated": duplicated, "reordered": reordered}


async def settle(
    citizens: list[Citizen],
    since: float,
    expected: Callable[[Citizen], bool],
    must_reconnect: frozenset[int] = frozenset(),
) -> bool:
    """Wait until every page that lost its socket after ``since`` (the pages ``must_reconnect``, by
    index, must have lost it) had a snapshot again and ``expected`` holds for every page (or
    SETTLE_SECONDS pass)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        if all(
            c.final
            or (
                (not (c.closed_after(since) or i in must_reconnect) or c.snapshot_after(since))
                and expected(c)
            )
            for i, c in enumerate(citizens)
        ):
            return True
        await asyncio.sleep(0.1)
    return False


def recovery_ms(citizens: list[Citizen], t0: float) -> list[float]:
    return [
        (snap - t0) * 1000
        for c in citizens
        if c.closed_after(t0) and (snap := c.snapshot_after(t0)) is not None
    ]


# --- HTTP ----------------------------------------------------------------------------------------------


def get(url: str, timeout: float = 60) -> tuple[int, str, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode("utf-8", "replace"), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace"), time.monotonic() - started
    except OSError:
        return 0, "", time.monotonic() - started


def post_admit(base: str, path: str, official_session: str) -> int:
    request = admit_request(base, path, official_session)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0


def hang_up_all(server: harness.LiveServer, slug: str) -> None:
    """Every running consultation of office ``slug`` hung up by its official."""
    server.manage(
        "shell",
        "-c",
        "from buergerbuero.calls.actions.course import hang_up\n"
        "from buergerbuero.calls.models import Consultation, ParticipantRole\n"
        f"for c in Consultation.objects.filter(office__slug={slug!r}, ended_at__isnull=True):\n"
        "    hang_up(c, c.participants.get(role=ParticipantRole.OFFICIAL).staff)",
    )


def db_waiting(server: harness.LiveServer) -> dict[str, int]:
    """Waiting tickets per office, and tickets sharing a token hash, as the database has them."""
    out = server.manage(
        "shell",
        "-c",
        "import json\n"
        "from django.db.models import Count\n"
        "from buergerbuero.waitingroom.models import Ticket\n"
        "w = dict(Ticket.objects.filter(state='waiting').values_list('office__slug')"
        ".annotate(n=Count('id')))\n"
        "d = Ticket.objects.values('token_hash').annotate(n=Count('id')).filter(n__gt=1).count()\n"
        "print(json.dumps({'waiting': w, 'duplicate_tokens': d}))",
    )
    return json.loads(out.strip().splitlines()[-1])


# --- the faults ----------------------------------------------------------------------------------------


@dataclass
class Run:
    server: harness.LiveServer
    backends: harness.Backends
    citizens: list[Citizen]
    setups: dict[str, dict[str, Any]]
    media: Media
    admitted: dict[str, int] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)

    def office_positions_right(self, c: Citizen) -> bool:
        return (
            c.final
            or c.rank <= self.admitted.get(c.office, 0)
            or c.position == c.rank - self.admitted.get(c.office, 0)
        )

    def check(self, name: str) -> None:
        found = integrity(self.citizens, self.admitted)
        print(f"{name}: {found}", flush=True)
        for key, value in found.items():
            self.result[key] = self.result.get(key, 0) + value


async def kill_workers(run: Run, everyone: bool) -> dict[str, Any]:
    before = run.server.worker_ids()
    victims = sorted(before) if everyone else sorted(before)[:1]
    # The pages whose socket the victims hold: each must reconnect and get a snapshot.
    served = {i: run.server.process_serving(c.port) for i, c in enumerate(run.citizens)}
    affected = frozenset(i for i, pid in served.items() if pid in victims)
    t0 = time.monotonic()
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    settled = await settle(run.citizens, t0, run.office_positions_right, affected)
    recover = recovery_ms(run.citizens, t0)
    after = run.server.worker_ids()
    print(
        f"kill -9 of {len(victims)} of {len(before)} workers: {len(recover)} pages reconnected, "
        f"{summary(recover)}"
    )
    # Workers that were not killed but are gone all the same (gunicorn kills a worker whose event loop
    # has not reported for --timeout, 30 s by default).
    survivors_lost = len((before - set(victims)) - after)
    if survivors_lost:
        print(f"  {survivors_lost} worker(s) not killed by us are gone too")
    return {
        "killed": len(victims),
        "survivors_lost": survivors_lost,
        "pages_on_killed": len(affected),
        "workers_after": len(after),
        "pages_reconnected": len(recover),
        "recover_p95_ms": round(percentile(recover, 95), 1) if recover else None,
        "recover_max_ms": round(max(recover), 1) if recover else None,
        "settled": settled,
    }


async def restart_redis(run: Run, down_seconds: float) -> dict[str, Any]:
    redis = run.backends.redis
    redis.halt()
    await asyncio.sleep(down_seconds)
    redis.resume()
    t0 = time.monotonic()
    slug = OFFICES[0][0]
    statuses = []
    # The official admits the next citizen as soon as Redis is back: its event must reach every page.
    while True:
        status = await asyncio.to_thread(
            post_admit, run.server.url, run.setups[slug]["admit_url"], run.setups[slug]["official"]
        )
        statuses.append(status)
        if 200 <= status < 400 or time.monotonic() - t0 > SETTLE_SECONDS:
            break
        await asyncio.sleep(0.5)
    if 200 <= statuses[-1] < 400:
        run.admitted[slug] = run.admitted.get(slug, 0) + 1
    settled = await settle(run.citizens, t0, run.office_positions_right)
    done = time.monotonic()
    print(f"redis restarted: admission statuses {statuses}, pages right after {(done - t0) * 1000:.0f} ms")
    # The official hangs up: left open without the official's page, the consultation would end after
    # the call's grace with the citizen back at the head of the queue
    # (calls.actions.liveness.end_gone_participants).
    await asyncio.to_thread(hang_up_all, run.server, slug)
    return {
        "admit_statuses": statuses,
        "redis_recover_ms": round((done - t0) * 1000, 1) if settled else None,
        "settled": settled,
    }


async def restart_postgres(run: Run, down_seconds: float) -> dict[str, Any]:
    postgres = run.backends.postgres
    page = run.server.office_url(OFFICES[0][0])
    postgres.halt()
    t_down = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=16)
    loop = asyncio.get_running_loop()
    requests = []
    while time.monotonic() - t_down < down_seconds:
        requests.append(loop.run_in_executor(pool, get, page))
        await asyncio.sleep(0.5)
    # Answers that came while PostgreSQL was down (the rest may wait for it and succeed later).
    await asyncio.sleep(0.5)
    postgres.resume()
    t0 = time.monotonic()
    answers = await asyncio.gather(*requests)
    recovered = None
    while time.monotonic() - t0 < SETTLE_SECONDS:
        status, _body, _took = await loop.run_in_executor(pool, get, page)
        if status == 200:
            recovered = (time.monotonic() - t0) * 1000
            break
        await asyncio.sleep(0.1)
    # Each worker's pool may still hold connections of the stopped server: how many requests after
    # the first good one still fail?
    after = [(await loop.run_in_executor(pool, get, page))[0] for _ in range(40)]
    pool.shutdown()
    statuses = [status for status, _body, _took in answers]
    tracebacks_in_pages = sum(1 for _s, body, _t in answers if "Traceback" in body)
    retry_after = all("Retry-After" in body or status != 503 for status, body, _t in answers)
    settled = await settle(run.citizens, t_down, run.office_positions_right)
    print(
        f"postgres down {down_seconds:.0f} s: statuses {statuses}, "
        + (f"recovered after {recovered:.0f} ms" if recovered is not None else "NOT recovered")
    )
    return {
        "pg_statuses": statuses,
        "pg_500": sum(1 for s in statuses if s >= 500 and s != 503),
        "pg_503": statuses.count(503),
        "pg_tracebacks_in_pages": tracebacks_in_pages,
        "pg_recover_ms": round(recovered, 1) if recovered is not None else None,
        "pg_failures_after_back": sum(1 for s in after if s != 200),
        "settled": settled,
        "retry_after_checked": retry_after,
    }


# --- fuzzing -------------------------------------------------------------------------------------------


async def ping_round_trips(base: str, session: str, until: asyncio.Event, warm_up: int = 10) -> list[float]:
    """A normal page's ping → pong round trips (ms), every PING_EVERY_S, after ``warm_up`` untimed ones,
    until ``until`` is set."""
    url = base.replace("http://", "ws://") + "/ws/ticket/"
    times: list[float] = []
    async with connect(
        url,
        origin=base,
        additional_headers=[("Cookie", f"sessionid={session}")],
        compression=None,  # type: ignore[arg-type]
    ) as ws:
        while json.loads(await ws.recv()).get("type") != "snapshot":
            pass
        n = 0
        while not until.is_set():
            started = time.perf_counter()
            await ws.send(json.dumps({"type": "ping", "t": n}))
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("type") == "pong" and frame.get("t") == n:
                    break
                if frame.get("type") == "error":
                    raise RuntimeError(f"a normal page's ping was refused: {frame}")
            if n >= warm_up:
                times.append((time.perf_counter() - started) * 1000)
            n += 1
            await asyncio.sleep(PING_EVERY_S)
    return times


async def run_fuzzer(spec: dict[str, Any]) -> dict[str, Any]:
    """bench/_fuzzer.py with ``spec``, at idle priority (an attacker's CPU is not the server's)."""
    fuzzer = await asyncio.create_subprocess_exec(
        sys.executable,
        str(REPO / "bench" / "_fuzzer.py"),
        json.dumps(spec),
        stdout=asyncio.subprocess.PIPE,
        preexec_fn=lambda: os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0)),
    )
    out, _ = await fuzzer.communicate()
    if fuzzer.returncode != 0:
        raise RuntimeError(f"the fuzzer failed ({fuzzer.returncode})")
    return json.loads(out.decode().strip().splitlines()[-1])


def fuzz_targets(run: Run, tickets: list[str], per_kind: int) -> list[list[Any]]:
    """Sockets of every kind: the citizen's (one a ticket: a second socket of a ticket replaces the
    first), the official's and the public one."""
    setup = run.setups[FUZZ_OFFICE[0]]
    return [
        *(["/ws/ticket/", ticket] for ticket in tickets),
        *(["/ws/staff/", setup["official"]] for _ in range(per_kind)),
        *([f"/ws/public/{run.server.ids['authority']}/", None] for _ in range(per_kind)),
    ]


async def fuzz(run: Run, frames: int, seconds: float) -> dict[str, Any]:
    """A flood of ``frames`` hostile frames (or ``seconds`` of it) from one address, while a normal page's
    pings are timed before and during it."""
    base = run.server.url
    normal = run.setups[FUZZ_OFFICE[0]]["citizens"][0]
    quiet = asyncio.Event()
    asyncio.get_running_loop().call_later(PING_BEFORE_S, quiet.set)
    before = await ping_round_trips(base, normal, quiet)
    pids_before = run.server.worker_ids()
    tickets = run.setups[FUZZ_OFFICE[0]]["citizens"][1:]
    spec = {
        "base": base,
        "frames": frames,
        "seconds": seconds,
        "connections": 1,
        "targets": fuzz_targets(run, tickets[:8], 8),
    }
    fuzzing = asyncio.Event()
    # Timed for as long as the frames flow (from a second after the fuzzer's start, when it has its
    # sockets open and the server has frames waiting).
    fuzzer = asyncio.create_task(run_fuzzer(spec))
    await asyncio.sleep(1)
    during_task = asyncio.create_task(ping_round_trips(base, normal, fuzzing))
    try:
        done = await fuzzer
    finally:
        fuzzing.set()
    during = await during_task
    pids_after = run.server.worker_ids()
    print(
        f"fuzz: {done['sent']} frames in {done['seconds']:.1f} s; "
        f"ping before {summary(before)}; during {summary(during)}\n  fuzzer: {done}"
    )
    return {
        "fuzz_frames": done["sent"],
        "fuzz_answered": done["answers"],
        "fuzz_connections": done["connections"],
        "fuzz_refused_handshakes": done["refused"],
        "fuzz_seconds": done["seconds"],
        "fuzz_crashed_workers": len(pids_before - pids_after),
        "ping_p95_before_ms": round(percentile(before, 95), 1),
        "ping_p95_fuzz_ms": round(percentile(during, 95), 1),
    }


async def fuzz_paced(run: Run, frames: int, seconds: float) -> dict[str, Any]:
    """``frames`` hostile frames that the server reads one by one: PACED_SOCKETS sockets of each kind,
    from as many addresses, each below the frame rate limit, none over the size limit."""
    pids_before = run.server.worker_ids()
    tickets = run.setups[FUZZ_OFFICE[0]]["citizens"][1:]
    spec = {
        "base": run.server.url,
        "frames": frames,
        "seconds": seconds,
        "connections": 1,
        "seed": 11,
        "pace": PACED_RATE,
        "oversize": False,
        "addresses": [f"127.0.1.{n + 1}" for n in range(PACED_SOCKETS)],
        "targets": fuzz_targets(run, tickets, PACED_SOCKETS),
    }
    done = await run_fuzzer(spec)
    pids_after = run.server.worker_ids()
    print(
        f"fuzz, paced: {done['sent']} frames, {done['answers']} answered in {done['seconds']:.1f} s\n  {done}"
    )
    return {
        "fuzz_frames": done["sent"],
        "fuzz_answered": done["answers"],
        "fuzz_refused_handshakes": done["refused"],
        "fuzz_seconds": done["seconds"],
        "fuzz_crashed_workers": len(pids_before - pids_after),
    }


# --- main ----------------------------------------------------------------------------------------------


async def measure(run: Run, fuzz_frames: int, fuzz_seconds: float, down_seconds: float) -> None:
    stop = asyncio.Event()
    tasks = [asyncio.create_task(c.run(run.server.url, stop)) for c in run.citizens]
    t0 = time.monotonic()
    if not await settle(
        run.citizens, t0 - 1, lambda c: c.position is not None and run.office_positions_right(c)
    ):
        raise RuntimeError("not every page got its snapshot")
    print(f"{len(run.citizens)} pages connected in {time.monotonic() - t0:.1f} s", flush=True)
    run.check("start")
    scenarios: dict[str, Any] = {}
    media = run.media
    if media.calls:
        await media.run(media.open_calls)

    async def calls_across_kills() -> dict[str, Any]:
        # From the calls' start (before the first kill) until every page settled after the last kill.
        until_ms = time.time() * 1000
        try:
            return await media.run(lambda playwright: media.call_gaps(playwright, until_ms))
        finally:
            await media.run(media.end_calls)

    steps: list[tuple[str, Callable[[], Awaitable[dict[str, Any]]]]] = [
        ("kill_one", lambda: kill_workers(run, everyone=False)),
        ("kill_all", lambda: kill_workers(run, everyone=True)),
    ]
    if media.calls:
        steps.append(("calls", calls_across_kills))
    if media.network:
        steps.append(("network", lambda: media.run(media.network_drop)))
    if media.janus:
        steps.append(("janus", lambda: media.run(media.janus_restart)))
    steps += [
        ("redis", lambda: restart_redis(run, down_seconds)),
        ("postgres", lambda: restart_postgres(run, down_seconds)),
    ]
    if fuzz_frames:
        steps.append(("fuzz", lambda: fuzz(run, fuzz_frames, fuzz_seconds)))
        steps.append(("fuzz_paced", lambda: fuzz_paced(run, fuzz_frames, 4 * fuzz_seconds)))
    chosen = os.environ.get("STEPS", "").replace(",", " ").split()
    if chosen:
        unknown = set(chosen) - {name for name, _work in steps}
        if unknown:
            raise SystemExit(f"STEPS: no such step {sorted(unknown)}; steps: {[n for n, _w in steps]}")
        steps = [(name, work) for name, work in steps if name in chosen]
    log_offset = run.server.log_size()
    for name, work in steps:
        scenarios[name] = await work()
        text = run.server.log_since(log_offset)
        log_offset = run.server.log_size()
        scenarios[name]["server_errors"] = server_errors(text)
        if scenarios[name]["server_errors"]:
            first = text.find("Traceback (most recent call last)")
            print(f"--- {name}: first traceback in the server log ---\n{text[first : first + 3000]}")
        run.check(name)
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    database = await asyncio.to_thread(db_waiting, run.server)
    expected = {
        slug: len([c for c in run.citizens if c.office == slug]) - run.admitted.get(slug, 0)
        for slug, *_ in OFFICES
    }
    run.result["db_waiting"] = database["waiting"]
    run.result["db_lost"] = sum(max(0, expected[s] - database["waiting"].get(s, 0)) for s in expected)
    run.result["db_duplicate_tokens"] = database["duplicate_tokens"]
    run.result["scenarios"] = scenarios


def main() -> None:
    citizens_wanted = env_int("CITIZENS", 200, minimum=4)
    fuzz_frames = env_int("FUZZ_FRAMES", 100_000, minimum=0)
    fuzz_seconds = float(env_int("FUZZ_SECONDS", 60))
    down_seconds = float(env_int("DOWN_SECONDS", 5))
    calls = bool(env_int("CALLS", 1, minimum=0))
    net = bool(env_int("NET", 1, minimum=0))
    janus = bool(env_int("JANUS", 1, minimum=0))
    net_down = float(env_int("NET_DOWN_SECONDS", 5))
    janus_down = float(env_int("JANUS_DOWN_SECONDS", 2, minimum=0))
    enter_netns()
    load_before = os.getloadavg()[0]
    backends = harness.Backends().start()
    seed = harness.SeedSpec(
        offices=[
            harness.OfficeSpec(slug, name, [(user, display)], opened_by=[user])
            for slug, name, user, display in [*OFFICES, FUZZ_OFFICE, *CALL_OFFICES, NET_OFFICE]
        ]
    )
    media = Media(None, calls, net, janus, net_down, janus_down)
    janus_env = media.start_janus(seed)
    server = harness.LiveServer(
        seed,
        env={
            **backends.server_env("faults"),
            **janus_env,
            "BUERGERBUERO_WAITING_GRACE_SECONDS": "3600",
            # No official's workspace is open here: the offices stay open all the same.
            "BUERGERBUERO_PRESENCE_GRACE_SECONDS": "3600",
            "BUERGERBUERO_LOG_LEVEL": "WARNING",
            # Requests made while PostgreSQL is down wait this long for a connection before the 503.
            "BUERGERBUERO_DB_POOL_TIMEOUT_SECONDS": os.environ.get(
                "BUERGERBUERO_DB_POOL_TIMEOUT_SECONDS", "5"
            ),
        },
        name="bench-faults",
    )
    run: Run | None = None
    try:
        server.prepare()
        setups: dict[str, dict[str, Any]] = {}
        citizens: list[Citizen] = []
        for slug, _name, user, _display in [*OFFICES, FUZZ_OFFICE]:
            out = server.tmp / f"setup-{slug}.json"
            # In the fuzzing office: one page to time pings, the others' tickets to fuzz with.
            count = 1 + PACED_SOCKETS if slug == FUZZ_OFFICE[0] else citizens_wanted // len(OFFICES)
            subprocess.run(
                [sys.executable, str(REPO / "bench" / "waiting_setup.py"), slug, user, str(count), str(out)],
                cwd=REPO,
                env=server.env,
                check=True,
            )
            setups[slug] = json.loads(out.read_text(encoding="utf-8"))
            if slug != FUZZ_OFFICE[0]:
                citizens += [Citizen(slug, i + 1, s) for i, s in enumerate(setups[slug]["citizens"])]
        server.start([*backends.server_args, "--log-level", "warning"], timeout=120)
        media.server = server
        media.start()
        run = Run(server, backends, citizens, setups, media)
        asyncio.run(measure(run, fuzz_frames, fuzz_seconds, down_seconds))
    except BaseException:
        print(f"--- server log ---\n{server.log(80)}", flush=True)
        if media.group is not None and media.group.janus is not None:
            print(f"--- janus log ---\n{media.group.janus.log()}", flush=True)
        raise
    finally:
        media.stop()
        server.stop()
        if os.environ.get("BB_FAULTS_LOG"):
            shutil.copy(server.log_path, os.environ["BB_FAULTS_LOG"])
        server.cleanup()
        backends.stop()
    assert run is not None
    scenarios = run.result["scenarios"]
    kill_one, kill_all = scenarios.get("kill_one", {}), scenarios.get("kill_all", {})
    emit(
        {
            "benchmark": "faults",
            "citizens": len(run.citizens),
            "lost": run.result["lost"] + run.result["db_lost"],
            "reordered": run.result["reordered"],
            "duplicated": run.result["duplicated"] + run.result["db_duplicate_tokens"],
            "recover_p95_ms": kill_one.get("recover_p95_ms"),
            "recover_max_ms": kill_one.get("recover_max_ms"),
            "recover_all_p95_ms": kill_all.get("recover_p95_ms"),
            "recover_all_max_ms": kill_all.get("recover_max_ms"),
            "survivors_lost": kill_one.get("survivors_lost"),
            "redis_recover_ms": scenarios.get("redis", {}).get("redis_recover_ms"),
            "redis_admit_statuses": scenarios.get("redis", {}).get("admit_statuses"),
            "pg_statuses": scenarios.get("postgres", {}).get("pg_statuses"),
            "pg_500": scenarios.get("postgres", {}).get("pg_500"),
            "pg_recover_ms": scenarios.get("postgres", {}).get("pg_recover_ms"),
            "pg_failures_after_back": scenarios.get("postgres", {}).get("pg_failures_after_back"),
            "fuzz_frames": scenarios.get("fuzz", {}).get("fuzz_frames", 0),
            "fuzz_answered": scenarios.get("fuzz", {}).get("fuzz_answered", 0),
            "fuzz_paced_frames": scenarios.get("fuzz_paced", {}).get("fuzz_frames", 0),
            "fuzz_paced_answered": scenarios.get("fuzz_paced", {}).get("fuzz_answered", 0),
            "fuzz_refused_handshakes": scenarios.get("fuzz", {}).get("fuzz_refused_handshakes", 0),
            "fuzz_crashed_workers": sum(
                scenarios.get(name, {}).get("fuzz_crashed_workers") or 0 for name in ("fuzz", "fuzz_paced")
            ),
            "ping_p95_before_ms": scenarios.get("fuzz", {}).get("ping_p95_before_ms"),
            "ping_p95_fuzz_ms": scenarios.get("fuzz", {}).get("ping_p95_fuzz_ms"),
            "call_media_gaps": scenarios.get("calls", {}).get("call_media_gaps"),
            "call_media_max_gap_ms": scenarios.get("calls", {}).get("call_media_max_gap_ms"),
            "call_connections_rebuilt": scenarios.get("calls", {}).get("call_connections_rebuilt"),
            "call_sample_max_interval_ms": scenarios.get("calls", {}).get("call_sample_max_interval_ms"),
            "call_ended_after_s": scenarios.get("calls", {}).get("call_ended_after_s"),
            "net_media_back_ms": scenarios.get("network", {}).get("net_media_back_ms"),
            "net_media_stall_ms": scenarios.get("network", {}).get("net_media_stall_ms"),
            "janus_media_back_ms": scenarios.get("janus", {}).get("janus_media_back_ms"),
            "janus_restart_ms": scenarios.get("janus", {}).get("janus_restart_ms"),
            "media_load_1min": {
                name: scenarios[name].get("load_1min")
                for name in ("calls", "network", "janus")
                if name in scenarios
            },
            "server_errors": sum(s["server_errors"] for s in scenarios.values()),
            "server_errors_by_fault": {name: s["server_errors"] for name, s in scenarios.items()},
            "settled": all(s.get("settled", True) for s in scenarios.values()),
            "load_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        }
    )


if __name__ == "__main__":
    main()
