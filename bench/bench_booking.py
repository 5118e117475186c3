"""Do scarce slots stay single-booked when everyone wants them at once? ROUNDS (default 50) times,
ATTEMPTS (default 200) clients post the booking form for ONE single-seat slot at the same moment (a
barrier releases them together), against a live server on PostgreSQL with two uvicorn workers and
Redis, all started by this benchmark in its own network namespace (tests/e2e/harness.py Backends).
Each request is what a browser sends: the form with a solved proof of work fetched from the server
(its size lowered, BOOKING_POW_MAX_NUMBER, and the per-address limits raised: all clients share one
address here). Then, for throughput, ATTEMPTS clients book as many different slots at once.

A request counts as a success when it is redirected to the "booked" page, as a clean rejection when it
is redirected to the week view ("this time has just been taken"); anything else (an error page, a
server error, a lost connection) is an error.

Keys (last line, JSON): ``rounds``, ``attempts_per_round``, ``successes_per_round_min`` and ``_max``
(both must be 1), ``clean_rejections`` (must be all others), ``errors``, ``throughput_per_s``
(non-conflicting bookings per second), ``round_p50_ms`` (one round, first request sent to last answer).

    python bench/bench_booking.py          ROUNDS=5 ATTEMPTS=50 python bench/bench_booking.py
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

from _common import REPO, emit, enter_netns, env_int, harness, percentile, summary

OFFICE = "termine"
CSRF = "c" * 32
BERLIN = ZoneInfo("Europe/Berlin")
SUCCESS, TAKEN, ERROR = "success", "taken", "error"


def slot_key(day: dt.date, index: int) -> str:
    """The id of the ``index``-th 5-minute slot of ``day`` (local time), as the server writes it."""
    local = dt.datetime.combine(day, dt.time(0), tzinfo=BERLIN) + dt.timedelta(minutes=5 * index)
    return local.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


class Client:
    def __init__(self, port: int, authority: str) -> None:
        self.port = port
        self.authority = authority
        self.local = threading.local()

    def connection(self) -> http.client.HTTPConnection:
        if getattr(self.local, "conn", None) is None:
            self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        return self.local.conn

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = {
            "Cookie": f"csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
            "Origin": f"http://127.0.0.1:{self.port}",
        }
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            conn = self.connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                headers = {name.lower(): value for name, value in response.getheaders()}
                return response.status, headers, response.read()
            except (ConnectionError, http.client.HTTPException):
                conn.close()
                self.local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def prepared_form(self, n: int) -> str:
        """A filled-in form with a freshly solved proof of work (done before the clock starts)."""
        from buergerbuero.core.pow import solve

        status, _, body = self.request("GET", "/termine/pruefung/")
        if status != 200:
            raise RuntimeError(f"challenge: {status} {body[:200]!r}")
        return urllib.parse.urlencode(
            {
                "name": f"Person {n}",
                "email": f"person{n}@example.org",
                "phone": "",
                "concern": "",
                "consent": "on",
                "pow": solve(json.loads(body)),
            }
        )

    def book(self, key: str, form: str) -> tuple[str, str, float]:
        started = time.perf_counter()
        try:
            status, headers, body = self.request("POST", f"/{self.authority}/{OFFICE}/termin/{key}/", form)
        except Exception as exc:
            return ERROR, repr(exc), (time.perf_counter() - started) * 1000
        ms = (time.perf_counter() - started) * 1000
        location = headers.get("location", "")
        if status == 302 and location.endswith("/termin/gebucht/"):
            return SUCCESS, "", ms
        if status == 302 and "/termin/" in location and "woche=" in location:
            return TAKEN, "", ms
        return ERROR, f"{status} {location} {body[:200]!r}", ms


def burst(pool: ThreadPoolExecutor, client: Client, keys: list[str], forms: list[str]) -> tuple[list, float]:
    """Send one request per key at the same moment; results and the wall time of the burst (ms)."""
    barrier = threading.Barrier(len(keys))
    times: list[float] = []

    def one(i: int) -> tuple[str, str, float]:
        barrier.wait()
        if i == 0:
            times.append(time.perf_counter())
        return client.book(keys[i], forms[i])

    results = list(pool.map(one, range(len(keys))))
    return results, (time.perf_counter() - times[0]) * 1000


def main() -> None:
    rounds = env_int("ROUNDS", 50)
    attempts = env_int("ATTEMPTS", 200, minimum=2)
    if rounds > 280:
        raise SystemExit("ROUNDS must be at most 280 (the 5-minute slots of one day)")
    enter_netns()
    backends = harness.Backends()
    seed = harness.SeedSpec(offices=[harness.OfficeSpec(OFFICE, "Terminvergabe", [("anna", "Anna Amsel")])])
    server: harness.LiveServer | None = None
    outcomes: dict[str, int] = {SUCCESS: 0, TAKEN: 0, ERROR: 0}
    per_round: list[int] = []
    round_ms: list[float] = []
    latencies: list[float] = []
    error_samples: list[str] = []
    throughput: list[float] = []
    try:
        backends.start()
        server = harness.LiveServer(
            seed,
            env={
                **backends.server_env("bench-booking"),
                "BUERGERBUERO_LOG_LEVEL": "WARNING",
                "BUERGERBUERO_BOOKING_POW_MAX_NUMBER": "100",
                "BUERGERBUERO_BOOKING_RATE_PER_ADDRESS": "1000000",
                "BUERGERBUERO_BOOKING_RATE_PER_EMAIL": "1000000",
            },
            name="bench-booking",
        )
        server.prepare()
        subprocess.run(
            [sys.executable, str(REPO / "bench" / "booking_setup.py"), OFFICE], env=server.env, check=True
        )
        server.start([*backends.server_args, "--log-level", "warning"])
        client = Client(server.port, server.ids["authority"])
        day = dt.datetime.now(BERLIN).date() + dt.timedelta(days=2)
        with ThreadPoolExecutor(max_workers=attempts) as pool:
            for r in range(rounds):
                forms = list(pool.map(client.prepared_form, range(r * attempts, (r + 1) * attempts)))
                results, wall = burst(pool, client, [slot_key(day, r)] * attempts, forms)
                wins = sum(1 for kind, _, _ in results if kind == SUCCESS)
                per_round.append(wins)
                round_ms.append(wall)
                for kind, detail, ms in results:
                    outcomes[kind] += 1
                    latencies.append(ms)
                    if kind == ERROR and len(error_samples) < 5:
                        error_samples.append(detail)
                print(
                    f"round {r + 1:2d}: {wins} booked, {sum(k == TAKEN for k, _, _ in results)} told it was "
                    f"taken, {sum(k == ERROR for k, _, _ in results)} errors, {wall:.0f} ms",
                    flush=True,
                )
            # Throughput: as many clients at once, each for a slot of its own.
            for batch in range(3):
                offset = rounds * attempts + batch * attempts
                forms = list(pool.map(client.prepared_form, range(offset, offset + attempts)))
                other_day = day + dt.timedelta(days=1 + batch)
                results, wall = burst(pool, client, [slot_key(other_day, i) for i in range(attempts)], forms)
                booked = sum(1 for kind, _, _ in results if kind == SUCCESS)
                if booked != attempts:
                    error_samples.extend(d for k, d, _ in results if k != SUCCESS)
                throughput.append(booked / (wall / 1000))
                print(
                    f"throughput batch {batch + 1}: {booked} of {attempts} slots booked in {wall:.0f} ms",
                    flush=True,
                )
    except BaseException:
        if server is not None:
            print(f"--- server log ---\n{server.log(60)}", flush=True)
        raise
    finally:
        if server is not None:
            server.stop()
            server.cleanup()
        backends.stop()

    print(f"requests: {summary(latencies)}")
    if error_samples:
        print(f"errors (first 5 of {len(error_samples)}): {error_samples[:5]}")
    clean = outcomes[TAKEN] == rounds * attempts - sum(per_round) and outcomes[ERROR] == 0
    met = min(per_round) == 1 and max(per_round) == 1 and clean
    print(f"exactly one booking per slot and only clean rejections: {'yes' if met else 'NO'}")
    emit(
        {
            "benchmark": "booking",
            "rounds": rounds,
            "attempts_per_round": attempts,
            "successes_per_round_min": min(per_round),
            "successes_per_round_max": max(per_round),
            "clean_rejections": outcomes[TAKEN],
            "errors": outcomes[ERROR],
            "all_others_rejected_cleanly": clean,
            "throughput_per_s": round(percentile(throughput, 50), 1),
            "round_p50_ms": round(percentile(round_ms, 50), 1),
            "request_p95_ms": round(percentile(latencies, 95), 1),
            "database": "postgresql",
            "workers": harness.Backends.WORKERS,
        }
    )


if __name__ == "__main__":
    main()
