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
with real media run Janus inside a network namespace that has a veth pair and pass its name
(../shared/LANDSCAPE.md). The process dies with the test run
(PR_SET_PDEATHSIG), so an aborted run leaves no Janus behind.
"""

from __future__ import annotations

import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from buergerbuero.media.janusconf import JanusSettings, render

AVAILABLE = shutil.which("janus") is not None
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
        command = ["janus", "-F", str(self.config), "-a", self.api_secret, "-o", "-L", str(self.log_path)]
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
