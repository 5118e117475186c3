"""Infrastructure shared by the browser tests (tests/e2e) and the benchmarks (bench/): a private network
namespace, a live uvicorn server on a fresh data directory, coturn, an SMTP server that keeps what it
receives, and Chromium's launch options.

It imports no Django and no pytest, so a benchmark can use it as a plain module.

Network namespace
    Everything (server, coturn, Chromium, WebSocket clients) runs in a fresh network namespace that has
    only ``lo``: nothing a test does can reach another machine, and fixed-looking ports cannot clash with
    anything on the host. :func:`ensure_netns` re-executes the current command under ``unshare -n``
    (as root; ``unshare -rn`` otherwise, which needs unprivileged user namespaces) with ``BB_NETNS=1`` in
    the environment, and inside brings ``lo`` up. Exec keeps the process's stdin, stdout, stderr and exit
    code, so a caller such as ``make test`` sees no difference.

Backends
    By default every live server has a SQLite file and the in-memory channel layer of its own, in one
    uvicorn process. With ``BB_E2E_BACKENDS=postgres`` (or, when that is unset, whenever ``DATABASE_URL``
    or ``REDIS_URL`` is set; :func:`backends_mode`) the session starts :class:`Backends` inside the
    namespace: a throw-away PostgreSQL cluster (``initdb`` as the ``postgres`` user in a temp dir, trust
    authentication, 127.0.0.1 only) and a ``redis-server`` without persistence, both children of the test
    process that die with it. Each live server gets a database and a Redis database number of its own and
    runs two worker processes (gunicorn forking uvicorn workers, as deploy/ does), so events must cross
    processes through Redis. It needs root (initdb refuses to run as root, so it runs as ``postgres``)
    and the packages of ``scripts/system-packages.sh pg``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import ctypes
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

REPO = Path(__file__).resolve().parents[2]
NETNS_MARKER = "BB_NETNS"
CHROMIUM = os.environ.get("BB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-sandbox",
]
# The personas' password (same as tests/conftest.py).
PASSWORD = "correct horse battery staple"


# --- network namespace ------------------------------------------------------------------------------


T = TypeVar("T")


def in_netns() -> bool:
    return os.environ.get(NETNS_MARKER) == "1"


def netns_command(argv: Sequence[str]) -> list[str]:
    unshare = shutil.which("unshare")
    if unshare is None:
        raise RuntimeError(
            "unshare (util-linux) is needed to run the browser tests in their own network namespace"
        )
    flags = ["-n"] if os.geteuid() == 0 else ["-r", "-n"]
    return [unshare, *flags, "--", *argv]


def ensure_netns(argv: Sequence[str]) -> None:
    """Outside a namespace: replace this process by ``argv`` run in a new one (never returns).
    Inside: bring up loopback and return."""
    if in_netns():
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return
    # Check first that unshare works here, so a refusal gives a clear message instead of an exec error.
    probe = subprocess.run([*netns_command(["true"])], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        raise RuntimeError(
            "cannot create a network namespace (run as root, or enable unprivileged user namespaces): "
            + probe.stderr.strip()
        )
    sys.stdout.flush()
    sys.stderr.flush()
    env = dict(os.environ, **{NETNS_MARKER: "1"})
    cmd = netns_command(argv)
    os.execvpe(cmd[0], cmd, env)  # noqa: S606 - the argv of this very process


# --- small helpers ----------------------------------------------------------------------------------


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float, proc: subprocess.Popen[Any] | None = None) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - loopback only
                resp.read()
                return
        except urllib.error.HTTPError:
            return  # it answers, even if with an error status
        except (urllib.error.URLError, OSError) as exc:
            last = exc
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout} s: {last}")


try:
    _LIBC: Any = ctypes.CDLL("libc.so.6", use_errno=True)
except OSError:
    _LIBC = None


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the parent dies, so a killed test run or benchmark
    leaves no server or coturn behind (Linux prctl PR_SET_PDEATHSIG). Loaded beforehand: a forked child
    of a threaded process must not import anything."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _die_with_parent_by_sigint() -> None:
    """As :func:`_die_with_parent`, with SIGINT: PostgreSQL's "fast" shutdown (SIGTERM would be its "smart"
    shutdown, which waits for every client to go). Runs after Popen's setuid, so the setting survives it."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGINT)


