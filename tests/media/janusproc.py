"""A real Janus (Debian's janus 1.1.2) for tests and benchmarks, started from our configuration
(deploy/janus/, rendered by ``buergerbuero.media.janusconf``) with fresh secrets, its API on 127.0.0.1.

    janus = Janus(tmp_path).start()
    client = await JanusClient.connect(janus.url, janus.api_secret)
    ...
    janus.stop()

Instances that stand for several Janus of one installation share the secrets (``api_secret``,
``admin_secret``), as the settings name one of each. ``restart()`` stops and starts the same instance
on the same port (a crashed Janus coming back: all its rooms and sessions are gone). ``ice_interface``
names the only interface Janus gathers ICE candidates on (``-E``); Janus 1.1.2 skips loopback, so tests
with real media run Janus inside a network namespace that has a veth pair and pass its name. The process
dies with the test run (PR_SET_PDEATHSIG), so an aborted run leaves no Janus behind.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from buergerbuero.media.janusconf import JanusSettings, render

AVAILABLE = shutil.which("janus") is not None
T = TypeVar("T")
_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Janus:
    def __init__(
        self,
        folder: Path,
        *,
        api_secret: str | None = None,
        admin_secret: str | None = None,
        rtp_ports: tuple[int, int] = (20000, 40000),
        ice_interface: str | None = None,
        session_timeout: int | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.folder = folder
        self.port = free_port()
        self.api_secret = api_secret or secrets.token_hex(16)
        self.settings = JanusSettings(
            api_ip="127.0.0.1",
            api_port=self.port,
            admin_secret=admin_secret or secrets.token_hex(16),
            api_secret=self.api_secret,
            rtp_ports=rtp_ports,
        )
        self.config = render(self.settings, folder / "conf")
        if session_timeout is not None:
            # Shorter than production's 60 s, so tests see a session expire.
            general = self.config / "janus.jcfg"
            text = general.read_text()
            assert "session_timeout = 60" in text
            general.write_text(text.replace("session_timeout = 60", f"session_timeout = {session_timeout}"))
        self.log_path = folder / "janus.log"
        self.ice_interface = ice_interface
        self.extra_args = list(extra_args)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def admin_key(self) -> str:
        """The plugins' admin key (our configuration uses the admin secret for it)."""
        return self.settings.admin_secret

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def command(self) -> list[str]:
        command = ["janus", "-F", str(self.config), "-o", "-L", str(self.log_path)]
        command.append("-N")
        if self.ice_interface:
            command += ["-E", self.ice_interface]
        return [*command, *self.extra_args]

    def start(self, timeout: float = 20) -> Janus:
        self.proc = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"janus exited: {self.log()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError(f"janus did not listen: {self.log()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """End Janus abruptly (SIGKILL), as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def pause(self) -> None:
        """Freeze Janus (SIGSTOP): connections to it hang until ``resume``."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)

    def restart(self) -> Janus:
        self.kill()
        return self.start()

    def log(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def cpu_seconds(self) -> float:
        """User plus system CPU time Janus has used so far (for benchmarks)."""
        if self.proc is None:
            return 0.0
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / float(os.sysconf("SC_CLK_TCK"))


# --- a network namespace of the test's own --------------------------------------------------------

_CLONE_NEWNET = 0x40000000
# Both ends of the pair live in the namespace; Janus gathers ICE candidates on the first one only.
VETH = ("bbveth0", "bbveth1")
VETH_ADDRESSES = ("10.99.0.1", "10.99.0.2")


def run_in_own_netns(work: Callable[[], T]) -> T:
    """Run ``work`` in a new thread that first moves into a network namespace of its own (network
    namespaces belong to threads; processes started from that thread, such as Janus and Chromium, are
    in it too) with loopback and a veth pair up. Nothing in it reaches the host's network. Raises
    ``PermissionError`` where namespaces cannot be made (not root, no user namespaces)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            libc = ctypes.CDLL("libc.so.6", use_errno=True)
            if libc.unshare(_CLONE_NEWNET) != 0:
                raise PermissionError(ctypes.get_errno(), "unshare(CLONE_NEWNET) failed")
            commands = [
                ["ip", "link", "set", "lo", "up"],
                ["ip", "link", "add", VETH[0], "type", "veth", "peer", "name", VETH[1]],
                ["ip", "addr", "add", f"{VETH_ADDRESSES[0]}/24", "dev", VETH[0]],
                ["ip", "addr", "add", f"{VETH_ADDRESSES[1]}/24", "dev", VETH[1]],
                ["ip", "link", "set", VETH[0], "up"],
                ["ip", "link", "set", VETH[1], "up"],
            ]
            for command in commands:
                subprocess.run(command, check=True, capture_output=True)
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="own-netns")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def can_make_netns() -> bool:
    if shutil.which("ip") is None:
        return False
    try:
        return run_in_own_netns(lambda: True)
    except (PermissionError, subprocess.CalledProcessError, OSError):
        return False
