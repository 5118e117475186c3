"""How long does the statistics dashboard take for a whole year of a busy authority? One authority with
OFFICES (default 10) offices of three officials each gets a year of activity (TICKETS, default 1,000,000,
from 1 January to today, working days 08:00-16:00): open periods, presences, tickets with their state
changes, consultations with their participants, ratings. It is written with COPY into a PostgreSQL of the
benchmark's own (in its own network namespace, tests/e2e/harness.py) and rolled up with the real job
(``stats.actions.rollup_due``). Then the dashboard's yearly view, ``stats:dashboard?period=year``, is
fetched by the Django test client signed in as the authority administrator: once cold, RUNS (default 7)
times warm; ``stats.figures.compute`` for the year is timed alone as well. Goal: ``dashboard_ms`` <= 1000.

Keys (last line, JSON): ``tickets``, ``offices``, ``dashboard_ms`` (median warm), ``dashboard_cold_ms``,
``compute_ms`` (median warm), ``compute_cold_ms``, ``compute_queries``, ``generate_s``, ``rollup_s``,
``office_days``, ``view`` (false while the dashboard view does not exist yet; ``dashboard_ms`` is then
``compute_ms``).

    python bench/bench_stats.py          TICKETS=100000 python bench/bench_stats.py
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import tempfile
import time
from zoneinfo import ZoneInfo

from _common import emit, enter_netns, env_int, harness, percentile, summary

BERLIN = ZoneInfo("Europe/Berlin")
OFFICIALS = 3
OPEN, CLOSE = dt.time(8), dt.time(16)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("BUERGERBUERO_DATA_DIR", tempfile.mkdtemp(prefix="bb-bench-stats-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
    os.environ.setdefault("BUERGERBUERO_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def people(offices: int):  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    from buergerbuero.authorities.models import Authority, Role, Staff
    from buergerbuero.offices.models import Assignment, Department, Office

    users = get_user_model()
    authority = Authority.objects.create(name="Landratsamt Benchkreis", slug="benchkreis")
    admin = Staff.objects.create(
        user=users.objects.create_user("admin"),
        authority=authority,
        display_name="Admin",
        role=Role.AUTHORITY_ADMIN,
    )
    departments = [
        Department.objects.create(authority=authority, name=f"Abteilung {i + 1}") for i in range(3)
    ]
    staffed = []
    for i in range(offices):
        office = Office.objects.create(
            authority=authority, slug=f"amt-{i + 1}", name=f"Amt {i + 1:02d}", department=departments[i % 3]
        )
        officials = []
        for j in range(OFFICIALS):
            user = users.objects.create_user(f"official-{i}-{j}")
            staff = Staff.objects.create(user=user, authority=authority, display_name=f"Person {i}-{j}")
            Assignment.objects.create(office=office, staff=staff, is_lead=j == 0)
            officials.append(staff)
        staffed.append((office, officials))
    return authority, admin, staffed


def working_days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [
        first + dt.timedelta(days=n)
        for n in range((last - first).days + 1)
        if (first + dt.timedelta(days=n)).weekday() < 5
    ]


def ts(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S+00")


class Copy:
    """Rows of one table as COPY text, sent in large pieces."""

    def __init__(self, cursor, table: str, columns: str) -> None:  # type: ignore[no-untyped-def]
        self.cursor, self.sql = cursor, f"COPY {table} ({columns}) FROM STDIN"
        self.buffer = io.StringIO()
        self.rows = 0

    def add(self, *values: object) -> None:
        self.buffer.write("\t".join("\\N" if v is None else str(v) for v in values))
        self.buffer.write("\n")
        self.rows += 1

    def flush(self) -> None:
        data = self.buffer.getvalue()
        if data:
            with self.cursor.copy(self.sql) as copy:
                copy.write(data)
        self.buffer = io.StringIO()
        self.rows = 0


def generate(staffed, tickets: int, now: dt.datetime) -> int:  # type: ignore[no-untyped-def]
    """A year of activity up to ``now``, written with COPY; returns the tickets written."""
    from django.db import connection

    rng = random.Random(5)
    today = now.astimezone(BERLIN).date()
    day_list = working_days(dt.date(today.year, 1, 1), today)
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    t_cols = (
        "id, office_id, state, display_name, concern, language, priority, enqueued_at, created_at, "
        "state_changed_at, connection_id, returned, transfer_note, decline_message, rating, "
        "personal_data_deleted"
    )
    copies = {
        "ticket": Copy(cursor, "waitingroom_ticket", t_cols),
        "transition": Copy(
            cursor, "waitingroom_tickettransition", "id, ticket_id, from_state, to_state, at, actor_id"
        ),
        "consultation": Copy(
            cursor,
            "calls_consultation",
            "id, office_id, ticket_id, started_at, connected_at, ended_at, end_reason",
        ),
        "participant": Copy(
            cursor,
            "calls_participant",
            "id, consultation_id, role, staff_id, joined_at, left_at, call_page, call_connection",
        ),
        "open": Copy(cursor, "offices_openperiod", "id, office_id, started_at, ended_at"),
        "presence": Copy(cursor, "offices_presence", "id, office_id, staff_id, started_at, ended_at"),
    }
    ids = dict.fromkeys(copies, 0)

    def next_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind]

    written = 0
    seconds_open = (dt.datetime.combine(today, CLOSE) - dt.datetime.combine(today, OPEN)).seconds
    for day_index, day in enumerate(day_list):
        opens = dt.datetime.combine(day, OPEN, tzinfo=BERLIN)
        closes = dt.datetime.combine(day, CLOSE, tzinfo=BERLIN)
        for office_index, (office, officials) in enumerate(staffed):
            # Spread what is left evenly over the office days left, so the total comes out exact.
            slots = (len(day_list) - day_index) * len(staffed) - office_index
            count = round((tickets - written) / slots)
            end = min(closes, now)
            if end <= opens:
                continue
            copies["open"].add(next_id("open"), office.pk, ts(opens), ts(end))
            for staff in officials:
                copies["presence"].add(next_id("presence"), office.pk, staff.pk, ts(opens), ts(end))
            span = (end - opens).total_seconds()
            if span < seconds_open:
                count = int(count * span / seconds_open)
            for _ in range(count):
                created = opens + dt.timedelta(seconds=rng.random() * max(0.0, span - 3600))
                tid = next_id("ticket")
                fate = rng.random()
                official = officials[rng.randrange(OFFICIALS)]
                transition = copies["transition"]
                transition.add(next_id("transition"), tid, "", "waiting", ts(created), None)
                rating = None
                if fate < 0.08:
                    state, changed = "left", created + dt.timedelta(seconds=rng.randint(60, 900))
                    transition.add(next_id("transition"), tid, "waiting", "left", ts(changed), None)
                elif fate < 0.11:
                    state, changed = "declined", created + dt.timedelta(seconds=rng.randint(30, 300))
                    transition.add(
                        next_id("transition"), tid, "waiting", "declined", ts(changed), official.user_id
                    )
                else:
                    admitted = created + dt.timedelta(seconds=int(rng.expovariate(1 / 400)))
                    connected = admitted + dt.timedelta(seconds=rng.randint(3, 40))
                    changed = connected + dt.timedelta(seconds=rng.randint(240, 1800))
                    state = "done"
                    rating = rng.choice((None, None, 5, 5, 4, 4, 3, 2, 1))
                    for a, b, at, actor in (
                        ("waiting", "invited", admitted, official.user_id),
                        ("invited", "in_consultation", connected, None),
                        ("in_consultation", "done", changed, official.user_id),
                    ):
                        transition.add(next_id("transition"), tid, a, b, ts(at), actor)
                    cid = next_id("consultation")
                    copies["consultation"].add(
                        cid, office.pk, tid, ts(admitted), ts(connected), ts(changed), "hangup_official"
                    )
                    copies["participant"].add(
                        next_id("participant"),
                        cid,
                        "official",
                        official.pk,
                        ts(admitted),
                        ts(changed),
                        "",
                        "",
                    )
                    copies["participant"].add(
                        next_id("participant"), cid, "citizen", None, ts(connected), ts(changed), "", ""
                    )
                at = ts(created)
                copies["ticket"].add(
                    tid, office.pk, state, "", "", "de", 0, at, at, ts(changed), "", "f", "", "", rating, "t"
                )
                written += 1
        if sum(copy.rows for copy in copies.values()) > 500_000:
            # In the order of the foreign keys: tickets before their state changes and consultations.
            for copy in copies.values():
                copy.flush()
    for copy in copies.values():
        copy.flush()
    for table in (
        "waitingroom_ticket",
        "waitingroom_tickettransition",
        "calls_consultation",
        "calls_participant",
        "offices_openperiod",
        "offices_presence",
    ):
        # The names are our own tables', not input.
        sequence = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
        cursor.execute(sequence)
        cursor.execute(f"ANALYZE {table}")
    return written


def timed(call) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    tickets = env_int("TICKETS", 1_000_000)
    offices = env_int("OFFICES", 10)
    runs = env_int("RUNS", 7)
    enter_netns()
    postgres = harness.PostgresServer()
    try:
        postgres.start()
        setup_django(postgres.createdb("bb_bench_stats"))
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from django.urls import NoReverseMatch, reverse
        from django.utils import timezone

        from buergerbuero.stats.actions import rollup_due
        from buergerbuero.stats.figures import compute
        from buergerbuero.stats.models import OfficeDay
        from buergerbuero.stats.periods import named_period
        from buergerbuero.stats.types import Scope

        now = timezone.now()
        authority, admin, staffed = people(offices)
        started = time.perf_counter()
        written = generate(staffed, tickets, now)
        generate_s = time.perf_counter() - started
        print(f"generated {written} tickets in {generate_s:.1f} s", flush=True)
        started = time.perf_counter()
        rollup_due(now)
        rollup_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE stats_officeday")
            cursor.execute("ANALYZE stats_staffday")
        office_days = OfficeDay.objects.filter(authority=authority).count()
        print(f"rolled up {office_days} office days in {rollup_s:.1f} s", flush=True)

        year = named_period("year", timezone.localdate(now), authority.pk)
        scope = Scope(authority.pk)
        with CaptureQueriesContext(connection) as captured:
            compute_cold = timed(lambda: compute(scope, year))
        queries = len(captured)
        figures = compute(scope, year)
        compute_runs = [timed(lambda: compute(scope, year)) for _ in range(runs)]
        print(f"compute: cold {compute_cold:.0f} ms, warm {summary(compute_runs)}; {queries} queries")
        print(f"year: {figures.tickets_created} tickets, {figures.meetings} meetings")
        if os.environ.get("PROFILE"):
            import cProfile
            import pstats

            with CaptureQueriesContext(connection) as each:
                compute(scope, year)
            for query in each.captured_queries:
                print(f"{float(query['time']) * 1000:7.1f} ms  {query['sql'][:150]}")
            profile = cProfile.Profile()
            profile.runcall(compute, scope, year)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)

        view = True
        try:
            from buergerbuero.stats import staff_views as views

            url = reverse("stats:dashboard") + "?period=year"
            view = hasattr(views, "dashboard")
        except (ImportError, NoReverseMatch):
            view = False
        dashboard_cold, dashboard_runs = compute_cold, compute_runs
        if view:
            client = Client(HTTP_HOST="localhost")
            client.force_login(admin.user)

            def get() -> None:
                response = client.get(url)
                assert response.status_code == 200, response.status_code

            dashboard_cold = timed(get)
            dashboard_runs = [timed(get) for _ in range(runs)]
            print(f"dashboard: cold {dashboard_cold:.0f} ms, warm {summary(dashboard_runs)}")
        else:
            print("the dashboard view does not exist yet: dashboard_ms is compute_ms")
    finally:
        postgres.stop()
    median = percentile(dashboard_runs, 50)
    print(f"goal dashboard_ms <= 1000: {'met' if median <= 1000 else 'NOT MET'}")
    emit(
        {
            "benchmark": "stats",
            "tickets": written,
            "offices": offices,
            "dashboard_ms": round(median, 1),
            "dashboard_cold_ms": round(dashboard_cold, 1),
            "compute_ms": round(percentile(compute_runs, 50), 1),
            "compute_cold_ms": round(compute_cold, 1),
            "compute_queries": queries,
            "generate_s": round(generate_s, 1),
            "rollup_s": round(rollup_s, 1),
            "office_days": office_days,
            "view": view,
            "database": "postgresql",
        }
    )


if __name__ == "__main__":
    main()
