"""Fixtures of the browser tests: a private network namespace, live servers, coturn, Chromium, axe-core.

How the network namespace works
    ``pytest tests/e2e`` (or ``pytest tests``, as ``make test`` runs it) starts on the host network.
    When this conftest is loaded, :func:`pytest_configure` first installs axe-core if it is missing
    (``npm install --prefix tests/e2e``, from tests/e2e/package.json: the only step that needs the
    registry), then stops pytest's output capturing and *re-executes the same pytest command* under
    ``unshare -n`` with ``BB_NETNS=1`` set (harness.ensure_netns). The new process has a network
    namespace with only ``lo``, which it brings up; every server, coturn and Chromium of the session run
    there, so no test can send a packet off this machine and no port can clash with the host's. ``exec``
    keeps stdin/stdout/stderr and the exit status, so callers (Makefile, CI) need nothing special. It needs
    root (CI runs as root) or unprivileged user namespaces (``unshare -rn``); otherwise the session stops
    with a clear message. ``BB_NETNS=1`` set by hand skips the re-exec (for a shell already inside a
    namespace, e.g. scripts/e2e-netns.sh).

Servers
    ``app``: one uvicorn for the session (fresh data directory, migrate, collectstatic, seed data from
    tests/e2e/seed.py), DEBUG off, static files through whitenoise. Each test module uses its own office
    and its own official, so tests cannot disturb one another's queues. ``relay_app``: a second server whose
    ICE configuration forces relayed media through a coturn on loopback. On a failing test the tails of
    the server (and coturn) logs and the browser console are added to the report, and screenshots of the
    open pages are written to test-artifacts/e2e/. A test during which a server logged a traceback fails
    (fixture ``_no_server_errors``), even when the pages recovered from it.

Backends
    ``BB_E2E_BACKENDS=postgres`` (``make test-pg`` sets it; unset, a ``DATABASE_URL`` or ``REDIS_URL`` in the
    environment has the same effect) runs both servers on PostgreSQL and Redis that the session starts in
    its namespace (fixture ``backends``, harness.Backends), each server with two uvicorn workers;
    ``BB_E2E_BACKENDS=sqlite`` forces the default. test_infrastructure.py checks that events cross the
    worker processes.

Browser
    One Chromium (``/usr/bin/chromium``, fake camera and microphone, headless) for the session; a new
    context per persona (``pages.new("citizen")``, ``pages.new("official")``). 127.0.0.1 is a secure
    context, so getUserMedia works without TLS.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import harness
from tests.e2e.harness import Backends, LiveServer, OfficeSpec, SeedSpec, TurnServer
from tests.e2e.logprivacy import private_data_in

E2E_DIR = Path(__file__).resolve().parent
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = harness.REPO / "test-artifacts" / "e2e"

# One office (with its own official) per test module; see tests that use them.
SEED = SeedSpec(
    offices=[
        OfficeSpec("beratung", "Energieberatung", [("anna", "Anna Amsel")]),
        OfficeSpec("meldewesen", "Meldewesen", [("bernd", "Bernd Bussard")]),
        OfficeSpec("kfz", "Kfz-Zulassung", [("carla", "Carla Kranich")]),
        OfficeSpec("bauamt", "Bauamt", [("dora", "Dora Dohle")]),
        OfficeSpec("jugendamt", "Jugendamt", [("emil", "Emil Elster")], opened_by=["emil"]),
        OfficeSpec("gartenamt", "Gartenamt", [("frida", "Frida Fink")]),
        # Never opened: the "closed office" page.
        OfficeSpec("fundbuero", "Fundbüro", [("gustav", "Gustav Gimpel")]),
        # Opened from outside the server by test_infrastructure (events across processes).
        OfficeSpec("standesamt", "Standesamt", [("hanna", "Hanna Häher")]),
        # test_windows.py: one official with the workspace open in two windows.
        OfficeSpec("sozialamt", "Sozialamt", [("ida", "Ida Ibis")]),
        # test_screen_share.py
        OfficeSpec("wohngeld", "Wohngeldstelle", [("jan", "Jan Jay")]),
        # test_liveness.py: the official's page closes mid-call; the citizen's page closes mid-call.
        OfficeSpec("ordnungsamt", "Ordnungsamt", [("konrad", "Konrad Kauz")]),
        OfficeSpec("fahrerlaubnis", "Fahrerlaubnisbehörde", [("lena", "Lena Lerche")]),
        # test_presence.py: the "page closed" mark.
        OfficeSpec("kulturamt", "Kulturamt", [("lea", "Lea Lerche")]),
        # test_reload_call.py: both pages reload mid-call (test_close_office.py uses the Bauamt).
        OfficeSpec("passamt", "Passamt", [("rolf", "Rolf Rabe")]),
    ]
)
RELAY_SEED = SeedSpec(offices=[OfficeSpec("beratung", "Energieberatung", [("anna", "Anna Amsel")])])

_live: list[Any] = []  # servers and coturn of this session, for failure reports


# --- the network namespace --------------------------------------------------------------------------


def _ensure_axe() -> None:
    if AXE_JS.exists():
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.stderr.write("tests/e2e: npm not found; the accessibility test will fail (no axe-core)\n")
        return
    result = subprocess.run(
        [npm, "install", "--prefix", str(E2E_DIR), "--no-audit", "--no-fund", "--loglevel=error"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        sys.stderr.write(f"tests/e2e: npm install of axe-core failed:\n{result.stderr}\n")


def pytest_configure(config: pytest.Config) -> None:
    if harness.in_netns():
        harness.ensure_netns([])  # inside: bring loopback up
        return
    _ensure_axe()
    capman = config.pluginmanager.getplugin("capturemanager")
    if capman is not None:
        capman.stop_global_capturing()
    argv = [sys.executable, "-m", "pytest", *config.invocation_params.args]
    try:
        harness.ensure_netns(argv)  # does not return
    except RuntimeError as exc:
        raise pytest.UsageError(f"tests/e2e: {exc}") from None


# --- failure reports --------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.failed:
        for thing in _live:
            report.sections.append((f"log of {getattr(thing, 'name', 'turn')}", thing.log(150)))
        factory = getattr(item, "_bb_pages", None)
        if factory is not None:
            factory.report_failure(item, report)
    return report


# --- servers ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def backends() -> Iterator[Backends | None]:
    """PostgreSQL and Redis of this session when ``harness.backends_mode()`` says ``postgres``, else None
    (SQLite and the in-memory channel layer)."""
    if harness.backends_mode() != "postgres":
        yield None
        return
    try:
        started = Backends().start()
    except (RuntimeError, TimeoutError) as exc:
        pytest.fail(f"tests/e2e: cannot start PostgreSQL and Redis: {exc}", pytrace=False)
    _live.append(started)
    yield started
    _live.remove(started)
    started.stop()


def _start(
    seed: SeedSpec, name: str, backends: Backends | None, env: dict[str, str] | None = None
) -> LiveServer:
    env = dict(env or {})
    # Every browser of the suite comes from 127.0.0.1: the waiting area's per-address limit would soon
    # refuse it. Its own tests (tests/public) set it low; the proof of work under pressure stays on.
    env.setdefault("BUERGERBUERO_WAITING_ENTRIES_PER_ADDRESS", "1000000")
    server_args: list[str] = []
    if backends is not None:
        env.update(backends.server_env(name))
        server_args = backends.server_args
    return LiveServer(seed, env=env, name=name).start(server_args)


@contextlib.contextmanager
def own_server(
    seed: SeedSpec, name: str, backends: Backends | None, env: dict[str, str], setup: str
) -> Iterator[tuple[LiveServer, str]]:
    """A live server of a module's own: seeded, then ``setup`` run in its ``manage.py shell`` (its output
    is yielded with the server), then started (from then on BUERGERBUERO_SITE_URL is its address), and
    listed for the failure reports while it runs."""
    env = dict(env)
    server_args: list[str] = []
    if backends is not None:
        env.update(backends.server_env(name))
        server_args = backends.server_args
    server = LiveServer(seed, env=env, name=name)
    try:
        server.prepare()
        output = server.manage("shell", "-c", setup)
        server.start(server_args)
    except BaseException:
        server.cleanup()
        raise
    _live.append(server)
    try:
        yield server, output
    finally:
        _live.remove(server)
        server.cleanup()


@pytest.fixture(scope="session")
def app(backends: Backends | None) -> Iterator[LiveServer]:
    server = _start(SEED, "app", backends)
    _live.append(server)
    yield server
    _live.remove(server)
    server.cleanup()


@pytest.fixture(scope="session")
def turn() -> Iterator[TurnServer]:
    server = TurnServer().start()
    _live.append(server)
    yield server
    _live.remove(server)
    server.stop()


@pytest.fixture(scope="session")
def relay_app(turn: TurnServer, backends: Backends | None) -> Iterator[LiveServer]:
    env = {
        "BUERGERBUERO_TURN_URLS": turn.url,
        "BUERGERBUERO_TURN_SECRET": turn.secret,
        "BUERGERBUERO_ICE_RELAY_ONLY": "1",
    }
    server = _start(RELAY_SEED, "relay-app", backends, env)
    _live.append(server)
    yield server
    _live.remove(server)
    server.cleanup()


# --- browser ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(harness.CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {harness.CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = harness.launch_chromium(playwright)
        yield chromium
        chromium.close()


class Pages:
    """Opens one browser context per persona and closes them after the test. Keeps each page's console
    messages and page errors for the failure report."""

    def __init__(self, browser: Any) -> None:
        self.browser = browser
        self.contexts: list[Any] = []
        self.pages: dict[str, Any] = {}
        self.console: dict[str, list[str]] = {}

    def new(self, persona: str, **context_options: Any) -> Any:
        options: dict[str, Any] = {"locale": "de-DE", "timezone_id": "Europe/Berlin", **context_options}
        context = self.browser.new_context(**options)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        return self._watch(persona, context.new_page())

    def another_window(self, persona: str, of: str) -> Any:
        """A second window of the same browser (cookies and all) as the persona ``of``."""
        return self._watch(persona, self.pages[of].context.new_page())

    def _watch(self, persona: str, page: Any) -> Any:
        self.pages[persona] = page
        log = self.console.setdefault(persona, [])
        page.on("console", lambda msg: log.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: log.append(f"pageerror: {exc}"))
        return page

    def report_failure(self, item: pytest.Item, report: pytest.TestReport) -> None:
        folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)
        for persona, page in self.pages.items():
            lines = self.console.get(persona, [])
            report.sections.append(
                (f"browser console of {persona} ({_safe_url(page)})", "\n".join(lines[-80:]))
            )
            try:
                folder.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(folder / f"{persona}.png"), full_page=True)
            except Exception as exc:
                report.sections.append((f"screenshot of {persona}", f"failed: {exc}"))

    def close(self) -> None:
        for context in self.contexts:
            try:
                context.close()
            except Exception:  # noqa: S112
                continue


def _safe_url(page: Any) -> str:
    try:
        return str(page.url)
    except Exception:
        return "?"


@pytest.fixture
def pages(browser: Any, request: pytest.FixtureRequest) -> Iterator[Pages]:
    factory = Pages(browser)
    request.node._bb_pages = factory  # read by pytest_runtest_makereport
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    if not AXE_JS.exists():
        pytest.fail("axe-core is missing: npm install --prefix tests/e2e (needs the npm registry)")
    return AXE_JS


@pytest.fixture
def expect() -> Callable[..., Any]:
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=15_000)
    return playwright_expect


@pytest.fixture(autouse=True)
def _no_server_errors() -> Iterator[None]:
    """A test fails when a live server logged a traceback while it ran: a page that hides a server error by
    reconnecting (a consumer crashed, the socket dropped) must not pass by luck."""
    marks = {id(s): s.log_size() for s in _live if isinstance(s, LiveServer)}
    yield
    found = []
    for server in _live:
        if isinstance(server, LiveServer):
            new = server.log_since(marks.get(id(server), 0))
            if "Traceback (most recent call last)" in new:
                found.append(f"--- {server.name} ---\n{new[-6000:]}")
            # No log line may hold a token, a name, a concern or an e-mail address (docs/privacy.md).
            if private := private_data_in(new, [s for s in _live if isinstance(s, LiveServer)]):
                found.append(f"--- {server.name}: personal data or tokens logged ---\n" + "\n".join(private))
    if found:
        pytest.fail("the live server logged errors during the test:\n" + "\n".join(found), pytrace=False)


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> None:
    """Overrides tests/conftest.py's: the browser tests' servers have their own channel layers, and
    async_to_sync cannot run here while Playwright's sync API holds an event loop in this thread."""
