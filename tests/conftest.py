"""Personas shared by all tests: a citizen, an official of office A, an official of office B
(the outsider for A), an authority administrator, and an administrator of another authority.

Times: office A has opening hours every day 00:00-23:59 so tests never depend on the clock; tests that
need real opening hours make their own office.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from channels import DEFAULT_CHANNEL_LAYER
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from buergerbuero.authorities.models import Authority, Role, Staff
from buergerbuero.offices.models import Assignment, Office, OpeningInterval
from buergerbuero.waitingroom.models import Ticket

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    authority: Authority
    other_authority: Authority
    office_a: Office
    office_b: Office
    other_office: Office
    official_a: Staff
    official_a2: Staff
    official_b: Staff
    admin: Staff
    other_admin: Staff


def make_staff(authority: Authority, username: str, name: str, role: str = Role.OFFICIAL) -> Staff:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    return Staff.objects.create(user=user, authority=authority, display_name=name, role=role)


def make_office(
    authority: Authority, slug: str, name: str, *officials: Staff, lead: Staff | None = None
) -> Office:
    office = Office.objects.create(authority=authority, slug=slug, name=name, max_queue_length=0)
    for weekday in range(7):
        OpeningInterval.objects.create(
            office=office, weekday=weekday, start=dt.time(0, 0), end=dt.time(23, 59)
        )
    for staff in officials:
        Assignment.objects.create(office=office, staff=staff, is_lead=staff == lead)
    return office


@pytest.fixture
def world(db) -> World:
    authority = Authority.objects.create(name="Landratsamt Testkreis", slug="testkreis", holiday_state="BY")
    other = Authority.objects.create(name="Stadt Anderswo", slug="anderswo", holiday_state="NW")
    official_a = make_staff(authority, "anna", "Anna Amsel")
    official_a2 = make_staff(authority, "alex", "Alex Adler")
    official_b = make_staff(authority, "bernd", "Bernd Bussard")
    admin = make_staff(authority, "admin", "Ada Admin", Role.AUTHORITY_ADMIN)
    other_admin = make_staff(other, "otto", "Otto Other", Role.AUTHORITY_ADMIN)
    office_a = make_office(authority, "energie", "Energieberatung", official_a, official_a2, lead=official_a)
    office_b = make_office(authority, "garten", "Gartenkultur", official_b, lead=official_b)
    other_office = make_office(other, "buergeramt", "Bürgeramt", other_admin)
    return World(
        authority,
        other,
        office_a,
        office_b,
        other_office,
        official_a,
        official_a2,
        official_b,
        admin,
        other_admin,
    )


def login(client: Client, staff: Staff) -> Client:
    assert client.login(username=staff.user.username, password=PASSWORD)
    return client


@pytest.fixture
def citizen_client() -> Client:
    return Client()


@pytest.fixture(autouse=True)
def _fast_hashing(settings) -> None:
    # Argon2 is the production hasher; in tests its cost only slows logins down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_waiting_area_flood_limits(settings) -> None:
    # Every test client comes from one address, and counters in the cache outlive a test: the limits of
    # the waiting area (waitingroom.ratelimit) are off unless a test of them sets its own.
    settings.WAITING_ENTRIES_PER_ADDRESS = 10**6
    settings.WAITING_ENTRIES_PER_SESSION = 10**6
    settings.WAITING_POW_QUEUE_PERCENT = 0
    settings.WAITING_POW_ENTRIES_PER_MINUTE = 10**6


# --- Helpers shared by action, consumer and concurrency tests ------------------------------------------


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    # SQLite's in-memory test database uses a shared cache with table locks that ignore the busy timeout;
    # threads (database_sync_to_async, the concurrency tests) need a real file to behave like production.
    import tempfile

    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and not db.get("TEST", {}).get("NAME"):
        db.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp(prefix="bb-test-")) / "test.sqlite3")
    if db["ENGINE"].endswith("postgresql"):
        # Transactional tests commit every statement, and PostgreSQL waits for each commit to reach the
        # disk. A throw-away test database needs no durability; locks and isolation are unchanged.
        options = db.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


@pytest.fixture(scope="session", autouse=True)
def _quick_postgres_flush():
    """Every transactional test ends by emptying all tables. Django does that on PostgreSQL with one
    TRUNCATE, which replaces the files of every table and index (0.2 s a test here); DELETE of the few rows
    a test leaves takes a tenth of that. Foreign keys are checked at commit, so the order does not matter."""
    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        # Table names come from the database itself and are quoted.
        return [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


def open_(staff: Staff, office: Office) -> None:
    """Open an office regardless of the wall clock (office hours are tested in tests/offices)."""
    from buergerbuero.offices.actions import open_office

    open_office(staff, office, outside_hours=True)


def enter(office: Office, name: str = "Erika Muster", concern: str = "Heizung") -> tuple[Ticket, str]:
    from buergerbuero.waitingroom.actions import enter_queue

    return enter_queue(office, name, concern, "de")


def citizen_cookie(token: str, legacy: bool = False) -> str:
    """A session cookie of a citizen's browser holding the ticket token's hash (as the public view sets
    it), or with ``legacy`` the raw token as sessions written by older versions hold it."""
    from django.contrib.sessions.backends.db import SessionStore

    from buergerbuero.waitingroom.tokens import SESSION_KEY, remember

    session = SessionStore()
    if legacy:
        session[SESSION_KEY] = token
    else:
        remember(session, token)
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def staff_cookie(staff: Staff) -> str:
    client = login(Client(), staff)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


class SentEvents:
    """Events that left through the pipeline, in order.

    In a transactional test they leave when the action's transaction commits. In an ordinary test the
    whole test is one transaction that never commits; there, looking at the events counts as the commit:
    callbacks still pending run first (callbacks of rolled-back savepoints are already gone, as in
    production). The after-commit rule itself is tested with real transactions
    (tests/waitingroom/test_actions.py).
    """

    def __init__(self, transactional: bool) -> None:
        self._sent: list[tuple[str, dict]] = []
        self.transactional = transactional

    def record(self, group: str, event: dict) -> None:
        self._sent.append((group, dict(event)))

    @property
    def sent(self) -> list[tuple[str, dict]]:
        from django.db import connection

        if not self.transactional and connection.in_atomic_block:
            pending, connection.run_on_commit[:] = list(connection.run_on_commit), []
            for _sids, callback, _robust in pending:
                callback()
        return self._sent

    def of(self, group: str) -> list[dict]:
        return [event for g, event in self.sent if g == group]

    def types(self, group: str | None = None) -> list[str]:
        return [event["type"] for g, event in self.sent if group is None or g == group]


@pytest.fixture
def events(monkeypatch, request) -> SentEvents:
    from buergerbuero.core import events as core_events

    marker = request.node.get_closest_marker("django_db")
    recorder = SentEvents(transactional=bool(marker and marker.kwargs.get("transaction")))
    recorder.sent  # noqa: B018 - events of the fixtures set up before this one leave unrecorded, as they would
    monkeypatch.setattr(core_events, "_send", recorder.record)
    return recorder


@pytest.fixture(autouse=True)
def _no_socket_violations() -> Iterator[None]:
    """Violations are counted per process (core.sockguard): each test starts with none."""
    from buergerbuero.core import sockguard

    sockguard.reset()
    yield
    sockguard.reset()


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> None:
    """Each test starts with an empty channel layer (in memory, or Redis when REDIS_URL is set)."""
    from asgiref.sync import async_to_sync
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    layer = channel_layers[DEFAULT_CHANNEL_LAYER]
    if hasattr(layer, "flush"):
        async_to_sync(layer.flush)()
    yield
    channel_layers.backends.clear()


# --- WebSocket helpers ---------------------------------------------------------------------------------

ORIGIN = "http://localhost"


async def connect(
    path: str, cookie: str | None = None, origin: str = ORIGIN
) -> tuple[WebsocketCommunicator, bool, int | None]:
    """Open a socket on the real application (origin check, sessions, auth, routing)."""
    from buergerbuero.site.asgi import websocket_application

    # A browser's handshake: the page's origin, and the host it opens the socket at (the same site).
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(websocket_application(), path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def frame_of(communicator: WebsocketCommunicator, kind: str, timeout: float = 3) -> dict:
    """The next frame of type ``kind``, skipping others (office.state and the like arrive in between)."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


async def frame_where(communicator: WebsocketCommunicator, timeout: float = 3, **match: object) -> dict:
    """The next frame whose fields equal ``match`` (e.g. ``type="position", position=2``)."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if all(frame.get(k) == v for k, v in match.items()):
            return frame


async def frames_until(communicator: WebsocketCommunicator, kind: str, timeout: float = 3) -> list[dict]:
    """All frames up to and including the next one of type ``kind``."""
    seen = []
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        seen.append(frame)
        if frame["type"] == kind:
            return seen


async def drain(communicator: WebsocketCommunicator) -> list[dict]:
    """Frames already queued (the layer delivers in order; a short quiet period ends the drain)."""
    frames = []
    while not await communicator.receive_nothing(timeout=0.05):
        frames.append(await communicator.receive_json_from())
    return frames


async def group_members(group: str) -> set[str]:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if hasattr(layer, "groups"):
        return set(layer.groups.get(group, {}))
    connection = layer.connection(layer.consistent_hash(group))
    return {m.decode() for m in await connection.zrange(layer._group_key(group), 0, -1)}


async def all_group_members(groups: list[str]) -> dict[str, set[str]]:
    return {g: members for g in groups if (members := await group_members(g))}
