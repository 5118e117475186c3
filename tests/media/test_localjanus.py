"""`make run`'s launcher: with the janus binary it starts our Janus on loopback, hands its address and
secrets to the server command, and stops it afterwards; without it the server runs alone and the
operator is told how to install Janus."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap

import pytest

# The server stand-in: prints the Janus environment it got, asks Janus who it is, and exits.
PROBE = textwrap.dedent(
    """
    import asyncio, json, os
    from buergerbuero.media.janus import JanusClient

    async def main():
        env = {k: v for k, v in os.environ.items() if k.startswith("BUERGERBUERO_JANUS_")}
        info = None
        if env:
            url, secret = env["BUERGERBUERO_JANUS_URLS"], env["BUERGERBUERO_JANUS_API_SECRET"]
            client = await JanusClient.connect(url, secret)
            info = (await client.request({"janus": "info"}))["server-name"]
            await client.close()
        # Every local user can read any process's arguments: none may hold the API secret.
        exposed = []
        for cmdline in __import__("pathlib").Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if env and env["BUERGERBUERO_JANUS_API_SECRET"].encode() in cmdline.read_bytes():
                    exposed.append(cmdline.parent.name)
            except OSError:
                pass
        print(json.dumps({"env": env, "info": info, "exposed": exposed}))

    asyncio.run(main())
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BUERGERBUERO_JANUS_")}
    environ.update(BUERGERBUERO_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "buergerbuero.media.localjanus", "--", sys.executable, "-c", PROBE],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.media
@pytest.mark.skipif(shutil.which("janus") is None, reason="janus is not installed")
def test_janus_runs_beside_the_server_on_loopback_and_stops_with_it(tmp_path) -> None:
    port = free_port()
    result = launch(tmp_path, JANUS_PORT=str(port))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["env"]["BUERGERBUERO_JANUS_URLS"] == f"ws://127.0.0.1:{port}"
    assert seen["info"] == "buergerbuero"  # our configuration's server name, so our config is in use
    assert seen["exposed"] == []  # the API secret is in Janus's configuration file, not its arguments
    # Secrets are kept in the data directory, readable by the owner only, and used again next time.
    api_secret = tmp_path / "janus" / "api_secret"
    assert oct(api_secret.stat().st_mode & 0o777) == "0o600"
    assert seen["env"]["BUERGERBUERO_JANUS_API_SECRET"] == api_secret.read_text().strip()
    # Janus is gone once the server command has ended.
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0
    again = json.loads(launch(tmp_path, JANUS_PORT=str(port)).stdout.strip().splitlines()[-1])
    assert again["env"]["BUERGERBUERO_JANUS_ADMIN_KEY"] == seen["env"]["BUERGERBUERO_JANUS_ADMIN_KEY"]


def test_without_janus_the_server_runs_alone_and_says_how_to_install_it(tmp_path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    result = launch(tmp_path, PATH=str(bin_dir))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip())["env"] == {}
    assert "apt-get install janus" in result.stderr


def test_an_operators_own_janus_is_left_to_them(tmp_path) -> None:
    result = launch(
        tmp_path,
        BUERGERBUERO_JANUS_URLS="ws://127.0.0.1:9",
        BUERGERBUERO_JANUS_API_SECRET="a",
        BUERGERBUERO_JANUS_ADMIN_KEY="b",
    )
    # The probe cannot reach that address, but the launcher started no Janus of its own.
    assert not (tmp_path / "janus").exists()
    assert "Connect call failed ('127.0.0.1', 9)" in result.stderr


def test_the_usage_is_explained() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "buergerbuero.media.localjanus"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "usage" in result.stderr
