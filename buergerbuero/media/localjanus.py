"""`make run`'s Janus: started next to the web server when the ``janus`` binary exists.

    python -m buergerbuero.media.localjanus -- uvicorn buergerbuero.asgi:application ...

Renders our configuration (deploy/janus/) into ``<data dir>/janus/conf`` with secrets generated once and
kept in the data directory (mode 600), starts Janus with its API on 127.0.0.1 only, then runs the given
command with ``BUERGERBUERO_JANUS_*`` set, and stops Janus when that command ends. Without the binary,
or when an operator configured ``BUERGERBUERO_JANUS_URLS`` themselves, the command runs alone (group
sessions then cannot go live without Janus, which the pages say). Imports no Django.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from buergerbuero.media.janusconf import JanusSettings, render

INSTALL_HINT = (
    "Janus is not installed: group sessions (trainings, events) cannot go live. "
    "On Debian 12 install it with: sudo apt-get install janus && sudo systemctl disable --now janus"
)


def _secret(path: Path) -> str:
    if not path.exists():
        path.write_text(secrets.token_hex(24), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(janus: str, data_dir: Path, port: int) -> tuple[subprocess.Popen[bytes], dict[str, str], Path]:
    """Start Janus; returns the process, the environment for our server and the log file."""
    folder = data_dir / "janus"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    api_secret = _secret(folder / "api_secret")
    admin_secret = _secret(folder / "admin_secret")
    if not _port_free(port):
        port = _free_port()
    conf = render(
        JanusSettings(api_ip="127.0.0.1", api_port=port, admin_secret=admin_secret, api_secret=api_secret),
        folder / "conf",
    )
    log = folder / "janus.log"
    proc = subprocess.Popen(  # noqa: S603 (our own arguments, the binary found on PATH)
        # No secret in the arguments (every local user can read them): janus.jcfg holds it.
        [janus, "-F", str(conf), "-o", "-N", "-L", str(log)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches us; we stop Janus after the server
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"Janus exited at start; its log: {log}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                env = {
                    "BUERGERBUERO_JANUS_URLS": f"ws://127.0.0.1:{port}",
                    "BUERGERBUERO_JANUS_API_SECRET": api_secret,
                    "BUERGERBUERO_JANUS_ADMIN_KEY": admin_secret,
                }
                return proc, env, log
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"Janus did not open its API on 127.0.0.1:{port}; its log: {log}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: python -m buergerbuero.media.localjanus -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    # The command is the operator's own (the Makefile's uvicorn line): running it is the point.
    if os.environ.get("BUERGERBUERO_JANUS_URLS"):
        os.execvp(argv[0], argv)  # noqa: S606
    janus = shutil.which("janus")
    if janus is None:
        print(INSTALL_HINT, file=sys.stderr)
        os.execvp(argv[0], argv)  # noqa: S606
    data_dir = Path(os.environ.get("BUERGERBUERO_DATA_DIR", "var")).resolve()
    port = int(os.environ.get("JANUS_PORT", "8188"))
    try:
        proc, env, log = start(janus, data_dir, port)
    except RuntimeError as error:
        print(f"{error}. Group sessions cannot go live; the rest runs.", file=sys.stderr)
        os.execvp(argv[0], argv)  # noqa: S606
    print(f"  Janus:         {env['BUERGERBUERO_JANUS_URLS']} (log: {log})", file=sys.stderr)
    server = subprocess.Popen(argv, env={**os.environ, **env})  # noqa: S603
    # The server gets the terminal's Ctrl-C itself (same process group); a TERM sent to us is passed on.
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return server.wait()
    finally:
        stop(proc)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
