"""A real Janus (Debian's janus 1.1.2), started by the test from our configuration on 127.0.0.1, driven
by our client: sessions, the VideoRoom plugin, rooms with secrets, refusals; and only our plugins and
transport loaded. Skipped where the janus binary is missing (`make test` installs it as root)."""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from buergerbuero.media.janus import JanusClient, JanusError
from buergerbuero.media.janusconf import PLACEHOLDER, JanusSettings, render

pytestmark = [
    pytest.mark.media,
    pytest.mark.skipif(shutil.which("janus") is None, reason="janus is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Janus:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.api_secret = secrets.token_hex(16)
        self.settings = JanusSettings(
            api_ip="127.0.0.1", api_port=self.port, admin_secret=secrets.token_hex(16)
        )
        self.config = render(self.settings, folder / "conf")
        self.log = folder / "janus.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["janus", "-F", str(self.config), "-a", self.api_secret, "-o", "-L", str(self.log), "-N"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"janus exited: {self.log.read_text(errors='replace')[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError(f"janus did not listen: {self.log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture(scope="module")
def janus(tmp_path_factory) -> Iterator[Janus]:
    server = Janus(tmp_path_factory.mktemp("janus"))
    server.start()
    yield server
    server.stop()


async def test_a_room_with_a_secret_is_created_found_and_destroyed(janus) -> None:
    client = await JanusClient.connect(janus.url, janus.api_secret)
    try:
        session = await client.create_session()
        handle = await client.attach(session, "janus.plugin.videoroom")
        room, secret = 4711, secrets.token_hex(8)
        data, _ = await client.message(
            session,
            handle,
            {
                "request": "create",
                "room": room,
                "secret": secret,
                "is_private": True,
                "publishers": 6,
                "admin_key": janus.settings.admin_secret,
            },
        )
        assert data == {"videoroom": "created", "room": room, "permanent": False}
        data, _ = await client.message(session, handle, {"request": "exists", "room": room})
        assert data["exists"] is True
        with pytest.raises(JanusError) as wrong:
            await client.message(session, handle, {"request": "destroy", "room": room, "secret": "wrong"})
        assert wrong.value.code == 433  # unauthorized
        data, _ = await client.message(
            session, handle, {"request": "destroy", "room": room, "secret": secret}
        )
        assert data["videoroom"] == "destroyed"
        await client.keepalive(session)
        await client.detach(session, handle)
        await client.destroy_session(session)
    finally:
        await client.close()


async def test_rooms_need_the_admin_key_and_requests_the_api_secret(janus) -> None:
    client = await JanusClient.connect(janus.url, janus.api_secret)
    try:
        session = await client.create_session()
        handle = await client.attach(session, "janus.plugin.videoroom")
        with pytest.raises(JanusError):
            await client.message(session, handle, {"request": "create", "room": 4712})
    finally:
        await client.close()
    stranger = await JanusClient.connect(janus.url, "not-the-secret")
    try:
        with pytest.raises(JanusError) as refused:
            await stranger.create_session()
        assert refused.value.code == 403
    finally:
        await stranger.close()


async def test_only_our_plugins_are_loaded(janus) -> None:
    client = await JanusClient.connect(janus.url, janus.api_secret)
    try:
        answer = await client.request({"janus": "info"})
        assert set(answer["plugins"]) == {"janus.plugin.videoroom", "janus.plugin.streaming"}
        assert set(answer["transports"]) == {"janus.transport.websockets"}
        session = await client.create_session()
        with pytest.raises(JanusError):
            await client.attach(session, "janus.plugin.echotest")
    finally:
        await client.close()


def test_render_refuses_bad_values_and_leaves_no_placeholder(tmp_path) -> None:
    settings = JanusSettings(api_ip="127.0.0.1", api_port=8188, admin_secret="s3cret")
    folder = render(settings, tmp_path / "conf")
    texts = {p.name: p.read_text() for p in folder.glob("*.jcfg")}
    assert set(texts) == {
        "janus.jcfg",
        "janus.transport.websockets.jcfg",
        "janus.plugin.videoroom.jcfg",
        "janus.plugin.streaming.jcfg",
    }
    assert not any(PLACEHOLDER.search(text) for text in texts.values())
    assert 'admin_secret = "s3cret"' in texts["janus.jcfg"]
    assert 'ws_ip = "127.0.0.1"' in texts["janus.transport.websockets.jcfg"]
    assert oct((folder / "janus.jcfg").stat().st_mode & 0o777) == "0o600"
    for bad in (
        JanusSettings(api_ip="127.0.0.1", api_port=0, admin_secret="x"),
        JanusSettings(api_ip="127.0.0.1", api_port=8188, admin_secret=""),
        JanusSettings(api_ip="127.0.0.1", api_port=8188, admin_secret="x", rtp_ports=(40000, 20000)),
    ):
        with pytest.raises(ValueError):
            render(bad, tmp_path / "bad")