def end_process(proc: subprocess.Popen[bytes] | None, timeout: float = 5) -> None:
    """Terminate a child we started, and kill it if it does not end within ``timeout``."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from a test. Its own thread: once a browser test ran, Playwright's
    synchronous API keeps an event loop running in the main thread, where asyncio.run() is refused."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def tail(path: Path, lines: int = 200) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


# --- seed data --------------------------------------------------------------------------------------


@dataclass
class OfficeSpec:
    """An office open 00:00-23:59 every day with its own officials (username, display name).
    ``opened_by``: usernames whose presence is started at seeding time (the office is open at once)."""

    slug: str
    name: str
    officials: list[tuple[str, str]]
    opened_by: list[str] = field(default_factory=list)
    hours: bool = True


@dataclass
class SeedSpec:
    authority_slug: str = "testkreis"
    authority_name: str = "Landratsamt Testkreis"
    offices: list[OfficeSpec] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "authority_slug": self.authority_slug,
                "authority_name": self.authority_name,
                "offices": [o.__dict__ for o in self.offices],
            }
        )


# --- the live server --------------------------------------------------------------------------------


def _parents() -> dict[int, int]:
    """Every process of this machine (of the namespace's view) with its parent's pid."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


class LiveServer:
    """``uvicorn buergerbuero.asgi:application`` on 127.0.0.1 with a fresh data directory.

    ``ids`` (after :meth:`start`) maps office slugs to ``{"id", "officials": {username: staff id}}`` and
    holds ``authority`` (slug). Once started, the server's own address is its ``BUERGERBUERO_SITE_URL``, so
    the links in its mails lead back to it (``env`` may still override it).
    """

    def __init__(self, seed: SeedSpec, env: dict[str, str] | None = None, name: str = "app") -> None:
        self.seed_spec = seed
        self.extra_env = env or {}
        self.name = name
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bb-e2e-{name}-"))
        self.data_dir = self.tmp / "data"
        self.log_path = self.tmp / "server.log"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.ids: dict[str, Any] = {}
        # One key for every process of this server (setup scripts make sessions the server must read).
        self.secret_key = secrets.token_urlsafe(40)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BUERGERBUERO_")}
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        env.update(
            {
                "BUERGERBUERO_DATA_DIR": str(self.data_dir),
                "BUERGERBUERO_DEBUG": "0",
                "BUERGERBUERO_ALLOWED_HOSTS": "127.0.0.1,localhost",
                "BUERGERBUERO_SECRET_KEY": self.secret_key,
                # Offices opened by the seed (or from outside the server) have no workspace page that
                # keeps their official present; they must stay open for the whole session.
                "BUERGERBUERO_PRESENCE_GRACE_SECONDS": "3600",
                "DJANGO_SETTINGS_MODULE": "buergerbuero.settings",
                "PYTHONPATH": str(REPO),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if self.port:
            env["BUERGERBUERO_SITE_URL"] = self.url
        env.update(self.extra_env)
        return env

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(REPO / "manage.py"), *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def prepare(self) -> None:
        """Data directory, schema, static files and seed data (no server yet)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("collectstatic", "--noinput", "-v", "0")
        result = subprocess.run(
            [sys.executable, "-m", "tests.e2e.seed"],
            cwd=REPO,
            env=self.env,
            input=self.seed_spec.to_json(),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"seeding failed:\n{result.stdout}\n{result.stderr}")
        self.ids = json.loads(result.stdout.strip().splitlines()[-1])

    def start(
        self, server_args: Sequence[str] = (), launcher: Sequence[str] = (), timeout: float = 30
    ) -> LiveServer:
        """Start the server as production does (:meth:`command`); ``launcher``: interpreter options
        before ``-m`` (e.g. cProfile)."""
        if not self.ids:
            self.prepare()
        self.port = free_port()
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, *launcher, *self.command(server_args)],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        log.close()
        try:
            wait_http(self.url + "/staff/login/", timeout=timeout, proc=self.proc)
        except Exception:
            self.stop()
            raise RuntimeError(f"server did not start; log:\n{self.log()}") from None
        return self

    def command(self, server_args: Sequence[str]) -> list[str]:
        """One process: uvicorn with the options of the Makefile's ``run``. ``--workers N`` in
        ``server_args``: gunicorn with N workers of our worker class (site/worker.py), as deploy/ runs it."""
        args = list(server_args)
        if "--workers" in args:
            at = args.index("--workers")
            workers = args[at + 1]
            del args[at : at + 2]
            return [
                *("-m", "gunicorn", "buergerbuero.asgi:application", "--preload"),
                *("--workers", workers, "--worker-class", "buergerbuero.site.worker.Worker"),
                *("--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "8"),
                *args,
            ]
        return [
            *("-m", "uvicorn", "buergerbuero.asgi:application"),
            *("--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"),
            # As in production (Makefile, deploy/): our frames are small JSON, and per-message
            # compression doubles a waiting page's memory and fan-out time (bench/bench_waiting.py).
            *("--ws-per-message-deflate", "false"),
            # As in production: the server refuses larger frames before buffering them (the consumers'
            # own limit, WS_MAX_FRAME_BYTES), and stops within seconds on SIGTERM.
            *("--ws-max-size", self.env.get("BUERGERBUERO_WS_MAX_FRAME_BYTES", "65536")),
            *("--timeout-graceful-shutdown", "5"),
            *args,
        ]

    def open_office_elsewhere(self, office_slug: str, username: str) -> None:
        """Opens an office through the real action in a separate process (its events reach the server's
        clients only through a shared channel layer, i.e. Redis)."""
        _run(
            [sys.executable, "-m", "tests.e2e.seed", "open", office_slug, username],
            "opening an office",
            cwd=REPO,
            env=self.env,
        )

    def worker_ids(self) -> set[int]:
        """The worker processes (gunicorn forks them as children of its own process)."""
        assert self.proc is not None
        return {pid for pid, ppid in _parents().items() if ppid == self.proc.pid}

    def process_ids(self) -> set[int]:
        """The server process and all its descendants (the workers, with ``--workers``)."""
        if self.proc is None:
            return set()
        children: dict[int, list[int]] = {}
        for pid, ppid in _parents().items():
            children.setdefault(ppid, []).append(pid)
        found, todo = set(), [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.add(pid)
            todo.extend(children.get(pid, []))
        return found

    def process_serving(self, client_port: int) -> int | None:
        """The pid of the server process that holds the accepted end of the TCP connection that a client
        on 127.0.0.1:``client_port`` opened to this server."""
        inode = None
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1] == f"0100007F:{self.port:04X}" and fields[2] == f"0100007F:{client_port:04X}":
                inode = fields[9]
        if inode is None:
            return None
        for pid in self.process_ids():
            with contextlib.suppress(OSError):
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    with contextlib.suppress(OSError):
                        if os.readlink(fd) == f"socket:[{inode}]":
                            return pid
        return None

    def log(self, lines: int = 200) -> str:
        return tail(self.log_path, lines)

    def log_size(self) -> int:
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_since(self, offset: int) -> str:
        try:
            with self.log_path.open("rb") as f:
                f.seek(offset)
                return f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # With --workers the workers have no parent-death signal: a killed manager would leave
            # them running, so whatever of the family survives it is killed too.
            family = self.process_ids() - {self.proc.pid}
            end_process(self.proc, timeout=15)
            alive = _parents()
            for pid in family:
                if pid in alive:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
        self.proc = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def office(self, slug: str) -> dict[str, Any]:
        return self.ids["offices"][slug]

    def office_url(self, slug: str) -> str:
        return f"{self.url}/{self.ids['authority']}/{slug}/"

    def overview_url(self) -> str:
        return f"{self.url}/{self.ids['authority']}/"


# --- PostgreSQL and Redis (BB_E2E_BACKENDS=postgres) -------------------------------------------------

BACKENDS_VAR = "BB_E2E_BACKENDS"


def backends_mode() -> str:
    """``"sqlite"`` (each live server: SQLite file, in-memory channel layer, one uvicorn process) or
    ``"postgres"`` (PostgreSQL and Redis of the session's own, see :class:`Backends`).

    ``BB_E2E_BACKENDS=postgres|sqlite`` decides; unset, a ``DATABASE_URL`` or ``REDIS_URL`` in the
    environment means ``postgres``, so the browser tests run on the same kind of backends as the rest of
    the run. The URLs' values are never used: the host's servers are not reachable from the namespace."""
    value = os.environ.get(BACKENDS_VAR, "").strip().lower()
    if not value:
        has_urls = os.environ.get("DATABASE_URL", "").strip() or os.environ.get("REDIS_URL", "").strip()
        return "postgres" if has_urls else "sqlite"
    if value in ("postgres", "postgresql", "pg"):
        return "postgres"
    if value == "sqlite":
        return "sqlite"
    raise RuntimeError(f"{BACKENDS_VAR}={value!r}: use postgres or sqlite")


def _postgres_bin() -> Path:
    def version(initdb: Path) -> int:
        return int(initdb.parts[-3]) if initdb.parts[-3].isdigit() else 0

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=version)
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
            "scripts/system-packages.sh pg installs it"
        )
    return found[-1].parent


def _run(cmd: Sequence[str], what: str, **kwargs: Any) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


class PostgresServer:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (``initdb`` in a temp dir, trust authentication,
    no fsync), run by the ``postgres`` user because initdb and postgres refuse to run as root.

    ``postgres`` itself is a child of this process (not daemonised by ``pg_ctl start``), so
    PR_SET_PDEATHSIG stops it (SIGINT, fast shutdown) when the test run dies, like the other servers."""

    def __init__(self, user: str = "postgres") -> None:
        self.user = user
        self.bin = _postgres_bin()
        self.port = 0
        self.tmp = Path(tempfile.mkdtemp(prefix="bb-e2e-pg-"))
        self.data = self.tmp / "data"
        self.log_path = self.tmp / "postgres.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PostgresServer:
        if os.geteuid() != 0:
            raise RuntimeError(
                "the PostgreSQL backend of the browser tests needs root (to run initdb as postgres)"
            )
        try:
            shutil.chown(self.tmp, user=self.user, group=self.user)
        except (LookupError, PermissionError) as exc:
            raise RuntimeError(
                f"cannot hand {self.tmp} to the user {self.user!r} ({exc}); as root, with the postgresql "
                "package installed (scripts/system-packages.sh pg)"
            ) from None
        as_pg: dict[str, Any] = {"user": self.user, "group": self.user, "extra_groups": [], "cwd": self.tmp}
        _run(
            [
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            "initdb",
            **as_pg,
        )
        self.port = free_port()
        settings = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.tmp),
            # Throw-away data: no durability needed, and the tests run faster without it.
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        self._options = [part for key, value in settings.items() for part in ("-c", f"{key}={value}")]
        return self._launch()

    def _launch(self) -> PostgresServer:
        as_pg: dict[str, Any] = {"user": self.user, "group": self.user, "extra_groups": [], "cwd": self.tmp}
        log = self.log_path.open("ab")
        shutil.chown(self.log_path, user=self.user, group=self.user)
        self.proc = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), *self._options],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent_by_sigint,
            **as_pg,
        )
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}:\n{self.log()}")
            isready = [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]
            ready = subprocess.run([*isready, "-U", "postgres"], check=False)
            if ready.returncode == 0:
                return self
            time.sleep(0.1)
        raise TimeoutError(f"postgres did not answer on {self.port}:\n{self.log()}")

    def halt(self) -> None:
        """Stop PostgreSQL as an operator's restart does (fast shutdown), keeping its data and port
        for :meth:`resume` (fault tests and bench/bench_faults.py)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(timeout=30)
        self.proc = None

    def resume(self) -> PostgresServer:
        return self._launch()

    def createdb(self, name: str) -> str:
        """Creates the database ``name``; returns its URL."""
        _run(
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            f"createdb {name}",
        )
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def log(self, lines: int = 100) -> str:
        return tail(self.log_path, lines)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: ends the clients' sessions at once
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)


class RedisServer:
    """``redis-server`` on 127.0.0.1 without persistence, a child process of this one."""

    def __init__(self) -> None:
        self.port = 0
        self.tmp = Path(tempfile.mkdtemp(prefix="bb-e2e-redis-"))
        self.log_path = self.tmp / "redis.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run scripts/system-packages.sh pg")
        self.port = free_port()
        self._binary = binary
        return self._launch()

    def _launch(self) -> RedisServer:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                self._binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.tmp),
                "--logfile",
                "",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}:\n{self.log()}")
            if self.ping():
                return self
            time.sleep(0.05)
        raise TimeoutError(f"redis-server did not answer on {self.port}:\n{self.log()}")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def halt(self) -> None:
        """Stop Redis (everything in it is gone, as after a restart without persistence), keeping the
        port for :meth:`resume`."""
        end_process(self.proc)
        self.proc = None

    def resume(self) -> RedisServer:
        return self._launch()

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def log(self, lines: int = 100) -> str:
        return tail(self.log_path, lines)

    def stop(self) -> None:
        end_process(self.proc)
        self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)


class Backends:
    """PostgreSQL and Redis for the live servers of one session (or benchmark). Each server gets a
    database and a Redis database number of its own (:meth:`server_env`) and runs :data:`WORKERS`
    worker processes (:attr:`server_args`): two pages of one call then often talk to different
    processes, so the tests prove that events cross processes through Redis."""

    WORKERS = 2
    name = "postgres+redis"

    def __init__(self) -> None:
        self.postgres = PostgresServer()
        self.redis = RedisServer()
        self._servers = 0

    def start(self) -> Backends:
        try:
            self.postgres.start()
            self.redis.start()
        except BaseException:
            self.stop()
            raise
        return self

    @property
    def server_args(self) -> list[str]:
        return ["--workers", str(self.WORKERS)]

    def server_env(self, name: str) -> dict[str, str]:
        """A fresh database and Redis database number for the live server ``name``."""
        self._servers += 1
        if self._servers > 15:
            raise RuntimeError("more live servers than Redis databases")
        db = "bb_" + "".join(c if c.isalnum() else "_" for c in name.lower())
        return {"DATABASE_URL": self.postgres.createdb(db), "REDIS_URL": self.redis.url(self._servers)}

    def log(self, lines: int = 100) -> str:
        return f"--- postgres ---\n{self.postgres.log(lines)}\n--- redis ---\n{self.redis.log(lines // 2)}"

    def stop(self) -> None:
        for part in (self.redis, self.postgres):
            with contextlib.suppress(Exception):
                part.stop()


# --- coturn -----------------------------------------------------------------------------------------


class TurnServer:
    """coturn with the TURN REST scheme (``use-auth-secret``) on 127.0.0.1, relaying to loopback peers.
    ``--allow-loopback-peers`` is only acceptable here: production must deny loopback and private peers."""

    def __init__(self) -> None:
        self.secret = secrets.token_hex(16)
        self.port = 0
        self.tmp = Path(tempfile.mkdtemp(prefix="bb-e2e-turn-"))
        self.log_path = self.tmp / "turn.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    def start(self) -> TurnServer:
        binary = shutil.which("turnserver")
        if binary is None:
            raise RuntimeError("turnserver (coturn) is not installed")
        self.port = free_port(socket.SOCK_DGRAM)
        relay_min = 40000 + secrets.randbelow(10000)
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [
                binary,
                "-n",
                "--use-auth-secret",
                f"--static-auth-secret={self.secret}",
                "--realm=buergerbuero.test",
                "--listening-ip=127.0.0.1",
                "--relay-ip=127.0.0.1",
                f"--listening-port={self.port}",
                f"--min-port={relay_min}",
                f"--max-port={relay_min + 200}",
                "--allow-loopback-peers",
                "--no-cli",
                "--no-tls",
                "--no-dtls",
                "--no-multicast-peers",
                "--log-file=stdout",
                "--simple-log",
                "--pidfile=" + str(self.tmp / "turn.pid"),
                "--userdb=" + str(self.tmp / "turndb"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"turnserver exited with {self.proc.returncode}:\n{self.log()}")
            if _udp_listening(self.port):
                return self
            time.sleep(0.05)
        raise TimeoutError(f"turnserver did not listen on {self.port}:\n{self.log()}")

    def log(self, lines: int = 100) -> str:
        return tail(self.log_path, lines)

    def stop(self) -> None:
        end_process(self.proc)
        self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)


def _udp_listening(port: int) -> bool:
    try:
        text = Path("/proc/net/udp").read_text()
    except OSError:
        return True
    needle = f":{port:04X} "
    return any(
        needle in line.split("rem_address")[0] or f"0100007F:{port:04X}" in line for line in text.splitlines()
    )


# --- mail -------------------------------------------------------------------------------------------


@dataclass
class ReceivedMail:
    """One message as the SMTP server received it: the envelope and the raw bytes of the message."""

    sender: str
    recipients: list[str]
    data: bytes


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, in a thread of this process, that keeps every message
    it receives. A live server sends to it with ``BUERGERBUERO_EMAIL_HOST=127.0.0.1`` and
    ``BUERGERBUERO_EMAIL_PORT=<port>``; :meth:`wait_for` returns a message once it has arrived."""

    name = "smtp"

    def __init__(self) -> None:
        self.port = 0
        self.received: list[ReceivedMail] = []
        self._arrived = threading.Condition()
        self._controller: Any = None

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller  # a test dependency; the harness runs without it

        # aiosmtpd logs every SMTP command at INFO; a failure report shows the received mails instead.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.port = free_port()
        self._controller = Controller(_Inbox(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()  # returns once the server answers
        return self

    def deliver(self, mail: ReceivedMail) -> None:
        with self._arrived:
            self.received.append(mail)
            self._arrived.notify_all()

    def wait_for(self, predicate: Callable[[ReceivedMail], bool], timeout: float = 15) -> ReceivedMail:
        """The first message received so far or within ``timeout`` s for which ``predicate`` is true."""

        def found() -> ReceivedMail | None:
            return next((mail for mail in self.received if predicate(mail)), None)

        with self._arrived:
            mail = self._arrived.wait_for(found, timeout=timeout)
        if mail is None:
            raise TimeoutError(f"no matching mail within {timeout} s; received:\n{self.log()}")
        return mail

    def log(self, lines: int = 100) -> str:
        with self._arrived:
            summary = [
                f"{m.sender} -> {', '.join(m.recipients)} ({len(m.data)} bytes)" for m in self.received
            ]
        return "\n".join(summary[-lines:]) or "(no mail received)"

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
        self._controller = None


class _Inbox:
    """aiosmtpd's handler: accepts every message and hands it to the :class:`SmtpServer`."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.server.deliver(
            ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
        )
        return "250 Message accepted for delivery"


# --- Chromium ---------------------------------------------------------------------------------------


def launch_chromium(playwright: Any, extra_args: Sequence[str] = ()) -> Any:
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=[*CHROMIUM_ARGS, *extra_args]
    )


@contextlib.contextmanager
def running(*things: Any) -> Iterator[None]:
    try:
        yield
    finally:
        for thing in reversed(things):
            with contextlib.suppress(Exception):
                thing.stop()
