"""The live server as it runs in production (harness.LiveServer passes the Makefile's and deploy/'s uvicorn
options): frames above the size limit are refused by uvicorn before it buffers them, and SIGTERM stops
the two-worker server within seconds, closing every socket with 1012 ("service restart"), on which the
pages' socket.js reconnects."""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.conftest import _live
from tests.e2e.harness import Backends, LiveServer, OfficeSpec, SeedSpec, run_async
from tests.e2e.logprivacy import private_data_in

SEED = SeedSpec(offices=[OfficeSpec("schluss", "Schlussamt", [("otto", "Otto Ohr")], opened_by=["otto"])])

# A session of the seeded official, made the way the login view makes it.
STAFF_SESSION = """
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
user = get_user_model().objects.get(username="otto")
session = import_module(settings.SESSION_ENGINE).SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
session.create()
print(session.session_key)
"""


@pytest.fixture
def two_workers(backends: Backends | None) -> Iterator[LiveServer]:
    """A server of this test's own (the test ends it) with two worker processes, as in production."""
    env = backends.server_env("server-limits") if backends is not None else {}
    server = LiveServer(SEED, env=env, name="server-limits")
    try:
        server.start(["--workers", "2"])
    except BaseException:
        server.cleanup()
        raise
    _live.append(server)
    yield server
    _live.remove(server)
    server.cleanup()


async def _closed_with(socket) -> int | None:
    try:
        while True:
            await socket.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


def test_an_oversized_frame_is_refused_by_the_server(app: LiveServer) -> None:
    async def run() -> tuple[int | None, dict]:
        url = app.url.replace("http", "ws", 1) + f"/ws/public/{app.ids['authority']}/"
        async with connect(url, origin=app.url, max_size=None) as socket:
            await socket.recv()  # the snapshot
            # Under the frame limit the consumer answers (the page stays), above it uvicorn closes
            # with 1009 without buffering the frame (its default would take 16 MiB).
            await socket.send('{"type": "ping", "t": "' + "x" * 60_000 + '"}')
            pong = await socket.recv()
            await socket.send('{"type": "ping", "t": "' + "x" * 70_000 + '"}')
            # Without the server's limit the consumer would answer "too_large" and keep the socket.
            return await asyncio.wait_for(_closed_with(socket), 30), {"pong": len(pong)}

    code, seen = run_async(run())
    assert seen["pong"] > 60_000
    assert code == 1009


def test_refused_requests_over_token_paths_log_no_token(app: LiveServer) -> None:
    """Django logs 4xx responses with their path; ours carry link tokens (docs/privacy.md, "Logs")."""
    token = secrets.token_urlsafe(24)
    mark = app.log_size()
    for method, path in [
        ("PUT", f"/termine/{token}/"),
        ("DELETE", f"/termine/bestaetigen/{token}/"),
        ("GET", f"/termine/{token}/absagen/"),
        ("GET", f"/{token}/{token}/{token}/"),
    ]:
        request = urllib.request.Request(app.url + path, method=method)  # noqa: S310 - loopback only
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)  # noqa: S310 - loopback only
        assert refused.value.code in (403, 404, 405, 410)  # CSRF, unknown token, method
    log = app.log_since(mark)
    assert "/termine/<str:token>/" in log  # what an operator reads instead
    assert token not in log
    assert private_data_in(log, [app]) == []


def test_sigterm_stops_the_server_and_pages_reconnect(two_workers: LiveServer) -> None:
    server = two_workers
    session_key = server.manage("shell", "-c", STAFF_SESSION).strip().splitlines()[-1]
    base = server.url.replace("http", "ws", 1)

    async def run() -> tuple[list[int | None], float]:
        sockets = []
        for _ in range(4):
            sockets.append(await connect(f"{base}/ws/public/{server.ids['authority']}/", origin=server.url))
        for _ in range(4):
            sockets.append(
                await connect(
                    f"{base}/ws/staff/",
                    origin=server.url,
                    additional_headers={"Cookie": f"sessionid={session_key}"},
                )
            )
        for socket in sockets:
            await socket.recv()  # each has its snapshot: accepted and in its groups
        assert server.proc is not None
        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        codes = await asyncio.gather(*(asyncio.wait_for(_closed_with(s), 60) for s in sockets))
        while server.proc.poll() is None and time.monotonic() - started < 60:
            await asyncio.sleep(0.1)
        return list(codes), time.monotonic() - started

    codes, seconds = run_async(run())
    print(f"two-worker server stopped {seconds:.1f} s after SIGTERM")  # the figure; the goal is 10 s
    assert server.proc is not None and server.proc.poll() is not None, server.log(60)
    assert codes == [1012] * 8
    assert "Traceback" not in server.log(400)
